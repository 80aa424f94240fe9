package daemon

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lekwacht/lekwacht/config"
)

// TestHookRunsWhenACriticalIncidentOpens: the account of a leaver logs on over SSH; the daemon opens
// a critical draft and the configured command runs with the account and the incident id.
func TestHookRunsWhenACriticalIncidentOpens(t *testing.T) {
	dir := t.TempDir()
	logDir := filepath.Join(dir, "log")
	os.MkdirAll(logDir, 0o755)
	cfg := testConfig(t, dir, config.Input{Name: "ssh", Format: "sshd", Paths: []string{filepath.Join(logDir, "auth.log")}})
	cfg.Directory = filepath.Join(dir, "directory.csv")
	os.WriteFile(cfg.Directory, []byte("user,name,email,private_email,department,workstations,status,end_date\n"+
		"p.oud,Piet Oud,p.oud@voorbeeld.nl,,Belastingen,WS-0099,left,2026-01-31\n"), 0o600)
	out := filepath.Join(dir, "blocked.txt")
	script := filepath.Join(dir, "block.sh")
	os.WriteFile(script, []byte("#!/bin/sh\necho \"$1 $2\" >> "+out+"\n"), 0o755)
	cfg.Hooks = []config.Hook{{Name: "block", MinSeverity: "critical", Command: []string{script, "{user}", "{id}"}}}
	os.WriteFile(filepath.Join(logDir, "auth.log"),
		[]byte("Nov 20 10:00:00 bastion sshd[1]: Accepted password for p.oud from 10.99.1.5 port 40000 ssh2\n"), 0o644)
	_, stop := start(t, cfg, nil)
	var ran string
	waitFor(t, "the hook", func() bool { b, _ := os.ReadFile(out); ran = string(b); return strings.HasPrefix(ran, "p.oud LW-") }, nil)
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(out); string(b) != ran || strings.Count(ran, "\n") != 1 {
		t.Fatalf("the hook ran more than once: %q", b)
	}
}
