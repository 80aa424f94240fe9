package daemon

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/lekwacht/lekwacht/collectors"
	"github.com/lekwacht/lekwacht/collectors/parse"
	"github.com/lekwacht/lekwacht/config"
)

// ReplayOptions say which files to read and how to choose their parser: an input of the config by
// name, a format, or (neither) the input whose paths match the file.
type ReplayOptions struct {
	Files   []string
	Input   string
	Format  string
	Mapping *parse.Mapping // with Format json
	// Progress, when set, is called once with the total size of the files and returns the writer
	// that is told every byte read (a progress bar).
	Progress func(total int64) io.Writer
	// Learn builds the detectors' baselines and state from the files without registering anything:
	// the state saved by an earlier run or learn is read first and the new one saved for run
	// (register.dir/detector-state.json), so a new installation starts with baselines.
	Learn bool
	// State continues from the detector state saved by run or an earlier learn, and saves it at the
	// end, as run does (Learn implies it): replay the days after a learning period with it.
	State bool
	// Since, when set, leaves out events before it (lekwacht learn --since 30d).
	Since time.Time
}

// Summary is what a replay did.
type Summary struct {
	Lines, Events, Rejected, Incidents int64
	Hits                               int64 // hits registered (joined to an incident or opening one)
	// Unresolved counts the events whose user no one in the directory has (lekwacht identities unresolved).
	Unresolved int64
	// Learned counts the hits a learning replay did not register, Signals the weak signals raised,
	// Observed the events the detectors saw (fewer than Events with Since).
	Learned, Signals, Observed int64
	Inputs                     []*collectors.Input
}

func (s Summary) String() string {
	return fmt.Sprintf("%d lines, %d events, %d rejected, %d incidents", s.Lines, s.Events, s.Rejected, s.Incidents)
}

// Replay reads whole files (plain or .gz) through the inputs' parsers and outputs, then returns.
func Replay(ctx context.Context, cfg *config.Config, opts ReplayOptions) (Summary, error) {
	var sum Summary
	watched := len(opts.Files) == 0
	if watched {
		files, err := configuredFiles(cfg)
		if err != nil {
			return sum, err
		}
		if len(files) == 0 && len(watchedFiles(cfg)) == 0 {
			return sum, fmt.Errorf("no files to replay: name them, or configure inputs whose paths match files or watch: folders holding files (%s)", configName(cfg))
		}
		opts.Files = files
	}
	assigned, err := assignInputs(cfg, opts)
	if err != nil {
		return sum, err
	}
	if err := ensureRegisterDir(cfg); err != nil {
		return sum, err
	}
	// The events file, the rejects files and the detector state are the daemon's too: a replay
	// beside a running daemon would move them under its checkpoints.
	what := "replay"
	if opts.Learn {
		what = "learn"
	}
	lock, err := LockRegister(cfg.Register.Dir, what)
	if err != nil {
		return sum, err
	}
	defer lock.Release()
	out, err := openEventsOutput(cfg, -1)
	if err != nil {
		return sum, err
	}
	defer out.Close()
	det, err := openDetection(ctx, cfg, slog.New(slog.DiscardHandler), nil)
	if err != nil {
		return sum, err
	}
	defer det.close()
	det.learn = opts.Learn
	if opts.Learn || opts.State {
		if err := det.loadState(cfg.Register.Dir); err != nil {
			return sum, fmt.Errorf("detector state: %w", err)
		}
	}

	var progress io.Writer
	if opts.Progress != nil {
		var total int64
		for _, f := range opts.Files {
			if st, err := os.Stat(f); err == nil {
				total += st.Size()
			}
		}
		progress = opts.Progress(total)
	}
	inputs := map[string]*runInput{}
	files := make([]*replayFile, 0, len(opts.Files))
	for _, file := range opts.Files {
		in := assigned[file]
		st, err := os.Stat(file)
		if err != nil {
			return sum, err
		}
		mtime := st.ModTime()
		rt, ok := inputs[in.Name]
		if !ok {
			rt, err = newInput(cfg, in, func() time.Time { return mtime }, -1)
			if err != nil {
				return sum, err
			}
			defer rt.rejects.Close()
			inputs[in.Name] = rt
			sum.Inputs = append(sum.Inputs, rt.Input)
		}
		files = append(files, &replayFile{path: file, input: rt, max: in.MaxLineBytes})
	}
	if err := detectFiles(ctx, det, out, files, progress, opts.Since, &sum); err != nil {
		return sum, err
	}
	for _, rt := range sum.Inputs {
		evs := rt.Flush()
		det.observe(evs)
		if err := out.Write(evs); err != nil {
			return sum, err
		}
		sum.Lines += rt.Counters.Lines.Load()
		sum.Events += rt.Counters.Events.Load()
		sum.Rejected += rt.Counters.RejectedTotal()
	}
	if watched {
		// The files already in the watch: folders, oldest first, as if they had just appeared: after
		// the logs, so that the audit lines of their writes are known.
		// Files inspected before (by run or an earlier replay: register.dir/inspected.json) are not
		// inspected again; a learning replay registers nothing and remembers nothing.
		done, err := loadInspected(cfg.Register.Dir)
		if err != nil {
			return sum, fmt.Errorf("watched files inspected before (%s): %w", InspectedFile, err)
		}
		var sums []string
		for _, f := range watchedFiles(cfg) {
			h, err := fileSum(f.ev.File.Path)
			if err == nil && done.seen(h) {
				continue
			}
			det.observeFile(det.writers.attribute(f))
			if err == nil && !opts.Learn {
				sums = append(sums, h)
			}
		}
		if err := det.flush(ctx); err != nil {
			return sum, err
		}
		if err := done.add(sums...); err != nil {
			return sum, err
		}
	}
	if err := det.flush(ctx); err != nil {
		return sum, err
	}
	if err := det.noteUnresolved(ctx); err != nil {
		return sum, err
	}
	det.ident.Counts(func(_ string, n int64) { sum.Unresolved += n })
	sum.Incidents, sum.Hits, sum.Learned = det.Created, det.Hits, det.Learned
	sum.Signals, _ = det.engine.Signals()
	if opts.Learn || opts.State {
		if err := det.saveState(cfg.Register.Dir); err != nil {
			return sum, fmt.Errorf("save detector state: %w", err)
		}
	}
	return sum, out.Sync()
}

// detectFiles runs the events of the files, parsed ahead in other goroutines, through the detectors
// and the events output, file by file in the order given. The detectors take the batches in
// goroutines of their own, a few behind (detectors.Engine.Submit); their hits are registered in the
// order of the events all the same.
func detectFiles(ctx context.Context, det *detection, out *eventsOutput, files []*replayFile, progress io.Writer, since time.Time, sum *Summary) error {
	ctx, cancel := context.WithCancel(ctx)
	wait := parseFiles(ctx, files, progress, since)
	defer wait()
	defer cancel()
	for _, f := range files {
		for b := range f.out {
			sum.Observed += int64(len(b.evs))
			det.submit(b.evs)
			if len(det.pending) >= hitBatch {
				if err := det.flush(ctx); err != nil {
					return err
				}
			}
			if err := out.Write(b.evs); err != nil {
				return err
			}
			if b.err != nil {
				return fmt.Errorf("replay %s: %w", f.path, b.err)
			}
		}
	}
	det.drain()
	return nil
}

// assignInputs chooses the input settings for each file.
func assignInputs(cfg *config.Config, opts ReplayOptions) (map[string]config.Input, error) {
	out := map[string]config.Input{}
	var errs []error
	for _, file := range opts.Files {
		switch {
		case opts.Input != "":
			in, ok := findInput(cfg, opts.Input)
			if !ok {
				return nil, fmt.Errorf("no input named %q in %s", opts.Input, configName(cfg))
			}
			if opts.Format != "" {
				in.Format = opts.Format
			}
			out[file] = in
		case opts.Format != "":
			out[file] = config.Input{Name: opts.Format, Format: opts.Format, Mapping: opts.Mapping}
		default:
			in, ok := matchInput(cfg, file)
			if !ok {
				errs = append(errs, fmt.Errorf("%s: no input of %s matches this file; say --format FMT or --input NAME", file, configName(cfg)))
				continue
			}
			out[file] = in
		}
	}
	for file, in := range out {
		for _, p := range collectors.CheckInput(in) {
			errs = append(errs, fmt.Errorf("%s: %s: %s", file, p.Key, p.Msg))
		}
	}
	return out, errors.Join(errs...)
}

func findInput(cfg *config.Config, name string) (config.Input, bool) {
	for _, in := range cfg.Inputs {
		if in.Name == name {
			return in, true
		}
	}
	return config.Input{}, false
}

// matchInput finds the input whose glob matches the file by full path or, for copies of rotated
// logs, by base name.
func matchInput(cfg *config.Config, file string) (config.Input, bool) {
	abs, _ := filepath.Abs(file)
	// A full-path match wins over a base-name match (two inputs may both read audit.jsonl).
	for _, in := range cfg.Inputs {
		for _, p := range in.Paths {
			if ok, _ := filepath.Match(p, abs); ok {
				return in, true
			}
		}
	}
	for _, in := range cfg.Inputs {
		for _, p := range in.Paths {
			if ok, _ := filepath.Match(filepath.Base(p), filepath.Base(file)); ok {
				return in, true
			}
		}
	}
	return config.Input{}, false
}

func configName(cfg *config.Config) string {
	if cfg.File == "" {
		return "the default config"
	}
	return cfg.File
}

// Parse prints every event of the files (stdin when none) as one JSON line on w, and each rejected
// line as FILE:LINE: reason on errw. It returns the counters.
func Parse(ctx context.Context, format string, opts parse.Options, files []string, stdin io.Reader, w, errw io.Writer) (*collectors.Counters, error) {
	p, err := collectors.NewParser(format, opts)
	if err != nil {
		return nil, err
	}
	in := &collectors.Input{Name: opts.Input, Format: format, Parser: p, Counters: &collectors.Counters{}}
	out := newJSONLines(w)
	in.Rejects = stderrRejects{errw}
	handle := func(l parse.Line) error {
		evs, err := in.Handle(l)
		if err != nil {
			return err
		}
		return out.write(evs)
	}
	if len(files) == 0 {
		// From a pipe the events go out as soon as no more input is waiting (tail -f | lekwacht parse).
		br := newReader(stdin)
		err = collectors.ReadLines(ctx, br, "-", 0, func(l parse.Line) error {
			if err := handle(l); err != nil {
				return err
			}
			if br.Buffered() == 0 {
				return out.Flush()
			}
			return nil
		})
	}
	for _, f := range files {
		if err != nil {
			break
		}
		err = collectors.ReadFile(ctx, f, 0, nil, handle)
	}
	if err == nil {
		err = out.write(in.Flush())
	}
	if ferr := out.Flush(); err == nil {
		err = ferr
	}
	return in.Counters, err
}

// stderrRejects prints rejected lines as FILE:LINE: reason, as compilers do.
type stderrRejects struct{ w io.Writer }

func (s stderrRejects) Write(_ string, l parse.Line, _ parse.Reason, detail string) error {
	_, err := fmt.Fprintf(s.w, "%s:%d: %s\n", l.Path, l.Number, detail)
	return err
}

func newReader(r io.Reader) *bufio.Reader { return bufio.NewReaderSize(r, 256<<10) }

// configuredFiles lists the files every configured input's paths match now, each path's matches
// oldest first (rotated files before the live one).
func configuredFiles(cfg *config.Config) ([]string, error) {
	var files []string
	seen := map[string]bool{}
	for _, in := range cfg.Inputs {
		for _, p := range in.Paths {
			matches, err := filepath.Glob(p)
			if err != nil {
				return nil, fmt.Errorf("inputs %s: path %q: %w", in.Name, p, err)
			}
			sortByModTime(matches)
			for _, m := range matches {
				if st, err := os.Stat(m); err == nil && st.Mode().IsRegular() && !seen[m] && !excluded(in, m) {
					seen[m] = true
					files = append(files, m)
				}
			}
		}
	}
	return files, nil
}

func excluded(in config.Input, file string) bool {
	for _, x := range in.Exclude {
		if ok, _ := filepath.Match(x, file); ok {
			return true
		}
		if ok, _ := filepath.Match(x, filepath.Base(file)); ok {
			return true
		}
	}
	return false
}

// watchedFiles lists the files under the watch: folders as watched files, oldest first.
func watchedFiles(cfg *config.Config) []watchedFile {
	var files []watchedFile
	for _, w := range cfg.Watch {
		filepath.WalkDir(w.Path, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return nil
			}
			if d.IsDir() {
				if p != w.Path && !w.Recursive {
					return filepath.SkipDir
				}
				return nil
			}
			if f, ok := statFile(p); ok {
				files = append(files, f)
			}
			return nil
		})
	}
	sort.SliceStable(files, func(i, j int) bool { return files[i].ev.Time.Before(files[j].ev.Time) })
	return files
}

func sortByModTime(files []string) {
	mtime := map[string]time.Time{}
	for _, f := range files {
		if st, err := os.Stat(f); err == nil {
			mtime[f] = st.ModTime()
		}
	}
	sort.SliceStable(files, func(i, j int) bool { return mtime[files[i]].Before(mtime[files[j]]) })
}
