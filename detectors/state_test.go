package detectors

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/lekwacht/lekwacht/event"
	"github.com/lekwacht/lekwacht/rules"
)

// A threshold pattern that spans a restart: two events before, the third after, is still one hit
// with all three lines; a changed rule starts afresh.
func TestStateSpansARestart(t *testing.T) {
	rule := func(th int) *rules.Set {
		r, err := rules.Parse([]byte(fmt.Sprintf("id: r\ntitle: R\nstatus: test\nlevel: low\nmatch: {event.action: delete}\nwindow: 1h\nthreshold: %d\n", th)), "r.yaml")
		if err != nil {
			t.Fatal(err)
		}
		return &rules.Set{Rules: []*rules.Rule{r}}
	}
	ev := func(i int) *event.Event {
		return &event.Event{Time: time.Date(2026, 11, 23, 10, i, 0, 0, time.UTC), Event: event.Kind{Action: event.ActionDelete},
			User: event.User{Name: "u"}, Log: event.Log{Path: "/l", Offset: int64(i), Original: fmt.Sprint(i)}}
	}
	before, _, _ := New(rule(3), Env{Location: time.UTC})
	before.Observe(ev(1))
	before.Observe(ev(2))
	st, err := before.SaveState()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(st) // through the file format
	var loaded State
	json.Unmarshal(b, &loaded)

	after, _, _ := New(rule(3), Env{Location: time.UTC})
	if n, err := after.LoadState(loaded); err != nil || n != 1 {
		t.Fatalf("restored %d: %v", n, err)
	}
	hits := after.Observe(ev(3))
	if len(hits) != 1 || len(hits[0].Evidence) != 3 {
		t.Fatalf("after the restart: %+v", hits)
	}
	changed, _, _ := New(rule(2), Env{Location: time.UTC})
	if n, _ := changed.LoadState(loaded); n != 0 {
		t.Fatal("state restored into a changed rule")
	}
}
