package esindex

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lekwacht/lekwacht/config"
	"github.com/lekwacht/lekwacht/esindex/estest"
	"github.com/lekwacht/lekwacht/register"
)

// The request and answer bodies of the fake (estest.Cases) follow Kibana's Cases OpenAPI spec,
// x-pack/platform/plugins/shared/cases/docs/openapi/: paths/api@cases.yaml (POST create, PATCH
// update), api@cases@_find.yaml, api@cases@{caseid}.yaml, api@cases@{caseid}@comments.yaml and
// api@cases@{caseid}@comments@_find.yaml; components/schemas/create_case_request.yaml,
// update_case_request.yaml (id and version required), settings.yaml (syncAlerts required),
// add_user_comment_request_properties.yaml and case_response_properties.yaml.

type caseFixture struct {
	reg   *register.Register
	dir   string
	kb    *estest.Cases
	url   string
	clock *syncClock
	logs  *logBuf
	ids   []string
}

func newCaseFixture(t *testing.T, incidents int) *caseFixture {
	t.Helper()
	dir := t.TempDir()
	clock := &syncClock{t: hitTime.Add(time.Hour)}
	reg, err := register.Open(context.Background(), dir, register.Options{Location: time.UTC, Now: clock.now, Outbox: CasesOutbox})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { reg.Close() })
	kb, srv := estest.NewCases()
	t.Cleanup(srv.Close)
	kb.Now = clock.now
	f := &caseFixture{reg: reg, dir: dir, kb: kb, url: srv.URL, clock: clock, logs: &logBuf{}}
	f.ids = addHits(t, reg, incidents, 0)
	return f
}

// sync is a fresh case sync, as after a restart of lekwacht.
func (f *caseFixture) sync(t *testing.T, page int) *CaseSync {
	t.Helper()
	s, err := NewCaseSync(f.reg, CaseOptions{URL: f.url, Dir: f.dir, Page: page, PublicURL: "https://lekwacht.gemeente.example",
		Log: slog.New(slog.NewTextHandler(f.logs, nil)), Now: f.clock.now})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func mustPush(t *testing.T, s *CaseSync) int {
	t.Helper()
	n, err := s.Push(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func mustPollCases(t *testing.T, s *CaseSync) PollResult {
	t.Helper()
	r, err := s.Poll(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// caseOf is the case of incident id in the fake (failing when not exactly one).
func (f *caseFixture) caseOf(t *testing.T, id string) map[string]any {
	t.Helper()
	var found []map[string]any
	for _, c := range f.kb.All("default") {
		for _, tag := range c["tags"].([]any) {
			if tag == CaseTagOf(id) {
				found = append(found, c)
			}
		}
	}
	if len(found) != 1 {
		t.Fatalf("%s: %d cases, want 1", id, len(found))
	}
	return found[0]
}

func TestCasesOnePerDraftMasked(t *testing.T) {
	f := newCaseFixture(t, 3)
	s := f.sync(t, 0)
	if n := mustPush(t, s); n != 3 {
		t.Fatalf("push settled %d rows, want 3", n)
	}
	for _, id := range f.ids {
		c := f.caseOf(t, id)
		if c["owner"] != CaseOwner || c["status"] != CaseOpen || c["severity"] != "high" {
			t.Errorf("%s: case %v", id, c)
		}
		if !strings.Contains(c["description"].(string), "https://lekwacht.gemeente.example/incidents/"+id) {
			t.Errorf("%s: no link in %q", id, c["description"])
		}
		cm := f.kb.Comments("default", c["id"].(string))
		if len(cm) != 1 || !strings.Contains(cm[0]["comment"].(string), "samenvatting van het bewijs") {
			t.Errorf("%s: comments %v, want the evidence summary", id, cm)
		}
	}
	// Nothing personal in any body sent to Kibana: the register's masked summary only.
	for _, r := range f.kb.Requests {
		b, _ := json.Marshal(r.Body)
		for _, bad := range []string{"123456782", "@gmail.com", "k.devries", "Uw uitkering"} {
			if strings.Contains(string(b), bad) {
				t.Errorf("%s carries %q: %s", r.Path, bad, b)
			}
		}
	}
	if n := len(f.kb.Calls("POST /api/cases")); n != 3 {
		t.Errorf("%d creates, want 3", n)
	}
}

// A restart between making a case and settling its outbox row makes no second case: the sync finds
// it by its tag and adds the summary comment the first push did not get to.
func TestCasesRestartNoDuplicate(t *testing.T) {
	f := newCaseFixture(t, 1)
	f.kb.FailNext = "POST /api/cases/case-0001/comments"
	if _, err := f.sync(t, 0).Push(context.Background()); err == nil {
		t.Fatal("push with a failing comment: no error")
	}
	if n := mustPush(t, f.sync(t, 0)); n != 1 {
		t.Fatalf("second push settled %d rows, want 1", n)
	}
	c := f.caseOf(t, f.ids[0])
	if n := len(f.kb.Comments("default", c["id"].(string))); n != 1 {
		t.Errorf("%d comments, want the summary once", n)
	}
	if n := mustPush(t, f.sync(t, 0)); n != 0 {
		t.Errorf("third push settled %d rows, want 0", n)
	}
	if n := len(f.kb.Calls("POST /api/cases")); n != 1 {
		t.Errorf("%d creates, want 1", n)
	}
}

// Analysts decide while lekwacht is down; the first poll after the start applies both, with the
// case's updated_by as who and the newest analyst comment as why, and a second poll (or a lost
// cursor) applies nothing again.
func TestCasesChangedWhileDownAppliedOnStart(t *testing.T) {
	f := newCaseFixture(t, 3)
	s := f.sync(t, 2)
	mustPush(t, s)
	if r := mustPollCases(t, s); r.Applied+r.Refused != 0 {
		t.Fatalf("first poll: %+v", r)
	}
	c0, c1 := f.caseOf(t, f.ids[0])["id"].(string), f.caseOf(t, f.ids[1])["id"].(string)
	f.clock.add(time.Hour)
	f.kb.Analyst("default", c0, CaseClosed, "a.jansen", "valse melding: testaccount van de leverancier")
	f.clock.add(time.Second)
	f.kb.Analyst("default", c1, CaseInProgress, "b.bakker", "")

	s = f.sync(t, 2) // restarted
	r := mustPollCases(t, s)
	if r.Applied != 2 || r.Refused != 0 {
		t.Fatalf("poll after start: %+v", r)
	}
	in0, _ := f.reg.Summary(context.Background(), f.ids[0])
	in1, _ := f.reg.Summary(context.Background(), f.ids[1])
	if in0.Status != register.StatusDismissed || in1.Status != register.StatusOpen {
		t.Fatalf("statuses %s %s", in0.Status, in1.Status)
	}
	h := in0.History[len(in0.History)-1]
	if h.By != "kibana:a.jansen" || !strings.Contains(h.Reason, "valse melding: testaccount") || !strings.Contains(h.Reason, c0) {
		t.Errorf("history %+v", h)
	}
	if h := in1.History[len(in1.History)-1]; h.By != "kibana:b.bakker" {
		t.Errorf("history %+v", h)
	}
	if r := mustPollCases(t, s); r.Applied != 0 || r.Refused != 0 {
		t.Errorf("second poll: %+v", r)
	}
	os.Remove(filepath.Join(f.dir, CasesCursorFile))
	if r := mustPollCases(t, f.sync(t, 2)); r.Applied != 0 || r.Refused != 0 {
		t.Errorf("poll without cursor: %+v", r)
	}
	// The triage made in Kibana is in the outbox too; pushing it changes nothing in Kibana.
	mustPush(t, s)
	if st := f.kb.Case("default", c0)["status"]; st != CaseClosed {
		t.Errorf("case 0 %v", st)
	}
}

// Closing a case of an opened incident, or closing a draft's case without a reason, is refused:
// the case is set back with a comment saying why, both logged.
func TestCasesIllegalChangeSetBack(t *testing.T) {
	f := newCaseFixture(t, 2)
	s := f.sync(t, 0)
	mustPush(t, s)
	if _, err := f.reg.Move(context.Background(), f.ids[0], register.StatusOpen, "fg", "echt"); err != nil {
		t.Fatal(err)
	}
	mustPush(t, s)
	c0, c1 := f.caseOf(t, f.ids[0])["id"].(string), f.caseOf(t, f.ids[1])["id"].(string)
	if st := f.kb.Case("default", c0)["status"]; st != CaseInProgress {
		t.Fatalf("pushed status %v", st)
	}
	f.clock.add(time.Minute)
	f.kb.Analyst("default", c0, CaseClosed, "a.jansen", "toch niks")
	f.kb.Analyst("default", c1, CaseClosed, "a.jansen", "")
	r := mustPollCases(t, s)
	if r.Refused != 2 || r.Applied != 0 {
		t.Fatalf("poll: %+v", r)
	}
	for id, want := range map[string]string{c0: CaseInProgress, c1: CaseOpen} {
		if st := f.kb.Case("default", id)["status"]; st != want {
			t.Errorf("%s set back to %v, want %s", id, st, want)
		}
		cm := f.kb.Comments("default", id)
		if last := cm[len(cm)-1]["comment"].(string); !strings.Contains(last, "status teruggezet naar "+want) {
			t.Errorf("%s: last comment %q", id, last)
		}
	}
	in1, _ := f.reg.Get(context.Background(), f.ids[1])
	if in1.Status != register.StatusDraft {
		t.Errorf("draft without reason: %s", in1.Status)
	}
	if l := f.logs.String(); !strings.Contains(l, "status change refused") || !strings.Contains(l, "case set back") {
		t.Errorf("log: %s", l)
	}
	if r := mustPollCases(t, s); r.Refused != 0 {
		t.Errorf("second poll refused again: %+v", r)
	}
}

// A colleague edits the case between lekwacht's read and its patch: Kibana answers 409, the sync
// reads the case again and patches with the new version.
func TestCasesPushVersionConflict(t *testing.T) {
	f := newCaseFixture(t, 1)
	s := f.sync(t, 0)
	mustPush(t, s)
	cid := f.caseOf(t, f.ids[0])["id"].(string)
	c, err := s.getCase(context.Background(), cid)
	if err != nil {
		t.Fatal(err)
	}
	f.kb.Bump("default", cid, "c.collega")
	if _, err := s.setStatus(context.Background(), c, CaseInProgress); err != nil {
		t.Fatal(err)
	}
	patches := f.kb.Calls("PATCH /api/cases")
	if len(patches) != 2 || patches[0].Status != 409 || patches[1].Status != 200 {
		t.Fatalf("patches %+v", patches)
	}
	if st := f.kb.Case("default", cid)["status"]; st != CaseInProgress {
		t.Errorf("status %v", st)
	}
}

// The fake refuses what the spec refuses: a create without settings, a patch without version.
func TestCasesFakeRefuses(t *testing.T) {
	f := newCaseFixture(t, 0)
	s := f.sync(t, 0)
	if _, _, err := s.kc.do(context.Background(), "POST", "/api/cases", map[string]any{"title": "x", "description": "y",
		"tags": []string{}, "owner": CaseOwner, "connector": map[string]any{"id": "none", "name": "none", "type": ".none", "fields": nil}}); err == nil {
		t.Error("create without settings accepted")
	}
	if _, _, err := s.kc.do(context.Background(), "PATCH", "/api/cases", map[string]any{"cases": []any{map[string]any{"id": "x", "status": "open"}}}); err == nil {
		t.Error("patch without version accepted")
	}
}

// Turn returns once a push and poll that began after the call have ended: a change made in Kibana
// before it is in the register when it returns; without Run, Turn ends with its context.
func TestCasesTurn(t *testing.T) {
	f := newCaseFixture(t, 1)
	s := f.sync(t, 0)
	s.every = time.Hour
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	short, stop := context.WithTimeout(ctx, 50*time.Millisecond)
	if err := s.Turn(short); err == nil {
		t.Fatal("Turn without Run returned no error")
	}
	stop()
	runCtx, end := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- s.Run(runCtx) }()
	defer func() { end(); <-done }()
	if err := s.Turn(ctx); err != nil {
		t.Fatal(err)
	}
	cid := f.caseOf(t, f.ids[0])["id"].(string)
	f.clock.add(time.Minute)
	f.kb.Analyst("default", cid, CaseInProgress, "a.jansen", "")
	if err := s.Turn(ctx); err != nil {
		t.Fatal(err)
	}
	if in, _ := f.reg.Get(ctx, f.ids[0]); in.Status != register.StatusOpen {
		t.Errorf("after Turn: %s, want open", in.Status)
	}
	f.kb.Down = true
	if err := s.Turn(ctx); err == nil {
		t.Error("Turn with Kibana down: no error")
	}
}

// A case's updated_by gives the user name, and the full name and profile uid too; the register
// records the user name, else the full name, else the uid labelled as one.
func TestCasesWhoIsTheUserName(t *testing.T) {
	f := newCaseFixture(t, 3)
	s := f.sync(t, 0)
	mustPush(t, s)
	users := []estest.User{
		{Username: "a.jansen", FullName: "Anna Jansen", Email: "a.jansen@gemeente.example", ProfileUID: "u_3Q9kTzWm_0"},
		{FullName: "Bram Bakker", ProfileUID: "u_Xw2pLq_0"},
		{ProfileUID: "u_Zr8vNc_0"},
	}
	want := []string{"kibana:a.jansen", "kibana:Bram Bakker", "kibana-profile:u_Zr8vNc_0"}
	f.clock.add(time.Minute)
	for i, u := range users {
		f.kb.AnalystAs("default", f.caseOf(t, f.ids[i])["id"].(string), CaseInProgress, u, "")
	}
	if r := mustPollCases(t, s); r.Applied != 3 {
		t.Fatalf("poll %+v, want 3 applied", r)
	}
	for i, id := range f.ids {
		in, _ := f.reg.Summary(context.Background(), id)
		if by := in.History[len(in.History)-1].By; by != want[i] {
			t.Errorf("%s: by %q, want %q", id, by, want[i])
		}
	}
}

// caseRoundTrip is the case sync's way through a Kibana at kibanaURL: a new draft gets a case with
// its summary; an analyst (with the same credentials) comments and closes it; the next poll
// dismisses the draft with the Kibana user as who and the comment as why; a second poll applies
// nothing. The case is deleted at the end. Incident ids carry an instance of their own, so cases
// left in a real Kibana by an earlier run are not taken for this run's.
func caseRoundTrip(t *testing.T, kibanaURL string, auth config.Elasticsearch) {
	t.Helper()
	ctx := context.Background()
	reg, err := register.Open(ctx, t.TempDir(), register.Options{Location: time.UTC, Outbox: CasesOutbox,
		Instance: "t" + strconv.FormatInt(time.Now().UnixNano(), 36)})
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Close()
	id := addHits(t, reg, 1, 0)[0]
	s, err := NewCaseSync(reg, CaseOptions{URL: kibanaURL, Auth: auth, Dir: t.TempDir(), PublicURL: "https://lekwacht.gemeente.example"})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := s.Push(ctx); err != nil || n != 1 {
		t.Fatalf("push: %d rows settled, %v", n, err)
	}
	c, err := s.caseFor(ctx, id)
	if err != nil || c == nil {
		t.Fatalf("the case of %s: %v %v", id, c, err)
	}
	defer func(cid string) {
		if _, _, err := s.kc.do(context.Background(), http.MethodDelete, "/api/cases?ids="+url.QueryEscape(`["`+cid+`"]`), nil); err != nil {
			t.Errorf("delete case %s: %v", cid, err)
		}
	}(c.ID)
	if c.Status != CaseOpen || c.TotalComment != 1 {
		t.Errorf("case %s: status %s, %d comments, want open with the summary", c.ID, c.Status, c.TotalComment)
	}
	// The analyst: a comment, then closed.
	const why = "Geen datalek: testaccount van de leverancier"
	if _, _, err := s.kc.do(ctx, http.MethodPost, "/api/cases/"+c.ID+"/comments", map[string]any{"type": "user", "owner": CaseOwner, "comment": why}); err != nil {
		t.Fatal(err)
	}
	if c, err = s.getCase(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.setStatus(ctx, c, CaseClosed); err != nil {
		t.Fatal(err)
	}
	r, err := s.Poll(ctx)
	if err != nil || r.Applied != 1 {
		t.Fatalf("poll: %+v %v, want this case applied", r, err)
	}
	in, err := reg.Summary(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	h := in.History[len(in.History)-1]
	if in.Status != register.StatusDismissed || !strings.HasPrefix(h.By, "kibana") || !strings.Contains(h.Reason, why) || !strings.Contains(h.Reason, c.ID) {
		t.Errorf("%s: %s, history %+v", id, in.Status, h)
	}
	t.Logf("%s dismissed by %s: %s", id, h.By, h.Reason)
	if r, err := s.Poll(ctx); err != nil || r.Applied != 0 || r.Refused != 0 {
		t.Errorf("second poll: %+v %v, want nothing applied or refused", r, err)
	}
}

// The round trip against the in-test Kibana, so the live test's steps are checked on every run.
func TestCasesRoundTrip(t *testing.T) {
	kb, srv := estest.NewCases()
	defer srv.Close()
	kb.Username = "lekwacht_sync"
	caseRoundTrip(t, srv.URL, config.Elasticsearch{})
	if n := len(kb.All("default")); n != 0 {
		t.Errorf("%d cases left after the round trip, want it deleted", n)
	}
}

// TestCaseSyncLive is the round trip against a real Kibana (LEKWACHT_TEST_KIBANA_URL, with
// LEKWACHT_TEST_ES_API_KEY or _USERNAME/_PASSWORD, and _CA_CERT): the key needs the role
// lekwacht-kibana-cases and, to clean up, the Cases delete sub-feature.
func TestCaseSyncLive(t *testing.T) {
	kibanaURL, auth := liveKibana(t)
	caseRoundTrip(t, kibanaURL, auth)
}
