// Command soak runs lekwacht run for a long while on a simulated gemeente's day, replayed into live
// log files at a multiple of real time and rotated the way logrotate does, and watches the daemon's
// memory, goroutines, open files and lag through /metrics. It prints figures and a verdict (flat or
// growing, every line read, the register verifies); it exits non-zero only when it cannot run.
package main

import (
	"context"
	"flag"
	"fmt"
	"github.com/lekwacht/lekwacht/bench/internal/lwrun"
	"os"
	"path/filepath"
	"runtime"
	"time"
)

var (
	bin         = flag.String("bin", "", "lekwacht binary (default: build ./cmd/lekwacht into the work folder)")
	dir         = flag.String("dir", "", "work folder, kept afterwards (default a temporary one, removed afterwards)")
	duration    = flag.Duration("duration", 60*time.Minute, "how long the logs are fed")
	employees   = flag.Int("employees", 2000, "employees of the simulated gemeente")
	seed        = flag.Uint64("seed", 1, "simulation seed")
	speed       = flag.Float64("speed", 0, "replay speed, a multiple of real time (default: four simulated days in -duration, 96x for an hour; one day would compare the morning's filling state with the evening's)")
	rotate      = flag.Duration("rotate", 0, "rotate every live log this often, as logrotate's create mode (default: 12 times in -duration, every 5m for an hour; negative: never)")
	sampleEvery = flag.Duration("sample", 10*time.Second, "scrape /metrics this often")
	drain       = flag.Duration("drain", 2*time.Minute, "how long, after the feeding stops, the daemon may take to read every line")
	maxLag      = flag.Duration("max-lag", 10*time.Second, "the largest lag, in wall-clock time, that still counts as bounded")
)

// keep is how many rotated generations of a live log stay (x.log.1 .. x.log.3), as logrotate's rotate 3.
const keep = 3

func main() {
	flag.Parse()
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench/soak:", err)
		os.Exit(1)
	}
}

func run() error {
	if *speed < 0 || *duration <= 0 || *sampleEvery <= 0 {
		return fmt.Errorf("-speed must not be negative, -duration and -sample must be positive")
	}
	work, cleanup, err := workFolder()
	if err != nil {
		return err
	}
	defer cleanup()
	exe, err := lwrun.Build(*bin, work)
	if err != nil {
		return err
	}
	fmt.Printf("lekwacht soak test: %d CPUs, %s/%s, %s\n", runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, time.Now().Format(time.RFC3339))
	sim, live := filepath.Join(work, "sim"), filepath.Join(work, "live")
	if err := simulate(exe, sim); err != nil {
		return err
	}
	day, err := loadDay(filepath.Join(sim, "logs"))
	if err != nil {
		return err
	}
	if *speed == 0 {
		*speed = 4 * float64(day.period) / float64(*duration)
	}
	if *rotate == 0 {
		*rotate = *duration / 12
	}
	cfg, err := liveSetup(sim, live)
	if err != nil {
		return err
	}
	feed, err := newFeeder(day, filepath.Join(live, "logs"), *speed)
	if err != nil {
		return err
	}
	d, err := lwrun.Start(exe, cfg, filepath.Join(work, "run.log"), true)
	if err != nil {
		return err
	}
	defer d.Stop()
	fmt.Printf("lekwacht run is up (pid %d), metrics on http://%s/metrics; its log: %s\n", d.Cmd.Process.Pid, d.Addr, d.LogPath)
	printPlan(day)
	res, err := soak(d, feed)
	if err != nil {
		return err
	}
	if err := d.Stop(); err != nil {
		return err
	}
	res.verify, res.verifyOut = verify(exe, cfg)
	res.print()
	return nil
}

// soak feeds the live logs for -duration while sampling /metrics, then waits for the daemon to read
// every line fed.
func soak(d *lwrun.Daemon, feed *feeder) (*result, error) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	fed := make(chan error, 1)
	feed.start = time.Now()
	go func() { fed <- feed.run(ctx, *duration, *rotate) }()
	res := &result{feed: feed}
	fmt.Println(sampleHeader)
	tick := time.NewTicker(*sampleEvery)
	defer tick.Stop()
	for feeding := true; feeding; {
		select {
		case err := <-fed:
			if err != nil {
				return nil, fmt.Errorf("feed: %w", err)
			}
			feeding = false
		case <-tick.C:
			s, err := takeSample(d, feed)
			if err != nil {
				return nil, err
			}
			res.samples = append(res.samples, s)
			fmt.Println(s)
		}
	}
	return res, waitDrained(d, feed, res)
}

// waitDrained waits, at most -drain, until the daemon has read every line fed and lags no byte, and
// until the files rotated last have been let go (the tailer holds a renamed file for its GoneGrace of
// 5 s); then takes the final sample.
func waitDrained(d *lwrun.Daemon, feed *feeder, res *result) error {
	stopped := time.Now()
	deadline := stopped.Add(*drain)
	for {
		s, err := takeSample(d, feed)
		if err != nil {
			return err
		}
		if drained := s.lag == 0 && s.read == s.fed; drained && !res.drained {
			res.drained, res.drainTook = true, time.Since(stopped)
		}
		settled := time.Since(feed.lastRotation()) > goneGrace
		if res.drained && settled || time.Now().After(deadline) {
			res.final = s
			fmt.Printf("%s  (final, %.1f s after the feeding stopped)\n", s, time.Since(stopped).Seconds())
			return nil
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// goneGrace is a little more than the tailer's GoneGrace: how long it holds a renamed file open.
const goneGrace = 6 * time.Second

// workFolder is -dir, or a temporary folder removed by cleanup.
func workFolder() (work string, cleanup func(), err error) {
	if *dir != "" {
		return *dir, func() {}, os.MkdirAll(*dir, 0o700)
	}
	work, err = os.MkdirTemp("", "lekwacht-soak-")
	return work, func() { os.RemoveAll(work) }, err
}
