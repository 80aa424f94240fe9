package snooping

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/lekwacht/lekwacht/config"
	"github.com/lekwacht/lekwacht/detectors/scenariotest"
	"github.com/lekwacht/lekwacht/directory"
	"github.com/lekwacht/lekwacht/event"
	"github.com/lekwacht/lekwacht/rules"
)

const staff = `user,name,email,private_email,department,workstations,status,end_date
a.bakker,Anna Bakker,a.bakker@voorbeeld.nl,,Burgerzaken,WS-1,active,
b.smit,Bert Smit,b.smit@voorbeeld.nl,,Burgerzaken,WS-2,active,
c.jong,Cor Jong,c.jong@voorbeeld.nl,,Belastingen,WS-3,active,
`

func build(t *testing.T, params string) *Detector {
	t.Helper()
	r, err := rules.Parse([]byte("id: s\ntitle: S\nstatus: test\nlevel: low\ndetector: record_snooping\nwindow: 1h\n"+params), "s.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dir, err := directory.Read(strings.NewReader(staff), "staff.csv")
	if err != nil {
		t.Fatal(err)
	}
	wh, _ := config.ParseWorkingHours("Mon-Fri 07:00-19:00")
	d, err := New(r, func() *directory.Directory { return dir }, wh, time.UTC, 100)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestScenarios(t *testing.T) {
	scenariotest.Run(t, func(r *rules.Rule, s *scenariotest.Scenario) (scenariotest.Observer, error) {
		dir, err := directory.Read(strings.NewReader(staff), "staff.csv")
		if err != nil {
			return nil, err
		}
		wh, _ := config.ParseWorkingHours("Mon-Fri 07:00-19:00")
		return New(r, func() *directory.Directory { return dir }, wh, time.UTC, 100)
	})
}

// view returns a view of record obj by user at day 2026-11-23 plus h hours.
func view(user, obj string, at time.Time) *event.Event {
	return &event.Event{Time: at, Event: event.Kind{Category: event.CategoryApplication, Action: event.ActionView},
		User: event.User{Name: user}, App: &event.App{Object: obj}, Log: event.Log{Path: "/logs/zaak.jsonl", Original: obj}}
}

// A user who views about 20 records an hour for a week, then 70 in one hour: far over their own
// baseline, reported once with every line, then joined line by line. A colleague of the same
// department at 20 an hour is not reported; a new colleague's first hour is held to the department.
func TestBaseline(t *testing.T) {
	d := build(t, "params: {min_records: 30, factor: 3}\n")
	day := time.Date(2026, 11, 16, 8, 0, 0, 0, time.UTC) // a Monday
	n := 0
	for h := range 5 * 10 { // five working days, ten hours
		at := day.Add(time.Duration(h/10)*24*time.Hour + time.Duration(h%10)*time.Hour)
		for i := range 20 {
			for _, u := range []string{"a.bakker", "b.smit"} {
				n++
				if hits := d.Observe(view(u, fmt.Sprintf("p%d", n), at.Add(time.Duration(i)*time.Minute))); len(hits) != 0 {
					t.Fatalf("normal work reported: %+v", hits)
				}
			}
		}
	}
	at := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	var got []int
	for i := range 70 {
		for _, h := range d.Observe(view("a.bakker", fmt.Sprintf("q%d", i), at.Add(time.Duration(i)*30*time.Second))) {
			got = append(got, len(h.Evidence))
			if h.Pattern != "bulk-views" || h.User != "a.bakker" {
				t.Fatalf("hit %+v", h)
			}
		}
	}
	// baseline 20, factor 3: the 60th distinct record crosses; then 10 more hits of one line each.
	if len(got) != 11 || got[0] != 60 || got[1] != 1 {
		t.Fatalf("hits with %v lines; want the crossing at 60 with 60 lines, then 10 of one", got)
	}
	// c.jong (Belastingen, no history, no department baseline) is held to min_records x factor = 90:
	// 80 distinct records in an hour is not reported.
	for i := range 80 {
		if hits := d.Observe(view("c.jong", fmt.Sprintf("r%d", i), at)); len(hits) != 0 {
			t.Fatalf("first hour of a user without any baseline reported at %d records", i+1)
		}
	}
}

func TestParamsAreChecked(t *testing.T) {
	r, _ := rules.Parse([]byte("id: s\ntitle: S\nstatus: test\nlevel: low\ndetector: record_snooping\nparams: {factor: many}\n"), "s.yaml")
	if _, err := New(r, nil, config.WorkingHours{}, nil, 10); err == nil || !strings.Contains(err.Error(), "params.factor") {
		t.Fatalf("got %v", err)
	}
}

func TestNoWorkingHoursMeansTheDefault(t *testing.T) {
	r, _ := rules.Parse([]byte("id: s\ntitle: S\nstatus: test\nlevel: low\ndetector: record_snooping\nparams: {after_hours: 1}\n"), "s.yaml")
	d, err := New(r, nil, config.WorkingHours{}, time.UTC, 10)
	if err != nil {
		t.Fatal(err)
	}
	if hits := d.Observe(view("a", "x", time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC))); len(hits) != 0 {
		t.Fatalf("a Monday morning view counted as after hours: %+v", hits)
	}
	if hits := d.Observe(view("a", "y", time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC))); len(hits) != 1 {
		t.Fatalf("a Sunday view not counted as after hours: %+v", hits)
	}
}
