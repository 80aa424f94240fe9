package behaviour

import (
	"strings"
	"testing"
	"time"

	"github.com/lekwacht/lekwacht/config"
	"github.com/lekwacht/lekwacht/detectors/scenariotest"
	"github.com/lekwacht/lekwacht/directory"
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
