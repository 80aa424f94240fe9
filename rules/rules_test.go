package rules

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lekwacht/lekwacht/event"
)

func TestShippedRulesLoad(t *testing.T) {
	rules, err := Shipped()
	if err != nil {
		t.Fatal(err)
	}
	if len(rules) < 3 {
		t.Fatalf("%d shipped rules", len(rules))
	}
	for _, r := range rules {
		if r.Title == "" || r.Description == "" || len(r.FalsePositives) == 0 {
			t.Errorf("%s: a shipped rule needs a title, a description and its false positives", r.ID)
		}
	}
}

const base = "id: my-rule\ntitle: T\nstatus: test\nlevel: high\ndescription: D\n"

func TestParseErrorsNameFileLineCol(t *testing.T) {
	cases := map[string]string{
		base + "match: {event.action: delete}\nwindow: 10m\nthreshold: 5\ncolour: red\n":         "r.yaml:9:1: unknown key \"colour\"",
		base + "match: {event.acton: delete}\nwindow: 10m\nthreshold: 5\n":                       "r.yaml:6:9: unknown event field \"event.acton\"",
		base + "detector: shared_passwords\n":                                                    "r.yaml:6:11: unknown detector \"shared_passwords\"",
		base + "match: {event.action: delete}\nthreshold: 5\n":                                   "window is required",
		base + "match: {event.action: delete}\nwindow: soon\nthreshold: 5\n":                     "window \"soon\"",
		base + "match: {event.action: delete}\nwindow: 1h\nthreshold: many\n":                    "r.yaml: line 8: cannot unmarshal",
		base + "match: {event.action: delete}\nwindow: 1h\nthreshold: 5\ncount: files\n":         "r.yaml:9:8: count \"files\"",
		strings.Replace(base, "level: high", "level: urgent", 1) + "detector: threshold\n":       "r.yaml:4:8: level \"urgent\"",
		base + "match: {event.action: delete}\nwindow: 1h\nthreshold: 5\ngroup_by: [user.nam]\n": "r.yaml:9:12: group_by: unknown field",
		base + "detector: mass_deletion\ncategories: [bsn, passport]\n":                          "r.yaml:7:19: unknown data category \"passport\"",
		"id: Bad Id\ntitle: T\nstatus: test\nlevel: high\ndetector: mass_deletion\n":             "r.yaml:1:5: id \"Bad Id\"",
		"- a\n- b\n": "r.yaml:1:1: a rule file holds one mapping",
		base:         "a rule needs a detector or a match",
	}
	for in, want := range cases {
		_, err := Parse([]byte(in), "r.yaml")
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("want %q, got %v\n%s", want, err, in)
		}
	}
}

func TestOwnRulesAddAndReplace(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "own.yaml"), []byte(base+"match: {event.action: export}\nwindow: 2d\nthreshold: 2\n"), 0o600)
	os.WriteFile(filepath.Join(dir, "override.yml"), []byte(strings.NewReplacer("my-rule", "lw-threshold-exports", "status: test", "status: deprecated").Replace(base)+
		"match: {event.action: export}\nwindow: 1h\nthreshold: 50\n"), 0o600)
	os.WriteFile(filepath.Join(dir, "README.md"), []byte("not a rule"), 0o600)
	set, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	var own, replaced *Rule
	for _, r := range set.Rules {
		switch r.ID {
		case "my-rule":
			own = r
		case "lw-threshold-exports":
			replaced = r
		}
	}
	if own == nil || time.Duration(own.Window) != 48*time.Hour {
		t.Fatalf("own rule: %+v", own)
	}
	if replaced == nil || replaced.Threshold != 50 || !strings.HasSuffix(replaced.File, "override.yml") {
		t.Fatalf("a gemeente's rule with a shipped id replaces it: %+v", replaced)
	}
	for _, r := range set.Active() {
		if r.ID == "lw-threshold-exports" {
			t.Error("a deprecated rule is active")
		}
	}
	// Two files with one id in the same folder, and a broken file: both reported, nothing loaded.
	os.WriteFile(filepath.Join(dir, "dup.yaml"), []byte(base+"detector: mass_deletion\n"), 0o600)
	os.WriteFile(filepath.Join(dir, "broken.yaml"), []byte("id: [\n"), 0o600)
	_, err = Load(dir)
	if err == nil || !strings.Contains(err.Error(), `rule id "my-rule" is also used by`) || !strings.Contains(err.Error(), "broken.yaml") {
		t.Fatalf("got %v", err)
	}
}

func TestMatchesWithAllowLists(t *testing.T) {
	r, err := Parse([]byte(base+"match: {event.category: file, event.action: [delete, rename]}\nwindow: 1h\nthreshold: 5\nallow: {user.name: [\"svc_*\"], file.share: archief}\n"), "r.yaml")
	if err != nil {
		t.Fatal(err)
	}
	ev := func(user, action, share string) *event.Event {
		return &event.Event{Event: event.Kind{Category: event.CategoryFile, Action: event.Action(action)}, User: event.User{Name: user}, File: &event.File{Share: share}}
	}
	for _, c := range []struct {
		e    *event.Event
		want bool
	}{
		{ev("a.bakker", "delete", "Burgerzaken"), true},
		{ev("a.bakker", "rename", "burgerzaken"), true},
		{ev("a.bakker", "read", "Burgerzaken"), false},
		{ev("SVC_backup", "delete", "Burgerzaken"), false},
		{ev("a.bakker", "delete", "Archief"), false},
	} {
		if got := r.Matches(c.e); got != c.want {
			t.Errorf("%+v %+v: got %v", c.e.User, c.e.Event, got)
		}
	}
}

func TestNegativeWindow(t *testing.T) {
	_, err := Parse([]byte("id: x\ntitle: X\nstatus: test\nlevel: high\ndetector: mass_deletion\nwindow: -10m\n"), "x.yaml")
	if err == nil || !strings.Contains(err.Error(), "x.yaml:6:9: window must not be negative") {
		t.Fatalf("err %v", err)
	}
}
