package register

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lekwacht/lekwacht/assessment"
	"github.com/lekwacht/lekwacht/hit"
)

// clock is an injected clock tests move by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

var t0 = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

func openTest(t *testing.T) (*Register, *clock) {
	t.Helper()
	c := &clock{t: t0}
	r, err := Open(context.Background(), t.TempDir(), Options{Now: c.now, Location: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r, c
}

// lineHit is a shared-credentials hit of user with evidence lines at offsets.
func lineHit(user string, at time.Time, offsets ...int64) hit.Hit {
	h := hit.Hit{Detector: "shared_credentials", Rule: "lw-shared-001", Severity: hit.SeverityHigh, User: user,
		Pattern: "two-hosts", Hosts: []string{"WS-1", "WS-2"}, Time: at, Window: time.Hour,
		Categories: []hit.Category{hit.CategoryCredential}, Subjects: 1, Summary: "account active on 2 hosts at once"}
	for _, o := range offsets {
		h.Evidence = append(h.Evidence, hit.Evidence{Kind: hit.EvidenceLine, Input: "windows", Source: "/logs/winlog/a.ndjson",
			Offset: o, Time: at, Text: fmt.Sprintf(`{"event":{"code":"4624"},"user":%q,"offset":%d}`, user, o)})
	}
	return h
}

func add(t *testing.T, r *Register, hits ...hit.Hit) []Result {
	t.Helper()
	res, err := r.Add(context.Background(), hits)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func mustVerify(t *testing.T, r *Register) *Report {
	t.Helper()
	rep, err := r.Verify(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() {
		t.Fatalf("verify found problems in an untouched register: %v", rep.Problems)
	}
	return rep
}

func TestHitsJoinOneIncidentWithinWindow(t *testing.T) {
	r, _ := openTest(t)
	res := add(t, r, lineHit("a.bakker", t0, 0, 100))
	if !res[0].Created || res[0].Added != 2 || !regexp.MustCompile(`^LW-2026-\d{6}$`).MatchString(res[0].Incident) {
		t.Fatalf("first hit: %+v", res[0])
	}
	id := res[0].Incident
	// Same user and pattern, 50 minutes later: joins.
	res = add(t, r, lineHit("a.bakker", t0.Add(50*time.Minute), 200))
	if res[0].Created || res[0].Incident != id || res[0].Added != 1 {
		t.Fatalf("hit within the window opened or missed: %+v", res[0])
	}
	// Another user: a new incident with the next number.
	res = add(t, r, lineHit("b.smit", t0, 300))
	if !res[0].Created || res[0].Incident != "LW-2026-000002" {
		t.Fatalf("other user: %+v", res[0])
	}
	// Same user, 3 hours after the last hit: past the window, a new incident.
	res = add(t, r, lineHit("a.bakker", t0.Add(4*time.Hour), 400))
	if !res[0].Created || res[0].Incident == id {
		t.Fatalf("hit past the window joined: %+v", res[0])
	}
	in, err := r.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if in.EvidenceCount != 3 || !in.FirstSeen.Equal(t0) || !in.LastSeen.Equal(t0.Add(50*time.Minute)) {
		t.Errorf("joined incident: count %d first %v last %v", in.EvidenceCount, in.FirstSeen, in.LastSeen)
	}
	if !in.Deadline.Equal(in.DiscoveredAt.Add(72*time.Hour)) || !in.DiscoveredAt.Equal(t0) {
		t.Errorf("discovered %v deadline %v", in.DiscoveredAt, in.Deadline)
	}
	mustVerify(t, r)
}

func TestReplayCreatesNothingTwice(t *testing.T) {
	r, clk := openTest(t)
	hits := []hit.Hit{lineHit("a.bakker", t0, 0, 100, 200), lineHit("b.smit", t0, 300)}
	first := add(t, r, hits...)
	clk.add(24 * time.Hour) // a restart a day later replays the same lines
	again := add(t, r, hits...)
	for i := range again {
		if again[i].Created || again[i].Added != 0 || again[i].Incident != first[i].Incident || again[i].Duplicates != len(hits[i].Evidence) {
			t.Errorf("replayed hit %d: %+v (first %+v)", i, again[i], first[i])
		}
	}
	// An overlapping hit (a detector restarted mid-window) joins and adds only the new line.
	res := add(t, r, lineHit("a.bakker", t0, 100, 200, 500))
	if res[0].Incident != first[0].Incident || res[0].Added != 1 || res[0].Duplicates != 2 {
		t.Errorf("overlapping hit: %+v", res[0])
	}
	// The same line twice inside one hit is stored once.
	res = add(t, r, lineHit("c.jong", t0, 700, 700))
	if res[0].Added != 1 || res[0].Duplicates != 1 {
		t.Errorf("line twice in one hit: %+v", res[0])
	}
	list, err := r.List(context.Background(), Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 3 {
		t.Fatalf("%d incidents, want 3", len(list))
	}
	mustVerify(t, r)
}

func TestHitValidation(t *testing.T) {
	r, _ := openTest(t)
	h := lineHit("a.bakker", t0, 0)
	h.Evidence = nil
	h.Severity = "urgent"
	_, err := r.Add(context.Background(), []hit.Hit{h})
	if err == nil || !strings.Contains(err.Error(), "no evidence") || !strings.Contains(err.Error(), `severity "urgent"`) {
		t.Fatalf("want both problems named, got %v", err)
	}
}

func TestSummaryIsRedacted(t *testing.T) {
	r, _ := openTest(t)
	h := lineHit("a.bakker", t0, 0)
	h.Summary = "export van 123456782 en 1234.56.782 naar k.devries@gmail.com"
	res := add(t, r, h)
	in, _ := r.Get(context.Background(), res[0].Incident)
	for _, leak := range []string{"123456782", "1234.56.782", "gmail.com", "devries"} {
		if strings.Contains(in.Summary, leak) {
			t.Errorf("summary %q keeps %q", in.Summary, leak)
		}
	}
}

func TestEvidenceFilesPreserved(t *testing.T) {
	r, _ := openTest(t)
	src := filepath.Join(t.TempDir(), "export.csv")
	os.WriteFile(src, []byte("bsn;naam\n111222333;Jansen\n"), 0o644)
	h := lineHit("a.bakker", t0)
	h.Detector, h.Rule = "bulk_bsn_export", "lw-bsn-001"
	h.Evidence = []hit.Evidence{{Kind: hit.EvidenceFile, Source: src, Time: t0, File: src}}
	res := add(t, r, h)
	in, err := r.Show(context.Background(), res[0].Incident, "tester", "show")
	if err != nil {
		t.Fatal(err)
	}
	f, err := r.EvidenceFile(in.Evidence[0])
	if err != nil {
		t.Fatal(err)
	}
	st, _ := f.Stat()
	f.Close()
	if st.Mode().Perm()&0o077 != 0 || st.Mode().Perm()&0o200 != 0 {
		t.Errorf("preserved file mode %v: want read-only for the owner alone", st.Mode().Perm())
	}
	os.WriteFile(src, []byte("changed afterwards"), 0o644) // the original may change; the copy does not
	mustVerify(t, r)
	for _, name := range []string{DBFile, DBFile + "-wal"} {
		if st, err := os.Stat(filepath.Join(r.Dir(), name)); err == nil && st.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %v, want 0600", name, st.Mode().Perm())
		}
	}
	if st, _ := os.Stat(filepath.Join(r.Dir(), EvidenceDir)); st.Mode().Perm() != 0o700 {
		t.Errorf("evidence dir mode %v, want 0700", st.Mode().Perm())
	}
}

func TestAccessIsLogged(t *testing.T) {
	r, clk := openTest(t)
	id := add(t, r, lineHit("a.bakker", t0, 0))[0].Incident
	clk.add(time.Hour)
	if _, err := r.Show(context.Background(), id, "p.pieters", "show"); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Show(context.Background(), id, "", "show"); err == nil {
		t.Error("anonymous read of evidence allowed")
	}
	log, err := r.AccessLog(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if len(log) != 1 || log[0].By != "p.pieters" || !log[0].At.Equal(t0.Add(time.Hour)) || log[0].Action != "show" {
		t.Fatalf("access log %+v", log)
	}
	mustVerify(t, r)
}

func TestLifecycle(t *testing.T) {
	ctx := context.Background()
	type step struct {
		to     Status
		ok     bool
		assess bool
	}
	paths := map[string][]step{
		"draft open assess close":  {{StatusOpen, true, false}, {StatusAssessed, true, true}, {StatusClosed, true, false}},
		"draft dismissed final":    {{StatusDismissed, true, false}, {StatusOpen, false, false}, {StatusClosed, false, false}},
		"draft cannot be assessed": {{StatusAssessed, false, true}, {StatusClosed, false, false}},
		"draft cannot close":       {{StatusClosed, false, false}},
		"open cannot be dismissed": {{StatusOpen, true, false}, {StatusDismissed, false, false}, {StatusClosed, false, false}},
		"closed is final":          {{StatusOpen, true, false}, {StatusAssessed, true, true}, {StatusClosed, true, false}, {StatusOpen, false, false}, {StatusClosed, false, false}},
		"open is no way back":      {{StatusOpen, true, false}, {StatusDraft, false, false}},
	}
	for name, steps := range paths {
		t.Run(name, func(t *testing.T) {
			r, clk := openTest(t)
			id := add(t, r, lineHit("a.bakker", t0, 0))[0].Incident
			want := []Status{StatusDraft}
			for _, s := range steps {
				clk.add(time.Minute)
				var err error
				if s.assess {
					_, err = r.Assess(ctx, id, "fg", Answers{Flow: allAnswers("yes")})
				} else {
					_, err = r.Move(ctx, id, s.to, "team", "reason "+string(s.to))
				}
				if s.ok && err != nil {
					t.Fatalf("to %s: %v", s.to, err)
				}
				if !s.ok && !errors.Is(err, ErrTransition) {
					t.Fatalf("to %s: want ErrTransition, got %v", s.to, err)
				}
				if s.ok {
					want = append(want, s.to)
				}
			}
			in, err := r.Summary(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if len(in.History) != len(want) {
				t.Fatalf("history %+v, want statuses %v", in.History, want)
			}
			for i, h := range in.History {
				if h.To != want[i] || h.At.IsZero() || h.By == "" || h.Reason == "" {
					t.Errorf("history[%d] = %+v, want to %s with who, when, why", i, h, want[i])
				}
			}
			if in.Status != want[len(want)-1] {
				t.Errorf("status %s, want %s", in.Status, want[len(want)-1])
			}
			mustVerify(t, r)
		})
	}
}

func allAnswers(v string) map[assessment.QuestionID]bool {
	out := map[assessment.QuestionID]bool{}
	for _, q := range assessment.Questions {
		out[q.ID] = v == "yes"
	}
	return out
}

func TestMoveNeedsWhoAndWhy(t *testing.T) {
	r, _ := openTest(t)
	id := add(t, r, lineHit("a.bakker", t0, 0))[0].Incident
	_, err := r.Move(context.Background(), id, StatusOpen, "", "")
	if err == nil || !strings.Contains(err.Error(), "--by") || !strings.Contains(err.Error(), "--reason") {
		t.Fatalf("got %v", err)
	}
	if _, err := r.Move(context.Background(), "LW-2026-999999", StatusOpen, "x", "y"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown id: %v", err)
	}
}

func TestDeadlines(t *testing.T) {
	r, clk := openTest(t)
	ctx := context.Background()
	a := add(t, r, lineHit("a.bakker", t0, 0))[0].Incident
	clk.add(48 * time.Hour)
	b := add(t, r, lineHit("b.smit", t0, 1))[0].Incident
	clk.add(25 * time.Hour) // a is 73 h old, b 25 h
	overdue, _ := r.List(ctx, Filter{DueBefore: clk.now()})
	if len(overdue) != 1 || overdue[0].ID != a || !overdue[0].Overdue(clk.now()) {
		t.Fatalf("overdue: %v", ids(overdue))
	}
	soon, _ := r.List(ctx, Filter{DueBefore: clk.now().Add(48 * time.Hour)})
	if len(soon) != 2 || soon[0].ID != a || soon[1].ID != b {
		t.Fatalf("due within 48h, most urgent first: %v", ids(soon))
	}
	// Dismissed incidents have no deadline.
	if _, err := r.Move(ctx, a, StatusDismissed, "team", "test account"); err != nil {
		t.Fatal(err)
	}
	overdue, _ = r.List(ctx, Filter{DueBefore: clk.now()})
	if len(overdue) != 0 {
		t.Fatalf("dismissed still overdue: %v", ids(overdue))
	}
}

func ids(in []*Incident) []string {
	var out []string
	for _, i := range in {
		out = append(out, i.ID)
	}
	return out
}

func TestMigrations(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	r, err := Open(ctx, dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var v int
	r.db.QueryRow(`PRAGMA user_version`).Scan(&v)
	if v != SchemaVersion {
		t.Fatalf("schema version %d, want %d", v, SchemaVersion)
	}
	add(t, r, lineHit("a.bakker", t0, 0))
	r.Close()
	// Reopening migrates nothing and keeps the data.
	r, err = Open(ctx, dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if list, _ := r.List(ctx, Filter{}); len(list) != 1 {
		t.Fatalf("after reopen: %d incidents", len(list))
	}
	// A register from a newer lekwacht is refused, not damaged.
	r.db.Exec(fmt.Sprintf(`PRAGMA user_version = %d`, SchemaVersion+1))
	r.Close()
	if _, err := Open(ctx, dir, Options{}); err == nil || !strings.Contains(err.Error(), "newer") {
		t.Fatalf("newer schema: %v", err)
	}
}

// TestMigrationSteps applies each migration on top of a register at the version before, with data.
func TestMigrationSteps(t *testing.T) {
	for v := 1; v <= SchemaVersion; v++ {
		dir := t.TempDir()
		r, err := open(context.Background(), dir, Options{}, v-1)
		if err != nil {
			t.Fatalf("open at version %d: %v", v-1, err)
		}
		r.Close()
		r, err = Open(context.Background(), dir, Options{})
		if err != nil {
			t.Fatalf("migrate %d -> %d: %v", v-1, SchemaVersion, err)
		}
		add(t, r, lineHit("a.bakker", t0, 0))
		mustVerify(t, r)
		r.Close()
	}
}

func TestConcurrentWriters(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	const writers, batches, perBatch = 4, 20, 10
	var wg sync.WaitGroup
	errs := make(chan error, writers*2)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Each writer has its own connection pool, as separate processes would.
			r, err := Open(ctx, dir, Options{})
			if err != nil {
				errs <- err
				return
			}
			defer r.Close()
			for b := range batches {
				var hits []hit.Hit
				for i := range perBatch {
					off := int64((w*batches+b)*perBatch + i)
					hits = append(hits, lineHit(fmt.Sprintf("user%d", off%7), t0.Add(time.Duration(off)*time.Second), off))
				}
				if _, err := r.Add(ctx, hits); err != nil {
					errs <- err
					return
				}
				if list, err := r.List(ctx, Filter{Status: []Status{StatusDraft}}); err == nil && len(list) > 0 {
					if _, err := r.Show(ctx, list[0].ID, fmt.Sprintf("reader%d", w), "show"); err != nil {
						errs <- err
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	r, err := Open(ctx, dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	rep := mustVerify(t, r)
	if rep.Evidence != writers*batches*perBatch {
		t.Fatalf("%d evidence items, want %d", rep.Evidence, writers*batches*perBatch)
	}
	// Seven users, all within an hour of each other: seven incidents, not one more.
	if rep.Incidents != 7 {
		t.Fatalf("%d incidents, want 7", rep.Incidents)
	}
}
