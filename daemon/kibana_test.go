package daemon

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lekwacht/lekwacht/collectors"
	"github.com/lekwacht/lekwacht/config"
	"github.com/lekwacht/lekwacht/esindex"
	"github.com/lekwacht/lekwacht/esindex/estest"
	"github.com/lekwacht/lekwacht/register"
)

// casesDaemon is run with kibana.triage cases against the in-test Kibana: a directory in which two
// accounts have left, so each login over ssh opens a draft.
type casesDaemon struct {
	cfg *config.Config
	kb  *estest.Cases
	log string // auth.log
}

func newCasesDaemon(t *testing.T) *casesDaemon {
	t.Helper()
	dir := t.TempDir()
	logDir := filepath.Join(dir, "log")
	if err := os.MkdirAll(logDir, 0o755); err != nil {
		t.Fatal(err)
	}
	c := &casesDaemon{log: filepath.Join(logDir, "auth.log")}
	c.cfg = testConfig(t, dir, config.Input{Name: "ssh", Format: "sshd", Paths: []string{c.log}})
	c.cfg.Directory = filepath.Join(dir, "directory.csv")
	if err := os.WriteFile(c.cfg.Directory, []byte("user,name,email,private_email,department,workstations,status,end_date\n"+
		"p.oud,Piet Oud,p.oud@voorbeeld.nl,,Belastingen,WS-0099,left,2026-01-31\n"+
		"r.weg,Rina Weg,r.weg@voorbeeld.nl,,Sociaal Domein,WS-0098,left,2026-02-28\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	kb, srv := estest.NewCases()
	t.Cleanup(srv.Close)
	c.kb = kb
	// An hour between polls: within the test only a turn (Turn, or the start) reads Kibana.
	c.cfg.Kibana = config.Kibana{URL: srv.URL, Triage: config.TriageCases, Poll: time.Hour}
	c.cfg.HTTP.PublicURL = "https://lekwacht.voorbeeld.local:8470"
	if ps := c.cfg.Validate(collectors.CheckInput); len(ps) > 0 {
		t.Fatalf("config: %+v", ps)
	}
	return c
}

// login appends a login of user to auth.log.
func (c *casesDaemon) login(t *testing.T, user string) {
	t.Helper()
	f, err := os.OpenFile(c.log, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString("Nov 20 10:00:00 bastion sshd[1]: Accepted password for " + user + " from 10.99.1.5 port 40000 ssh2\n"); err != nil {
		t.Fatal(err)
	}
}

// draftOf waits for the draft of user in the register, read as the CLI reads it.
func (c *casesDaemon) draftOf(t *testing.T, d *Daemon, user string) string {
	t.Helper()
	var id string
	waitFor(t, "the draft of "+user, func() bool {
		list, err := d.det.reg.List(context.Background(), register.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		for _, in := range list {
			if in.User == user {
				id = in.ID
			}
		}
		return id != ""
	}, nil)
	return id
}

// caseOf is the one case of incident id in the in-test Kibana.
func (c *casesDaemon) caseOf(t *testing.T, id string) map[string]any {
	t.Helper()
	var found []map[string]any
	for _, k := range c.kb.All("default") {
		for _, tag := range k["tags"].([]any) {
			if tag == esindex.CaseTagOf(id) {
				found = append(found, k)
			}
		}
	}
	if len(found) != 1 {
		t.Fatalf("%s: %d cases in Kibana, want 1", id, len(found))
	}
	return found[0]
}

// turn makes the daemon's case sync push and poll once, from now.
func turn(t *testing.T, d *Daemon) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second) // a budget, not a wait
	defer cancel()
	if err := d.cases.Turn(ctx); err != nil {
		t.Fatalf("case sync turn: %v", err)
	}
}

// kibanaChanges are the history entries of incident id made in Kibana, read as `lekwacht incidents
// show` reads them: the register opened by another process.
func kibanaChanges(t *testing.T, cfg *config.Config, id string) []register.Change {
	t.Helper()
	reg, err := OpenRegister(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Close()
	in, err := reg.Show(context.Background(), id, "test", "show")
	if err != nil {
		t.Fatal(err)
	}
	var out []register.Change
	for _, h := range in.History {
		if strings.HasPrefix(h.By, "kibana") {
			out = append(out, h)
		}
	}
	return out
}

// TestCasesTriageThroughTheDaemon: lekwacht run with kibana.triage cases opens a case for each new
// draft; an analyst sets one case to in-progress and closes the other with a comment in Kibana; the
// next poll opens and dismisses the incidents, with the Kibana user as who, the time of the poll
// as when and the comment as why. A case closed while the daemon is down is applied by the next
// start, once: a start after a crash that lost the cursor reads it again and applies nothing.
func TestCasesTriageThroughTheDaemon(t *testing.T) {
	c := newCasesDaemon(t)
	d, stop := start(t, c.cfg, nil)
	c.login(t, "p.oud")
	c.login(t, "r.weg")
	first, second := c.draftOf(t, d, "p.oud"), c.draftOf(t, d, "r.weg")
	turn(t, d)
	case1, case2 := c.caseOf(t, first), c.caseOf(t, second)
	for id, k := range map[string]map[string]any{first: case1, second: case2} {
		if k["status"] != esindex.CaseOpen || !strings.Contains(k["description"].(string), "https://lekwacht.voorbeeld.local:8470/incidents/"+id) {
			t.Errorf("case of %s: %v", id, k)
		}
		cm := c.kb.Comments("default", k["id"].(string))
		if len(cm) != 1 || !strings.Contains(cm[0]["comment"].(string), "samenvatting van het bewijs") {
			t.Errorf("case of %s: comments %v, want the evidence summary", id, cm)
		}
	}

	// In Kibana: the first case in progress, with a note.
	c.kb.Analyst("default", case1["id"].(string), esindex.CaseInProgress, "a.jansen", "Inlog op vertrokken account, naar de FG")
	before := time.Now()
	turn(t, d)
	after := time.Now()
	ch := kibanaChanges(t, c.cfg, first)
	if len(ch) != 1 {
		t.Fatalf("%s: %d changes from Kibana after one poll, want 1: %+v", first, len(ch), ch)
	}
	if h := ch[0]; h.To != register.StatusOpen || h.By != "kibana:a.jansen" || h.At.Before(before.Add(-time.Second)) || h.At.After(after) ||
		!strings.Contains(h.Reason, "Inlog op vertrokken account, naar de FG") || !strings.Contains(h.Reason, case1["id"].(string)) {
		t.Errorf("history of %s: %+v", first, h)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	d.Close()

	// While lekwacht is down, the second case is closed with a reason.
	c.kb.Analyst("default", case2["id"].(string), esindex.CaseClosed, "b.bakker", "Testaccount van de leverancier, geen datalek")
	d, stop = start(t, c.cfg, nil)
	turn(t, d)
	ch = kibanaChanges(t, c.cfg, second)
	if len(ch) != 1 || ch[0].To != register.StatusDismissed || ch[0].By != "kibana:b.bakker" ||
		!strings.Contains(ch[0].Reason, "Testaccount van de leverancier, geen datalek") {
		t.Fatalf("%s after the restart: %+v, want one dismissal by kibana:b.bakker", second, ch)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	d.Close()

	// A crash before the cursor was saved: the next start reads both cases again, applies nothing.
	if err := os.Remove(filepath.Join(c.cfg.Register.Dir, esindex.CasesCursorFile)); err != nil {
		t.Fatal(err)
	}
	d, stop = start(t, c.cfg, nil)
	turn(t, d)
	for _, id := range []string{first, second} {
		if ch := kibanaChanges(t, c.cfg, id); len(ch) != 1 {
			t.Errorf("%s: %d changes from Kibana after a re-read, want 1: %+v", id, len(ch), ch)
		}
	}
	if st := c.kb.Case("default", case2["id"].(string))["status"]; st != esindex.CaseClosed {
		t.Errorf("the dismissed incident's case: %v, want closed", st)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if n := len(c.kb.Calls("POST /api/cases")); n != 2 {
		t.Errorf("%d cases made, want 2", n)
	}
}
