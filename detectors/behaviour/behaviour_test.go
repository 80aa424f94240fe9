package behaviour

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lekwacht/lekwacht/config"
	"github.com/lekwacht/lekwacht/detectors/scenariotest"
	"github.com/lekwacht/lekwacht/directory"
	"github.com/lekwacht/lekwacht/event"
	"github.com/lekwacht/lekwacht/rules"
)

func TestScenarios(t *testing.T) {
	scenariotest.Run(t, func(r *rules.Rule, s *scenariotest.Scenario) (scenariotest.Observer, error) {
		dir, err := directory.Read(strings.NewReader(s.Directory), "scenario directory")
		if err != nil {
			return nil, err
		}
		return New(r, func() *directory.Directory { return dir }, config.WorkingHours{}, time.UTC, 100)
	})
}

func TestParams(t *testing.T) {
	for _, bad := range []string{"{baseline_days: 0}", "{factor: 1}", "{min_files: x}", "{notice: soon}", "{drempel: 3}"} {
		r, err := rules.Parse([]byte("id: b\ntitle: B\nstatus: test\nlevel: medium\ndetector: behaviour\nparams: "+bad+"\n"), "b.yaml")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := New(r, nil, config.WorkingHours{}, nil, 10); err == nil {
			t.Errorf("params %s accepted", bad)
		}
	}
}

func TestStateSurvivesARestart(t *testing.T) {
	r, _ := rules.Parse([]byte("id: b\ntitle: B\nstatus: test\nlevel: medium\ndetector: behaviour\nparams: {baseline_days: 2}\n"), "b.yaml")
	d, _ := New(r, nil, config.WorkingHours{}, time.UTC, 10)
	d.hours.Observe("anna", time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
	d.seen.Observe("anna", "active", time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
	b, err := d.SaveState()
	if err != nil {
		t.Fatal(err)
	}
	d2, _ := New(r, nil, config.WorkingHours{}, time.UTC, 10)
	if err := d2.LoadState(b); err != nil {
		t.Fatal(err)
	}
	if u := d2.hours.Observe("anna", time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)); u.DaysInHour != 1 {
		t.Errorf("hours after a restart: %+v", u)
	}
	if f := d2.seen.Peek("anna", "active", time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)); f.DaysUsed != 1 {
		t.Errorf("days active after a restart: %+v", f)
	}
}

// A day's copying to USB is a signal when it crosses the limit, and again each time it doubles: 80
// files are three signals (20, 40, 80), so a bigger deviation weighs more; the 81st to 159th add none.
func TestVolumeSignalsAgainAsItDoubles(t *testing.T) {
	r, _ := rules.Parse([]byte("id: b\ntitle: B\nstatus: test\nlevel: medium\ndetector: behaviour\nparams: {baseline_days: 1, min_files: 20}\n"), "b.yaml")
	dir, err := directory.Read(strings.NewReader("user,name,email,private_email,department,workstations,status,end_date\n"+
		"anna,Anna,anna@voorbeeld.nl,,Burgerzaken,WS-1,active,\n"), "staff.csv")
	if err != nil {
		t.Fatal(err)
	}
	d, err := New(r, func() *directory.Directory { return dir }, config.WorkingHours{}, time.UTC, 100)
	if err != nil {
		t.Fatal(err)
	}
	day := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	d.Observe(&event.Event{Time: day, User: event.User{Name: "anna"}, Event: event.Kind{Category: event.CategoryDevice, Action: event.ActionAttach,
		Outcome: event.OutcomeSuccess}, Host: event.Host{Name: "WS-1"}, Device: &event.Device{Class: "DiskDrive"}, Log: event.Log{Input: "t", Original: "regel"}})
	var at []int
	for i := 1; i <= 159; i++ {
		ev := event.Event{Time: day.Add(time.Duration(i) * time.Second), User: event.User{Name: "anna"},
			Event: event.Kind{Category: event.CategoryFile, Action: event.ActionWrite, Outcome: event.OutcomeSuccess},
			Host:  event.Host{Name: "WS-1"}, File: &event.File{Path: fmt.Sprintf(`E:\%03d.xlsx`, i)}, Log: event.Log{Input: "t", Original: "regel"}}
		for _, h := range d.Observe(&ev) {
			if h.Pattern == "removable-volume" {
				at = append(at, i)
			}
		}
	}
	if !slices.Equal(at, []int{20, 40, 80}) {
		t.Errorf("volume signals at files %v, want [20 40 80]", at)
	}
}

// The department's usual is a floor, not a multiple, for someone with a history of their own: one
// heavy user (bob's 100 files a day) must not hide a colleague's change from 4 files a day to 60.
func TestOneHeavyUserDoesNotHideAColleague(t *testing.T) {
	r, _ := rules.Parse([]byte("id: b\ntitle: B\nstatus: test\nlevel: medium\ndetector: behaviour\nparams: {baseline_days: 1, min_files: 20}\n"), "b.yaml")
	dir, err := directory.Read(strings.NewReader("user,name,email,private_email,department,workstations,status,end_date\n"+
		"anna,Anna,anna@voorbeeld.nl,,Archief,WS-1,active,\nbob,Bob,bob@voorbeeld.nl,,Archief,WS-2,active,\n"), "staff.csv")
	if err != nil {
		t.Fatal(err)
	}
	d, err := New(r, func() *directory.Directory { return dir }, config.WorkingHours{}, time.UTC, 100)
	if err != nil {
		t.Fatal(err)
	}
	copyFiles := func(user, host string, day time.Time, n int) (signals []int) {
		d.Observe(&event.Event{Time: day, User: event.User{Name: user}, Event: event.Kind{Category: event.CategoryDevice, Action: event.ActionAttach,
			Outcome: event.OutcomeSuccess}, Host: event.Host{Name: host}, Device: &event.Device{Class: "DiskDrive"}, Log: event.Log{Input: "t", Original: "regel"}})
		for i := 1; i <= n; i++ {
			ev := event.Event{Time: day.Add(time.Duration(i) * time.Second), User: event.User{Name: user},
				Event: event.Kind{Category: event.CategoryFile, Action: event.ActionWrite, Outcome: event.OutcomeSuccess},
				Host:  event.Host{Name: host}, File: &event.File{Path: fmt.Sprintf(`E:\%03d.xlsx`, i)}, Log: event.Log{Input: "t", Original: "regel"}}
			for _, h := range d.Observe(&ev) {
				if h.Pattern == "removable-volume" {
					signals = append(signals, i)
				}
			}
		}
		return signals
	}
	for n := range 3 {
		day := time.Date(2026, 11, 23+n, 9, 0, 0, 0, time.UTC)
		copyFiles("anna", "WS-1", day, 4)
		copyFiles("bob", "WS-2", day.Add(time.Hour), 100)
	}
	// the department's mean is 52 files per member-day; anna's 12 (3x 4) is below it: 52 is the limit
	if got := copyFiles("anna", "WS-1", time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC), 60); !slices.Equal(got, []int{52}) {
		t.Errorf("anna's 60 files signalled at %v, want at the department's usual day, 52", got)
	}
}
