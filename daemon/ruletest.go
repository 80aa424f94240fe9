package daemon

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/lekwacht/lekwacht/collectors"
	"github.com/lekwacht/lekwacht/collectors/parse"
	"github.com/lekwacht/lekwacht/detectors"
	"github.com/lekwacht/lekwacht/directory"
	"github.com/lekwacht/lekwacht/event"
	"github.com/lekwacht/lekwacht/hit"
	"github.com/lekwacht/lekwacht/identity"
	"github.com/lekwacht/lekwacht/rules"
	"go.yaml.in/yaml/v3"
)

// RuleCase is one test case file of `lekwacht rules test DIR` (DIR/tests/*.yaml): log lines of a
// format, or normalized events, in; the hits of the named rules expected out, in order.
type RuleCase struct {
	Name      string         `yaml:"name"`
	Rules     []string       `yaml:"rules"`     // the rules under test (default: every active rule)
	Format    string         `yaml:"format"`    // the format of Lines
	Mapping   *parse.Mapping `yaml:"mapping"`   // for format json
	Timezone  string         `yaml:"timezone"`  // zone of zone-less stamps; default Europe/Amsterdam
	Reference time.Time      `yaml:"reference"` // "now" for year-less syslog stamps
	Lines     string         `yaml:"lines"`
	Events    []event.Event  `yaml:"-"`
	RawEvents []string       `yaml:"events"`    // normalized events as JSON, one per item
	Directory string         `yaml:"directory"` // a directory CSV, inline
	// organisation.domains and organisation.service_accounts for the case
	OwnDomains      []string      `yaml:"own_domains"`
	PartnerDomains  []string      `yaml:"partner_domains"`
	SharedHosts     []string      `yaml:"shared_hosts"`
	ServiceAccounts []string      `yaml:"service_accounts"`
	Expect          []ExpectedHit `yaml:"expect"`
}

// ExpectedHit is what a case expects of one hit; empty fields are not checked.
type ExpectedHit struct {
	Rule     string       `yaml:"rule"`
	User     string       `yaml:"user"`
	Severity hit.Severity `yaml:"severity"`
	Evidence int          `yaml:"evidence"`
	Subjects int          `yaml:"subjects"`
}

// RuleTestResult is what `rules test` found.
type RuleTestResult struct {
	Passed, Failed int
}

// TestRules runs every case under dir/tests against the rules in force (shipped plus dir), writing
// one line per case and the differences of a failing one.
func TestRules(dir string, w io.Writer) (RuleTestResult, error) {
	var res RuleTestResult
	set, err := rules.Load(dir)
	if err != nil {
		return res, err
	}
	files, _ := filepath.Glob(filepath.Join(dir, "tests", "*.yaml"))
	yml, _ := filepath.Glob(filepath.Join(dir, "tests", "*.yml"))
	files = append(files, yml...)
	if len(files) == 0 {
		return res, fmt.Errorf("no test cases in %s", filepath.Join(dir, "tests"))
	}
	for _, f := range files {
		problems, err := runRuleCase(set, f)
		if err != nil {
			return res, err
		}
		if len(problems) == 0 {
			res.Passed++
			fmt.Fprintf(w, "PASS %s\n", f)
			continue
		}
		res.Failed++
		fmt.Fprintf(w, "FAIL %s\n", f)
		for _, p := range problems {
			fmt.Fprintf(w, "     %s\n", p)
		}
	}
	return res, nil
}

func readRuleCase(path string) (*RuleCase, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var c RuleCase
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("%s: %s", path, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	if (c.Lines == "") == (len(c.RawEvents) == 0) {
		return nil, fmt.Errorf("%s: give either lines (with format) or events", path)
	}
	if c.Lines != "" && c.Format == "" {
		return nil, fmt.Errorf("%s: lines need a format", path)
	}
	for i, raw := range c.RawEvents {
		var ev event.Event
		if err := jsonStrict(raw, &ev); err != nil {
			return nil, fmt.Errorf("%s: event %d: %w", path, i+1, err)
		}
		if ev.Log.Path == "" {
			ev.Log.Path, ev.Log.Offset = path, int64(i)
		}
		if ev.Log.Original == "" {
			ev.Log.Original = raw
		}
		c.Events = append(c.Events, ev)
	}
	return &c, nil
}

// runRuleCase returns the differences between the hits the case expects and those the rules give.
func runRuleCase(set *rules.Set, path string) ([]string, error) {
	c, err := readRuleCase(path)
	if err != nil {
		return nil, err
	}
	sub := &rules.Set{}
	for _, r := range set.Active() {
		if len(c.Rules) == 0 || slices.Contains(c.Rules, r.ID) {
			sub.Rules = append(sub.Rules, r)
		}
	}
	for _, id := range c.Rules {
		if !slices.ContainsFunc(sub.Rules, func(r *rules.Rule) bool { return r.ID == id }) {
			return nil, fmt.Errorf("%s: no active rule %q", path, id)
		}
	}
	env := detectors.Env{Directory: func() *directory.Directory { return nil }, OwnDomains: c.OwnDomains, PartnerDomains: c.PartnerDomains, ServiceAccounts: c.ServiceAccounts, SharedHosts: c.SharedHosts}
	if c.Directory != "" {
		d, err := directory.Read(strings.NewReader(c.Directory), path+" (directory)")
		if err != nil {
			return nil, err
		}
		env.Directory = func() *directory.Directory { return d }
	}
	engine, _, err := detectors.New(sub, env)
	if err != nil {
		return nil, err
	}
	events, err := c.events(path)
	if err != nil {
		return nil, err
	}
	// The case's events are resolved to the directory's people as run resolves them.
	res := identity.New(env.Directory, identity.Options{OwnDomains: c.OwnDomains, ServiceAccounts: c.ServiceAccounts})
	var got []hit.Hit
	for i := range events {
		res.Resolve(&events[i])
		got = append(got, engine.Observe(&events[i])...)
	}
	return compareHits(c.Expect, got), nil
}

// events are the case's events: given, or parsed from its lines.
func (c *RuleCase) events(path string) ([]event.Event, error) {
	if c.Lines == "" {
		return c.Events, nil
	}
	name := c.Timezone
	if name == "" {
		name = "Europe/Amsterdam"
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("%s: timezone: %w", path, err)
	}
	ref := c.Reference
	if ref.IsZero() {
		ref = time.Now()
	}
	p, err := collectors.NewParser(c.Format, parse.Options{Input: "test", Location: loc, Reference: func() time.Time { return ref }, Mapping: c.Mapping})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	in := &collectors.Input{Name: "test", Format: c.Format, Parser: p, Counters: &collectors.Counters{}}
	var evs []event.Event
	err = collectors.ReadLines(context.Background(), bufio.NewReader(strings.NewReader(c.Lines)), path, 0, func(l parse.Line) error {
		e, err := in.Handle(l)
		evs = append(evs, e...)
		return err
	})
	evs = append(evs, in.Flush()...)
	if n := in.Counters.RejectedTotal(); n > 0 {
		return nil, fmt.Errorf("%s: %d of the case's lines are rejected by the %s parser (check with lekwacht parse --format %s)", path, n, c.Format, c.Format)
	}
	return evs, err
}

func compareHits(want []ExpectedHit, got []hit.Hit) []string {
	var diffs []string
	if len(got) != len(want) {
		diffs = append(diffs, fmt.Sprintf("%d hits, expected %d", len(got), len(want)))
	}
	for i := range min(len(got), len(want)) {
		w, g := want[i], got[i]
		check := func(field string, ok bool, gotV, wantV any) {
			if !ok {
				diffs = append(diffs, fmt.Sprintf("hit %d: %s is %v, expected %v", i+1, field, gotV, wantV))
			}
		}
		check("rule", w.Rule == "" || w.Rule == g.Rule, g.Rule, w.Rule)
		check("user", w.User == "" || w.User == g.User, g.User, w.User)
		check("severity", w.Severity == "" || w.Severity == g.Severity, g.Severity, w.Severity)
		check("evidence", w.Evidence == 0 || w.Evidence == len(g.Evidence), len(g.Evidence), w.Evidence)
		check("subjects", w.Subjects == 0 || w.Subjects == g.Subjects, g.Subjects, w.Subjects)
	}
	for i := len(want); i < len(got); i++ {
		diffs = append(diffs, fmt.Sprintf("unexpected hit %d: rule %s, user %s, %d lines", i+1, got[i].Rule, got[i].User, len(got[i].Evidence)))
	}
	return diffs
}

// jsonStrict decodes one JSON object, refusing unknown keys.
func jsonStrict(s string, v any) error {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}
