package daemon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"

	"github.com/fsnotify/fsnotify"

	"github.com/lekwacht/lekwacht/collectors/tail"
	"github.com/lekwacht/lekwacht/config"
	"github.com/lekwacht/lekwacht/detectors"
	"github.com/lekwacht/lekwacht/directory"
	"github.com/lekwacht/lekwacht/esindex"
	"github.com/lekwacht/lekwacht/event"
	"github.com/lekwacht/lekwacht/hit"
	"github.com/lekwacht/lekwacht/hooks"
	"github.com/lekwacht/lekwacht/identity"
	"github.com/lekwacht/lekwacht/register"
	"github.com/lekwacht/lekwacht/rules"
)

// hitBatch is how many hits are registered in one transaction during a replay.
const hitBatch = 500

// detection runs every rule over the events and registers the hits as draft incidents.
type detection struct {
	log      *slog.Logger
	rulesDir string
	env      detectors.Env
	engine   *detectors.Engine
	reg      *register.Register
	dir      *directory.Source
	// ident resolves each event's user to the person in the directory before the detectors see it.
	ident *identity.Resolver
	// writers remembers who wrote each path of the watched shares, to attribute the files found there.
	writers *writers
	pending []hit.Hit
	// Created counts incidents opened, Hits the hits registered.
	Created, Hits int64
	// learn drops the hits instead of registering them (replay --learn); Learned counts them.
	learn   bool
	Learned int64
	// byDetector counts the hits registered per detector, for /metrics.
	byDetector counts
	// afterFlush runs after hits were registered (the hooks look at the outbox at once).
	afterFlush func()
	// hooks are the response hooks in force, whose deliveries Add queues (replaced by a reload).
	hooks atomic.Pointer[[]*hooks.Hook]
}

// openDetection loads the rules (shipped and rules.dir), the directory and the register. Any
// problem stops start-up. hs are the response hooks whose deliveries the register queues (none for
// a replay: replaying old logs must not block accounts).
func openDetection(ctx context.Context, cfg *config.Config, log *slog.Logger, hs []*hooks.Hook) (*detection, error) {
	set, err := rules.Load(cfg.Rules.Dir)
	if err != nil {
		return nil, fmt.Errorf("rules: %w", err)
	}
	d := &detection{log: log, rulesDir: cfg.Rules.Dir}
	d.hooks.Store(&hs)
	if cfg.Directory != "" {
		if d.dir, err = directory.OpenWith(cfg.Directory, log, directoryOptions(cfg)); err != nil {
			return nil, err
		}
	}
	d.ident = newResolver(cfg, d.dir)
	d.writers = newWriters(cfg.Watch, log)
	env, err := d.newEnv(cfg)
	if err != nil {
		return nil, err
	}
	engine, missing, err := detectors.New(set, env)
	if err != nil {
		return nil, err
	}
	if len(missing) > 0 {
		log.Warn("rules whose detector is not built in yet are not run", "rules", missing)
	}
	d.engine, d.env = engine, env
	if d.reg, err = OpenRegister(ctx, cfg, func() []*hooks.Hook { return *d.hooks.Load() }); err != nil {
		return nil, err
	}
	return d, nil
}

// newEnv is what the detectors get from the config: the organisation's domains, hosts, accounts and
// working hours, and the directory.
func (d *detection) newEnv(cfg *config.Config) (detectors.Env, error) {
	env := detectors.Env{Directory: func() *directory.Directory { return nil }, ServiceAccounts: cfg.Organisation.ServiceAccounts,
		OwnDomains: cfg.Organisation.Domains, PartnerDomains: cfg.Organisation.PartnerDomains,
		SharedHosts: cfg.Organisation.SharedHosts, Location: cfg.Location(),
		// The lines detectors keep wait in a spool beside the register (0600, unlinked once open):
		// the personal data in them stays on the register's disk, not in a shared /tmp.
		SpoolDir: cfg.Register.Dir}
	if cfg.Organisation.WorkingHours != "" {
		var err error
		if env.WorkingHours, err = config.ParseWorkingHours(cfg.Organisation.WorkingHours); err != nil {
			return env, fmt.Errorf("organisation.working_hours: %w", err)
		}
	}
	if d.dir != nil {
		env.Directory = d.dir.Current
	}
	return env, nil
}

// newResolver is the identity resolution the config asks for, over the directory in force (none:
// names stay as the logs write them).
func newResolver(cfg *config.Config, dir *directory.Source) *identity.Resolver {
	current := func() *directory.Directory { return nil }
	if dir != nil {
		current = dir.Current
	}
	return identity.New(current, identity.Options{OwnDomains: cfg.Organisation.Domains,
		ServiceAccounts: cfg.Organisation.ServiceAccounts, AdminAccounts: cfg.Identity.AdminAccounts})
}

// observe resolves each event's user to the person and feeds the events to the detectors, keeping
// their hits for the next flush. Writes on watched shares are remembered with the person.
func (d *detection) observe(evs []event.Event) {
	d.submit(evs)
	d.drain()
}

// submit is observe without waiting for the detectors: the events go on to them (spread over the
// cores when there are several) and the hits of the batches they are through join pending; the events
// must not change until drain. drain waits for the rest.
func (d *detection) submit(evs []event.Event) {
	for i := range evs {
		d.ident.Resolve(&evs[i])
		d.writers.note(&evs[i])
	}
	d.engine.Submit(evs)
	d.pending = append(d.pending, d.engine.Collect(false)...)
}

func (d *detection) drain() {
	d.pending = append(d.pending, d.engine.Collect(true)...)
}

// observeFile inspects a watched file as a file event of whoever put it there: the writer the audit
// lines show (a person already), else the file's owner (resolved here). Its hits say which, and
// carry the audit line.
func (d *detection) observeFile(f watchedFile) {
	ev := f.ev
	if f.by != nil {
		ev.User, ev.Host, ev.Source = f.by.user, f.by.host, f.by.source
		d.writers.ByWriter.Add(1)
	} else {
		d.ident.Resolve(&ev)
		d.writers.ByOwner.Add(1)
	}
	hs := d.engine.Observe(&ev)
	for i := range hs {
		f.annotate(&hs[i])
	}
	d.pending = append(d.pending, hs...)
}

// noteUnresolved hands the identifiers no one has, seen since the last call, to the register's list.
func (d *detection) noteUnresolved(ctx context.Context) error {
	seen, dropped := d.ident.TakeUnresolved()
	if dropped > 0 {
		d.log.Warn("more unresolved identifiers than kept for the list; they are still counted", "not_listed", dropped)
	}
	if len(seen) == 0 {
		return nil
	}
	ids := make([]register.UnresolvedIdentity, 0, len(seen))
	for k, s := range seen {
		ids = append(ids, register.UnresolvedIdentity{Identifier: k.Identifier, Input: k.Input, FirstSeen: s.First, LastSeen: s.Last, Events: s.Events})
	}
	if err := d.reg.NoteUnresolved(ctx, ids); err != nil {
		d.ident.Restore(seen)
		return err
	}
	return nil
}

// flush registers the pending hits; only then may the lines behind them be acknowledged.
func (d *detection) flush(ctx context.Context) error {
	if len(d.pending) == 0 {
		return nil
	}
	if d.learn {
		d.Learned += int64(len(d.pending))
		clear(d.pending)
		d.pending = d.pending[:0]
		return nil
	}
	res, err := d.reg.Add(ctx, d.pending)
	if err != nil {
		return fmt.Errorf("register hits: %w", err)
	}
	for i, r := range res {
		if r.Created {
			d.Created++
			// The daemon's log tells the story: which draft, by which rule, about which account
			// (the directory's account the identity resolution gave; nothing else personal).
			h := &d.pending[i]
			d.log.Info("draft opened", "incident", r.Incident, "detector", h.Detector, "rule", h.Rule,
				"severity", h.Severity, "account", logAccount(h.User), "evidence", r.Added)
		}
	}
	for i := range d.pending {
		d.byDetector.add(d.pending[i].Detector, 1)
	}
	d.Hits += int64(len(d.pending))
	if d.afterFlush != nil {
		d.afterFlush()
	}
	clear(d.pending)
	d.pending = d.pending[:0]
	return nil
}

func (d *detection) close() error {
	if d.engine != nil {
		d.engine.Stop()
	}
	if d.reg == nil {
		return nil
	}
	return d.reg.Close()
}

// reloadRules reads the rules again; a rule set that does not load leaves the one in force running
// and says why. The caller holds the lock that serialises Observe.
func (d *detection) reloadRules() error {
	set, err := rules.Load(d.rulesDir)
	if err == nil {
		var engine *detectors.Engine
		var missing []string
		if engine, missing, err = d.engine.Reload(set, d.env); err == nil {
			d.engine = engine
			d.log.Info("rules reloaded", "rules", len(engine.Rules()), "not_built_in", len(missing))
			return nil
		}
	}
	d.log.Error("rules not reloaded: the rules in force stay running", "err", err)
	return err
}

// watchRules calls reload whenever a file in the rules folder (or a subfolder) changes, until ctx ends.
func watchRules(ctx context.Context, dir string, log *slog.Logger, reload func()) error {
	t, err := newTreeWatch(log)
	if err != nil {
		return err
	}
	if err := t.add(dir, true); err != nil {
		t.w.Close()
		return fmt.Errorf("watch rules: %w", err)
	}
	return t.run(ctx, "rules watch", func(ev fsnotify.Event) {
		if ev.Op&(fsnotify.Write|fsnotify.Create|fsnotify.Rename|fsnotify.Remove) != 0 {
			reload()
		}
	})
}

// StateFile is where run keeps the detectors' state between runs (register.dir; it holds evidence
// lines, so 0600 like the register).
const StateFile = "detector-state.json"

// saveState writes the detectors' state; the caller holds the lock that serialises Observe.
func (d *detection) saveState(dir string) error {
	st, err := d.engine.SaveState()
	if err != nil {
		return err
	}
	b, err := json.Marshal(st)
	if err != nil {
		return err
	}
	return tail.WriteAtomic(filepath.Join(dir, StateFile), b)
}

// loadState restores the state saved by the last run, if any.
func (d *detection) loadState(dir string) error {
	b, err := os.ReadFile(filepath.Join(dir, StateFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	var st detectors.State
	if err := json.Unmarshal(b, &st); err != nil {
		return fmt.Errorf("%s: %w", StateFile, err)
	}
	n, err := d.engine.LoadState(st)
	d.log.Info("detector state restored", "rules", n)
	return err
}

// OpenRegister opens the register as every part of lekwacht must, so that each change is queued for
// the sinks that want it: Elasticsearch (when configured) after every change, the response hooks
// (none for the CLI and replay) when an incident opens.
func OpenRegister(ctx context.Context, cfg *config.Config, hs func() []*hooks.Hook) (*register.Register, error) {
	es := len(cfg.Elasticsearch.Addresses) > 0
	// With kibana.triage alerts, a triage made in lekwacht (run, the CLI, the page) sets the alert.
	alerts := es && cfg.Kibana.Triage == config.TriageAlerts
	// With kibana.triage cases, every draft gets a case and every triage sets its status.
	cases := cfg.Kibana.Triage == config.TriageCases
	outbox := func(in *register.Incident, created bool) []string {
		var sinks []string
		if hs != nil {
			sinks = hooks.Outbox(hs())(in, created)
		}
		if es {
			sinks = append(sinks, esindex.Outbox(in, created)...)
		}
		if alerts {
			sinks = append(sinks, esindex.KibanaOutbox(in, created)...)
		}
		if cases {
			sinks = append(sinks, esindex.CasesOutbox(in, created)...)
		}
		return sinks
	}
	return register.Open(ctx, cfg.Register.Dir, register.Options{Location: cfg.Location(), Outbox: outbox, Instance: cfg.Register.Instance})
}

// OpenIdentities loads the directory (with identity.sources) and the resolution the config asks for,
// for the commands and pages that look people up; nil when the config names no directory.
func OpenIdentities(cfg *config.Config, log *slog.Logger) (*identity.Resolver, *directory.Source, error) {
	if cfg.Directory == "" {
		return nil, nil, nil
	}
	dir, err := directory.OpenWith(cfg.Directory, log, directoryOptions(cfg))
	if err != nil {
		return nil, nil, err
	}
	return newResolver(cfg, dir), dir, nil
}

// directoryOptions are the identity settings the directory is put together with.
func directoryOptions(cfg *config.Config) directory.Options {
	return directory.Options{Sources: cfg.Identity.Sources, AdminPatterns: cfg.Identity.AdminAccounts}
}

// logAccount is the account as the daemon's log shows it: a mail address (a sender no one in the
// directory has) is withheld; the incident holds it.
func logAccount(user string) string {
	if strings.Contains(user, "@") {
		return "(a mail address, not in the log: see the incident)"
	}
	return user
}
