package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestKillDuringIngest is the reliability suite's SIGKILL scenario: the real binary follows a
// Samba audit log and a zaaksysteem log under heavy appends, both rotated (rename + create, and
// copytruncate), and is SIGKILLed 20 times at moments that depend on its progress (the first kill at
// a random fraction of the lines, each next one after a random number more). Afterwards every line
// is in the events file exactly once, every export is one incident with one evidence item (nothing
// lost, nothing doubled) and `lekwacht verify` is clean.
func TestKillDuringIngest(t *testing.T) {
	if testing.Short() {
		t.Skip("long: 20 SIGKILLs during ingest (make test-long, make reliability)")
	}
	dir := t.TempDir()
	logDir := filepath.Join(dir, "log")
	os.MkdirAll(logDir, 0o755)
	events := filepath.Join(dir, "events.jsonl")
	regDir := filepath.Join(dir, "register")
	cfg := filepath.Join(dir, "lekwacht.yaml")
	os.WriteFile(cfg, []byte(fmt.Sprintf(`organisation: {timezone: Europe/Amsterdam}
register: {dir: %s}
events: {file: %s}
http: {listen: ""}
inputs:
  - {name: shares, format: samba-audit, paths: ["%s/audit.log*"]}
  - name: zaak
    format: json
    paths: ["%s/zaak.jsonl"]
    mapping: {time: ts, user: actor.id, action: action, object: subject.id, count: result.count, actions: {export: [export.csv]}}
`, regDir, events, logDir, logDir)), 0o600)
	samba, zaak := filepath.Join(logDir, "audit.log"), filepath.Join(logDir, "zaak.jsonl")
	const rounds = 20
	rnd := rand.New(rand.NewPCG(uint64(os.Getpid()), 20))
	written, exports := 0, 0
	appendLines := func(n int) {
		fs, _ := os.OpenFile(samba, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		fz, _ := os.OpenFile(zaak, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		for range n {
			written++
			if written%10 == 0 {
				exports++
				fmt.Fprintf(fz, `{"ts":"2026-11-20T10:00:%02d+01:00","actor":{"id":"medewerker%05d"},"action":"export.csv","subject":{"id":"lijst/%d"},"result":{"count":"250"}}`+"\n",
					written%60, exports, written)
				continue
			}
			fmt.Fprintf(fs, "Nov 20 10:00:00 fs01 smbd_audit[4121]: VOORBEELD\\u%05d|10.20.1.15|WS-0042|afdeling|openat|ok|r|/srv/shares/afdeling/%d.docx\n",
				written, written)
		}
		fs.Close()
		fz.Close()
	}
	logPath := filepath.Join(dir, "run.log")
	start := func() *exec.Cmd { return startRun(t, cfg, logPath) }
	for round := range rounds {
		cmd := start()
		appendLines(300 + rnd.IntN(300))
		switch round % 3 {
		case 1: // logrotate's rename + create while running
			os.Rename(samba, fmt.Sprintf("%s.%d", samba, round))
		case 2: // logrotate's copytruncate of the zaaksysteem log: a copy kept aside, the file emptied
			// only after lekwacht has read it (copytruncate loses lines a reader has not read yet,
			// with any reader: that is logrotate's own race, not ours)
			waitFor(t, func() bool { return countEvents(events) >= written })
			b, _ := os.ReadFile(zaak)
			os.WriteFile(fmt.Sprintf("%s.%d.copy", zaak, round), b, 0o644)
			os.Truncate(zaak, 0)
		}
		appendLines(100 + rnd.IntN(200))
		// Kill at a moment that depends on progress, somewhere in the last lines.
		target := written - rnd.IntN(150)
		waitFor(t, func() bool { return countEvents(events) >= target })
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
	}
	cmd := start()
	waitFor(t, func() bool { return countEvents(events) >= written })
	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		b, _ := os.ReadFile(logPath)
		t.Fatalf("SIGTERM: %v\n%s", err, b)
	}
	// Every line exactly once in the events file.
	data, _ := os.ReadFile(events)
	seen := map[string]int{}
	for _, l := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var ev struct {
			User struct{ Name string }   `json:"user"`
			App  struct{ Object string } `json:"app"`
		}
		if err := json.Unmarshal([]byte(l), &ev); err != nil {
			t.Fatalf("events file has a broken line after SIGKILL: %q", l)
		}
		seen[ev.User.Name+"|"+ev.App.Object]++
	}
	if len(seen) != written {
		t.Errorf("%d distinct lines in the events file, %d written", len(seen), written)
	}
	for k, n := range seen {
		if n != 1 {
			t.Errorf("line %s delivered %d times", k, n)
		}
	}
	// Every export one incident with one evidence item.
	out, _, code := run(t, "", "--config", cfg, "incidents", "list", "--json")
	var incs []struct {
		User     string `json:"user"`
		Detector string `json:"detector"`
		Evidence int    `json:"evidence_count"`
	}
	if err := json.Unmarshal([]byte(out), &incs); err != nil || code != 0 {
		t.Fatalf("incidents list: %v %d %s", err, code, out)
	}
	users := map[string]int{}
	for _, in := range incs {
		if in.Detector == "bulk_bsn_export" {
			users[in.User] += in.Evidence
		}
	}
	if len(users) != exports {
		t.Errorf("%d export incidents, %d exports written", len(users), exports)
	}
	for u, n := range users {
		if n != 1 {
			t.Errorf("%s: %d evidence items, want 1", u, n)
		}
	}
	if out, _, code := run(t, "", "--config", cfg, "verify"); code != 0 {
		t.Errorf("verify after %d SIGKILLs: %s", rounds, out)
	}
	t.Logf("RELIABILITY | SIGKILL during ingest with rotations | %d SIGKILLs, %d rename and %d copytruncate rotations, %d lines, %d exports | lost 0, doubled 0, verify clean",
		rounds, rounds/3, (rounds+1)/3, written, exports)
}
