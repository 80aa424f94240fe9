package daemon

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lekwacht/lekwacht/config"
	"github.com/lekwacht/lekwacht/register"
)

// logLines are the JSON lines of a log whose msg is msg.
func logLines(log, msg string) []map[string]any {
	var out []map[string]any
	for _, l := range strings.Split(log, "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(l), &m) == nil && m["msg"] == msg {
			out = append(out, m)
		}
	}
	return out
}

// TestTheLogTellsTheStory: a status change of an incident made beside the daemon (another handle on
// the register, as the incidents command is) is one line in the daemon's log with the incident,
// detector, severity, from, to and by, without the reason; a change of the tokens file reloads it
// without a signal (tokens add and revoke take effect), a line whether it loads or not.
func TestTheLogTellsTheStory(t *testing.T) {
	dir := t.TempDir()
	logFile := filepath.Join(dir, "auth.log")
	staff := filepath.Join(dir, "directory.csv")
	os.WriteFile(staff, []byte("user,name,email,private_email,department,workstations,status,end_date\n"+
		"p.oud,Piet Oud,p.oud@voorbeeld.nl,,Belastingen,WS-0099,left,2026-01-31\n"), 0o600)
	tokens := filepath.Join(dir, "tokens.yaml")
	os.WriteFile(tokens, []byte("tokens: []\n"), 0o600)
	cfg := testConfig(t, dir, config.Input{Name: "ssh", Format: "sshd", Paths: []string{logFile}})
	cfg.Directory = staff
	cfg.HTTP = config.HTTP{Listen: "127.0.0.1:0", TokensFile: tokens}
	logs := &syncBuffer{}
	start(t, cfg, slog.New(slog.NewJSONHandler(logs, nil)))
	os.WriteFile(logFile, []byte("Nov 20 10:00:00 bastion sshd[1]: Accepted password for p.oud from 10.99.1.5 port 40000 ssh2\n"), 0o600)
	waitFor(t, "a draft", func() bool { return len(logLines(logs.String(), "draft opened")) > 0 }, logs.String)
	draft := logLines(logs.String(), "draft opened")[0]
	id := draft["incident"].(string)

	reg, err := register.Open(context.Background(), cfg.Register.Dir, register.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Close()
	if _, err := reg.Move(context.Background(), id, register.StatusOpen, "analist.jansen", "echt: Piet Oud exporteerde"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the status change logged", func() bool { return len(logLines(logs.String(), "incident status changed")) > 0 }, logs.String)
	changes := logLines(logs.String(), "incident status changed")
	want := map[string]any{"incident": id, "detector": draft["detector"], "severity": draft["severity"], "from": "draft", "to": "open", "by": "analist.jansen"}
	for k, v := range want {
		if changes[0][k] != v {
			t.Errorf("status change line: %s = %v, want %v\n%v", k, changes[0][k], v, changes[0])
		}
	}
	if len(changes) != 1 || strings.Contains(logs.String(), "Piet Oud") || strings.Contains(logs.String(), "exporteerde") {
		t.Errorf("one line without the reason wanted:\n%s", logs.String())
	}

	os.WriteFile(tokens, []byte("tokens:\n  - {name: a, rol: fg}\n"), 0o600)
	waitFor(t, "the broken tokens file noticed", func() bool { return len(logLines(logs.String(), "tokens not reloaded: the tokens in force stay")) > 0 }, logs.String)
	os.WriteFile(tokens, []byte("tokens: []\n"), 0o600)
	waitFor(t, "the mended tokens file loaded", func() bool { return len(logLines(logs.String(), "tokens reloaded")) > 0 }, logs.String)
	if bad := logLines(logs.String(), "tokens not reloaded: the tokens in force stay"); len(bad) != 1 || !strings.Contains(bad[0]["err"].(string), "rol") {
		t.Errorf("failed tokens reload: %v\n%s", bad, logs.String())
	}
	if good := logLines(logs.String(), "tokens reloaded"); len(good) != 1 || good[0]["tokens"] != 0.0 {
		t.Errorf("tokens reloads: %v", good)
	}
}
