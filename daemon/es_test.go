package daemon

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lekwacht/lekwacht/config"
	"github.com/lekwacht/lekwacht/esindex"
	"github.com/lekwacht/lekwacht/esindex/estest"
	"github.com/lekwacht/lekwacht/register"
)

// TestIncidentsReachElasticsearch: a draft opened by run is indexed; a triage made by another
// process (the CLI, with the register opened the way every command opens it) is indexed as a newer
// version of the same document; ids carry register.instance.
func TestIncidentsReachElasticsearch(t *testing.T) {
	dir := t.TempDir()
	logDir := filepath.Join(dir, "log")
	os.MkdirAll(logDir, 0o755)
	cfg := testConfig(t, dir, config.Input{Name: "ssh", Format: "sshd", Paths: []string{filepath.Join(logDir, "auth.log")}})
	cfg.Directory = filepath.Join(dir, "directory.csv")
	os.WriteFile(cfg.Directory, []byte("user,name,email,private_email,department,workstations,status,end_date\n"+
		"p.oud,Piet Oud,p.oud@voorbeeld.nl,,Belastingen,WS-0099,left,2026-01-31\n"), 0o600)
	f, srv := estest.New()
	t.Cleanup(srv.Close)
	cfg.Elasticsearch = config.Elasticsearch{Addresses: []string{srv.URL}}
	cfg.Register.Instance = "ls01"
	os.WriteFile(filepath.Join(logDir, "auth.log"),
		[]byte("Nov 20 10:00:00 bastion sshd[1]: Accepted password for p.oud from 10.99.1.5 port 40000 ssh2\n"), 0o644)
	_, stop := start(t, cfg, nil)
	var id string
	waitFor(t, "the draft in Elasticsearch", func() bool {
		return f.Count() == 1
	}, nil)
	reg, err := OpenRegister(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Close()
	incs, _ := reg.List(context.Background(), register.Filter{})
	if len(incs) != 1 || !strings.HasPrefix(incs[0].ID, "LW-LS01-") {
		t.Fatalf("incidents %+v", incs)
	}
	id = incs[0].ID
	if _, err := reg.Move(context.Background(), id, register.StatusOpen, "team", "account van een vertrokken medewerker"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the triage in Elasticsearch", func() bool {
		doc, _ := f.Doc(esindex.Alias, id)
		return doc != nil && doc["lekwacht"].(map[string]any)["status"] == "open"
	}, nil)
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if f.Count() != 1 || f.Writes() != 2 {
		t.Fatalf("%d documents, %d writes: want one document written twice", f.Count(), f.Writes())
	}
}
