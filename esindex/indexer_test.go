package esindex

import (
	"context"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lekwacht/lekwacht/config"
	"github.com/lekwacht/lekwacht/esindex/estest"
	"github.com/lekwacht/lekwacht/hit"
	"github.com/lekwacht/lekwacht/register"
)

var hitTime = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)

// indexerFixture is a real register whose changes are queued for Elasticsearch, a fake Elasticsearch on
// 127.0.0.1 and an indexer between them.
func indexerFixture(t *testing.T) (*register.Register, *estest.Server, *Indexer) {
	t.Helper()
	reg, f, x, _ := indexerFixtureOn(t, estest.New)
	return reg, f, x
}

// indexerFixtureOn is indexerFixture on a cluster that newServer starts.
func indexerFixtureOn(t *testing.T, newServer func() (*estest.Server, *httptest.Server)) (*register.Register, *estest.Server, *Indexer, *httptest.Server) {
	t.Helper()
	reg, err := register.Open(context.Background(), t.TempDir(), register.Options{Location: time.UTC, Outbox: Outbox})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { reg.Close() })
	f, srv := newServer()
	t.Cleanup(srv.Close)
	es, err := NewClient(config.Elasticsearch{Addresses: []string{srv.URL}})
	if err != nil {
		t.Fatal(err)
	}
	return reg, f, NewIndexer(reg, es, Options{Index: Alias, Instance: "ls01", Version: "test", Timeout: 2 * time.Second}), srv
}

func addHits(t *testing.T, reg *register.Register, n, from int) []string {
	t.Helper()
	var hits []hit.Hit
	for i := from; i < from+n; i++ {
		hits = append(hits, hit.Hit{Detector: "misdirected_mail", Rule: "lw-misdirected-mail", Severity: hit.SeverityHigh,
			User: fmt.Sprintf("user%04d", i), Pattern: "lookalike", Time: hitTime, Window: time.Hour, Categories: []hit.Category{hit.CategoryName},
			// The register masks what the summary must not carry; the document must not have it either.
			Summary: fmt.Sprintf("mail aan k.devries%d@gmail.com over BSN 123456782", i),
			Evidence: []hit.Evidence{{Kind: hit.EvidenceLine, Input: "mail", Source: "/var/log/mail.log", Offset: int64(i) * 100, Time: hitTime,
				Text: fmt.Sprintf("to=<k.devries%d@gmail.com>, status=sent, subject=Uw uitkering", i)}}})
	}
	res, err := reg.Add(context.Background(), hits)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range res {
		ids = append(ids, r.Incident)
	}
	return ids
}

// drain runs cycles until a cycle settles nothing and nothing is pending (failing after many).
func drain(t *testing.T, x *Indexer) {
	t.Helper()
	for range 50 {
		n, err := x.Cycle(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 && pending(t, x.reg).Pending == 0 {
			return
		}
	}
	t.Fatalf("the outbox did not drain: %+v", pending(t, x.reg))
}

func pending(t *testing.T, reg *register.Register) register.OutboxCounts {
	t.Helper()
	st, err := reg.OutboxStats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return st[Sink]
}

func TestIndexesEveryChangeOnce(t *testing.T) {
	reg, f, x := indexerFixture(t)
	ids := addHits(t, reg, 3, 0)
	drain(t, x)
	if f.Count() != 3 {
		t.Fatalf("%d documents, want 3", f.Count())
	}
	doc, v := f.Doc(Alias, ids[0])
	raw, _ := json.Marshal(doc)
	for _, leak := range []string{"gmail.com", "123456782", "Uw uitkering", "k.devries"} {
		if strings.Contains(string(raw), leak) {
			t.Errorf("the document carries %q: %s", leak, raw)
		}
	}
	ev := doc["event"].(map[string]any)
	lw := doc["lekwacht"].(map[string]any)
	if ev["kind"] != "alert" || ev["severity"] != 73.0 || lw["id"] != ids[0] || lw["status"] != "draft" || lw["instance"] != "ls01" ||
		doc["user"].(map[string]any)["name"] != "user0000" || doc["rule"].(map[string]any)["id"] != "lw-misdirected-mail" {
		t.Fatalf("document %s", raw)
	}
	// A change is indexed as a newer version of the same document.
	if _, err := reg.Move(context.Background(), ids[0], register.StatusOpen, "team", "echt"); err != nil {
		t.Fatal(err)
	}
	drain(t, x)
	doc2, v2 := f.Doc(Alias, ids[0])
	if f.Count() != 3 || v2 <= v || doc2["lekwacht"].(map[string]any)["status"] != "open" {
		t.Fatalf("after triage: %d documents, version %d -> %d, %v", f.Count(), v, v2, doc2["lekwacht"])
	}
	if p := pending(t, reg); p.Pending != 0 || p.Delivered != 4 {
		t.Fatalf("outbox %+v", p)
	}
	if s := x.Stats(); s.Indexed != 4 || s.LastSuccess.IsZero() {
		t.Fatalf("stats %+v", s)
	}
}

func TestOutageLosesNothing(t *testing.T) {
	reg, f, x := indexerFixture(t)
	addHits(t, reg, 20, 0)
	f.Set(func(f *estest.Server) { f.Refuse, f.RefuseAs = 3, 503 })
	for range 3 {
		if _, err := x.Cycle(context.Background()); !errors.Is(err, errNothingTaken) {
			t.Fatalf("during the outage: %v", err)
		}
	}
	if p := pending(t, reg); p.Pending != 20 || p.Retrying != 0 {
		t.Fatalf("during the outage the rows must stay due, untouched: %+v", p)
	}
	addHits(t, reg, 10, 20) // detection goes on
	f.Set(func(f *estest.Server) { f.Refuse, f.RefuseAs = 2, 429 })
	for range 2 {
		if _, err := x.Cycle(context.Background()); !errors.Is(err, errNothingTaken) {
			t.Fatalf("429: %v", err)
		}
	}
	drain(t, x)
	if f.Count() != 30 || f.Writes() != 30 || pending(t, reg).Pending != 0 {
		t.Fatalf("after recovery: %d documents, %d writes, %+v", f.Count(), f.Writes(), pending(t, reg))
	}
	t.Logf("RELIABILITY | Elasticsearch down | 3 requests answered 503 and 2 answered 429 while 30 incidents opened | lost 0, each document written once")
}

func TestPartialFailuresAndLostAnswers(t *testing.T) {
	reg, f, x := indexerFixture(t)
	ids := addHits(t, reg, 10, 0)
	// Two items refused with 429 inside a bulk that otherwise succeeds: only those come back.
	f.Set(func(f *estest.Server) { f.ItemFail[ids[3]], f.ItemFail[ids[7]] = 1, 2 })
	if n, err := x.Cycle(context.Background()); err != nil || n != 10 {
		t.Fatalf("cycle %d %v", n, err)
	}
	if f.Count() != 8 {
		t.Fatalf("%d documents after a partly failed bulk, want 8", f.Count())
	}
	// The retries wait their backoff (1 s, then 2 s): a clock a minute further each cycle.
	later := time.Now()
	x.now = func() time.Time { later = later.Add(time.Minute); return later }
	drain(t, x)
	if f.Count() != 10 || f.Writes() != 10 {
		t.Fatalf("%d documents, %d writes", f.Count(), f.Writes())
	}
	// An answer lost after the write: the documents are there, lekwacht sends them again and
	// Elasticsearch's 409 (this version is there) settles them. Still one write each.
	x.now = time.Now
	if _, err := reg.Move(context.Background(), ids[0], register.StatusOpen, "team", "echt"); err != nil {
		t.Fatal(err)
	}
	f.Set(func(f *estest.Server) { f.LoseNext = 1 })
	if _, err := x.Cycle(context.Background()); !errors.Is(err, errNothingTaken) {
		t.Fatalf("lost answer: %v", err)
	}
	drain(t, x)
	if f.Writes() != 11 || x.Stats().Conflicts != 1 || pending(t, reg).Pending != 0 {
		t.Fatalf("after a lost answer: %d writes, stats %+v, outbox %+v", f.Writes(), x.Stats(), pending(t, reg))
	}
}

func TestRefusedDocumentIsGivenUpAndVisible(t *testing.T) {
	reg, f, x := indexerFixture(t)
	ids := addHits(t, reg, 3, 0)
	f.Set(func(f *estest.Server) { f.BadDoc = ids[1] })
	future := time.Now()
	for range maxAttempts + 2 {
		x.now = func() time.Time { return future }
		if _, err := x.Cycle(context.Background()); err != nil {
			t.Fatal(err)
		}
		future = future.Add(time.Hour)
	}
	p := pending(t, reg)
	if f.Count() != 2 || p.Failed != 1 || p.Pending != 0 || x.Stats().GivenUp != 1 {
		t.Fatalf("documents %d, outbox %+v, stats %+v", f.Count(), p, x.Stats())
	}
}

func TestSlowAnswersAreRetried(t *testing.T) {
	reg, f, x := indexerFixture(t)
	addHits(t, reg, 5, 0)
	x.timeout = 100 * time.Millisecond
	f.Set(func(f *estest.Server) { f.Delay = 300 * time.Millisecond })
	if _, err := x.Cycle(context.Background()); !errors.Is(err, errNothingTaken) {
		t.Fatalf("a slow answer: %v", err)
	}
	f.Set(func(f *estest.Server) { f.Delay = 0 })
	// The abandoned request still finishes on the server, as a real one would: wait for it, so the
	// retry meets documents that are already there (409) rather than racing it.
	deadline := time.Now().Add(10 * time.Second)
	for f.Count() < 5 {
		if time.Now().After(deadline) {
			t.Fatalf("the abandoned request never finished on the server: %d documents", f.Count())
		}
		time.Sleep(5 * time.Millisecond)
	}
	drain(t, x)
	if x.Stats().Conflicts != 5 {
		t.Fatalf("stats %+v: the retry should have met the 5 documents the slow request wrote", x.Stats())
	}
	if f.Count() != 5 || pending(t, reg).Pending != 0 {
		t.Fatalf("%d documents, %+v", f.Count(), pending(t, reg))
	}
}

func TestRunDrainsAndStops(t *testing.T) {
	reg, f, x := indexerFixture(t)
	addHits(t, reg, 50, 0)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- x.Run(ctx) }()
	deadline := time.Now().Add(10 * time.Second)
	for f.Count() < 50 {
		if time.Now().After(deadline) {
			t.Fatalf("Run delivered %d of 50", f.Count())
		}
		time.Sleep(10 * time.Millisecond)
	}
	x.Kick()
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestWaitsForSetup(t *testing.T) {
	reg, f, x, srv := indexerFixtureOn(t, estest.NewEmpty) // lekwacht setup elasticsearch not run yet
	addHits(t, reg, 3, 0)
	later := time.Now()
	x.now = func() time.Time { later = later.Add(time.Hour); return later }
	for range maxAttempts + 3 {
		if _, err := x.Cycle(context.Background()); err != nil && !errors.Is(err, errNothingTaken) {
			t.Fatal(err)
		}
	}
	if p := pending(t, reg); f.Count() != 0 || p.Pending != 3 || p.Failed != 0 {
		t.Fatalf("before setup: %d documents, outbox %+v: want everything waiting, nothing given up", f.Count(), p)
	}
	if n := len(f.Indices()); n != 0 {
		t.Fatalf("%d indices made by writes before setup", n)
	}
	if _, err := setupRun(t, srv, ""); err != nil {
		t.Fatal(err)
	}
	drain(t, x)
	if f.CountIn(Alias) != 3 {
		t.Fatalf("after setup: %d documents", f.CountIn(Alias))
	}
}

// TestWaitsForWriteIndex: an alias that leads to two indices, neither its write index (a reindex
// target that joined through the old template's alias), refuses every item with "no write index is
// defined for alias"; the indexer waits (it gave up after 10 tries), and delivers after --migrate.
func TestWaitsForWriteIndex(t *testing.T) {
	reg, f, x, srv := indexerFixtureOn(t, estest.NewEmpty)
	f.AddIndex("lekwacht-incidents-v1", Alias, false)
	f.AddIndex("lekwacht-incidents-v2", Alias, false)
	addHits(t, reg, 3, 0)
	later := time.Now()
	x.now = func() time.Time { later = later.Add(time.Hour); return later }
	for range maxAttempts + 3 {
		if _, err := x.Cycle(context.Background()); err != nil && !errors.Is(err, errNothingTaken) {
			t.Fatal(err)
		}
	}
	if p := pending(t, reg); f.Count() != 0 || p.Pending != 3 || p.Failed != 0 {
		t.Fatalf("without a write index: %d documents, outbox %+v: want everything waiting, nothing given up", f.Count(), p)
	}
	if err := MigrateElasticsearch(context.Background(), setupClient(t, srv), "", io.Discard); err != nil {
		t.Fatal(err)
	}
	drain(t, x)
	if f.CountIn(Alias) != 3 {
		t.Fatalf("after --migrate: %d documents", f.CountIn(Alias))
	}
}

// TestClientTLSWithCA: the client trusts the CA file of the config and sends the API key.
func TestClientTLSWithCA(t *testing.T) {
	f, _ := estest.New()
	var auth string
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth = r.Header.Get("Authorization")
		f.ServeHTTP(w, r)
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the handshake refused without the CA is expected
	srv.StartTLS()
	defer srv.Close()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600)
	for _, tc := range []struct {
		ca   string
		want bool
	}{{"", false}, {ca, true}} {
		es, err := NewClient(config.Elasticsearch{Addresses: []string{srv.URL}, APIKey: "a2V5OnNlY3JldA==", CACert: tc.ca})
		if err != nil {
			t.Fatal(err)
		}
		res, err := es.Info()
		if ok := err == nil && !res.IsError(); ok != tc.want {
			t.Fatalf("CA %q: %v %v", tc.ca, res, err)
		}
		if tc.want && !strings.EqualFold(auth, "ApiKey a2V5OnNlY3JldA==") {
			t.Fatalf("Authorization %q", auth)
		}
	}
	if _, err := NewClient(config.Elasticsearch{Addresses: []string{srv.URL}, CACert: "/nonexistent.pem"}); err == nil {
		t.Fatal("a missing CA file accepted")
	}
}

// TestVersionsGrowAcrossRegisterReset: a register reset (or a reinstall with the same instance)
// starts incident ids and outbox rows at 1 again. The external version was the row id, so
// Elasticsearch answered 409 to the new LW-2026-000001, the indexer counted it delivered, and the
// index kept the old incident's content under that id. Versions now carry the register's epoch.
func TestVersionsGrowAcrossRegisterReset(t *testing.T) {
	f, srv := estest.New()
	t.Cleanup(srv.Close)
	es, err := NewClient(config.Elasticsearch{Addresses: []string{srv.URL}})
	if err != nil {
		t.Fatal(err)
	}
	day := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	install := func(now time.Time) (*register.Register, *Indexer) {
		reg, err := register.Open(context.Background(), t.TempDir(), register.Options{Location: time.UTC, Outbox: Outbox,
			Now: func() time.Time { return now }})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { reg.Close() })
		return reg, NewIndexer(reg, es, Options{Index: Alias, Instance: "ls01", Version: "test", Now: func() time.Time { return now }})
	}
	reg1, x1 := install(day)
	old := addHits(t, reg1, 1, 0)[0]
	for i := range 5 { // several changes: the old document's version is above 1
		if _, err := reg1.Move(context.Background(), old, register.StatusOpen, "team", fmt.Sprint("change ", i)); err != nil && i == 0 {
			t.Fatal(err)
		}
	}
	drain(t, x1)
	_, oldVersion := f.Doc(Alias, old)

	reg2, x2 := install(day.Add(24 * time.Hour)) // the register reset: same instance, ids from 1
	id := addHits(t, reg2, 1, 7)[0]
	if id != old {
		t.Fatalf("the reset register handed out %s, not %s again: the test does not test the reset", id, old)
	}
	drain(t, x2)
	doc, v := f.Doc(Alias, id)
	if v <= oldVersion || doc["user"].(map[string]any)["name"] != "user0007" || doc["lekwacht"].(map[string]any)["status"] != "draft" {
		t.Fatalf("after the reset: version %d (old %d), document %v: the new incident's content is not there", v, oldVersion, doc)
	}
	if reg := doc["lekwacht"].(map[string]any)["register"]; reg != "20261121T120000Z" {
		t.Errorf("lekwacht.register %v", reg)
	}
	if s := x2.Stats(); s.Conflicts != 0 {
		t.Errorf("stats %+v: the new incident was taken for a change Elasticsearch had", s)
	}
}

// TestIDsContinueAcrossRegisterReset: with ContinueIDs at start (as lekwacht run does), a reset
// register numbers its first draft after the highest id of its instance and year in the index, so the
// earlier incident keeps its document and the new one gets its own. A key without read is told
// which privilege to add; an index without documents of the year leaves the counter alone.
func TestIDsContinueAcrossRegisterReset(t *testing.T) {
	f, srv := estest.New()
	t.Cleanup(srv.Close)
	es, err := NewClient(config.Elasticsearch{Addresses: []string{srv.URL}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	day := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	install := func(now time.Time) (*register.Register, *Indexer) {
		reg, err := register.Open(ctx, t.TempDir(), register.Options{Location: time.UTC, Outbox: Outbox,
			Now: func() time.Time { return now }})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { reg.Close() })
		return reg, NewIndexer(reg, es, Options{Index: Alias, Instance: "ls01", Version: "test", Now: func() time.Time { return now }})
	}
	reg1, x1 := install(day)
	if said, err := ContinueIDs(ctx, reg1, es, Alias); err != nil || said != "" {
		t.Fatalf("empty index: %q %v", said, err)
	}
	var old []string
	for i := range 3 {
		old = append(old, addHits(t, reg1, 1, i)[0])
	}
	drain(t, x1)
	if said, err := ContinueIDs(ctx, reg1, es, Alias); err != nil || said != "" {
		t.Fatalf("the register that wrote the index: %q %v", said, err)
	}

	reg2, x2 := install(day.Add(24 * time.Hour)) // reset: same instance, counter at 0
	said, err := ContinueIDs(ctx, reg2, es, Alias)
	if err != nil || !strings.Contains(said, old[2]) {
		t.Fatalf("after the reset: %q %v", said, err)
	}
	id := addHits(t, reg2, 1, 7)[0]
	if id != "LW-2026-000004" {
		t.Fatalf("the reset register's first draft is %s, want LW-2026-000004 (the index holds %v)", id, old)
	}
	drain(t, x2)
	for i, o := range old {
		doc, _ := f.Doc(Alias, o)
		if doc == nil || doc["user"].(map[string]any)["name"] != fmt.Sprintf("user%04d", i) {
			t.Fatalf("the earlier incident %s lost its document: %v", o, doc)
		}
	}
	if doc, _ := f.Doc(Alias, id); doc == nil || doc["user"].(map[string]any)["name"] != "user0007" {
		t.Fatalf("the new incident %s: %v", id, doc)
	}

	// The daemon's key of before (index only) may not search: the error names the privilege.
	f.Granted = &estest.Privileges{User: "lekwacht_writer", Index: map[string][]string{"lekwacht-incidents*": {"index"}}}
	reg3, _ := install(day.Add(48 * time.Hour))
	if _, err := ContinueIDs(ctx, reg3, es, Alias); err == nil || !strings.Contains(err.Error(), "index privilege read") {
		t.Fatalf("without read: %v", err)
	}
}

// TestVersion: within a register the versions follow the rows; any version of a later register is
// above every version of an earlier one (up to 2^32 rows), and all stay below 2^63.
func TestVersion(t *testing.T) {
	e1 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	e2 := e1.Add(time.Second)
	if !(Version(e1, 1) < Version(e1, 2) && Version(e1, 1<<32-1) < Version(e2, 1)) {
		t.Fatal("versions do not grow")
	}
	if v := Version(time.Date(2088, 1, 1, 0, 0, 0, 0, time.UTC), 1<<31); v <= 0 {
		t.Fatalf("overflow: %d", v)
	}
	if Version(time.Time{}, 5) != 5 {
		t.Fatal("a zero epoch (an outbox that was empty) changes the versions")
	}
}
