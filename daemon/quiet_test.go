package daemon

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lekwacht/lekwacht/config"
	"github.com/lekwacht/lekwacht/server"
)

// TestQuietInput: an input with expect_every that reads no new line for longer makes /healthz
// degraded with the input and how long, and lekwacht_input_quiet 1; a new line clears both. An
// input with expect_every that never had a line is quiet since run began; one without it never is.
// The daemon's clock is the test's.
func TestQuietInput(t *testing.T) {
	dir := t.TempDir()
	mail, never, any := filepath.Join(dir, "mail.log"), filepath.Join(dir, "never.log"), filepath.Join(dir, "any.log")
	appendLines(t, mail, 1, 2)
	os.WriteFile(never, nil, 0o600)
	os.WriteFile(any, nil, 0o600)
	cfg := testConfig(t, dir,
		config.Input{Name: "mail", Format: "sshd", Paths: []string{mail}, ExpectEvery: time.Hour},
		config.Input{Name: "never", Format: "sshd", Paths: []string{never}, ExpectEvery: 2 * time.Hour},
		config.Input{Name: "any", Format: "sshd", Paths: []string{any}})
	cfg.HTTP = config.HTTP{Listen: "127.0.0.1:0"}
	clock := &testClock{now: time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)}
	d, _ := startWith(t, cfg, nil, func(d *Daemon) { d.now = clock.Now })
	base := "http://" + d.Addr()
	waitFor(t, "the two lines read", func() bool { return d.inputs[0].Counters.Lines.Load() == 2 }, nil)
	health := func() (int, server.HealthReport) {
		t.Helper()
		code, body := get(t, base+"/healthz", "")
		var r server.HealthReport
		if err := json.Unmarshal([]byte(body), &r); err != nil {
			t.Fatalf("healthz %q: %v", body, err)
		}
		return code, r
	}
	clock.Advance(59 * time.Minute)
	if code, r := health(); code != 200 || r.Status != "ok" {
		t.Errorf("within expect_every: %d %+v", code, r)
	}

	clock.Advance(2 * time.Minute)
	code, r := health()
	want := "input mail: no new line for 1h1m0s (expect_every 1h0m0s)"
	if code != 200 || r.Status != "degraded" || len(r.Details) != 1 || !strings.HasPrefix(r.Details[0], want) {
		t.Errorf("after 61 minutes: %d %+v, want degraded with %q", code, r, want)
	}
	if len(r.Inputs) != 3 || r.Inputs[0].LastLine != "2026-12-07T09:00:00Z" || r.Inputs[0].ExpectEvery != "1h0m0s" ||
		r.Inputs[0].Lines != 2 || r.Inputs[0].Files != 1 || !strings.HasPrefix(r.Inputs[0].Problem, want) || r.Inputs[2].Problem != "" {
		t.Errorf("inputs: %+v", r.Inputs)
	}
	_, body := get(t, base+"/metrics", "")
	for _, m := range []string{`lekwacht_input_quiet{input="mail"} 1`, `lekwacht_input_quiet{input="never"} 0`, `lekwacht_input_quiet{input="any"} 0`,
		`lekwacht_input_last_line_timestamp_seconds{input="mail"} 1.796634e+09`, `lekwacht_input_last_line_timestamp_seconds{input="any"} 0`} {
		if !strings.Contains(body, m) {
			t.Errorf("metrics lack %s:\n%s", m, grepLines(body, "lekwacht_input_"))
		}
	}

	appendLines(t, mail, 3, 3)
	waitFor(t, "the new line read", func() bool { return d.inputs[0].Counters.Lines.Load() == 3 }, nil)
	if code, r := health(); code != 200 || r.Status != "ok" || r.Inputs[0].LastLine != "2026-12-07T10:01:00Z" {
		t.Errorf("after a new line: %d %+v", code, r)
	}

	clock.Advance(time.Hour) // 2h01m after start: never has had no line for longer than its 2h
	code, r = health()
	if code != 200 || r.Status != "degraded" || len(r.Details) != 1 || !strings.HasPrefix(r.Details[0], "input never: no new line for 2h1m0s (expect_every 2h0m0s)") {
		t.Errorf("an input without a line since start: %d %+v", code, r)
	}
	if _, body := get(t, base+"/metrics", ""); !strings.Contains(body, `lekwacht_input_quiet{input="never"} 1`) || !strings.Contains(body, `lekwacht_input_quiet{input="mail"} 0`) {
		t.Errorf("metrics:\n%s", grepLines(body, "lekwacht_input_quiet"))
	}
}
