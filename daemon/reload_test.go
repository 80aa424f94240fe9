package daemon

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/lekwacht/lekwacht/collectors"
	"github.com/lekwacht/lekwacht/config"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// TestReloadConfig: SIGHUP reads the config file again. A hook added to it runs for the next
// incident; a broken file changes nothing; an input added is reported as needing a restart.
func TestReloadConfig(t *testing.T) {
	dir := t.TempDir()
	logDir := filepath.Join(dir, "log")
	os.MkdirAll(logDir, 0o755)
	out := filepath.Join(dir, "hook.txt")
	script := filepath.Join(dir, "hook.sh")
	os.WriteFile(script, []byte("#!/bin/sh\necho \"$1\" >> "+out+"\n"), 0o755)
	os.WriteFile(filepath.Join(dir, "directory.csv"), []byte("user,name,email,private_email,department,workstations,status,end_date\n"+
		"p.oud,Piet Oud,p.oud@voorbeeld.nl,,Belastingen,WS-0099,left,2026-01-31\n"+
		"k.vos,Kim Vos,k.vos@voorbeeld.nl,,Belastingen,WS-0098,left,2026-01-31\n"), 0o600)
	base := `organisation: {timezone: Europe/Amsterdam}
register: {dir: ` + filepath.Join(dir, "register") + `}
directory: ` + filepath.Join(dir, "directory.csv") + `
http: {listen: ""}
inputs:
  - {name: ssh, format: sshd, paths: ["` + filepath.Join(logDir, "auth.log") + `"]}
`
	cfgFile := filepath.Join(dir, "lekwacht.yaml")
	os.WriteFile(cfgFile, []byte(base), 0o600)
	cfg, err := config.Load(cfgFile, collectors.CheckInput)
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	d, stop := start(t, cfg, slog.New(slog.NewJSONHandler(logs, nil)))
	appendLine := func(user string) {
		f, _ := os.OpenFile(filepath.Join(logDir, "auth.log"), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		f.WriteString("Nov 20 10:00:00 bastion sshd[1]: Accepted password for " + user + " from 10.99.1.5 port 40000 ssh2\n")
		f.Close()
	}
	appendLine("p.oud") // before the hook exists: a draft, no hook
	waitFor(t, "first draft", func() bool { d.mu.Lock(); defer d.mu.Unlock(); return d.det.Created >= 1 }, logs.String)

	// A broken config: an error, nothing changes.
	os.WriteFile(cfgFile, []byte(base+"hooks: [{name: x}]\n"), 0o600)
	if err := d.Reload(); err == nil {
		t.Fatal("a broken config reloaded without error")
	}
	// The hook, and an input added (a restart is needed for that one).
	os.WriteFile(cfgFile, []byte(base+"  - {name: mail, format: postfix, paths: [\""+filepath.Join(logDir, "mail.log")+"\"]}\n"+
		"hooks: [{name: block, min_severity: critical, command: ["+script+", \"{user}\"]}]\n"), 0o600)
	if err := d.Reload(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "next restart") || !strings.Contains(logs.String(), `"inputs"`) {
		t.Fatalf("the input added is not reported as needing a restart:\n%s", logs.String())
	}
	appendLine("k.vos")
	waitFor(t, "the hook for the second leaver", func() bool { b, _ := os.ReadFile(out); return string(b) == "k.vos\n" }, logs.String)
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if len(d.Inputs()) != 1 {
		t.Fatalf("the input was added without a restart: %d inputs", len(d.Inputs()))
	}
}
