package daemon

import (
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/lekwacht/lekwacht/config"
)

// TestOneDaemonPerRegister: while a daemon runs, a second one on the same register.dir and a replay
// are refused naming the holder's pid and the folder; once it is closed, the next one starts.
func TestOneDaemonPerRegister(t *testing.T) {
	quiet := slog.New(slog.DiscardHandler)
	dir := t.TempDir()
	logFile := filepath.Join(dir, "auth.log")
	os.WriteFile(logFile, []byte(sshLine(1)+"\n"), 0o600)
	cfg := testConfig(t, dir, config.Input{Name: "ssh", Format: "sshd", Paths: []string{logFile}})
	first, err := New(cfg, quiet)
	if err != nil {
		t.Fatal(err)
	}
	_, err = New(cfg, quiet)
	var inUse *RegisterInUseError
	if !errors.As(err, &inUse) {
		first.Close()
		t.Fatalf("second daemon on one register: %v, want refused", err)
	}
	msg := err.Error()
	for _, want := range []string{cfg.Register.Dir, "pid " + strconv.Itoa(os.Getpid()), "lekwacht run", "since "} {
		if !strings.Contains(msg, want) {
			t.Errorf("refusal %q does not say %q", msg, want)
		}
	}
	if _, err := Replay(t.Context(), cfg, ReplayOptions{Files: []string{logFile}}); !errors.As(err, &inUse) {
		t.Errorf("replay beside the daemon: %v, want refused", err)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	second, err := New(cfg, quiet)
	if err != nil {
		t.Fatalf("after the first closed: %v", err)
	}
	second.Close()
	if _, err := Replay(t.Context(), cfg, ReplayOptions{Files: []string{logFile}}); err != nil {
		t.Errorf("replay with no daemon: %v", err)
	}
}
