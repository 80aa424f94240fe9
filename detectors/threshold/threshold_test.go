package threshold

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/lekwacht/lekwacht/event"
	"github.com/lekwacht/lekwacht/hit"
	"github.com/lekwacht/lekwacht/rules"
	"go.yaml.in/yaml/v3"
)

// scenario is one testdata file: a rule, events in, the hits expected out, in order.
type scenario struct {
	Rule   string `yaml:"rule"`
	Events []struct {
		At, User, Category, Action, Path, Object, Host string
	} `yaml:"events"`
	Hits []struct {
		User     string `yaml:"user"`
		Evidence int    `yaml:"evidence"`
	} `yaml:"hits"`
}

var day = time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)

func TestScenarios(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.yaml")
	if len(files) == 0 {
		t.Fatal("no scenarios")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var s scenario
			if err := yaml.Unmarshal(data, &s); err != nil {
				t.Fatal(err)
			}
			r, err := rules.Parse([]byte(s.Rule), f)
			if err != nil {
				t.Fatal(err)
			}
			d, err := New(r, 100)
			if err != nil {
				t.Fatal(err)
			}
			var got []hit.Hit
			for i, e := range s.Events {
				at, err := time.Parse("15:04", e.At)
				if err != nil {
					t.Fatalf("event %d: %v", i+1, err)
				}
				ev := &event.Event{Time: day.Add(time.Duration(at.Hour())*time.Hour + time.Duration(at.Minute())*time.Minute),
					Event: event.Kind{Category: event.Category(e.Category), Action: event.Action(e.Action)}, User: event.User{Name: e.User},
					Host: event.Host{Workstation: e.Host}, File: &event.File{Path: e.Path}, App: &event.App{Object: e.Object},
					Log: event.Log{Input: "test", Path: f, Offset: int64(i * 100), Original: fmt.Sprintf("line %d", i+1)}}
				got = append(got, d.Observe(ev)...)
			}
			if len(got) != len(s.Hits) {
				t.Fatalf("%d hits, want %d: %+v", len(got), len(s.Hits), got)
			}
			for i, want := range s.Hits {
				h := got[i]
				if h.User != want.User || len(h.Evidence) != want.Evidence {
					t.Errorf("hit %d: user %s with %d lines, want %s with %d", i+1, h.User, len(h.Evidence), want.User, want.Evidence)
				}
				if err := h.Validate(); err != nil {
					t.Errorf("hit %d does not validate: %v", i+1, err)
				}
			}
		})
	}
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
