package daemon

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/lekwacht/lekwacht/config"
	"github.com/lekwacht/lekwacht/server"
)

// The person view of `run` reads the pipeline's directory, and a reload (SIGHUP) of the directory
// reaches it: the name that moved to someone else is theirs at once.
func TestHTTPPersonViewFollowsTheDirectory(t *testing.T) {
	dir := t.TempDir()
	logDir := filepath.Join(dir, "log")
	os.MkdirAll(logDir, 0o755)
	staff := filepath.Join(dir, "staff.csv")
	const header = "user,name,email,private_email,department,workstations,status,end_date,aliases\n"
	os.WriteFile(staff, []byte(header+"jdevries,Jeanette de Vries,,,Sociaal Domein,WS-0042,active,,jdv\npbakker,Piet Bakker,,,ICT,WS-0043,active,,\n"), 0o600)
	cfg := testConfig(t, dir, config.Input{Name: "ssh", Format: "sshd", Paths: []string{filepath.Join(logDir, "auth.log")}})
	cfg.Directory = staff
	cfg.HTTP = config.HTTP{Listen: "127.0.0.1:0", TokensFile: filepath.Join(dir, "tokens.yaml")}
	fg, err := server.AddToken(cfg.HTTP.TokensFile, "fg", server.RoleFG)
	if err != nil {
		t.Fatal(err)
	}
	d, _ := start(t, cfg, nil)
	base := "http://" + d.Addr()
	account := func(id string) (int, string) {
		t.Helper()
		code, body := get(t, base+"/api/v1/persons/"+id, fg)
		var v struct {
			Account string `json:"account"`
		}
		json.Unmarshal([]byte(body), &v)
		return code, v.Account
	}
	if code, acc := account("jdv"); code != 200 || acc != "jdevries" {
		t.Fatalf("jdv: %d %q, want jdevries", code, acc)
	}
	if code, _ := account("kvisser"); code != 404 {
		t.Fatalf("someone not in the directory: %d, want 404", code)
	}
	os.WriteFile(staff, []byte(header+"jdevries,Jeanette de Vries,,,Sociaal Domein,WS-0042,active,,\npbakker,Piet Bakker,,,ICT,WS-0043,active,,jdv\nkvisser,Kees Visser,,,ICT,,active,,\n"), 0o600)
	if err := d.Reload(); err != nil {
		t.Fatal(err)
	}
	if code, acc := account("jdv"); code != 200 || acc != "pbakker" {
		t.Errorf("jdv after the reload: %d %q, want pbakker", code, acc)
	}
	if code, acc := account("kvisser"); code != 200 || acc != "kvisser" {
		t.Errorf("a new person after the reload: %d %q", code, acc)
	}
}
