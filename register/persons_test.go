package register

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lekwacht/lekwacht/hit"
)

// spanHit is a hit of user whose evidence runs from `from` to `to` (two lines), under its own
// pattern so that it opens an incident of its own.
func spanHit(user, pattern string, from, to time.Time, offset int64) hit.Hit {
	h := lineHit(user, from, offset)
	h.Pattern = pattern
	h.Evidence = append(h.Evidence, hit.Evidence{Kind: hit.EvidenceLine, Input: "windows", Source: "/logs/winlog/a.ndjson",
		Offset: offset + 1, Time: to, Text: fmt.Sprintf(`{"user":%q,"offset":%d}`, user, offset+1)})
	return h
}

func TestUserIncidentsAnyStatusOldestFirst(t *testing.T) {
	r, _ := openTest(t)
	ctx := context.Background()
	day := 24 * time.Hour
	late := add(t, r, spanHit("jdevries", "late", t0.Add(3*day), t0.Add(3*day+time.Hour), 0))[0].Incident
	early := add(t, r, spanHit("JDeVries", "early", t0, t0.Add(time.Hour), 10))[0].Incident // another case: the same user
	legacy := add(t, r, spanHit(`VOORBEELD\jdevries`, "legacy", t0.Add(day), t0.Add(day), 20))[0].Incident
	add(t, r, spanHit("pbakker", "other", t0, t0, 30))
	add(t, r, spanHit("jdevries2", "prefix", t0, t0, 40)) // not a prefix match
	if _, err := r.Move(ctx, late, StatusDismissed, "sec", "vals alarm"); err != nil {
		t.Fatal(err)
	}

	got, err := r.UserIncidents(ctx, "jdevries")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{early, late}; !slices.Equal(ids(got), want) {
		t.Errorf("incidents of jdevries: %v, want %v (any case, any status, by first_seen)", ids(got), want)
	}
	if got[1].Status != StatusDismissed {
		t.Errorf("the dismissed incident comes back as %s", got[1].Status)
	}
	// The person's other names (incidents registered before identity resolution) join the timeline.
	got, _ = r.UserIncidents(ctx, "jdevries", `voorbeeld\JDEVRIES`, "JDEVRIES", "")
	if want := []string{early, legacy, late}; !slices.Equal(ids(got), want) {
		t.Errorf("incidents of jdevries and an old name: %v, want %v", ids(got), want)
	}
	if got, _ = r.UserIncidents(ctx, "nobody"); got == nil || len(got) != 0 {
		t.Errorf("an unknown user: %v, want an empty list", got)
	}
	if got, _ = r.UserIncidents(ctx); got == nil || len(got) != 0 {
		t.Errorf("no names: %v, want an empty list", got)
	}
	users, err := r.Users(ctx)
	slices.Sort(users)
	if want := []string{"JDeVries", `VOORBEELD\jdevries`, "jdevries", "jdevries2", "pbakker"}; err != nil || !slices.Equal(users, want) {
		t.Errorf("users %q %v, want %q", users, err, want)
	}
}

func TestRelatedWithinPeriod(t *testing.T) {
	r, _ := openTest(t)
	ctx := context.Background()
	day := 24 * time.Hour
	base := add(t, r, spanHit("jdevries", "base", t0, t0.Add(2*time.Hour), 0))[0].Incident
	before := add(t, r, spanHit("jdevries", "before", t0.Add(-8*day), t0.Add(-6*day), 10))[0].Incident // ends 6 days before
	longAgo := add(t, r, spanHit("jdevries", "long-ago", t0.Add(-20*day), t0.Add(-8*day), 20))[0].Incident
	after := add(t, r, spanHit("JDEVRIES", "after", t0.Add(7*day), t0.Add(8*day), 30))[0].Incident // starts 7 days - 2 h after the end
	tooLate := add(t, r, spanHit("jdevries", "too-late", t0.Add(9*day), t0.Add(9*day), 40))[0].Incident
	overlap := add(t, r, spanHit("jdevries", "overlap", t0.Add(-time.Hour), t0.Add(time.Hour), 50))[0].Incident
	dismissed := add(t, r, spanHit("jdevries", "dismissed", t0.Add(day), t0.Add(day), 60))[0].Incident
	closed := add(t, r, spanHit("jdevries", "closed", t0.Add(2*day), t0.Add(2*day), 70))[0].Incident
	legacy := add(t, r, spanHit("j.devries@voorbeeld.nl", "legacy", t0.Add(3*day), t0.Add(3*day), 80))[0].Incident
	add(t, r, spanHit("pbakker", "other", t0, t0, 90))
	if _, err := r.Move(ctx, dismissed, StatusDismissed, "sec", "vals alarm"); err != nil {
		t.Fatal(err)
	}
	r.Move(ctx, closed, StatusOpen, "sec", "echt")
	r.Assess(ctx, closed, "fg", Answers{Flow: allAnswers("yes")})
	if in, err := r.Move(ctx, closed, StatusClosed, "fg", "afgehandeld"); err != nil || in.Status != StatusClosed {
		t.Fatalf("closing: %v", err)
	}

	in, err := r.Get(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	got, err := r.Related(ctx, in, 7*day)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{before, overlap, closed, after}
	if !slices.Equal(ids(got), want) {
		t.Errorf("related within 7 days: %v, want %v (not itself %s, not %s ended 8 days before, not %s 9 days after, not the dismissed %s, not another user's)",
			ids(got), want, base, longAgo, tooLate, dismissed)
	}
	got, _ = r.Related(ctx, in, 7*day, "J.DeVries@voorbeeld.nl")
	if want := []string{before, overlap, closed, legacy, after}; !slices.Equal(ids(got), want) {
		t.Errorf("related with the person's other name: %v, want %v", ids(got), want)
	}
	got, _ = r.Related(ctx, in, 0)
	if want := []string{overlap}; !slices.Equal(ids(got), want) {
		t.Errorf("related within 0: %v, want only the overlapping %v", ids(got), want)
	}
	// Linked, not merged: each keeps its own evidence.
	for _, id := range []string{base, overlap} {
		if in, _ := r.Get(ctx, id); in.EvidenceCount != 2 {
			t.Errorf("%s holds %d items, want its own 2", id, in.EvidenceCount)
		}
	}
}

// The timeline and the related incidents use the index on (user COLLATE NOCASE, first_seen).
func TestPersonQueriesUseTheUserIndex(t *testing.T) {
	r, _ := openTest(t)
	for _, q := range []string{
		`SELECT id FROM incidents WHERE user COLLATE NOCASE IN (?, ?) ORDER BY first_seen, id`,
		`SELECT id FROM incidents WHERE user COLLATE NOCASE IN (?) AND id != ? AND status IN (?, ?) AND first_seen <= ? AND last_seen >= ? ORDER BY first_seen, id`,
	} {
		rows, err := r.db.Query(`EXPLAIN QUERY PLAN `+q, "a", "b", "c", "d", 1, 2)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			rows.Scan(&id, &parent, &unused, &detail)
			plan = append(plan, detail)
		}
		rows.Close()
		if !strings.Contains(strings.Join(plan, "; "), "incidents_user") {
			t.Errorf("%s\nplan %q does not use incidents_user", q, plan)
		}
	}
}

func TestPersonAccessIsLoggedAndChained(t *testing.T) {
	r, clk := openTest(t)
	ctx := context.Background()
	id := add(t, r, lineHit("jdevries", t0, 0))[0].Incident
	if err := r.LogPersonAccess(ctx, "JDeVries", "", "person"); err == nil {
		t.Error("a person view without who looks was accepted")
	}
	if err := r.LogPersonAccess(ctx, " ", "fg", "person"); err == nil {
		t.Error("a person view without an account was accepted")
	}
	clk.add(time.Minute)
	if err := r.LogPersonAccess(ctx, "JDeVries", "fg.gerritsen", "web person"); err != nil {
		t.Fatal(err)
	}
	if err := r.LogPersonAccess(ctx, "jdevries", "sec.jansen", "api person"); err != nil {
		t.Fatal(err)
	}
	log, err := r.PersonAccessLog(ctx, "JDEVRIES")
	if err != nil {
		t.Fatal(err)
	}
	if len(log) != 2 || log[0].By != "fg.gerritsen" || log[0].Action != "web person" || !log[0].At.Equal(t0.Add(time.Minute)) || log[1].By != "sec.jansen" {
		t.Fatalf("person access log %+v", log)
	}
	// The incident's own access log is not mixed up with it.
	if log, _ := r.AccessLog(ctx, id); len(log) != 0 {
		t.Errorf("the incident's access log holds %+v", log)
	}
	mustVerify(t, r)

	// A person view's record removed or changed behind lekwacht's back breaks the chain like any read.
	r.Close()
	db, err := sql.Open("sqlite", filepath.Join(r.Dir(), DBFile))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE access_log SET by = 'iemand anders' WHERE incident_id = ?`, PersonAccessKey("jdevries")); err != nil {
		t.Fatal(err)
	}
	db.Close()
	r2, err := Open(ctx, r.Dir(), Options{Location: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	defer r2.Close()
	rep, err := r2.Verify(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if rep.OK() || !strings.Contains(fmt.Sprint(rep.Problems), "access record") {
		t.Errorf("a changed person view record: %v", rep.Problems)
	}
}
