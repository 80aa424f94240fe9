package daemon

import (
	"fmt"
	"time"

	"github.com/lekwacht/lekwacht/server"
)

// inputProblems says, per input name, why the input makes the daemon degraded: its paths match no
// file now (looked up at each call: a log that appears clears it), or it has expect_every and has
// read no new line for longer than that (since its last line, or since run began).
func (d *Daemon) inputProblems() map[string]string {
	out := map[string]string{}
	for _, e := range InputsWithoutFiles(d.cfg) {
		out[e.Input] = e.String()
	}
	for _, in := range d.inputs {
		if _, ok := out[in.Name]; ok {
			continue
		}
		if quiet, ok := d.quiet(in); ok {
			out[in.Name] = fmt.Sprintf("input %s: no new line for %s (expect_every %s): is the log still written, and where paths say?",
				in.Name, quiet.Round(time.Second), in.config.ExpectEvery)
		}
	}
	return out
}

// quiet says how long an input with expect_every has read no new line, when that is longer than
// expect_every.
func (d *Daemon) quiet(in *runInput) (time.Duration, bool) {
	every := in.config.ExpectEvery
	since := max(in.lastLine.Load(), d.started.Load())
	if every <= 0 || since == 0 {
		return 0, false
	}
	q := d.now().Sub(time.Unix(0, since))
	return q, q > every
}

// degraded is what /healthz lists as working but wanting an admin's eye: the reloads whose last try
// failed, and the inputs without files or quiet for longer than their expect_every.
func (d *Daemon) degraded() []string {
	out := d.reloads.details()
	problems := d.inputProblems()
	for _, in := range d.cfg.Inputs {
		if p, ok := problems[in.Name]; ok {
			out = append(out, p)
		}
	}
	return out
}

// report fills /healthz's account of the daemon for `lekwacht status`: version, start, each input
// and each thing reloaded.
func (d *Daemon) report(r *server.HealthReport) {
	r.Version = Version
	if s := d.started.Load(); s != 0 {
		r.Started = time.Unix(0, s).UTC().Format(time.RFC3339)
	}
	problems := d.inputProblems()
	for i, in := range d.inputs {
		st := server.InputStatus{Name: in.Name, Format: in.Format, Files: d.tails[i].Stats().Files,
			Lines: in.Counters.Lines.Load(), Problem: problems[in.Name]}
		if last := in.lastLine.Load(); last != 0 {
			st.LastLine = time.Unix(0, last).UTC().Format(time.RFC3339)
		}
		if in.config.ExpectEvery > 0 {
			st.ExpectEvery = in.config.ExpectEvery.String()
		}
		r.Inputs = append(r.Inputs, st)
	}
	r.Reloads = d.reloads.report()
}
