package daemon

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lekwacht/lekwacht/config"
)

// TestFailedReloadsShow: a rule, directory or tokens file that does not reload leaves the old one in
// force and shows in /healthz (degraded, with the error) and in lekwacht_reload_failed{what} 1 and
// lekwacht_reload_failures_total; a good reload clears it.
func TestFailedReloadsShow(t *testing.T) {
	dir := t.TempDir()
	logFile := filepath.Join(dir, "auth.log")
	appendLines(t, logFile, 1, 2)
	rulesDir := filepath.Join(dir, "rules")
	os.MkdirAll(rulesDir, 0o755)
	staff := filepath.Join(dir, "directory.csv")
	header := "user,name,email,private_email,department,workstations,status,end_date\n"
	os.WriteFile(staff, []byte(header+"k.vos,Kim Vos,k.vos@voorbeeld.nl,,ICT,WS-1,active,\n"), 0o600)
	tokens := filepath.Join(dir, "tokens.yaml")
	os.WriteFile(tokens, []byte("tokens: []\n"), 0o600)
	cfg := testConfig(t, dir, config.Input{Name: "ssh", Format: "sshd", Paths: []string{logFile}})
	cfg.Rules.Dir, cfg.Directory = rulesDir, staff
	cfg.HTTP = config.HTTP{Listen: "127.0.0.1:0", TokensFile: tokens}
	d, _ := start(t, cfg, nil)
	base := "http://" + d.Addr()
	if code, body := get(t, base+"/healthz", ""); code != 200 || !strings.Contains(body, `"ok"`) {
		t.Fatalf("healthz at start %d %s", code, body)
	}

	os.WriteFile(filepath.Join(rulesDir, "mine.yaml"), []byte("id: mine\nbogus: 1\n"), 0o600)
	os.WriteFile(staff, []byte(header+"k.vos,Kim Vos\n"), 0o600)
	os.WriteFile(tokens, []byte("tokens:\n  - {name: a, rol: fg}\n"), 0o600)
	if err := d.Reload(); err == nil {
		t.Fatal("broken files reloaded without error")
	}
	code, body := get(t, base+"/healthz", "")
	for _, want := range []string{`"degraded"`, "rules reload failed", "mine.yaml", "directory reload failed", "directory.csv:2", "tokens reload failed"} {
		if code != 200 || !strings.Contains(body, want) {
			t.Errorf("healthz %d does not say %q: %s", code, want, body)
		}
	}
	_, body = get(t, base+"/metrics", "")
	for _, want := range []string{`lekwacht_reload_failed{what="rules"} 1`, `lekwacht_reload_failed{what="directory"} 1`,
		`lekwacht_reload_failed{what="tokens"} 1`, `lekwacht_reload_failed{what="config"} 0`, `lekwacht_reload_failures_total{what="rules"} `} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s:\n%s", want, grepLines(body, "reload"))
		}
	}

	os.Remove(filepath.Join(rulesDir, "mine.yaml"))
	os.WriteFile(staff, []byte(header+"k.vos,Kim Vos,k.vos@voorbeeld.nl,,ICT,WS-1,active,\n"), 0o600)
	os.WriteFile(tokens, []byte("tokens: []\n"), 0o600)
	if err := d.Reload(); err != nil {
		t.Fatal(err)
	}
	if code, body := get(t, base+"/healthz", ""); code != 200 || !strings.Contains(body, `"ok"`) {
		t.Errorf("healthz after good reloads %d %s", code, body)
	}
	if _, body := get(t, base+"/metrics", ""); !strings.Contains(body, `lekwacht_reload_failed{what="rules"} 0`) {
		t.Errorf("metrics after good reloads:\n%s", grepLines(body, "reload"))
	}
}
