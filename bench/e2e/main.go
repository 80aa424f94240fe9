// Command e2e is make bench's end-to-end report: the lekwacht binary replaying a simulated
// gemeente's day (lines per second, peak memory, incidents, beside a plain read of the same logs),
// and the latency from a line appended to a followed log to the draft incident stored in the
// register by lekwacht run. It prints figures; it does not pass or fail.
package main

import (
	"errors"
	"flag"
	"fmt"
	"github.com/lekwacht/lekwacht/bench/internal/lwrun"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"syscall"
	"time"
)

var (
	bin       = flag.String("bin", "", "lekwacht binary (default: build ./cmd/lekwacht into the work folder)")
	dir       = flag.String("dir", "", "work folder (default a temporary one, removed afterwards)")
	employees = flag.Int("employees", 5000, "employees of the simulated gemeente")
	days      = flag.Int("days", 1, "days simulated")
	seed      = flag.Uint64("seed", 1, "simulation seed")
	runs      = flag.Int("runs", 3, "timed replays, each into a fresh register; the fastest counts")
	appends   = flag.Int("appends", 50, "appended lines for the latency figure, each by another user")
	interval  = flag.Duration("interval", 200*time.Millisecond, "time between two appended lines")
	timeout   = flag.Duration("timeout", 10*time.Second, "how long after the last append a draft may take before its line counts as lost")
)

func main() {
	flag.Parse()
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench/e2e:", err)
		os.Exit(1)
	}
}

func run() error {
	work := *dir
	if work == "" {
		var err error
		if work, err = os.MkdirTemp("", "lekwacht-e2e-"); err != nil {
			return err
		}
		defer os.RemoveAll(work)
	} else if err := os.MkdirAll(work, 0o700); err != nil {
		return err
	}
	exe, err := lwrun.Build(*bin, work)
	if err != nil {
		return err
	}
	fmt.Printf("lekwacht end-to-end benchmark: %d CPUs, GOMAXPROCS of the daemon %s, %s/%s, %s\n\n",
		runtime.NumCPU(), orDefault(os.Getenv("GOMAXPROCS"), "unset"), runtime.GOOS, runtime.GOARCH, time.Now().Format(time.RFC3339))
	day, err := benchReplay(exe, filepath.Join(work, "sim"))
	if err != nil {
		return fmt.Errorf("replay: %w", err)
	}
	fmt.Println()
	cores, err := benchCores(exe, filepath.Join(work, "sim"), day.lines)
	if err != nil {
		return fmt.Errorf("cores: %w", err)
	}
	fmt.Println()
	ident, err := benchIdentity(exe, filepath.Join(work, "sim"))
	if err != nil {
		return fmt.Errorf("identity: %w", err)
	}
	fmt.Println()
	lat, err := benchLatency(exe, filepath.Join(work, "latency"))
	if err != nil {
		return fmt.Errorf("latency: %w", err)
	}
	fmt.Printf("\nSUMMARY e2e: replay of a %d-employee day: %d lines in %.2f s = %.0f lines/s (%.1f%% of cat's rate), CPU %.2f s, peak RSS %.0f MB, %d incidents; "+
		"on 2 cores %.2fx and on 4 %.2fx the speed on 1 (%d CPUs here); "+
		"identity resolution %.1f%% of the replay's CPU (the directory as a whole %+.1f%%: %.2f s with, %.2f s without); "+
		"append -> stored draft p50 %v, p99 %v, max %v, %d of %d lost\n",
		*employees, day.lines, day.took.Seconds(), day.rate(), 100*day.rate()/day.catRate(), day.cpu.Seconds(), day.rssMB, day.incidents,
		cores.speedup(1), cores.speedup(2), runtime.NumCPU(),
		ident.share, ident.overhead(), ident.with.took.Seconds(), ident.without.took.Seconds(),
		lat.discovered.q(0.5), lat.discovered.q(0.99), lat.discovered.q(1), lat.lost, lat.sent)
	return nil
}

// peakRSSMB is the largest resident set of a finished child process, in MB.
func peakRSSMB(ps *os.ProcessState) float64 {
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		return float64(ru.Maxrss) / 1024 // KiB on Linux
	}
	return -1
}

// latencies are durations from an appended line to its draft, with the quantiles make bench prints.
type latencies []time.Duration

// q is the p-quantile (nearest rank below), rounded for printing; 0 when there are none.
func (l latencies) q(p float64) time.Duration {
	if len(l) == 0 {
		return 0
	}
	s := append(latencies(nil), l...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[int(p*float64(len(s)-1))].Round(10 * time.Microsecond)
}

func (l latencies) String() string {
	if len(l) == 0 {
		return "none"
	}
	return fmt.Sprintf("p50 %v, p99 %v, max %v", l.q(0.5), l.q(0.99), l.q(1))
}

// exitErr adds what a failed command wrote on stderr.
func exitErr(name string, err error, stderr []byte) error {
	var ee *exec.ExitError
	if errors.As(err, &ee) && len(stderr) == 0 {
		stderr = ee.Stderr // as Output collected it
	}
	if ee != nil && len(stderr) > 0 {
		return fmt.Errorf("%s: %w: %s", name, err, lwrun.Tail(stderr, 2000))
	}
	return fmt.Errorf("%s: %w", name, err)
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
