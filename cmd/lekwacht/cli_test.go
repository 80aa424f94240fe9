package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

var binary string

// TestMain builds the real binary once; the tests run it as a user would.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "lekwacht-cli-")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "lekwacht")
	out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "build: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func run(t *testing.T, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return o.String(), e.String(), code
}

func TestParseStdin(t *testing.T) {
	in := "Nov 23 10:00:01 srv sshd[1]: Accepted password for piet from 192.0.2.1 port 4000 ssh2\nnot a log line\n"
	out, errOut, code := run(t, in, "parse", "--format", "sshd")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var ev map[string]any
	if err := json.Unmarshal([]byte(strings.TrimSpace(out)), &ev); err != nil {
		t.Fatalf("stdout is not one JSON event: %q", out)
	}
	if ev["event"].(map[string]any)["action"] != "logon" {
		t.Errorf("event: %v", ev)
	}
	if !strings.Contains(errOut, "-:2: syntax") || !strings.Contains(errOut, "2 lines, 1 events, 1 rejected") {
		t.Errorf("stderr: %q", errOut)
	}
}

func TestParseWithMapping(t *testing.T) {
	in := `{"ts":"2026-11-20T09:02:11Z","actor":{"id":"jdevries"},"action":"export.csv","result":{"count":1250}}` + "\n"
	out, errOut, code := run(t, in, "parse", "--format", "json", "--mapping", "../../collectors/jsonlog/mappings/zaaksysteem.yaml")
	if code != 0 || !strings.Contains(out, `"action":"export"`) || !strings.Contains(out, `"count":1250`) {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	bad := filepath.Join(t.TempDir(), "m.yaml")
	os.WriteFile(bad, []byte("time: ts\nacton: x\n"), 0o600)
	if _, e, code := run(t, "", "parse", "--format", "json", "--mapping", bad); code != 2 || !strings.Contains(e, "line 2") {
		t.Errorf("bad mapping: exit %d, %q", code, e)
	}
}

func TestUsageErrorsExit2(t *testing.T) {
	if _, e, code := run(t, "", "parse", "--format", "nope"); code != 2 || !strings.Contains(e, "unknown format") {
		t.Errorf("unknown format: exit %d, %q", code, e)
	}
	if _, _, code := run(t, "", "parse"); code != 2 {
		t.Errorf("missing --format: exit %d", code)
	}
	if _, _, code := run(t, "", "replay", "--bogus-flag"); code != 2 {
		t.Errorf("unknown flag: exit %d", code)
	}
	cfg := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(cfg, []byte("organisation:\n  timezone: Europe/Amsterdam\ninputs:\n  - {name: mail, format: postfx, paths: [/x]}\n"), 0o600)
	_, e, code := run(t, "", "config", "check", "--config", cfg)
	if code != 2 || !strings.Contains(e, cfg+":4:") || !strings.Contains(e, `unknown format "postfx"`) {
		t.Errorf("bad config: exit %d, %q", code, e)
	}
}

func TestConfigCheckMasksSecrets(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "ok.yaml")
	os.WriteFile(cfg, []byte("organisation: {timezone: Europe/Amsterdam}\nelasticsearch: {api_key: s3cret}\n"), 0o600)
	out, e, code := run(t, "", "config", "check", "--config", cfg)
	if code != 0 || strings.Contains(out, "s3cret") || !strings.Contains(out, "********") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, e)
	}
}

// TestKillDashNine runs the daemon on a log that keeps growing and rotating, kills it with SIGKILL
// several times, and checks that every line became exactly one event.
func TestKillDashNine(t *testing.T) {
	if testing.Short() {
		t.Skip("long: SIGKILL restarts (make test-long)")
	}
	dir := t.TempDir()
	logDir := filepath.Join(dir, "log")
	os.MkdirAll(logDir, 0o755)
	events := filepath.Join(dir, "events.jsonl")
	cfg := filepath.Join(dir, "lekwacht.yaml")
	os.WriteFile(cfg, []byte(fmt.Sprintf(`organisation: {timezone: Europe/Amsterdam}
register: {dir: %s}
events: {file: %s}
http: {listen: "127.0.0.1:0"}
inputs:
  - {name: ssh, format: sshd, paths: ["%s/auth.log*"]}
`, filepath.Join(dir, "register"), events, logDir)), 0o600)

	logFile := filepath.Join(logDir, "auth.log")
	const total = 6000
	written := 0
	write := func(n int) {
		f, err := os.OpenFile(logFile, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < n && written < total; i++ {
			written++
			fmt.Fprintf(f, "Nov 23 10:00:00 srv sshd[1]: Accepted password for u%d from 192.0.2.1 port %d ssh2\n", written, written)
		}
		f.Close()
	}
	logPath := filepath.Join(dir, "run.log")
	start := func() *exec.Cmd { return startRun(t, cfg, logPath) }
	for round := 0; round < 6; round++ {
		cmd := start()
		for i := 0; i < 5; i++ {
			write(200)
		}
		if round%2 == 1 { // rotate by rename + create while running
			os.Rename(logFile, fmt.Sprintf("%s.%d", logFile, round))
		}
		// Kill at a moment that depends on progress, not on a fixed sleep.
		waitFor(t, func() bool { return countEvents(events) >= written-150 })
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
	}
	write(total)
	cmd := start()
	waitFor(t, func() bool { return countEvents(events) >= total })
	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		b, _ := os.ReadFile(logPath)
		t.Errorf("SIGTERM: %v\n%s", err, b)
	}
	data, _ := os.ReadFile(events)
	seen := map[string]int{}
	for _, l := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var ev struct {
			Source struct{ Port int } `json:"source"`
		}
		if err := json.Unmarshal([]byte(l), &ev); err != nil {
			t.Fatalf("events file has a broken line after SIGKILL: %q", l)
		}
		seen[fmt.Sprint(ev.Source.Port)]++
	}
	for i := 1; i <= total; i++ {
		if seen[fmt.Sprint(i)] != 1 {
			t.Errorf("line %d delivered %d times", i, seen[fmt.Sprint(i)])
		}
	}
}

func countEvents(path string) int {
	data, _ := os.ReadFile(path)
	return bytes.Count(data, []byte("\n"))
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached in 20s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// startRun starts the real `lekwacht run` with its log in logPath and waits until it runs: the
// outputs are cut back to the checkpoint and the signal handlers are in place. A failing test leaves
// no daemon behind: it is killed at the end whatever happened.
func startRun(t *testing.T, cfg, logPath string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(binary, "run", "--config", cfg)
	logf, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	logf.Close()
	waitFor(t, func() bool { b, _ := os.ReadFile(logPath); return bytes.Contains(b, []byte("lekwacht running")) })
	return cmd
}
