package threshold

import (
	"fmt"
	"testing"

	"github.com/lekwacht/lekwacht/detectors/scenariotest"
	"github.com/lekwacht/lekwacht/event"
	"github.com/lekwacht/lekwacht/rules"
)

var day = scenariotest.Day

func TestScenarios(t *testing.T) {
	scenariotest.Run(t, func(r *rules.Rule, _ *scenariotest.Scenario) (scenariotest.Observer, error) { return New(r, 100) })
}

func TestStateIsBounded(t *testing.T) {
	r, err := rules.Parse([]byte("id: t\ntitle: T\nstatus: test\nlevel: low\nmatch: {event.action: view}\nwindow: 1h\nthreshold: 3\n"), "t.yaml")
	if err != nil {
		t.Fatal(err)
	}
	d, _ := New(r, 10)
	for i := range 100 {
		d.Observe(&event.Event{Time: day, Event: event.Kind{Action: event.ActionView}, User: event.User{Name: fmt.Sprintf("u%d", i)}})
	}
	if d.groups.Len() != 10 || d.Evictions() != 90 {
		t.Fatalf("groups %d, evictions %d; want 10 and 90", d.groups.Len(), d.Evictions())
	}
}
