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
	"testing"
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
