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
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	d, err := New(cfg, log)
	if err != nil {
		t.Fatal(err)
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
