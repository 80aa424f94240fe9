package register

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lekwacht/lekwacht/assessment"
	"github.com/lekwacht/lekwacht/hit"
)

func intp(n int) *int              { return &n }
func strp(s string) *string        { return &s }
func timep(t time.Time) *time.Time { return &t }

func TestCorrectRecordsChainsAndFeedsTheAssessment(t *testing.T) {
	ctx := context.Background()
	r, clk := openTest(t)
	h := lineHit("a.bakker", t0, 0)
	h.Subjects, h.Categories = 0, nil // lekwacht knows neither
	id := add(t, r, h)[0].Incident
	if _, err := r.Move(ctx, id, StatusOpen, "analist", "echt"); err != nil {
		t.Fatal(err)
	}
	before, _ := r.Summary(ctx, id)
	if q := question(before, assessment.QDisproportionateEffort); len(q.Unknown) == 0 || strings.Contains(q.Reason, "geschat 0") {
		t.Fatalf("with 0 betrokkenen the suggestion must say the number is unknown: %+v", q)
	}
	clk.add(time.Hour)
	start := t0.Add(-48 * time.Hour)
	c := Correction{Categories: []hit.Category{hit.CategoryName, hit.CategoryBSN}, SubjectsMin: intp(120), SubjectsMax: intp(150),
		Group: strp("inwoners"), LeakStart: timep(start), LeakEnd: timep(t0), Records: intp(150)}
	in, err := r.Correct(ctx, id, "fg.gerritsen", "telling in het zaaksysteem", c)
	if err != nil {
		t.Fatal(err)
	}
	if got := in.EffectiveCategories(); !slices.Equal(got, c.Categories) {
		t.Errorf("categories %v", got)
	}
	if !slices.Equal(in.DataCategories, []hit.Category{}) && in.DataCategories != nil {
		t.Errorf("lekwacht's own estimate must stay: %v", in.DataCategories)
	}
	if lo, hi := in.SubjectsBounds(); lo != 120 || hi != 150 {
		t.Errorf("bounds %d-%d", lo, hi)
	}
	if s, e := in.LeakPeriod(); !s.Equal(start) || !e.Equal(t0) {
		t.Errorf("period %v %v", s, e)
	}
	if in.GroupKind() != "inwoners" || in.Corrected.By != "fg.gerritsen" {
		t.Errorf("group %q by %q", in.GroupKind(), in.Corrected.By)
	}
	if n, ok := in.RecordCount(); !ok || n != 150 {
		t.Errorf("records %d %v", n, ok)
	}
	full, _ := r.Summary(ctx, id)
	last := full.History[len(full.History)-1]
	if last.From != StatusOpen || last.To != StatusOpen || last.By != "fg.gerritsen" ||
		!strings.Contains(last.Reason, "aantal betrokkenen 120 tot 150 (was: onbekend)") ||
		!strings.Contains(last.Reason, "reden: telling in het zaaksysteem") {
		t.Errorf("history entry %+v", last)
	}
	// The suggestions now rest on the FG's numbers.
	if q := question(full, assessment.QSensitive); !suggestedYes(q) || len(q.Unknown) != 0 || !strings.Contains(q.Reason, "burgerservicenummer") {
		t.Errorf("sensitive after correction: %+v", q)
	}
	if q := question(full, assessment.QDisproportionateEffort); len(q.Unknown) != 0 || !strings.Contains(q.Reason, "120 tot 150") {
		t.Errorf("effort after correction: %+v", q)
	}
	// List carries the corrections as well.
	list, _ := r.List(ctx, Filter{})
	if list[0].Corrected == nil || list[0].GroupKind() != "inwoners" {
		t.Errorf("list without corrections: %+v", list[0].Corrected)
	}
	// A second correction of one field keeps the others.
	if _, err := r.Correct(ctx, id, "fg.gerritsen", "nageteld", Correction{SubjectsMax: intp(160)}); err != nil {
		t.Fatal(err)
	}
	in, _ = r.Get(ctx, id)
	if lo, hi := in.SubjectsBounds(); lo != 120 || hi != 160 || in.GroupKind() != "inwoners" {
		t.Errorf("after second correction %d-%d %q", lo, hi, in.GroupKind())
	}
	rep := mustVerify(t, r)
	if rep.Records < 10 {
		t.Errorf("corrections not chained: %d records", rep.Records)
	}
	// A correction is not a status change for the daemon's log.
	changes, _ := r.ChangesSince(ctx, 0, 100)
	for _, ch := range changes {
		if ch.From == ch.To {
			t.Errorf("correction reported as a status change: %+v", ch)
		}
	}
}

func suggestedYes(q QuestionState) bool { return q.Suggested == "yes" }

func question(in *Incident, id assessment.QuestionID) QuestionState {
	for _, q := range in.Assessment.Questions {
		if q.ID == id {
			return q
		}
	}
	return QuestionState{}
}

func TestCorrectRefusesNonsense(t *testing.T) {
	ctx := context.Background()
	r, _ := openTest(t)
	id := add(t, r, lineHit("a.bakker", t0, 0))[0].Incident
	for name, c := range map[string]Correction{
		"nothing":       {},
		"min above max": {SubjectsMin: intp(10), SubjectsMax: intp(5)},
		"negative":      {SubjectsMin: intp(-1)},
		"end < start":   {LeakStart: timep(t0), LeakEnd: timep(t0.Add(-time.Hour))},
		"category":      {Categories: []hit.Category{"paspoort"}},
		"empty group":   {Group: strp(" ")},
	} {
		if _, err := r.Correct(ctx, id, "fg", "x", c); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: want ErrInvalid, got %v", name, err)
		}
	}
	if _, err := r.Correct(ctx, id, "", "", Correction{Records: intp(1)}); !errors.Is(err, ErrInvalid) {
		t.Errorf("who and why: %v", err)
	}
	// Against an earlier correction too: max below the stored min.
	if _, err := r.Correct(ctx, id, "fg", "x", Correction{SubjectsMin: intp(10)}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Correct(ctx, id, "fg", "x", Correction{SubjectsMax: intp(3)}); !errors.Is(err, ErrInvalid) {
		t.Errorf("max below stored min: %v", err)
	}
	if _, err := r.Move(ctx, id, StatusDismissed, "analist", "test"); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Correct(ctx, id, "fg", "x", Correction{Records: intp(1)}); !errors.Is(err, ErrTransition) {
		t.Errorf("dismissed: %v", err)
	}
}

// TestClockAcrossStates: the 72 hours run from discovery in every status until the melding bij de
// AP is recorded or the FG's answers say no melding is needed; --overdue (List) agrees.
func TestClockAcrossStates(t *testing.T) {
	ctx := context.Background()
	yesTo := func(ids ...assessment.QuestionID) map[assessment.QuestionID]bool {
		m := map[assessment.QuestionID]bool{}
		for _, q := range assessment.Questions {
			m[q.ID] = slices.Contains(ids, q.ID)
		}
		return m
	}
	report := yesTo(assessment.QSecurityIncident, assessment.QPersonalData, assessment.QSensitive, assessment.QReadable)
	registerOnly := yesTo(assessment.QSecurityIncident, assessment.QPersonalData)
	cases := []struct {
		name    string
		steps   func(r *Register, id string) error
		running bool
		stopped string
	}{
		{"draft", func(*Register, string) error { return nil }, true, ""},
		{"open", func(r *Register, id string) error { _, err := r.Move(ctx, id, StatusOpen, "a", "b"); return err }, true, ""},
		{"dismissed", func(r *Register, id string) error { _, err := r.Move(ctx, id, StatusDismissed, "a", "b"); return err }, false, "afgewezen"},
		{"open, sensitive answered yes, flow incomplete", func(r *Register, id string) error {
			r.Move(ctx, id, StatusOpen, "a", "b")
			_, err := r.Assess(ctx, id, "fg", Answers{Flow: map[assessment.QuestionID]bool{assessment.QSecurityIncident: true, assessment.QPersonalData: true, assessment.QSensitive: true}})
			return err
		}, true, ""},
		{"assessed, to report, not yet reported", func(r *Register, id string) error {
			r.Move(ctx, id, StatusOpen, "a", "b")
			_, err := r.Assess(ctx, id, "fg", Answers{Flow: report})
			return err
		}, true, ""},
		{"assessed, reported", func(r *Register, id string) error {
			r.Move(ctx, id, StatusOpen, "a", "b")
			_, err := r.Assess(ctx, id, "fg", Answers{Flow: report, Details: map[string]string{"ap_reported_on": "2026-11-25"}})
			return err
		}, false, "gemeld bij de AP op 25-11-2026"},
		{"assessed, register only", func(r *Register, id string) error {
			r.Move(ctx, id, StatusOpen, "a", "b")
			_, err := r.Assess(ctx, id, "fg", Answers{Flow: registerOnly})
			return err
		}, false, "geen melding bij de AP nodig"},
		{"closed without the report date", func(r *Register, id string) error {
			r.Move(ctx, id, StatusOpen, "a", "b")
			r.Assess(ctx, id, "fg", Answers{Flow: report})
			_, err := r.Move(ctx, id, StatusClosed, "fg", "klaar")
			return err
		}, true, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, clk := openTest(t)
			id := add(t, r, lineHit("a.bakker", t0, 0))[0].Incident
			if err := c.steps(r, id); err != nil {
				t.Fatal(err)
			}
			clk.add(80 * time.Hour) // past the deadline
			now := clk.now()
			for how, get := range map[string]func() (*Incident, error){
				"get":     func() (*Incident, error) { return r.Get(ctx, id) },
				"summary": func() (*Incident, error) { return r.Summary(ctx, id) },
				"list": func() (*Incident, error) {
					l, err := r.List(ctx, Filter{})
					return l[0], err
				},
			} {
				in, err := get()
				if err != nil {
					t.Fatal(err)
				}
				cl := in.Clock(now)
				if cl.Running != c.running || cl.Overdue != c.running || !strings.Contains(cl.Stopped, c.stopped) {
					t.Errorf("%s: clock %+v, want running %v stopped %q", how, cl, c.running, c.stopped)
				}
				if c.running && (cl.Left != -8*time.Hour || !cl.Deadline.Equal(t0.Add(Deadline))) {
					t.Errorf("%s: left %v deadline %v", how, cl.Left, cl.Deadline)
				}
			}
			overdue, err := r.List(ctx, Filter{DueBefore: now})
			if err != nil {
				t.Fatal(err)
			}
			if got := len(overdue) == 1; got != c.running {
				t.Errorf("--overdue lists it: %v, want %v", got, c.running)
			}
			// Before the deadline nothing is overdue, but a running clock is due within 24 hours.
			early := t0.Add(60 * time.Hour)
			if in, _ := r.Get(ctx, id); in.Overdue(early) {
				t.Error("overdue before the deadline")
			}
			soon, _ := r.List(ctx, Filter{DueBefore: early.Add(24 * time.Hour)})
			if got := len(soon) == 1; got != c.running {
				t.Errorf("--due-within 24h lists it: %v, want %v", got, c.running)
			}
		})
	}
}

func TestDetailFieldsDescribeEveryDetail(t *testing.T) {
	if len(DetailFields) != len(Details) {
		t.Fatalf("%d detail fields for %d details", len(DetailFields), len(Details))
	}
	for i, f := range DetailFields {
		if f.Key != Details[i] || f.Label == "" || f.Label == f.Key || (f.Group != "melding" && f.Group != "brief") {
			t.Errorf("detail field %d: %+v (detail %s)", i, f, Details[i])
		}
	}
	if DetailLabel("ap_reference") != "Meldnummer van de AP" {
		t.Error(DetailLabel("ap_reference"))
	}
}
