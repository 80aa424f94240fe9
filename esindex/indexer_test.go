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
	reg, err := register.Open(context.Background(), t.TempDir(), register.Options{Location: time.UTC, Outbox: Outbox})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { reg.Close() })
	f, srv := estest.New()
	t.Cleanup(srv.Close)
	es, err := NewClient(config.Elasticsearch{Addresses: []string{srv.URL}})
	if err != nil {
		t.Fatal(err)
	}
	return reg, f, NewIndexer(reg, es, Options{Index: Alias, Instance: "ls01", Version: "test", Timeout: 2 * time.Second})
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
	reg, f, x := indexerFixture(t)
	addHits(t, reg, 3, 0)
	f.Set(func(f *estest.Server) { f.Aliases = map[string]bool{} }) // lekwacht setup elasticsearch not run yet
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
	f.Set(func(f *estest.Server) { f.Aliases[Alias] = true })
	drain(t, x)
	if f.Count() != 3 {
		t.Fatalf("after setup: %d documents", f.Count())
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
