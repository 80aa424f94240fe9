package snooping

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/lekwacht/lekwacht/config"
	"github.com/lekwacht/lekwacht/detectors/scenariotest"
	"github.com/lekwacht/lekwacht/directory"
	"github.com/lekwacht/lekwacht/event"
	"github.com/lekwacht/lekwacht/hit"
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

// view returns a view of record obj by user at the time at.
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

// week has user view a record at 10:00 and one at lateHour:10 (outside working hours) on each of the
// five days from monday, in monday's location.
func week(t *testing.T, d *Detector, user string, lateHour int, monday time.Time) {
	t.Helper()
	for i := range 5 {
		y, m, day := monday.AddDate(0, 0, i).Date()
		for _, h := range []int{10, lateHour} {
			for j := range 4 { // four records an hour: ten is not three times her usual evening
				if hits := d.Observe(view(user, fmt.Sprintf("h-%d-%d-%d", day, h, j), time.Date(y, m, day, h, 10+j, 0, 0, monday.Location()))); len(hits) != 0 {
					t.Fatalf("history reported: %+v", hits)
				}
			}
		}
	}
}

// evening has user look up ten records from hour:30 on day, in day's location, and returns the hits.
func evening(d *Detector, user string, hour int, day time.Time) []hit.Hit {
	var hits []hit.Hit
	y, m, dd := day.Date()
	for i := range 10 {
		hits = append(hits, d.Observe(view(user, fmt.Sprintf("z-%d", i), time.Date(y, m, dd, hour, 30+i, 0, 0, day.Location())))...)
	}
	return hits
}

// The week of history and the Monday after, in UTC.
var nov16, nov23 = time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)

// Without baseline_days, or with 0, a regular evening worker's ten lookups at her usual hour are a
// draft as they always were: no signal, no deviation, the summary unchanged, and no hours in the
// state.
func TestBaselineDaysZeroIsTheOldBehaviour(t *testing.T) {
	for _, params := range []string{"", "params: {baseline_days: 0}\n"} {
		d := build(t, params)
		week(t, d, "a.bakker", 19, nov16)
		hits := evening(d, "a.bakker", 19, nov23)
		if len(hits) != 1 {
			t.Fatalf("%q: %d hits, want 1: %+v", params, len(hits), hits)
		}
		h := hits[0]
		if h.Pattern != "after-hours" || h.Signal || h.Weight != 0 || h.Deviation != nil ||
			h.Summary != "10 verschillende dossiers ingezien buiten werktijd binnen 1h0m0s" || len(h.Evidence) != 10 {
			t.Errorf("%q: %+v, want the draft of before baseline_days", params, h)
		}
		b, err := d.SaveState()
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), `"hours"`) || strings.Contains(string(b), `"late_from"`) {
			t.Errorf("%q: the state holds hours without baseline_days: %s", params, b)
		}
	}
}

// The hours learned survive a restart: a detector loaded from the state of one that saw the week
// knows the evening worker's hour (a signal), and one started afresh does not (a draft). State saved
// before baseline_days (no hours) still loads.
func TestStateKeepsTheHours(t *testing.T) {
	d := build(t, "params: {baseline_days: 5}\n")
	week(t, d, "a.bakker", 19, nov16)
	b, err := d.SaveState()
	if err != nil {
		t.Fatal(err)
	}
	loaded := build(t, "params: {baseline_days: 5}\n")
	if err := loaded.LoadState(b); err != nil {
		t.Fatal(err)
	}
	if hits := evening(loaded, "a.bakker", 19, nov23); len(hits) != 1 || !hits[0].Signal || hits[0].Weight != 10 {
		t.Errorf("after a restart: %+v, want one signal of weight 10", hits)
	}
	fresh := build(t, "params: {baseline_days: 5}\n")
	if hits := evening(fresh, "a.bakker", 19, nov23); len(hits) != 1 || hits[0].Signal ||
		hits[0].Deviation == nil || !strings.Contains(hits[0].Deviation.Text, "te weinig geschiedenis (0 dagen") {
		t.Errorf("without the state: %+v, want a draft for too little history", hits)
	}

	old := `{"users":[{"name":"b.smit","start":"2026-11-23T21:00:00Z","seen":["z-1"],"late":["z-1"],"lines":[],"baseline":4,"windows":3,"fired_bulk":false,"fired_late":false}],"departments":{"Burgerzaken":5}}`
	d = build(t, "params: {baseline_days: 5}\n")
	if err := d.LoadState([]byte(old)); err != nil {
		t.Fatalf("state of before baseline_days: %v", err)
	}
	if u, ok := d.users.Peek("b.smit"); !ok || u.late.len() != 1 || u.windows != 3 {
		t.Errorf("state of before baseline_days loaded as %+v", u)
	}
}

// A window's first late lookup is saved with it: after a restart mid-window, the hour it began in
// still counts.
func TestStateKeepsTheFirstLateLookup(t *testing.T) {
	r, _ := rules.Parse([]byte("id: s\ntitle: S\nstatus: test\nlevel: low\ndetector: record_snooping\nwindow: 2h\nparams: {baseline_days: 5}\n"), "s.yaml")
	wh, _ := config.ParseWorkingHours("Mon-Fri 07:00-19:00")
	d, err := New(r, nil, wh, time.UTC, 100)
	if err != nil {
		t.Fatal(err)
	}
	week(t, d, "a.bakker", 21, nov16)
	for i := range 5 { // 20:10-20:14, an hour new to her
		d.Observe(view("a.bakker", fmt.Sprintf("y-%d", i), time.Date(2026, 11, 23, 20, 10+i, 0, 0, time.UTC)))
	}
	b, err := d.SaveState()
	if err != nil {
		t.Fatal(err)
	}
	d, _ = New(r, nil, wh, time.UTC, 100)
	if err := d.LoadState(b); err != nil {
		t.Fatal(err)
	}
	var hits []hit.Hit
	for i := range 5 { // 21:10-21:14, her own hour
		hits = append(hits, d.Observe(view("a.bakker", fmt.Sprintf("x-%d", i), time.Date(2026, 11, 23, 21, 10+i, 0, 0, time.UTC)))...)
	}
	if len(hits) != 1 || hits[0].Signal || hits[0].Deviation == nil || !strings.Contains(hits[0].Deviation.Text, "tussen 20 en 21 uur") {
		t.Errorf("%+v, want a draft naming the hour the window began in", hits)
	}
}

// Days and hours are the gemeente's (the location New is given): an evening worker at 19:10 Amsterdam
// time in the week before the clocks go back (17:10 UTC) is at her own hour at 19:30 the Monday after
// (18:30 UTC).
func TestOwnHoursInTheLocation(t *testing.T) {
	ams, err := time.LoadLocation("Europe/Amsterdam")
	if err != nil {
		t.Skip(err)
	}
	r, _ := rules.Parse([]byte("id: s\ntitle: S\nstatus: test\nlevel: low\ndetector: record_snooping\nwindow: 1h\nparams: {baseline_days: 5}\n"), "s.yaml")
	wh, _ := config.ParseWorkingHours("Mon-Fri 07:00-19:00")
	d, err := New(r, nil, wh, ams, 100)
	if err != nil {
		t.Fatal(err)
	}
	week(t, d, "a.bakker", 19, time.Date(2026, 10, 19, 0, 0, 0, 0, ams))
	hits := evening(d, "a.bakker", 19, time.Date(2026, 10, 26, 0, 0, 0, 0, ams))
	if len(hits) != 1 || !hits[0].Signal || hits[0].Deviation == nil || !strings.Contains(hits[0].Deviation.Text, "tussen 19 en 20 uur op 5 van 5 werkdagen") {
		t.Errorf("%+v, want a signal for 19 to 20 hours Amsterdam time", hits)
	}
}

// The hours are bounded like the users: with room for two people, the third pushes out the first's
// history, and her evening is judged without it.
func TestOwnHoursAreBounded(t *testing.T) {
	r, _ := rules.Parse([]byte("id: s\ntitle: S\nstatus: test\nlevel: low\ndetector: record_snooping\nwindow: 1h\nparams: {baseline_days: 5}\n"), "s.yaml")
	wh, _ := config.ParseWorkingHours("Mon-Fri 07:00-19:00")
	d, err := New(r, nil, wh, time.UTC, 2)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"a.bakker", "b.smit", "c.jong"} {
		week(t, d, u, 19, nov16)
	}
	if hits := evening(d, "c.jong", 19, nov23); len(hits) != 1 || !hits[0].Signal {
		t.Errorf("c.jong: %+v, want a signal", hits)
	}
	if hits := evening(d, "a.bakker", 19, nov23); len(hits) != 1 || hits[0].Signal ||
		hits[0].Deviation == nil || !strings.Contains(hits[0].Deviation.Text, "te weinig geschiedenis (0") {
		t.Errorf("a.bakker: %+v, want a draft without her pushed-out history", hits)
	}
	b, err := d.SaveState()
	if err != nil {
		t.Fatal(err)
	}
	var s struct{ Hours map[string]any }
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	if len(s.Hours) != 2 {
		t.Errorf("%d people's hours (and days) kept, want 2", len(s.Hours))
	}
}

func TestBaselineDaysIsChecked(t *testing.T) {
	for _, bad := range []string{"-1", "five", "2.5", "[5]"} {
		r, err := rules.Parse([]byte("id: s\ntitle: S\nstatus: test\nlevel: low\ndetector: record_snooping\nparams: {baseline_days: "+bad+"}\n"), "s.yaml")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := New(r, nil, config.WorkingHours{}, nil, 10); err == nil || !strings.Contains(err.Error(), "params.baseline_days") ||
			!strings.Contains(err.Error(), "0: off") {
			t.Errorf("baseline_days %s: %v", bad, err)
		}
	}
	r, _ := rules.Parse([]byte("id: s\ntitle: S\nstatus: test\nlevel: low\ndetector: record_snooping\nparams: {baseline_dagen: 5}\n"), "s.yaml")
	if _, err := New(r, nil, config.WorkingHours{}, nil, 10); err == nil || !strings.Contains(err.Error(), "baseline_days") {
		t.Errorf("an unknown param: %v", err)
	}
}
