package daemon

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lekwacht/lekwacht/collectors"
	"github.com/lekwacht/lekwacht/collectors/parse"
	"github.com/lekwacht/lekwacht/config"
)

// sshLine is a valid sshd logon line; its port makes it unique.
func sshLine(i int) string {
	return fmt.Sprintf("Nov 23 10:%02d:%02d srv sshd[%d]: Accepted password for user%d from 192.0.2.%d port %d ssh2",
		(i/60)%60, i%60, 1000+i, i, i%250+1, 10000+i)
}

func testConfig(t *testing.T, dir string, inputs ...config.Input) *config.Config {
	t.Helper()
	cfg := &config.Config{
		Organisation: config.Organisation{Timezone: "Europe/Amsterdam"},
		Register:     config.Register{Dir: filepath.Join(dir, "register")},
		Events:       config.Events{File: filepath.Join(dir, "events.jsonl")},
		Inputs:       inputs,
	}
	if ps := cfg.Validate(collectors.CheckInput); len(ps) > 0 {
		t.Fatalf("config: %+v", ps)
	}
	return cfg
}

func TestReplayCountsAndKeepsRejectsAside(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "auth.log")
	body := strings.Join([]string{
		sshLine(1),
		"garbage without a syslog header",
		"Nov 23 10:00:03 srv sshd[7]: bad \xff\xfe utf8",
		"Nov 23 10:00:04 srv sshd[7]: nul \x00 byte",
		strings.Repeat("x", 3<<20), // a 3 MB line
		sshLine(2),
		"Nov 23 10:00:06 srv sshd[8]: Received disconnect from 192.0.2.9 port 5: 11: bye [preauth]",
	}, "\n") + "\n"
	os.WriteFile(log, []byte(body), 0o600)
	cfg := testConfig(t, dir, config.Input{Name: "ssh", Format: "sshd", Paths: []string{filepath.Join(dir, "auth.log*")}})

	sum, err := Replay(context.Background(), cfg, ReplayOptions{Files: []string{log}})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Lines != 7 || sum.Events != 2 || sum.Rejected != 4 {
		t.Fatalf("summary %s, want 7 lines, 2 events, 4 rejected", sum)
	}
	got := sum.Inputs[0].Counters.Rejected()
	for _, r := range []string{"syntax", "invalid_utf8", "binary", "line_too_long"} {
		if got[parseReason(r)] != 1 {
			t.Errorf("reason %s: %d, want 1 (all: %v)", r, got[parseReason(r)], got)
		}
	}
	rejects := readJSONLines(t, rejectsPath(cfg, "ssh"))
	if len(rejects) != 4 || rejects[0]["line"].(float64) != 2 || rejects[0]["file"] != log {
		t.Fatalf("rejects file: %v", rejects)
	}
	if rejects[1]["text_base64"] == nil {
		t.Error("invalid UTF-8 line not kept as base64")
	}
	if evs := readJSONLines(t, cfg.Events.File); len(evs) != 2 {
		t.Fatalf("events file has %d events, want 2", len(evs))
	}
	if sum.String() != "7 lines, 2 events, 4 rejected, 0 incidents" {
		t.Errorf("summary line %q", sum.String())
	}
}

func TestReplayNeedsAFormat(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "unknown.log")
	os.WriteFile(f, []byte("x\n"), 0o600)
	cfg := testConfig(t, dir)
	_, err := Replay(context.Background(), cfg, ReplayOptions{Files: []string{f}})
	if err == nil || !strings.Contains(err.Error(), "--format") {
		t.Fatalf("got %v", err)
	}
}

func appendLines(t *testing.T, path string, from, to int) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for i := from; i <= to; i++ {
		fmt.Fprintln(f, sshLine(i))
	}
}

func countLines(path string) int {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	return strings.Count(string(data), "\n")
}

func readJSONLines(t *testing.T, path string) []map[string]any {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []map[string]any
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 8<<20)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out = append(out, m)
	}
	return out
}

func parseReason(s string) parse.Reason { return parse.Reason(s) }

// The daemon follows a file, checkpoints on shutdown, and after a restart continues where it was:
// every line once in the events file.
func TestRunResumesWithoutLossOrDuplicates(t *testing.T) {
	dir := t.TempDir()
	logDir := filepath.Join(dir, "log")
	os.MkdirAll(logDir, 0o755)
	logFile := filepath.Join(logDir, "auth.log")
	cfg := testConfig(t, dir, config.Input{Name: "ssh", Format: "sshd", Paths: []string{filepath.Join(logDir, "auth.log*")}})
	appendLines(t, logFile, 1, 50)

	runUntil(t, cfg, func() bool { return countLines(cfg.Events.File) >= 50 })
	if _, err := os.Stat(filepath.Join(cfg.Register.Dir, "positions.json")); err != nil {
		t.Fatal("no checkpoint after shutdown:", err)
	}
	// While down: more lines, and a rotation by rename + create.
	appendLines(t, logFile, 51, 80)
	os.Rename(logFile, logFile+".1")
	appendLines(t, logFile, 81, 120)

	runUntil(t, cfg, func() bool { return countLines(cfg.Events.File) >= 120 })
	ports := map[float64]int{}
	for _, ev := range readJSONLines(t, cfg.Events.File) {
		ports[ev["source"].(map[string]any)["port"].(float64)]++
	}
	for i := 1; i <= 120; i++ {
		if n := ports[float64(10000+i)]; n != 1 {
			t.Errorf("line %d delivered %d times", i, n)
		}
	}
}

func runUntil(t *testing.T, cfg *config.Config, cond func() bool) {
	t.Helper()
	d, err := New(cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("condition not reached in 10s; events: %d", countLines(cfg.Events.File))
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
