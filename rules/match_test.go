package rules

import (
	"fmt"
	"slices"
	"testing"

	"github.com/lekwacht/lekwacht/event"
)

// full is an event with every field set, each to a value that names it.
func full() *event.Event {
	return &event.Event{
		Event:       event.Kind{Category: "C.cat", Action: "A.act", Outcome: "O.out", Code: "Code", Dataset: "DS"},
		User:        event.User{Name: "U.name", Domain: "U.dom", ID: "U.id"},
		Host:        event.Host{Name: "H.name", Workstation: "H.ws"},
		Source:      event.Endpoint{IP: "10.0.0.1", Domain: "S.dom"},
		Destination: event.Endpoint{IP: "192.0.2.7", Domain: "D.dom"},
		Logon:       &event.Logon{Type: "L.type", Method: "L.method"},
		Mail:        &event.Mail{From: "M.from", To: []string{"a@x", "", "B@Y"}, Status: "M.status", Direction: "M.dir", Hop: "M.hop"},
		File:        &event.File{Path: "F.path", Share: "F.share", Operation: "F.op"},
		Device:      &event.Device{Class: "D.class"},
		HTTP:        &event.HTTP{Method: "GET", Path: "/p", Status: 404},
		App:         &event.App{Name: "A.name", Action: "A.action", Object: "A.obj"},
		Log:         event.Log{Input: "I", Path: "/log"},
	}
}

// The getters read what event.Field reads, for every field, on a full event and an empty one.
func TestFieldGettersAgreeWithEventField(t *testing.T) {
	for _, e := range []*event.Event{full(), {}, {Mail: &event.Mail{}, HTTP: &event.HTTP{}, File: &event.File{}}} {
		for _, f := range event.Fields {
			one, many := FieldGetter(f)(e)
			got := many
			if many == nil && one != "" {
				got = []string{one}
			}
			if want := e.Field(f); !slices.Equal(got, want) {
				t.Errorf("%s: getter %q %q, Field %q", f, one, many, want)
			}
		}
	}
}

// A Matcher answers as Rule.Matches does, and Accepts never rules out an event the rule matches.
func TestMatcherAgreesWithMatches(t *testing.T) {
	rules := []string{
		"match: {event.category: file, event.action: [delete, rename]}\nallow: {user.name: [\"svc_*\"], file.share: archief}\n",
		"match: {event.action: export}\nallow: {user.name: [\"svc_*\"]}\n",
		"match: {email.to: [\"*@gmail.com\", b@y]}\n",
		"match: {http.status: \"40?\", host.name: [\"h.*\"]}\n",
		"match: {event.category: \"c.*\"}\nallow: {event.action: a.act}\n",
		"match: {user.name: ÅSA}\n",
		"match: {file.path: [\"/srv/*\", \"f.*\"]}\n",
		"match: {user.name: \"\\u212a\"}\n", // the Kelvin sign folds to k
	}
	events := []*event.Event{full(), {}}
	for _, cat := range []event.Category{event.CategoryFile, event.CategoryApplication, "C.cat", ""} {
		for _, act := range []event.Action{event.ActionDelete, event.ActionRename, event.ActionRead, event.ActionExport, "A.act", ""} {
			for _, user := range []string{"a.bakker", "SVC_backup", "åsa", "K", "k", ""} {
				for j, share := range []string{"Archief", "burgerzaken", "ict"} {
					e := full()
					e.Event.Category, e.Event.Action, e.User.Name, e.File.Share = cat, act, user, share
					e.File.Path = []string{"/SRV/a", "/srv/a/b", "f.Path"}[j]
					events = append(events, e)
				}
			}
		}
	}
	for i, text := range rules {
		r, err := Parse([]byte(base+text+"window: 1h\nthreshold: 1\n"), fmt.Sprintf("r%d.yaml", i))
		if err != nil {
			t.Fatal(err)
		}
		m := r.Matcher()
		for _, e := range events {
			want := r.Matches(e)
			if got := m.Matches(e); got != want {
				t.Errorf("rule %d, %+v %+v: Matcher %v, Matches %v", i, e.Event, e.User, got, want)
			}
			if want && !m.Accepts(e.Event.Category, e.Event.Action) {
				t.Errorf("rule %d, %+v: matches, but not accepted", i, e.Event)
			}
		}
	}
}

func TestAcceptsRulesOutKinds(t *testing.T) {
	r, err := Parse([]byte(base+"match: {event.category: file, event.action: [delete, rename]}\nwindow: 1h\nthreshold: 1\nallow: {event.action: rename}\n"), "r.yaml")
	if err != nil {
		t.Fatal(err)
	}
	m := r.Matcher()
	for _, c := range []struct {
		cat  event.Category
		act  event.Action
		want bool
	}{
		{event.CategoryFile, event.ActionDelete, true},
		{event.CategoryFile, event.ActionRename, false},
		{event.CategoryFile, event.ActionRead, false},
		{event.CategoryApplication, event.ActionDelete, false},
		{"", event.ActionDelete, false},
	} {
		if got := m.Accepts(c.cat, c.act); got != c.want {
			t.Errorf("%s/%s: %v", c.cat, c.act, got)
		}
	}
}

func BenchmarkMatcher(b *testing.B) {
	r, err := Parse([]byte(base+"match: {event.category: application, event.action: view}\nwindow: 1h\nthreshold: 1\nallow: {user.name: [\"svc_*\"]}\n"), "r.yaml")
	if err != nil {
		b.Fatal(err)
	}
	e := &event.Event{Event: event.Kind{Category: event.CategoryApplication, Action: event.ActionView}, User: event.User{Name: "a.bakker"}}
	b.Run("Rule.Matches", func(b *testing.B) {
		for b.Loop() {
			r.Matches(e)
		}
	})
	m := r.Matcher()
	b.Run("Matcher", func(b *testing.B) {
		for b.Loop() {
			m.Matches(e)
		}
	})
}
