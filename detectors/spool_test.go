package detectors

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/lekwacht/lekwacht/event"
	"github.com/lekwacht/lekwacht/hit"
	"github.com/lekwacht/lekwacht/rules"
)

// traffic is a morning of events that make every stateful shipped rule report: mass deletions,
// exports, bulk record views, one account on two workstations and several accounts on one.
func traffic() []event.Event {
	var evs []event.Event
	t0 := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	add := func(ev event.Event) {
		i := len(evs)
		ev.Time = t0.Add(time.Duration(i) * time.Second / 2)
		ev.Event.Outcome = event.OutcomeSuccess
		ev.Log = event.Log{Input: "test", Path: fmt.Sprintf("/var/log/test-%d.log", i%4), Offset: int64(i) * 120, Line: int64(i + 1),
			Original: fmt.Sprintf("regel %d van %s: %s %s", i+1, ev.User.Name, ev.Event.Category, ev.Event.Action)}
		evs = append(evs, ev)
	}
	for i := range 160 {
		for u := range 3 {
			user := event.User{Name: fmt.Sprintf("user%d", u)}
			add(event.Event{Event: event.Kind{Category: event.CategoryFile, Action: event.ActionDelete}, User: user,
				File: &event.File{Path: fmt.Sprintf("/srv/%d/%d.docx", u, i)}})
			add(event.Event{Event: event.Kind{Category: event.CategoryApplication, Action: event.ActionView}, User: user,
				App: &event.App{Name: "zaak", Object: fmt.Sprintf("zaak-%d-%d", u, i)}})
			if i%20 == 0 {
				add(event.Event{Event: event.Kind{Category: event.CategoryApplication, Action: event.ActionExport}, User: user,
					App: &event.App{Name: "zaak", Count: 10}})
				add(event.Event{Event: event.Kind{Category: event.CategoryAuthentication, Action: event.ActionLogon}, User: user,
					Host: event.Host{Workstation: fmt.Sprintf("WS-%d", (i/20+u)%4)}, Logon: &event.Logon{Type: "interactive"}})
			}
		}
		add(event.Event{Event: event.Kind{Category: event.CategoryFile, Action: event.ActionRead}, User: event.User{Name: "noise"},
			File: &event.File{Path: "/srv/x"}})
	}
	return evs
}

// An engine whose evidence spool is compacted again and again reports the same hits, with the same
// evidence lines, as one that keeps its lines in memory: every detector yields every line it keeps.
// Halfway, the spooled engine's state is saved and loaded into a new one, with a new spool.
func TestSpoolCompactionKeepsEveryDetectorsLines(t *testing.T) {
	defer func(s int64) { spoolSegment = s }(spoolSegment)
	spoolSegment = 2 << 10
	set, err := rules.Load("")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range set.Rules {
		if r.Detector == "shared_credentials" {
			r.Params["baseline_days"] = 0 // sessions as drafts: the traffic is too short for a baseline
		}
	}
	spooled, _, err := New(set, Env{Location: time.UTC, SpoolDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	inMemory, _, err := New(set, Env{Location: time.UTC, SpoolDir: filepath.Join(t.TempDir(), "missing")})
	if err != nil {
		t.Fatal(err)
	}
	if spooled.lines.Full() || inMemory.lines.Full() {
		t.Fatal("full from the start")
	}
	evs := traffic()
	var got, want []hit.Hit
	compactions := int64(0)
	for i := range evs {
		if i == len(evs)/2 {
			compactions += spooled.lines.Compactions()
			st, err := spooled.SaveState()
			if err != nil {
				t.Fatal(err)
			}
			b, _ := json.Marshal(st)
			var loaded State
			json.Unmarshal(b, &loaded)
			if spooled, _, err = New(set, Env{Location: time.UTC, SpoolDir: t.TempDir()}); err != nil {
				t.Fatal(err)
			}
			if _, err := spooled.LoadState(loaded); err != nil {
				t.Fatal(err)
			}
		}
		got = append(got, spooled.Observe(&evs[i])...)
		want = append(want, inMemory.Observe(&evs[i])...)
	}
	compactions += spooled.lines.Compactions()
	if compactions < 4 || inMemory.lines.Compactions() != 0 {
		t.Fatalf("%d compactions of the spool, %d in memory", compactions, inMemory.lines.Compactions())
	}
	detectors := map[string]int{}
	for _, h := range want {
		detectors[h.Detector]++
	}
	for _, d := range []string{"threshold", "mass_deletion", "record_snooping", "shared_credentials"} {
		if detectors[d] == 0 {
			t.Errorf("no %s hits: the traffic does not test its lines (%v)", d, detectors)
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%d hits from the spooled engine, %d from the one in memory; they differ", len(got), len(want))
	}
	t.Logf("%d events, %d hits, %v, %d compactions", len(evs), len(got), detectors, compactions)
}
