package daemon

import (
	"context"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/lekwacht/lekwacht/collectors"
	"github.com/lekwacht/lekwacht/config"
	"github.com/lekwacht/lekwacht/detectors"
	"github.com/lekwacht/lekwacht/event"
	"github.com/lekwacht/lekwacht/sim"
)

// BenchmarkDetectionStage is a replay's detection stage alone: the events of a simulated gemeente's
// day, parsed beforehand into the batches a replay hands over, resolved and run through every
// shipped rule (learning: hits counted, not registered), as detectFiles does. With two cores or more
// the rules' detectors take the batches in goroutines of their own (detectors.Engine.Submit);
// LEKWACHT_BENCH_NOSPREAD=1 keeps them in one, for the ratio. One go test per core count (with
// -cpu 1,2 in one run, go test 1.26 ran the first at two):
//
//	for p in 1 2; do go test -run '^$' -bench DetectionStage -benchtime 5x -cpu $p ./daemon; done
func BenchmarkDetectionStage(b *testing.B) {
	dir := b.TempDir()
	if _, err := sim.Run(sim.Options{Out: dir, Employees: 1000, Days: 1, Seed: 1}); err != nil {
		b.Fatal(err)
	}
	cfg, err := config.Load(filepath.Join(dir, "lekwacht.yaml"), collectors.CheckInput)
	if err != nil {
		b.Fatal(err)
	}
	cfg.Register.Dir = filepath.Join(dir, "register")
	if err := ensureRegisterDir(cfg); err != nil {
		b.Fatal(err)
	}
	batches := parsedBatches(b, cfg)
	var events int
	for _, evs := range batches {
		events += len(evs)
	}
	if os.Getenv("LEKWACHT_BENCH_NOSPREAD") != "" {
		detectors.SpreadFrom = math.MaxInt
	}
	var learned int64
	var wall, cpu time.Duration
	for b.Loop() {
		b.StopTimer()
		// The detectors take copies, made before the clock runs: resolution writes each event's
		// user, and the goroutines of the detectors hold a batch until they are through it.
		batches := copies(batches)
		det, err := openDetection(context.Background(), cfg, slog.New(slog.DiscardHandler), nil)
		if err != nil {
			b.Fatal(err)
		}
		det.learn = true
		b.StartTimer()
		t0, c0 := time.Now(), cpuTime()
		for _, evs := range batches {
			det.submit(evs)
			if err := det.flush(context.Background()); err != nil {
				b.Fatal(err)
			}
		}
		det.drain()
		if err := det.flush(context.Background()); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		wall, cpu = wall+time.Since(t0), cpu+cpuTime()-c0
		learned = det.Learned
		det.close()
		b.StartTimer()
	}
	if learned == 0 {
		b.Fatal("no hits: the simulated day does not test the detectors")
	}
	b.ReportMetric(float64(events)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
	// The cores busy on average: user and system time over the time taken.
	b.ReportMetric(cpu.Seconds()/wall.Seconds(), "cores")
	b.ReportMetric(float64(learned), "hits")

}

func copies(batches [][]event.Event) [][]event.Event {
	out := make([][]event.Event, len(batches))
	for i, b := range batches {
		out[i] = slices.Clone(b)
	}
	return out
}

// cpuTime is the process's user and system time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// parsedBatches are the event batches a replay of cfg's configured files would hand to detection,
// file by file.
func parsedBatches(tb testing.TB, cfg *config.Config) [][]event.Event {
	tb.Helper()
	files, err := configuredFiles(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	assigned, err := assignInputs(cfg, ReplayOptions{Files: files})
	if err != nil {
		tb.Fatal(err)
	}
	inputs := map[string]*runInput{}
	var rfs []*replayFile
	now := time.Now()
	for _, f := range files {
		in := assigned[f]
		rt, ok := inputs[in.Name]
		if !ok {
			if rt, err = newInput(cfg, in, func() time.Time { return now }, -1); err != nil {
				tb.Fatal(err)
			}
			tb.Cleanup(func() { rt.rejects.Close() })
			inputs[in.Name] = rt
		}
		rfs = append(rfs, &replayFile{path: f, input: rt, max: in.MaxLineBytes})
	}
	wait := parseFiles(context.Background(), rfs, nil, time.Time{})
	defer wait()
	var batches [][]event.Event
	for _, f := range rfs {
		for bt := range f.out {
			if bt.err != nil {
				tb.Fatal(bt.err)
			}
			batches = append(batches, bt.evs)
		}
	}
	return batches
}
