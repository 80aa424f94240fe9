package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	sdnotify "github.com/coreos/go-systemd/v22/daemon"
	"github.com/lekwacht/lekwacht/collectors"
	"github.com/lekwacht/lekwacht/collectors/tail"
	"github.com/lekwacht/lekwacht/config"
	"github.com/lekwacht/lekwacht/esindex"
	"github.com/lekwacht/lekwacht/hooks"
	"golang.org/x/sync/errgroup"
)

// Version is lekwacht's version, set at build time (-ldflags "-X .../daemon.Version=...").
var Version = "dev"

// CheckpointEvery is how often positions and outputs are saved together while running.
const CheckpointEvery = time.Second

const eventsSink = "events"

// Daemon follows the configured inputs until its context ends.
type Daemon struct {
	cfg    *config.Config
	log    *slog.Logger
	inputs []*runInput
	tails  []*tail.Tailer
	out    *eventsOutput
	det    *detection
	cpPath string
	http   *httpSide
	hooks  *hooks.Runner
	es     *esindex.Indexer
	alerts *esindex.AlertSync // kibana.triage: alerts
	cases  *esindex.CaseSync  // kibana.triage: cases
	lock   *RegisterLock      // held from New to Close: one daemon per register
	// reloads says which of config, rules, directory and tokens last failed to reload.
	reloads reloads
	// opened is when New began: files in the watch: folders changed before it are the ones "already
	// there" that Run inspects at start.
	opened time.Time
	// presentInspected is set once the files already in the watch: folders at start are inspected.
	presentInspected atomic.Bool
	// now is the daemon's clock for its health: an input's quiet is measured with it (tests set it
	// between New and Run).
	now func() time.Time
	// tokenUse keeps when each token was last used (register.dir/tokens-used.json).
	tokenUse *tokenUse
	// changeSeq is the last incident status change logChanges has logged (the register's history).
	changeSeq int64
	// started is when Run began (Unix nanoseconds, by now): an input that has read no line yet is
	// quiet since then.
	started atomic.Int64
	// lastCheckpoint is when positions were last saved (Unix nanoseconds), for health and watchdog.
	lastCheckpoint atomic.Int64
	// writeFailure is why the last write failed while it still fails (nil: writing works).
	writeFailure  atomic.Pointer[string]
	writeFailures atomic.Int64
	// lastTick is when the checkpoint loop last ran, saved or not: the watchdog's sign of life.
	lastTick atomic.Int64

	// mu is held while a line is handled and acknowledged, and while a checkpoint is taken, so a
	// checkpoint's positions and output sizes describe the same cut of the stream.
	mu sync.Mutex
}

// New opens the outputs, cut back to the last checkpoint, and prepares one tailer per input.
func New(cfg *config.Config, log *slog.Logger) (*Daemon, error) {
	if err := ensureRegisterDir(cfg); err != nil {
		return nil, err
	}
	lock, err := LockRegister(cfg.Register.Dir, "run")
	if err != nil {
		return nil, err
	}
	d := &Daemon{cfg: cfg, log: log, lock: lock, opened: time.Now(), now: time.Now, cpPath: filepath.Join(cfg.Register.Dir, "positions.json")}
	cp, err := tail.LoadCheckpoint(d.cpPath)
	if err != nil {
		return nil, fmt.Errorf("positions: %w", err)
	}
	size := func(name string) int64 {
		if n, ok := cp.Sinks[name]; ok {
			return n
		}
		return -1
	}
	if d.out, err = openEventsOutput(cfg, size(eventsSink)); err != nil {
		return nil, err
	}
	hs, err := hooks.Load(cfg.Hooks)
	if err != nil {
		d.Close()
		return nil, err
	}
	if d.det, err = openDetection(context.Background(), cfg, log, hs); err != nil {
		d.Close()
		return nil, err
	}
	d.hooks = hooks.NewRunner(d.det.reg, hs, log)
	if d.changeSeq, err = d.det.reg.LastChange(context.Background()); err != nil {
		d.Close()
		return nil, err
	}
	if d.det.dir != nil {
		// A change of the directory's files reloads it by itself (Watch): noted like SIGHUP's.
		d.det.dir.Reloaded = func(err error) { d.reloads.note(reloadDirectoryName, err) }
	}
	if len(cfg.Elasticsearch.Addresses) > 0 {
		es, err := esindex.NewClient(cfg.Elasticsearch)
		if err != nil {
			d.Close()
			return nil, err
		}
		instance := cfg.Register.Instance
		if instance == "" {
			instance, _ = os.Hostname()
		}
		d.es = esindex.NewIndexer(d.det.reg, es, esindex.Options{Index: esindex.AliasFor(cfg.Elasticsearch.IndexPrefix),
			Instance: instance, Version: Version, PublicURL: cfg.HTTP.PublicURL, Log: log})
		// Before any draft opens: a register reset or installed afresh numbers after the incidents of
		// its instance and year the index holds, so no new incident takes an earlier one's id.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if said, err := esindex.ContinueIDs(ctx, d.det.reg, es, esindex.AliasFor(cfg.Elasticsearch.IndexPrefix)); err != nil {
			log.Warn("elasticsearch: could not read the highest incident id in the index; if this register was reset, its first drafts may take the ids of earlier incidents there", "err", err.Error())
		} else if said != "" {
			log.Info("elasticsearch: " + said)
		}
		cancel()
	}
	if cfg.Kibana.Triage == config.TriageAlerts {
		if d.alerts, err = esindex.NewAlertSync(d.det.reg, esindex.SyncOptions{URL: cfg.Kibana.URL, Auth: cfg.Elasticsearch,
			Prefix: cfg.Elasticsearch.IndexPrefix, Dir: cfg.Register.Dir, Every: cfg.Kibana.PollEvery(), Log: log}); err != nil {
			d.Close()
			return nil, err
		}
	}
	if cfg.Kibana.Triage == config.TriageCases {
		if d.cases, err = esindex.NewCaseSync(d.det.reg, esindex.CaseOptions{URL: cfg.Kibana.URL, Auth: cfg.Elasticsearch,
			Dir: cfg.Register.Dir, Every: cfg.Kibana.PollEvery(), PublicURL: cfg.HTTP.PublicURL, Log: log}); err != nil {
			d.Close()
			return nil, err
		}
	}
	d.det.afterFlush = func() {
		d.hooks.Kick()
		if d.es != nil {
			d.es.Kick()
		}
		if d.cases != nil {
			d.cases.Kick() // a new draft's case without waiting for the poll
		}
	}
	if d.http, err = openHTTP(cfg, log); err != nil {
		d.Close()
		return nil, err
	}
	d.tokenUse = newTokenUse(cfg.Register.Dir)
	// The state matches the positions of the last checkpoint only after a clean stop; after a crash
	// it is up to a minute older (StateEvery), and what was counted in between is not counted again.
	if err := d.det.loadState(cfg.Register.Dir); err != nil {
		log.Warn("detector state not restored: counts start afresh", "err", err)
	}
	for _, in := range cfg.Inputs {
		rt, err := newInput(cfg, in, time.Now, size("rejects/"+in.Name))
		if err != nil {
			d.Close()
			return nil, err
		}
		t, err := tail.New(tail.Config{
			Paths:        in.Paths,
			Exclude:      in.Exclude,
			MaxLineBytes: in.MaxLineBytes,
			Poll:         in.Poll,
			FromEnd:      in.FromEnd,
			Logger:       log.With("input", in.Name),
		}, cp.Inputs[in.Name])
		if err != nil {
			rt.rejects.Close()
			d.Close()
			return nil, fmt.Errorf("input %s: %w", in.Name, err)
		}
		d.inputs = append(d.inputs, rt)
		d.tails = append(d.tails, t)
	}
	for _, e := range InputsWithoutFiles(cfg) {
		log.Warn("input has no file to follow: a mistyped path? followed in case the log appears later",
			"input", e.Input, "paths", e.Paths, "hint", e.Hint)
	}
	// A first checkpoint before any line is read: a crash before the next one cuts the outputs back
	// to what they hold now.
	if err := d.checkpoint(); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

// Run follows every input until ctx ends, then saves a last checkpoint.
func (d *Daemon) Run(ctx context.Context) error {
	d.started.Store(d.now().UnixNano())
	g, ctx := errgroup.WithContext(ctx)
	for i := range d.inputs {
		t, in := d.tails[i], d.inputs[i]
		d.log.Info("input started", "input", in.Name, "format", in.Format, "paths", d.cfg.Inputs[i].Paths) // d.inputs follows cfg.Inputs
		g.Go(func() error { return t.Run(ctx) })
		g.Go(func() error { return d.consume(ctx, t, in) })
	}
	if d.det.dir != nil {
		g.Go(func() error { return d.det.dir.Watch(ctx) })
	}
	if len(d.cfg.Watch) > 0 {
		done, err := loadInspected(d.cfg.Register.Dir)
		if err != nil {
			return fmt.Errorf("watched files inspected before (%s): %w", InspectedFile, err)
		}
		inspect := func(f watchedFile) {
			d.mu.Lock()
			defer d.mu.Unlock()
			d.det.observeFile(f)
			// Not ctx: the files still waiting for their audit line are inspected as run stops.
			if err := d.det.flush(context.WithoutCancel(ctx)); err != nil {
				d.log.Error("register hits of a watched file", "err", err)
				return
			}
			if sum, err := fileSum(f.ev.File.Path); err == nil {
				if err := done.add(sum); err != nil {
					d.log.Error("remember an inspected file", "err", err)
				}
			}
		}
		g.Go(func() error {
			// The files already there when run began: inspected once, as replay does, unless their
			// content was inspected before (a restart inspects nothing twice). Files changed since,
			// also those changed while run started, before the folders were watched, are the watch's,
			// which waits for them to settle and for their audit lines.
			return watchFolders(ctx, d.cfg.Watch, d.det.writers, d.log, inspect, func() (changed []string) {
				for _, f := range watchedFiles(d.cfg) {
					if ctx.Err() != nil {
						return nil
					}
					if !f.changed.Before(d.opened) {
						changed = append(changed, f.ev.File.Path)
						continue
					}
					if sum, err := fileSum(f.ev.File.Path); err == nil && !done.seen(sum) {
						inspect(d.det.writers.attribute(f))
					}
				}
				d.presentInspected.Store(true)
				return changed
			})
		})
	}
	if d.cfg.Rules.Dir != "" {
		g.Go(func() error { return watchRules(ctx, d.cfg.Rules.Dir, d.log, func() { d.ReloadRules() }) })
	}
	g.Go(func() error {
		return every(ctx, StateEvery, func() error {
			if err := d.SaveState(); err != nil {
				d.log.Error("save detector state", "err", err)
			}
			return nil
		})
	})
	g.Go(func() error {
		return every(ctx, CheckpointEvery, func() error {
			// A checkpoint that cannot be written (a full disk) keeps the last one: nothing read since
			// is lost, it is read again after a restart. The daemon goes on and says so.
			d.lastTick.Store(time.Now().UnixNano())
			err := d.checkpoint()
			if f := d.writeFailure.Load(); err == nil && f != nil && strings.HasPrefix(*f, "positions: ") {
				d.writeFailure.CompareAndSwap(f, nil)
			}
			if err != nil {
				d.writeFailed("positions: "+err.Error(), "cannot save positions: the last saved ones stay")
			}
			if err := d.det.noteUnresolved(ctx); err != nil {
				d.log.Error("list unresolved identities: kept for the next try", "err", err)
			}
			return nil
		})
	})
	g.Go(func() error {
		return every(ctx, CheckpointEvery, func() error {
			if err := d.logChanges(ctx); err != nil && ctx.Err() == nil {
				d.log.Error("read the incidents' status changes for the log", "err", err)
			}
			if err := d.tokenUse.save(); err != nil {
				d.log.Error("record when tokens were last used", "err", err)
			}
			if d.http != nil && d.http.tokensChanged() {
				d.reloadTokens()
			}
			return nil
		})
	})
	if d.http != nil {
		g.Go(func() error { return d.serveHTTP(ctx) })
	}
	g.Go(func() error { return d.hooks.Run(ctx) })
	if d.es != nil {
		g.Go(func() error { return d.es.Run(ctx) })
	}
	if d.alerts != nil {
		g.Go(func() error { return d.alerts.Run(ctx) })
	}
	if d.cases != nil {
		g.Go(func() error { return d.cases.Run(ctx) })
	}
	if iv, err := sdnotify.SdWatchdogEnabled(false); err == nil && iv > 0 {
		g.Go(func() error { return d.watchdog(ctx, iv) })
	}
	// Everything is open and bound: tell systemd (Type=notify) we are ready.
	sdnotify.SdNotify(false, sdnotify.SdNotifyReady)
	go func() {
		<-ctx.Done()
		sdnotify.SdNotify(false, sdnotify.SdNotifyStopping)
	}()
	err := g.Wait()
	if cerr := d.checkpoint(); err == nil || errors.Is(err, context.Canceled) {
		err = cerr
	}
	if serr := d.SaveState(); err == nil {
		err = serr
	}
	if terr := d.tokenUse.save(); terr != nil {
		d.log.Error("record when tokens were last used", "err", terr)
	}
	if nerr := d.det.noteUnresolved(context.WithoutCancel(ctx)); nerr != nil {
		d.log.Error("list unresolved identities", "err", nerr)
	}
	for _, in := range d.inputs {
		c := in.Counters
		d.log.Info("input stopped", "input", in.Name, "lines", c.Lines.Load(), "events", c.Events.Load(),
			"rejected", c.RejectedTotal(), "ignored", c.Ignored.Load())
	}
	return err
}

func (d *Daemon) consume(ctx context.Context, t *tail.Tailer, in *runInput) error {
	var own detacher
	for {
		l, err := t.Next(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("input %s: %w", in.Name, err)
		}
		in.lastLine.Store(d.now().UnixNano())
		l.Input = in.Name
		// Parsing needs only this input's parser and rejects file: the inputs parse at the same time,
		// outside the pipeline lock; the detectors take their events one input at a time.
		evs, err := in.Handle(l.Line)
		var rw *collectors.RejectWriteError
		if errors.As(err, &rw) {
			// The line's reject record could not be written (a full disk): write it again until it can.
			if d.stubborn(ctx, in.Name, rw.Retry) != nil {
				return nil
			}
			err = nil
		}
		if err != nil {
			return fmt.Errorf("input %s: %w", in.Name, err)
		}
		own.detach(evs)
		d.mu.Lock()
		d.det.observe(evs)
		d.mu.Unlock()
		// The events and the hits are written before the line is acknowledged: after a crash the line
		// is read again and the register recognises what it already holds. A write that fails (a
		// full disk, a register locked by hand) is tried again, the line held, until it succeeds.
		// The acknowledgement is in the same hold of the lock as the writes, so a checkpoint never
		// records events of a line whose position it does not record; it records the rejects file as
		// it was at the acknowledgement, as this input parses its next line only after it.
		if err := d.stubborn(ctx, in.Name, func() error {
			if err := d.out.Write(evs); err != nil {
				return err
			}
			evs = nil // written: a retry only registers the hits
			if err := d.det.flush(ctx); err != nil {
				return err
			}
			in.ackedRejects = in.rejects.Size()
			t.Ack(l)
			return nil
		}); err != nil {
			return nil // ctx ended
		}
	}
}

// writeFailed records why a write failed (for /healthz and /metrics) and logs msg with it once per
// change of reason.
func (d *Daemon) writeFailed(why, msg string, attrs ...any) {
	if old := d.writeFailure.Swap(&why); old == nil || *old != why {
		d.log.Error(msg, append(attrs, "err", why)...)
	}
	d.writeFailures.Add(1)
}

// stubborn runs fn under the pipeline lock until it succeeds, waiting 1, 2, 4, ... 30 s between
// tries; while it fails the daemon is unhealthy, says why once per change of reason, and advances
// no position. It returns ctx's error when ctx ends first.
func (d *Daemon) stubborn(ctx context.Context, what string, fn func() error) error {
	wait := time.Second
	for {
		d.mu.Lock()
		err := fn()
		d.mu.Unlock()
		if err == nil {
			if d.writeFailure.Swap(nil) != nil {
				d.log.Info("writing again: positions advance", "input", what)
			}
			return nil
		}
		d.writeFailed(err.Error(), "cannot write: holding the positions and trying again", "input", what)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		wait = min(2*wait, 30*time.Second)
	}
}

// every calls fn at each tick until ctx ends or fn fails.
func every(ctx context.Context, period time.Duration, fn func() error) error {
	tick := time.NewTicker(period)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
			if err := fn(); err != nil {
				return err
			}
		}
	}
}

// StateEvery is how often run saves the detectors' state besides at shutdown.
var StateEvery = time.Minute

// SaveState writes the detectors' state to register.dir.
func (d *Daemon) SaveState() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.det.saveState(d.cfg.Register.Dir)
}

// ReloadRules reads the rules again (a change in rules.dir, or SIGHUP); a broken rule set leaves the
// rules in force running and returns why.
func (d *Daemon) ReloadRules() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.reloads.note(reloadRulesName, d.det.reloadRules())
}

// Reload is SIGHUP: the config file, the rules, the directory and the tokens are read again; what
// does not load stays as it was (see reloadConfig for what a restart still needs).
func (d *Daemon) Reload() error {
	err := d.reloads.note(reloadConfigName, d.reloadConfig())
	err = errors.Join(err, d.ReloadRules())
	if d.det.dir != nil {
		err = errors.Join(err, d.det.dir.Reload()) // noted by its Reloaded hook
	}
	if d.http != nil {
		err = errors.Join(err, d.reloadTokens())
	}
	return err
}

// reloadTokens reads the tokens file again (SIGHUP, or a change of the file: tokens add and revoke
// take effect without a signal); a broken file leaves the tokens in force.
func (d *Daemon) reloadTokens() error {
	err := d.http.loadTokens(d.log)
	if err != nil {
		d.log.Error("tokens not reloaded: the tokens in force stay", "file", d.http.file, "err", err)
	} else {
		d.log.Info("tokens reloaded", "file", d.http.file, "tokens", d.http.tokens.Load().Len())
	}
	return d.reloads.note(reloadTokensName, err)
}

// watchdog pings systemd's watchdog twice per interval while checkpoints keep coming: a stuck
// pipeline stops the pings and systemd restarts the service.
func (d *Daemon) watchdog(ctx context.Context, interval time.Duration) error {
	return every(ctx, interval/2, func() error {
		// Stuck, not merely unable to write (a full disk is waited out, not restarted).
		if last := d.lastTick.Load(); last > 0 && time.Since(time.Unix(0, last)) > 10*CheckpointEvery {
			d.log.Error("watchdog not pinged: the checkpoint loop is stuck", "since", time.Unix(0, last))
			return nil
		}
		sdnotify.SdNotify(false, sdnotify.SdNotifyWatchdog)
		return nil
	})
}

// checkpoint flushes the outputs and saves their sizes with the acknowledged positions, atomically.
func (d *Daemon) checkpoint() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.checkpointLocked()
}

// checkpointLocked is checkpoint with the pipeline lock held.
func (d *Daemon) checkpointLocked() error {
	cp := tail.Checkpoint{Version: 1, Inputs: map[string][]tail.Position{}, Sinks: map[string]int64{}}
	if err := d.out.Sync(); err != nil {
		return err
	}
	if d.cfg.Events.File != "" {
		cp.Sinks[eventsSink] = d.out.Size()
	}
	for i, in := range d.inputs {
		if _, err := in.rejects.Sync(); err != nil {
			return err
		}
		cp.Sinks["rejects/"+in.Name] = in.ackedRejects
		cp.Inputs[in.Name] = d.tails[i].Positions()
	}
	if err := tail.SaveCheckpoint(d.cpPath, cp); err != nil {
		return fmt.Errorf("save positions: %w", err)
	}
	d.lastCheckpoint.Store(time.Now().UnixNano())
	return nil
}

// Inputs returns the inputs' counters, for status and metrics.
func (d *Daemon) Inputs() []*runInput { return d.inputs }

// Close releases files; Run's end has already saved the last checkpoint.
func (d *Daemon) Close() error {
	var errs []error
	for _, in := range d.inputs {
		errs = append(errs, in.rejects.Close())
	}
	if d.out != nil {
		errs = append(errs, d.out.Close())
	}
	if d.det != nil {
		errs = append(errs, d.det.close())
	}
	if d.http != nil {
		d.http.ln.Close() // already closed by Run's shutdown, or never served
	}
	errs = append(errs, d.lock.Release()) // last: everything it guards is closed
	return errors.Join(errs...)
}
