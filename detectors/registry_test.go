package detectors

import (
	"slices"
	"testing"
	"time"

	"github.com/lekwacht/lekwacht/event"
	"github.com/lekwacht/lekwacht/hit"

	"github.com/lekwacht/lekwacht/rules"
)

// Every registered detector has a contract id that rules may name; the shipped rules build.
func TestRegistry(t *testing.T) {
	for _, id := range IDs() {
		if !slices.Contains(rules.Detectors, id) {
			t.Errorf("detector %q is not one of the contract's ids %v", id, rules.Detectors)
		}
	}
	set, err := rules.Load("")
	if err != nil {
		t.Fatal(err)
	}
	e, missing, err := New(set, Env{})
	if err != nil {
		t.Fatal(err)
	}
	if len(e.Rules())+len(missing) != len(set.Active()) {
		t.Errorf("%d rules built, %d missing, %d active", len(e.Rules()), len(missing), len(set.Active()))
	}
	for _, r := range e.Rules() {
		if _, ok := registry[r.DetectorID()]; !ok {
			t.Errorf("rule %s built without a registered detector", r.ID)
		}
	}
}

func TestSeverityRaisedAfterHoursAndForSensitiveData(t *testing.T) {
	r, err := rules.Parse([]byte("id: e\ntitle: E\nstatus: test\nlevel: low\nmatch: {event.action: export}\nwindow: 1h\nthreshold: 1\ncategories: [name]\n"), "e.yaml")
	if err != nil {
		t.Fatal(err)
	}
	bsnRule := *r
	bsnRule.ID, bsnRule.Categories = "e-bsn", []hit.Category{hit.CategoryBSN}
	e, _, err := New(&rules.Set{Rules: []*rules.Rule{r, &bsnRule}}, Env{Location: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	at := func(ts time.Time) []hit.Severity {
		var out []hit.Severity
		for _, h := range e.Observe(&event.Event{Time: ts, Event: event.Kind{Action: event.ActionExport}, User: event.User{Name: "u"},
			Log: event.Log{Path: "/l", Original: "x"}}) {
			out = append(out, h.Severity)
		}
		return out
	}
	monday10 := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	if got := at(monday10); !slices.Equal(got, []hit.Severity{hit.SeverityLow, hit.SeverityMedium}) {
		t.Errorf("working hours: %v, want low and (bsn) medium", got)
	}
	if got := at(monday10.Add(12 * time.Hour)); !slices.Equal(got, []hit.Severity{hit.SeverityMedium, hit.SeverityHigh}) {
		t.Errorf("at 22:00: %v, want medium and (bsn) high", got)
	}
}
