package daemon

import (
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lekwacht/lekwacht/config"
)

// TestDraftOpenedIsLogged: run logs one line per draft it opens, with the incident id, detector,
// rule, severity and account, and nothing of the log line itself (no address, no host).
func TestDraftOpenedIsLogged(t *testing.T) {
	dir := t.TempDir()
	logFile := filepath.Join(dir, "auth.log")
	staff := filepath.Join(dir, "directory.csv")
	os.WriteFile(staff, []byte("user,name,email,private_email,department,workstations,status,end_date\n"+
		"p.oud,Piet Oud,p.oud@voorbeeld.nl,,Belastingen,WS-0099,left,2026-01-31\n"), 0o600)
	cfg := testConfig(t, dir, config.Input{Name: "ssh", Format: "sshd", Paths: []string{logFile}})
	cfg.Directory = staff
	logs := &syncBuffer{}
	d, _ := start(t, cfg, slog.New(slog.NewJSONHandler(logs, nil)))
	os.WriteFile(logFile, []byte("Nov 20 10:00:00 bastion sshd[1]: Accepted password for p.oud from 10.99.1.5 port 40000 ssh2\n"), 0o600)
	waitFor(t, "a draft", func() bool { d.mu.Lock(); defer d.mu.Unlock(); return d.det.Created >= 1 }, logs.String)
	var line string
	for _, l := range strings.Split(logs.String(), "\n") {
		if strings.Contains(l, `"msg":"draft opened"`) {
			line = l
		}
	}
	for _, want := range []string{`"incident":"LW-`, `"detector":"`, `"rule":"`, `"severity":"`, `"account":"p.oud"`} {
		if !strings.Contains(line, want) {
			t.Errorf("draft line %q lacks %s\n%s", line, want, logs.String())
		}
	}
	if strings.Contains(line, "10.99.1.5") || strings.Contains(line, "Piet") {
		t.Errorf("draft line carries more than the account: %s", line)
	}
}
