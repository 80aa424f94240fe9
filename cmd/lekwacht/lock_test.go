package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestSecondRunRefused starts two real daemons on one register (the second on another port, as
// LEKWACHT_HTTP_LISTEN would give it): the second exits 2 at once naming the first's pid and the
// register folder; replay is refused the same way; incidents list and verify work beside the daemon.
// After the first stops, run starts again.
func TestSecondRunRefused(t *testing.T) {
	dir := t.TempDir()
	regDir := filepath.Join(dir, "register")
	logFile := filepath.Join(dir, "auth.log")
	os.WriteFile(logFile, []byte("Nov 23 10:00:00 srv sshd[1]: Accepted password for u1 from 192.0.2.1 port 1 ssh2\n"), 0o600)
	cfg := filepath.Join(dir, "lekwacht.yaml")
	os.WriteFile(cfg, []byte(fmt.Sprintf(`organisation: {timezone: Europe/Amsterdam}
register: {dir: %s}
http: {listen: "127.0.0.1:0"}
inputs:
  - {name: ssh, format: sshd, paths: ["%s"]}
`, regDir, logFile)), 0o600)
	first := startRun(t, cfg, filepath.Join(dir, "run1.log"))

	begun := time.Now()
	second := runEnv(t, []string{"LEKWACHT_HTTP_LISTEN=127.0.0.1:0"}, "run", "--config", cfg)
	if second.code != 2 {
		t.Fatalf("second run: exit %d, want 2\n%s", second.code, second.stderr)
	}
	t.Logf("second run: %s", second.stderr)
	if took := time.Since(begun); took > 5*time.Second {
		t.Errorf("second run took %s to give up, want at once", took)
	}
	pid := "pid " + strconv.Itoa(first.Process.Pid)
	for _, want := range []string{"register " + regDir + " in use", pid} {
		if !strings.Contains(second.stderr, want) {
			t.Errorf("second run's message %q does not say %q", second.stderr, want)
		}
	}
	if _, e, code := run(t, "", "--config", cfg, "replay", logFile); code != 2 || !strings.Contains(e, pid) {
		t.Errorf("replay beside run: exit %d, %q; want 2 naming %s", code, e, pid)
	}
	for _, args := range [][]string{{"incidents", "list"}, {"verify"}} {
		if _, e, code := run(t, "", append([]string{"--config", cfg}, args...)...); code != 0 {
			t.Errorf("%v beside run: exit %d, %s", args, code, e)
		}
	}
	first.Process.Signal(syscall.SIGTERM)
	if err := first.Wait(); err != nil {
		t.Fatalf("first run: %v", err)
	}
	again := startRun(t, cfg, filepath.Join(dir, "run3.log"))
	again.Process.Signal(syscall.SIGTERM)
	again.Wait()
}

type runResult struct {
	stdout, stderr string
	code           int
}

// runEnv runs the binary with extra environment variables.
func runEnv(t *testing.T, env []string, args ...string) runResult {
	t.Helper()
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	o, e, code := run(t, "", args...)
	return runResult{o, e, code}
}
