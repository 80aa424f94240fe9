package risk_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/lekwacht/lekwacht/detectors"
	"github.com/lekwacht/lekwacht/detectors/risk"
	"github.com/lekwacht/lekwacht/detectors/scenariotest"
	"github.com/lekwacht/lekwacht/directory"
	"github.com/lekwacht/lekwacht/event"
	"github.com/lekwacht/lekwacht/hit"
	"github.com/lekwacht/lekwacht/rules"
)

// sharedBaseline is shared_credentials in its baseline mode, whose signals the scenarios score.
const sharedBaseline = `id: t-shared
title: Gedeelde inloggegevens
status: test
level: high
detector: shared_credentials
window: 30m
params: {baseline_days: 3}
`

// behaviourRule and exportRule give the scenarios the signals of behaviour and the exports of
// bulk_bsn_export.
const behaviourRule = `id: t-behaviour
title: Gedrag
status: test
level: medium
detector: behaviour
window: 24h
params: {baseline_days: 2, min_files: 5}
`

const exportRule = `id: t-export
title: Export
status: test
level: high
detector: bulk_bsn_export
window: 1h
`

// TestScenarios runs the events of each scenario through an engine of shared_credentials (baseline
// mode) and the scenario's risk rule: the hits expected are what the engine returns.
func TestScenarios(t *testing.T) {
	scenariotest.Run(t, func(r *rules.Rule, s *scenariotest.Scenario) (scenariotest.Observer, error) {
		dir, err := directory.Read(strings.NewReader(s.Directory), "scenario directory")
		if err != nil {
			return nil, err
		}
		shared, err := rules.Parse([]byte(sharedBaseline), "shared.yaml")
		if err != nil {
			return nil, err
		}
		set := &rules.Set{Rules: []*rules.Rule{shared, r}}
		for _, text := range []string{behaviourRule, exportRule} {
			other, err := rules.Parse([]byte(text), "other.yaml")
			if err != nil {
				return nil, err
			}
			set.Rules = append(set.Rules, other)
		}
		e, _, err := detectors.New(set, detectors.Env{Directory: func() *directory.Directory { return dir }, Location: time.UTC})
		return e, err
	})
}

func rule(t *testing.T, params string) *risk.Detector {
	t.Helper()
	r, err := rules.Parse([]byte("id: t-risk\ntitle: Risico\nstatus: test\nlevel: high\ndetector: risk\nwindow: 168h\n"+params), "risk.yaml")
	if err != nil {
		t.Fatal(err)
	}
	d, err := risk.New(r, 100)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

var t0 = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

func signal(user, pattern string, w float64, at time.Time, line int64) *hit.Hit {
	return &hit.Hit{Detector: "shared_credentials", Rule: "lw-x", Severity: hit.SeverityHigh, User: user, Pattern: pattern,
		Time: at, Summary: pattern + " signaal", Signal: true, Weight: w, Hosts: []string{"WS-1"},
		Categories: []hit.Category{hit.CategoryCredential}, Deviation: &hit.Deviation{Text: "eerste keer"},
		Evidence: []hit.Evidence{{Kind: hit.EvidenceLine, Source: "security.ndjson", Offset: line * 100, Line: line, Time: at, Text: "regel"}}}
}

func TestScoreCrossesTheThresholdAndNamesEverySignal(t *testing.T) {
	d := rule(t, "")
	if h := d.Score(signal("jan", "a", 30, t0, 1)); h != nil {
		t.Fatalf("30 of 100 opened %v", h)
	}
	if h := d.Score(signal("jan", "b", 60, t0.Add(time.Hour), 2)); h != nil {
		t.Fatalf("90 of 100 opened %v", h)
	}
	if h := d.Score(signal("anna", "a", 60, t0.Add(time.Hour), 3)); h != nil {
		t.Fatalf("another person's signal counted for her: %v", h)
	}
	hs := d.Score(signal("jan", "c", 30, t0.Add(2*time.Hour), 4))
	if len(hs) != 1 {
		t.Fatalf("the crossing opened %d hits", len(hs))
	}
	h := hs[0]
	if h.Detector != "risk" || h.User != "jan" || h.Pattern != "risk-score" || len(h.Evidence) != 3 || h.Window != 168*time.Hour ||
		!strings.Contains(h.Summary, "uit 3 signalen") || !strings.Contains(h.Summary, "b signaal (eerste keer)") || h.Hosts[0] != "WS-1" {
		t.Errorf("the risk hit: %+v", h)
	}
	if err := h.Validate(); err != nil {
		t.Error(err)
	}
	more := d.Score(signal("jan", "d", 10, t0.Add(3*time.Hour), 5))
	if len(more) != 1 || len(more[0].Evidence) != 1 || more[0].Evidence[0].Line != 5 {
		t.Errorf("after the crossing a signal adds its own line only: %+v", more)
	}
}

func TestScoreDecays(t *testing.T) {
	d := rule(t, "params: {half_life: 24h}\n")
	d.Score(signal("jan", "a", 80, t0, 1))
	// two days later the 80 is 20: 20 + 60 stays under 100
	if h := d.Score(signal("jan", "b", 60, t0.Add(48*time.Hour), 2)); h != nil {
		t.Errorf("a decayed score crossed: %+v", h)
	}
	// the same day it would have crossed
	d2 := rule(t, "params: {half_life: 24h}\n")
	d2.Score(signal("jan", "a", 80, t0, 1))
	if h := d2.Score(signal("jan", "b", 60, t0.Add(time.Hour), 2)); len(h) != 1 {
		t.Errorf("no crossing within the hour: %v", h)
	}
}

func TestWeightsFromTheRule(t *testing.T) {
	d := rule(t, "params: {threshold: 50, min_kinds: 1, weights: {shared_credentials/foreign-workstation: 50, shared_credentials: 0}}\n")
	if h := d.Score(signal("jan", "host-many-accounts:ws-1", 40, t0, 1)); h != nil {
		t.Errorf("a detector weighted 0 counted: %v", h)
	}
	if h := d.Score(signal("jan", "foreign-workstation", 1, t0, 2)); len(h) != 1 {
		t.Errorf("the pattern's weight (50) was not used: %v", h)
	}
	for _, bad := range []string{"params: {threshold: -1}\n", "params: {half_life: soon}\n", "params: {weights: [1]}\n", "params: {drempel: 5}\n",
		"params: {repeat: 2}\n", "params: {min_kinds: 0}\n", "params: {min_kinds: twee}\n"} {
		r, _ := rules.Parse([]byte("id: t\ntitle: T\nstatus: test\nlevel: high\ndetector: risk\n"+bad), "r.yaml")
		if _, err := risk.New(r, 10); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestStateSurvivesARestart(t *testing.T) {
	d := rule(t, "")
	d.Score(signal("jan", "a", 60, t0, 1))
	b, err := d.SaveState()
	if err != nil {
		t.Fatal(err)
	}
	d2 := rule(t, "")
	if err := d2.LoadState(b); err != nil {
		t.Fatal(err)
	}
	if h := d2.Score(signal("jan", "b", 60, t0.Add(time.Hour), 2)); len(h) != 1 || len(h[0].Evidence) != 2 {
		t.Errorf("the score before the restart was lost: %v", h)
	}
}

// Without a risk rule, signals are counted and dropped: never returned as hits of their own.
func TestEngineNeverRegistersASignal(t *testing.T) {
	shared, _ := rules.Parse([]byte(sharedBaseline), "shared.yaml")
	dir, err := directory.Read(strings.NewReader("user,name,email,private_email,department,workstations,status,end_date\n"+
		"anna,Anna,a@voorbeeld.nl,,A,WS-1,active,\njan,Jan,j@voorbeeld.nl,,B,WS-2,active,\n"), "staff.csv")
	if err != nil {
		t.Fatal(err)
	}
	e, _, err := detectors.New(&rules.Set{Rules: []*rules.Rule{shared}}, detectors.Env{Directory: func() *directory.Directory { return dir }, Location: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	logon := func(day int, user, host string) []hit.Hit {
		return e.Observe(&event.Event{Time: t0.AddDate(0, 0, day), User: event.User{Name: user},
			Event: event.Kind{Category: event.CategoryAuthentication, Action: event.ActionLogon, Outcome: event.OutcomeSuccess},
			Host:  event.Host{Workstation: host}, Logon: &event.Logon{Type: "interactive"}, Log: event.Log{Input: "t", Original: "regel"}})
	}
	for day := range 3 {
		logon(day, "jan", "WS-2")
	}
	if hs := logon(3, "jan", "WS-1"); len(hs) != 0 {
		t.Errorf("a signal came out as a hit: %+v", hs)
	}
	if raised, unscored := e.Signals(); raised != 1 || unscored != 1 {
		t.Errorf("signals %d, unscored %d; want 1 and 1", raised, unscored)
	}
}

// A signal repeated weighs less each time (repeat), and one kind alone opens no draft (min_kinds):
// a person who sits at another new desk every day has a habit, not a change.
func TestRepeatedSignalsOfOneKind(t *testing.T) {
	d := rule(t, "")
	for i := range 10 {
		if h := d.Score(signal("jan", "foreign-workstation", 60, t0.Add(time.Duration(i)*time.Minute), int64(i))); h != nil {
			t.Fatalf("signal %d of one kind opened %+v", i+1, h)
		}
	}
	// 60 + 30 + 15 + ... < 120; a second kind of 30 crosses
	hs := d.Score(signal("jan", "host-many-accounts:ws-1", 30, t0.Add(time.Hour), 11))
	if len(hs) != 1 || !strings.Contains(hs[0].Summary, "van 2 soorten") {
		t.Fatalf("a second kind did not open the draft: %+v", hs)
	}
	score := 0.0
	if _, err := fmt.Sscanf(hs[0].Summary, "risicoscore %f", &score); err != nil || score < 119 || score > 151 {
		t.Errorf("score %v (%v): want 60 halved each repeat, plus 30", score, err)
	}
	// without damping and with one kind enough, the second signal crosses
	d = rule(t, "params: {repeat: 1, min_kinds: 1}\n")
	d.Score(signal("jan", "foreign-workstation", 60, t0, 1))
	if hs := d.Score(signal("jan", "foreign-workstation", 60, t0.Add(time.Minute), 2)); len(hs) != 1 {
		t.Errorf("repeat 1, min_kinds 1: %+v", hs)
	}
}

// A kind of signal that came on earlier days is the person's habit even after its score has
// decayed: walking to another PC and back once a week weighs half, a quarter, an eighth... of the
// first time. Without habit_days (0) only signals still counting damp it, and a month of weekly
// habits plus one new kind weighs more. The days survive a restart.
func TestHabitsOverWeeks(t *testing.T) {
	scoreAfter := func(params string) float64 {
		t.Helper()
		d := rule(t, params)
		for week := range 5 {
			d.Score(signal("jan", "concurrent-sessions", 50, t0.AddDate(0, 0, 7*week), int64(week)))
		}
		b, err := d.SaveState()
		if err != nil {
			t.Fatal(err)
		}
		var state map[string]struct{ Score float64 }
		if err := json.Unmarshal(b, &state); err != nil {
			t.Fatal(err)
		}
		return state["jan"].Score + 80 // a new kind of 80 on top
	}
	habit, none := scoreAfter(""), scoreAfter("params: {habit_days: 0}\n")
	// the fifth week's signal: 50 x 0.5^4 (four earlier days) = 3.1, the fourth's 6.25 halved by
	// seven days of decay... + 80
	if habit < 80 || habit > 86 {
		t.Errorf("habit_days 30: score %v, want about 85", habit)
	}
	if none < 100 {
		t.Errorf("habit_days 0: score %v, want well above %v", none, habit)
	}

	d := rule(t, "params: {threshold: 1}\n")
	d.Score(signal("jan", "concurrent-sessions", 50, t0, 1))
	b, err := d.SaveState()
	if err != nil {
		t.Fatal(err)
	}
	d = rule(t, "params: {threshold: 1}\n")
	if err := d.LoadState(b); err != nil {
		t.Fatal(err)
	}
	d.Score(signal("jan", "concurrent-sessions", 50, t0.AddDate(0, 0, 14), 2))
	s := signal("jan", "new-mail-domain", 80, t0.AddDate(0, 0, 14).Add(time.Minute), 3)
	s.Detector = "behaviour"
	hs := d.Score(s)
	score := 0.0
	if len(hs) != 1 {
		t.Fatalf("after a restart: %+v, want one draft", hs)
	}
	if _, err := fmt.Sscanf(hs[0].Summary, "risicoscore %f", &score); err != nil || score < 105 || score > 108 {
		t.Errorf("after a restart: score %v (%v), want 25 (the kind came two weeks before) + 80 + what is left of the first 50", score, err)
	}
	if _, err := risk.New(&rules.Rule{ID: "r", Detector: "risk", Params: map[string]any{"habit_days": -1}}, 10); err == nil || !strings.Contains(err.Error(), "params.habit_days") {
		t.Errorf("habit_days -1: %v", err)
	}
}
