package daemon

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/lekwacht/lekwacht/config"
)

// start runs a daemon on cfg; stop ends it and returns what Run returned (once; later calls return
// the same). The daemon is closed when the test ends.
func start(t *testing.T, cfg *config.Config, log *slog.Logger) (d *Daemon, stop func() error) {
	t.Helper()
	return startWith(t, cfg, log, nil)
}

// startWith is start with a look at the daemon between New and Run (a clock to set).
func startWith(t *testing.T, cfg *config.Config, log *slog.Logger, before func(*Daemon)) (d *Daemon, stop func() error) {
	t.Helper()
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	d, err := New(cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	if before != nil {
		before(d)
	}
	t.Cleanup(func() { d.Close() })
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	var once sync.Once
	var runErr error
	stop = func() error {
		once.Do(func() { cancel(); runErr = <-done })
		return runErr
	}
	t.Cleanup(func() { stop() })
	return d, stop
}

// waitFor polls cond until it holds, failing the test after 10 seconds with what and detail().
func waitFor(t *testing.T, what string, cond func() bool, detail func() string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			msg := ""
			if detail != nil {
				msg = detail()
			}
			t.Fatalf("%s: not within 10 s\n%s", what, msg)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// testClock is a clock a test moves by hand.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *testClock) Advance(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }
