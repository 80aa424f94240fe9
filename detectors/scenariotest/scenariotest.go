// Package scenariotest runs detector scenarios written as YAML (testdata/*.yaml): a rule, events in,
// the hits expected out, in order. Every detector's tests walk their scenarios with it.
package scenariotest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lekwacht/lekwacht/event"
	"github.com/lekwacht/lekwacht/hit"
	"github.com/lekwacht/lekwacht/rules"
	"go.yaml.in/yaml/v3"
)

// Scenario is one testdata file.
type Scenario struct {
	Rule            string   `yaml:"rule"`
	ServiceAccounts []string `yaml:"service_accounts"`
	OwnDomains      []string `yaml:"own_domains"`
	Directory       string   `yaml:"directory"` // a directory CSV, inline
	Events          []Event  `yaml:"events"`
	Hits            []Hit    `yaml:"hits"`
}

// Event is a compact event: time of day on 2026-11-23 (UTC) and the fields detectors read.
type Event struct {
	Day                                            int // days after Day
	At, User, Category, Action, Path, Object, Host string
	Account                                        string // the account used when not the person's own (an admin account)
	// Restart, on an event of its own, saves the detector's state, builds a new one and loads it:
	// what follows must come out as without the restart.
	Restart        bool
	Computer       string // the computer that logged the event (host.name)
	SourceIP       string `yaml:"source_ip"` // the address it came from (source.ip)
	Logon, Outcome string // logon type (interactive, remote_interactive, ...), outcome
	LogonID        string `yaml:"logon_id"`
	Device         string // device class (6416 ClassName): DiskDrive, WPD, ...
	Destination    string // web: the site (destination.domain)
	Sent           int64  // web: the request's bytes (uploads)
	Count          int64  // application: records in an export or list
	// mail
	From, Status, Direction string
	To                      []string
	Size                    int64
}

// Hit is what a scenario expects of a hit; empty fields are not checked.
type Hit struct {
	User     string       `yaml:"user"`
	Detector string       `yaml:"detector"`
	Evidence int          `yaml:"evidence"`
	Severity hit.Severity `yaml:"severity"`
	Pattern  string       `yaml:"pattern"`
	Signal   *bool        `yaml:"signal"`    // a weak signal for the risk rule (true) or a hit (false)
	Weight   float64      `yaml:"weight"`    // of a signal
	Summary  string       `yaml:"summary"`   // a part of the summary
	Text     string       `yaml:"deviation"` // a part of the deviation's text
}

// Observer is a detector under test.
type Observer interface {
	Observe(ev *event.Event) []hit.Hit
}

// stateful is an Observer whose state survives a restart.
type stateful interface {
	SaveState() ([]byte, error)
	LoadState([]byte) error
}

// Day is the date of every scenario event.
var Day = time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)

// Run walks every testdata/*.yaml of the calling package with a detector built for its rule.
func Run(t *testing.T, build func(r *rules.Rule, s *Scenario) (Observer, error)) {
	t.Helper()
	files, _ := filepath.Glob("testdata/*.yaml")
	if len(files) == 0 {
		t.Fatal("no scenarios in testdata/")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) { runFile(t, f, build) })
	}
}

func runFile(t *testing.T, f string, build func(r *rules.Rule, s *Scenario) (Observer, error)) {
	data, err := os.ReadFile(f)
	if err != nil {
		t.Fatal(err)
	}
	var s Scenario
	if err := yaml.Unmarshal(data, &s); err != nil {
		t.Fatal(err)
	}
	r, err := rules.Parse([]byte(s.Rule), f)
	if err != nil {
		t.Fatal(err)
	}
	d, err := build(r, &s)
	if err != nil {
		t.Fatal(err)
	}
	var got []hit.Hit
	for i, e := range s.Events {
		if e.Restart {
			d = restart(t, d, func() (Observer, error) { return build(r, &s) })
			continue
		}
		at, err := time.Parse("15:04", e.At)
		if err != nil {
			t.Fatalf("event %d: %v", i+1, err)
		}
		ev := &event.Event{Time: Day.AddDate(0, 0, e.Day).Add(time.Duration(at.Hour())*time.Hour + time.Duration(at.Minute())*time.Minute),
			Event: event.Kind{Category: event.Category(e.Category), Action: event.Action(e.Action)}, User: event.User{Name: e.User, Account: e.Account},
			Host: event.Host{Workstation: e.Host, Name: e.Computer}, File: &event.File{Path: e.Path}, App: &event.App{Object: e.Object, Count: e.Count},
			Log: event.Log{Input: "test", Path: f, Offset: int64(i * 100), Original: fmt.Sprintf("line %d", i+1)}}
		if e.Logon != "" || e.LogonID != "" {
			ev.Logon = &event.Logon{Type: e.Logon, ID: e.LogonID}
		}
		ev.Event.Outcome = event.Outcome(e.Outcome)
		ev.Source.IP = e.SourceIP
		if e.Device != "" {
			ev.Device = &event.Device{Class: e.Device}
		}
		if e.Destination != "" {
			ev.Destination.Domain = e.Destination
			ev.HTTP = &event.HTTP{Method: "POST", RequestBytes: e.Sent}
		}
		if e.From != "" || len(e.To) > 0 {
			ev.Mail = &event.Mail{From: e.From, To: e.To, Size: e.Size, Status: e.Status, Direction: e.Direction}
		}
		got = append(got, d.Observe(ev)...)
	}
	if len(got) != len(s.Hits) {
		t.Fatalf("%d hits, want %d: %+v", len(got), len(s.Hits), got)
	}
	for i, want := range s.Hits {
		h := got[i]
		if (want.User != "" && h.User != want.User) || (want.Evidence != 0 && len(h.Evidence) != want.Evidence) ||
			(want.Detector != "" && h.Detector != want.Detector) || (want.Severity != "" && h.Severity != want.Severity) ||
			(want.Pattern != "" && h.Pattern != want.Pattern) || (want.Signal != nil && h.Signal != *want.Signal) ||
			(want.Weight != 0 && h.Weight != want.Weight) || !strings.Contains(h.Summary, want.Summary) ||
			(want.Text != "" && (h.Deviation == nil || !strings.Contains(h.Deviation.Text, want.Text))) {
			t.Errorf("hit %d: %s by %s with %d lines, %s, %s, signal %v weight %v, %q, %+v; want %+v", i+1, h.Detector, h.User,
				len(h.Evidence), h.Severity, h.Pattern, h.Signal, h.Weight, h.Summary, h.Deviation, want)
		}
		if err := h.Validate(); err != nil {
			t.Errorf("hit %d does not validate: %v", i+1, err)
		}
	}
}

// restart saves d's state and loads it into a detector build makes.
func restart(t *testing.T, d Observer, build func() (Observer, error)) Observer {
	t.Helper()
	old, ok := d.(stateful)
	if !ok {
		t.Fatalf("restart: %T keeps no state", d)
	}
	b, err := old.SaveState()
	if err != nil {
		t.Fatalf("restart: save: %v", err)
	}
	n, err := build()
	if err != nil {
		t.Fatal(err)
	}
	if err := n.(stateful).LoadState(b); err != nil {
		t.Fatalf("restart: load: %v", err)
	}
	return n
}
