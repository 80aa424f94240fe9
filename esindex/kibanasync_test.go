package esindex

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lekwacht/lekwacht/config"
	"github.com/lekwacht/lekwacht/esindex/estest"
	"github.com/lekwacht/lekwacht/register"
)

// The request and answer bodies of the fake (estest.Alerts) follow Kibana's OpenAPI specifications
// x-pack/solutions/security/plugins/security_solution/common/api/detection_engine/signals/
// query_signals/query_signals_route.schema.yaml (POST /api/detection_engine/signals/search) and
// .../signals/set_signal_status/set_signals_status_route.schema.yaml (POST .../signals/status),
// and the status route's painless script (workflow_user is the caller's profile uid).

// syncClock is a clock the test moves.
type syncClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *syncClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *syncClock) add(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	return c.t
}

// logBuf is a slog handler's output, safe to read while written.
type logBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) { l.mu.Lock(); defer l.mu.Unlock(); return l.b.Write(p) }
func (l *logBuf) String() string              { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

type syncFixture struct {
	reg   *register.Register
	dir   string
	kb    *estest.Alerts
	url   string
	clock *syncClock
	logs  *logBuf
	ids   []string
}

func newSyncFixture(t *testing.T, incidents int) *syncFixture {
	t.Helper()
	dir := t.TempDir()
	clock := &syncClock{t: hitTime.Add(time.Hour)}
	reg, err := register.Open(context.Background(), dir, register.Options{Location: time.UTC, Now: clock.now,
		Outbox: func(in *register.Incident, created bool) []string { return KibanaOutbox(in, created) }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { reg.Close() })
	kb, srv := estest.NewAlerts()
	t.Cleanup(srv.Close)
	kb.Now = clock.now
	kb.ProfileUID = "u_lekwacht_sync_0"
	f := &syncFixture{reg: reg, dir: dir, kb: kb, url: srv.URL, clock: clock, logs: &logBuf{}}
	f.ids = addHits(t, reg, incidents, 0)
	for i, id := range f.ids {
		kb.AddAlert("default", alertID(i), SecurityRuleID(""), id, clock.now())
	}
	return f
}

func alertID(i int) string { return "alert-" + string(rune('a'+i)) }

// sync is a new AlertSync on the fixture's register and directory: a (re)started lekwacht.
func (f *syncFixture) sync(t *testing.T, page int) *AlertSync {
	t.Helper()
	s, err := NewAlertSync(f.reg, SyncOptions{URL: f.url, Dir: f.dir, Page: page, Now: f.clock.now,
		Log: slog.New(slog.NewTextHandler(f.logs, nil)), Auth: config.Elasticsearch{APIKey: "k"}})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func (f *syncFixture) poll(t *testing.T, s *AlertSync) PollResult {
	t.Helper()
	r, err := s.Poll(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (f *syncFixture) incident(t *testing.T, i int) *register.Incident {
	t.Helper()
	in, err := f.reg.Summary(context.Background(), f.ids[i])
	if err != nil {
		t.Fatal(err)
	}
	return in
}

func (f *syncFixture) verify(t *testing.T) {
	t.Helper()
	rep, err := f.reg.Verify(context.Background())
	if err != nil || !rep.OK() {
		t.Fatalf("hash chain: %v %+v", err, rep)
	}
}

// TestAlertTriageReachesTheRegister: an analyst acknowledges one alert and closes another with the
// tag "False Positive" in Kibana; one poll opens and dismisses the incidents with the Kibana user as
// who and the tag as why, in the history and the hash chain. The search pages with the keys of the
// last hit in its query (the API takes no search_after), and the sort is (updated_at, uuid).
func TestAlertTriageReachesTheRegister(t *testing.T) {
	f := newSyncFixture(t, 5)
	s := f.sync(t, 2)
	at := f.clock.add(time.Minute)
	f.kb.Analyst("default", alertID(0), "acknowledged", "u_jdevries_0", nil, "", at)
	f.kb.Analyst("default", alertID(1), "closed", "u_pbakker_0", []string{"False Positive"}, "", at)
	f.kb.Analyst("default", alertID(2), "closed", "u_pbakker_0", []string{"Duplicate"}, "", at)
	f.kb.Analyst("default", alertID(3), "acknowledged", "u_pbakker_0", []string{"Further investigation required"}, "", at.Add(time.Second))
	r := f.poll(t, s)
	if r.Applied != 4 || r.Refused != 0 || r.Read != 4 {
		t.Fatalf("poll %+v, want 4 read and applied", r)
	}
	in := f.incident(t, 0)
	last := in.History[len(in.History)-1]
	if in.Status != register.StatusOpen || last.By != "kibana-profile:u_jdevries_0" || !strings.Contains(last.Reason, "in behandeling genomen in Kibana") ||
		!strings.Contains(last.Reason, alertID(0)) {
		t.Errorf("acknowledged: %s, history %+v", in.Status, last)
	}
	in = f.incident(t, 1)
	last = in.History[len(in.History)-1]
	if in.Status != register.StatusDismissed || last.By != "kibana-profile:u_pbakker_0" || !strings.HasPrefix(last.Reason, "False Positive") {
		t.Errorf("closed: %s, history %+v", in.Status, last)
	}
	if in := f.incident(t, 4); in.Status != register.StatusDraft {
		t.Errorf("untouched alert's incident: %s", in.Status)
	}
	f.verify(t)
	searches := f.kb.Calls("/api/detection_engine/signals/search")
	if len(searches) != 3 {
		t.Fatalf("%d searches for 4 alerts in pages of 2, want 3", len(searches))
	}
	b, _ := json.Marshal(searches[1].Body)
	if !strings.Contains(string(b), `"minimum_should_match":1`) || !strings.Contains(string(b), `"gt":"alert-b"`) ||
		!strings.Contains(string(b), `{"kibana.alert.workflow_status_updated_at":"asc"}`) || strings.Contains(string(b), "search_after") {
		t.Errorf("second page: %s", b)
	}
	// The push of these changes finds the alerts already as the register has them: nothing moves.
	if _, err := s.Push(context.Background()); err != nil {
		t.Fatal(err)
	}
	if st, u := f.kb.Status("default", alertID(1)); st != "closed" || u != "u_pbakker_0" {
		t.Errorf("alert after push: %s by %s", st, u)
	}
}

// TestChangeWhileDownAppliedOnceAfterRestart: a change made in Kibana while lekwacht was down is
// applied by the first poll of the next start; a start whose cursor was lost (a crash before it was
// saved) reads it again and applies nothing twice; a start with the cursor asks only for changes
// since then (less the overlap), and applies nothing twice either.
func TestChangeWhileDownAppliedOnceAfterRestart(t *testing.T) {
	f := newSyncFixture(t, 2)
	first := f.sync(t, 10)
	if r := f.poll(t, first); r.Read != 0 {
		t.Fatalf("nothing changed yet: %+v", r)
	}
	// lekwacht is down; the analyst closes the alert.
	at := f.clock.add(10 * time.Minute)
	f.kb.Analyst("default", alertID(0), "closed", "u_pbakker_0", []string{"False Positive"}, "", at)
	f.clock.add(10 * time.Minute)
	second := f.sync(t, 10) // the restart
	if r := f.poll(t, second); r.Applied != 1 {
		t.Fatalf("after restart: %+v", r)
	}
	hist := len(f.incident(t, 0).History)
	// A crash before the cursor was saved: the next start reads the change again.
	if err := os.Remove(f.dir + "/" + CursorFile); err != nil {
		t.Fatal(err)
	}
	third := f.sync(t, 10)
	if r := f.poll(t, third); r.Read != 1 || r.Applied != 0 || r.Refused != 0 {
		t.Fatalf("re-read after a lost cursor: %+v", r)
	}
	if n := len(f.incident(t, 0).History); n != hist {
		t.Errorf("history grew from %d to %d: applied twice", hist, n)
	}
	f.clock.add(time.Hour)
	fourth := f.sync(t, 10)
	// It reads the change again (the overlap before the cursor) and still applies nothing.
	if r := f.poll(t, fourth); r.Applied != 0 || r.Refused != 0 {
		t.Errorf("with the cursor: %+v", r)
	}
	if n := len(f.incident(t, 0).History); n != hist {
		t.Errorf("history grew from %d to %d: applied twice", hist, n)
	}
	searches := f.kb.Calls("/api/detection_engine/signals/search")
	b, _ := json.Marshal(searches[len(searches)-1].Body)
	if want := `"gte":"` + at.Add(-syncOverlap).UTC().Format(time.RFC3339Nano) + `"`; !strings.Contains(string(b), want) {
		t.Errorf("search after restart does not start at the cursor (%s): %s", want, b)
	}
	f.verify(t)
}

// TestIllegalKibanaChangeIsSetBack: closing the alert of an incident the FG already has (open) is
// refused, and so is closing one without a reason; the alert is set back to the register's status
// and both are logged. The register does not change.
func TestIllegalKibanaChangeIsSetBack(t *testing.T) {
	f := newSyncFixture(t, 2)
	ctx := context.Background()
	if _, err := f.reg.Move(ctx, f.ids[0], register.StatusOpen, "security", "naar de FG"); err != nil {
		t.Fatal(err)
	}
	s := f.sync(t, 10)
	if _, err := s.Push(ctx); err != nil {
		t.Fatal(err)
	}
	if st, _ := f.kb.Status("default", alertID(0)); st != "acknowledged" {
		t.Fatalf("pushed status %s", st)
	}
	at := f.clock.add(time.Minute)
	f.kb.Analyst("default", alertID(0), "closed", "u_pbakker_0", []string{"False Positive"}, "", at)
	f.kb.Analyst("default", alertID(1), "closed", "u_pbakker_0", nil, "", at)
	r := f.poll(t, s)
	if r.Refused != 2 || r.Applied != 0 {
		t.Fatalf("poll %+v, want 2 refused", r)
	}
	if in := f.incident(t, 0); in.Status != register.StatusOpen {
		t.Errorf("register moved: %s", in.Status)
	}
	if in := f.incident(t, 1); in.Status != register.StatusDraft {
		t.Errorf("dismissed without a reason: %s", in.Status)
	}
	if st, u := f.kb.Status("default", alertID(0)); st != "acknowledged" || u != "u_lekwacht_sync_0" {
		t.Errorf("alert of the open incident: %s by %s, want set back to acknowledged", st, u)
	}
	if st, _ := f.kb.Status("default", alertID(1)); st != "open" {
		t.Errorf("alert closed without reason: %s, want open", st)
	}
	logs := f.logs.String()
	for _, want := range []string{"status change refused", "alert set back", "a dismissal needs a reason", f.ids[0]} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %q:\n%s", want, logs)
		}
	}
	// The set-back is itself a change the next poll reads: it matches the register, nothing happens.
	if r := f.poll(t, s); r.Applied != 0 || r.Refused != 0 {
		t.Errorf("the set-back read back: %+v", r)
	}
	f.verify(t)
}

// TestTriageInLekwachtSetsTheAlert: open, dismiss and revert in lekwacht set the alert's status
// through the status API (by query on the rule and the incident, conflicts proceed); an incident
// without an alert yet is tried again until alertWait; Kibana down keeps the rows due.
func TestTriageInLekwachtSetsTheAlert(t *testing.T) {
	f := newSyncFixture(t, 2)
	ctx := context.Background()
	s := f.sync(t, 10)
	if _, err := f.reg.Move(ctx, f.ids[0], register.StatusDismissed, "security", "testaccount"); err != nil {
		t.Fatal(err)
	}
	f.kb.Down = true
	if _, err := s.Push(ctx); err == nil {
		t.Fatal("Kibana down: no error")
	}
	f.kb.Down = false
	if n, err := s.Push(ctx); err != nil || n != 1 {
		t.Fatalf("push: %d %v", n, err)
	}
	if st, _ := f.kb.Status("default", alertID(0)); st != "closed" {
		t.Errorf("dismissed: alert %s", st)
	}
	calls := f.kb.Calls("/api/detection_engine/signals/status")
	b, _ := json.Marshal(calls[len(calls)-1].Body)
	want := `{"conflicts":"proceed","query":{"bool":{"filter":[{"term":{"kibana.alert.rule.rule_id":"lekwacht-incidents-to-alerts"}},{"term":{"kibana.alert.ancestors.id":"` + f.ids[0] + `"}}]}},"status":"closed"}`
	if string(b) != want {
		t.Errorf("status request\n got %s\nwant %s", b, want)
	}
	if _, err := f.reg.Revert(ctx, f.ids[0], "security", "toch bekijken"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Push(ctx); err != nil {
		t.Fatal(err)
	}
	if st, _ := f.kb.Status("default", alertID(0)); st != "open" {
		t.Errorf("reverted: alert %s", st)
	}
	// An incident the rule has not made an alert of yet.
	more := addHits(t, f.reg, 1, 10)
	if _, err := f.reg.Move(ctx, more[0], register.StatusOpen, "security", "naar de FG"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Push(ctx); err != nil {
		t.Fatal(err)
	}
	st, _ := f.reg.OutboxStats(ctx)
	if st[KibanaSink].Pending != 1 {
		t.Fatalf("no alert yet: outbox %+v, want it pending", st[KibanaSink])
	}
	f.kb.AddAlert("default", "alert-late", SecurityRuleID(""), more[0], f.clock.now())
	f.clock.add(2 * time.Minute)
	if _, err := s.Push(ctx); err != nil {
		t.Fatal(err)
	}
	if st, _ := f.kb.Status("default", "alert-late"); st != "acknowledged" {
		t.Errorf("late alert: %s", st)
	}
	if st, _ := f.reg.OutboxStats(ctx); st[KibanaSink].Pending != 0 {
		t.Errorf("outbox %+v", st[KibanaSink])
	}
}

// liveKibana is the real Kibana of the opt-in tests: LEKWACHT_TEST_KIBANA_URL and the credentials
// LEKWACHT_TEST_ES_API_KEY or _USERNAME/_PASSWORD, _CA_CERT; the test is skipped without it or in -short.
func liveKibana(t *testing.T) (string, config.Elasticsearch) {
	t.Helper()
	url := os.Getenv("LEKWACHT_TEST_KIBANA_URL")
	if url == "" || testing.Short() {
		t.Skip("LEKWACHT_TEST_KIBANA_URL not set (or -short): no real Kibana")
	}
	return url, config.Elasticsearch{APIKey: os.Getenv("LEKWACHT_TEST_ES_API_KEY"), Username: os.Getenv("LEKWACHT_TEST_ES_USERNAME"),
		Password: os.Getenv("LEKWACHT_TEST_ES_PASSWORD"), CACert: os.Getenv("LEKWACHT_TEST_ES_CA_CERT")}
}

// TestAlertSyncLive runs a poll and a push against a real Kibana (LEKWACHT_TEST_KIBANA_URL, with
// LEKWACHT_TEST_ES_API_KEY or _USERNAME/_PASSWORD): the requests are accepted and their answers read.
func TestAlertSyncLive(t *testing.T) {
	url, auth := liveKibana(t)
	reg, err := register.Open(context.Background(), t.TempDir(), register.Options{Location: time.UTC, Outbox: KibanaOutbox})
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Close()
	ids := addHits(t, reg, 1, 0)
	if _, err := reg.Move(context.Background(), ids[0], register.StatusOpen, "test", "live test"); err != nil {
		t.Fatal(err)
	}
	s, err := NewAlertSync(reg, SyncOptions{URL: url, Dir: t.TempDir(), Auth: auth})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Poll(context.Background()); err != nil {
		t.Fatalf("poll: %v", err)
	}
	if _, err := s.Push(context.Background()); err != nil {
		t.Fatalf("push: %v", err)
	}
}

// Who is the human-readable name Kibana gives: a user name, else a full name, else the user profile
// uid labelled as one; an alert's workflow_user is a uid in Kibana 8, a name only if it is none.
func TestKibanaWho(t *testing.T) {
	for _, c := range []struct {
		user, full, uid, want string
	}{
		{"a.jansen", "Anna Jansen", "u_3Q9kTzWm_0", "kibana:a.jansen"},
		{"", "Anna Jansen", "u_3Q9kTzWm_0", "kibana:Anna Jansen"},
		{" ", "", "u_3Q9kTzWm_0", "kibana-profile:u_3Q9kTzWm_0"},
		{"", "", "", "kibana"},
	} {
		if got := kibanaWho(c.user, c.full, c.uid); got != c.want {
			t.Errorf("kibanaWho(%q, %q, %q) = %q, want %q", c.user, c.full, c.uid, got, c.want)
		}
	}
	for user, want := range map[string]string{
		"u_mGBROF_q5bmFCATbLXAcCwKa0k8JvONAwSruelyKA5E_0": "kibana-profile:u_mGBROF_q5bmFCATbLXAcCwKa0k8JvONAwSruelyKA5E_0",
		"b.bakker": "kibana:b.bakker",
		"":         "kibana",
	} {
		if got := (&Alert{User: user}).who(); got != want {
			t.Errorf("alert by %q: who %q, want %q", user, got, want)
		}
	}
}
