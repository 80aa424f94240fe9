package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// lekwacht learn reads the configured inputs' files, registers nothing, and leaves the detector
// state for run; --since leaves out older events; a period it cannot read is bad usage.
func TestLearn(t *testing.T) {
	dir := t.TempDir()
	logPath := filepath.Join(dir, "zaak.jsonl")
	var b strings.Builder
	now := time.Now().UTC()
	for i := range 6 { // six exports of 500 records, two months ago and yesterday: drafts for replay, none for learn
		at := now.AddDate(0, -2, 0)
		if i >= 3 {
			at = now.AddDate(0, 0, -1)
		}
		fmt.Fprintf(&b, `{"ts":%q,"actor":{"id":"a.bakker"},"action":"export.csv","result":{"count":500}}`+"\n", at.Add(time.Duration(i)*time.Minute).Format(time.RFC3339))
	}
	os.WriteFile(logPath, []byte(b.String()), 0o600)
	cfg := filepath.Join(dir, "lekwacht.yaml")
	os.WriteFile(cfg, []byte(fmt.Sprintf(`organisation: {timezone: UTC}
register: {dir: %q}
inputs:
  - name: zaak
    format: json
    paths: [%q]
    mapping: {time: ts, user: actor.id, action: action, count: result.count, actions: {export: [export.csv]}}
`, filepath.Join(dir, "reg"), logPath)), 0o600)
	out, errOut, code := run(t, "", "learn", "--config", cfg, "--since", "30d")
	if code != 0 {
		t.Fatalf("learn exit %d: %s %s", code, out, errOut)
	}
	if !strings.Contains(out, "learned from 3 events") {
		t.Errorf("--since 30d should leave the three old events out: %s", out)
	}
	if _, err := os.Stat(filepath.Join(dir, "reg", "detector-state.json")); err != nil {
		t.Errorf("no state saved: %v", err)
	}
	list, _, _ := run(t, "", "incidents", "list", "--config", cfg, "--json")
	if strings.TrimSpace(list) != "[]" {
		t.Errorf("learn registered incidents: %s", list)
	}
	if _, errOut, code := run(t, "", "learn", "--config", cfg, "--since", "a month"); code != 2 || !strings.Contains(errOut, "write days (30d)") {
		t.Errorf("a bad period: exit %d, %s", code, errOut)
	}
}
