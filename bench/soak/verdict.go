package main

import (
	"fmt"
	"strings"
	"time"
)

// result is what the soak saw, and the verdict it prints.
type result struct {
	feed      *feeder
	samples   []sample      // taken while the feeding ran
	final     sample        // after the feeding stopped and the daemon caught up (or -drain passed)
	drained   bool          // lag 0 and every line fed read, within -drain
	drainTook time.Duration // from the end of the feeding until drained
	verify    bool
	verifyOut string
}

// memoryGrowth is how much more RSS the last quarter may average than the second: more is a leak.
const memoryGrowth = 0.20

// margin is how far goroutines or open files may end above their count after the warm-up.
func margin(n int64) int64 { return max(5, n/10) }

func (r *result) print() {
	var failed []string
	check := func(ok bool, what string) string {
		if ok {
			return "ok"
		}
		failed = append(failed, what)
		return "FAIL"
	}
	fmt.Println("\nverdict:")
	mem, memOK := r.memory()
	fmt.Printf("  memory      %s: %s\n", mem, check(memOK, "memory"))
	warm := r.warm()
	gr := fmt.Sprintf("%d after the warm-up (%v), %d at the end", warm.goroutines, warm.at.Round(time.Second), r.final.goroutines)
	fmt.Printf("  goroutines  %s: %s\n", gr, check(r.final.goroutines <= warm.goroutines+margin(warm.goroutines), "goroutines"))
	fds := fmt.Sprintf("%d after the warm-up (%d followed), %d at the end (%d followed)", warm.fds, warm.files, r.final.fds, r.final.files)
	fmt.Printf("  open files  %s: %s\n", fds, check(r.final.fds <= warm.fds+margin(warm.fds), "open files"))
	lag, unread, behind, blind := r.maxLag()
	caught := fmt.Sprintf("caught up %.1f s after the feeding stopped", r.drainTook.Seconds())
	if !r.drained {
		caught = fmt.Sprintf("NOT caught up %v after the feeding stopped", *drain)
	}
	lagText := fmt.Sprintf("max lag %.1f KB, %d lines, %.1f s (%s of input); %s",
		float64(lag)/1024, unread, behind.Seconds(), inputTime(behind), caught)
	fmt.Printf("  lag         %s: %s\n", lagText, check(behind <= *maxLag && r.drained, "lag"))
	if blind > 0 {
		fmt.Printf("              note: in %d of %d samples lekwacht_lag_bytes was 0 while lines fed over 1 s before were unread\n", blind, len(r.samples)+1)
	}
	_, written := r.feed.fed()
	lines := fmt.Sprintf("%d lines (%.1f MB) fed, %d rotations; lekwacht_lines_total %d", r.final.fed, float64(written)/(1<<20), r.feed.rotations, r.final.read)
	fmt.Printf("  lines       %s: %s\n", lines, check(r.final.read == r.final.fed, "lines read"))
	fmt.Printf("  register    lekwacht verify: %s (%s)\n", check(r.verify, "verify"), firstLine(r.verifyOut))
	verdict := "pass"
	if len(failed) > 0 {
		verdict = "FAIL (" + strings.Join(failed, ", ") + ")"
	}
	fmt.Printf("\nSUMMARY soak: %v at %.4gx, %d employees: %d lines fed, %d read, %d rotations, %d incidents; %s; goroutines %d -> %d; open files %d -> %d; %s; verify %t; verdict %s\n",
		*duration, *speed, *employees, r.final.fed, r.final.read, r.feed.rotations, r.final.incidents, mem,
		warm.goroutines, r.final.goroutines, warm.fds, r.final.fds, lagText, r.verify, verdict)
}

// memory compares the average RSS of the last quarter of the feeding with that of the second.
func (r *result) memory() (string, bool) {
	q2, h2 := r.average(*duration/4, *duration/2)
	q4, h4 := r.average(*duration*3/4, *duration+time.Hour)
	if q2 == 0 || q4 == 0 {
		return fmt.Sprintf("too few samples for quarters (a -sample of at most %v)", (*duration / 8).Round(time.Second)), false
	}
	growth := q4/q2 - 1
	return fmt.Sprintf("RSS %.1f MB in the 2nd quarter, %.1f MB in the last (%+.1f%%, heap in use %.1f -> %.1f MB)",
		q2/(1<<20), q4/(1<<20), 100*growth, h2/(1<<20), h4/(1<<20)), growth <= memoryGrowth
}

// average is the mean RSS and heap in use of the samples taken in [from, to) of the feeding.
func (r *result) average(from, to time.Duration) (rss, heap float64) {
	n := 0
	for _, s := range r.samples {
		if s.at >= from && s.at < to {
			rss, heap, n = rss+s.rss, heap+s.heap, n+1
		}
	}
	if n == 0 {
		return 0, 0
	}
	return rss / float64(n), heap / float64(n)
}

// warm is the first sample after the first quarter (the warm-up), else the first sample.
func (r *result) warm() sample {
	for _, s := range r.samples {
		if s.at >= *duration/4 {
			return s
		}
	}
	if len(r.samples) > 0 {
		return r.samples[0]
	}
	return r.final
}

// maxLag is the largest lag seen: lekwacht_lag_bytes, lines unread, wall-clock time; and in how many
// samples lekwacht_lag_bytes was 0 while a line fed more than the tailer's rescan interval (1 s) ago
// was unread: the metric missed it.
func (r *result) maxLag() (lag, unread int64, behind time.Duration, blind int) {
	for _, s := range append(r.samples, r.final) {
		lag, unread, behind = max(lag, s.lag), max(unread, s.fed-s.read), max(behind, s.behind)
		if s.lag == 0 && s.behind > time.Second {
			blind++
		}
	}
	return lag, unread, behind, blind
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
