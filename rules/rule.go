// Package rules reads the YAML rules that configure the detectors: one rule per file, Sigma-like,
// validated strictly with file:line:col; the shipped defaults are embedded in the binary.
package rules

import (
	"fmt"
	"log/slog"
	"path"
	"strings"
	"time"

	"github.com/lekwacht/lekwacht/event"
	"github.com/lekwacht/lekwacht/hit"
	"go.yaml.in/yaml/v3"
)

// Status is how far a rule has come (Sigma's statuses).
type Status string

// The statuses.
const (
	StatusStable       Status = "stable"
	StatusTest         Status = "test"
	StatusExperimental Status = "experimental"
	StatusDeprecated   Status = "deprecated" // loaded and checked, but not run
)

// Statuses lists every Status.
var Statuses = []Status{StatusStable, StatusTest, StatusExperimental, StatusDeprecated}

// Detectors are the detector ids of the contract; a rule names one, or has `match` (the generic
// threshold detector).
var Detectors = []string{"shared_credentials", "bulk_bsn_export", "misdirected_mail", "private_mail",
	"record_snooping", "mass_deletion", "threshold", "risk", "behaviour"}

// Rule is one rule file.
type Rule struct {
	ID             string            `yaml:"id"`
	Title          string            `yaml:"title"`
	Status         Status            `yaml:"status"`
	Level          hit.Severity      `yaml:"level"`
	Description    string            `yaml:"description"`
	Detector       string            `yaml:"detector"`
	Match          map[string]Values `yaml:"match"`     // field -> values (globs), all fields must match
	Window         Duration          `yaml:"window"`    // how far back events count
	Threshold      int               `yaml:"threshold"` // hits at or above this count
	Count          string            `yaml:"count"`     // "" (events) or "distinct FIELD"
	GroupBy        []string          `yaml:"group_by"`  // fields that make a group, default user.name
	Allow          map[string]Values `yaml:"allow"`     // named allow-lists: field -> values (globs) never counted
	Categories     []hit.Category    `yaml:"categories"`
	FalsePositives []string          `yaml:"falsepositives"`
	Tags           []string          `yaml:"tags"`
	Params         map[string]any    `yaml:"params"` // detector-specific settings
	File           string            `yaml:"-"`      // where the rule was read
	Line           int               `yaml:"-"`
}

// LogValue names the rule by id and file.
func (r *Rule) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", r.ID), slog.String("file", r.File))
}

// Values is one value or a list of them in YAML; each may be a glob (`svc_*`).
type Values []string

// UnmarshalYAML accepts a scalar or a sequence. Values are kept in lower case: matching ignores case.
func (v *Values) UnmarshalYAML(unmarshal func(any) error) error {
	var many []string
	var one string
	if err := unmarshal(&one); err == nil {
		many = []string{one}
	} else if err := unmarshal(&many); err != nil {
		return err
	}
	for i := range many {
		many[i] = strings.ToLower(many[i])
	}
	*v = many
	return nil
}

// Match says whether any of the values matches s (globs, case-insensitive).
func (v Values) Match(s string) bool {
	if len(v) == 0 {
		return false
	}
	s = lowerASCII(s)
	for _, p := range v {
		if p == s {
			return true
		}
		if strings.ContainsAny(p, "*?[\\") {
			if ok, _ := path.Match(strings.ToLower(p), s); ok {
				return true
			}
		} else if strings.EqualFold(p, s) {
			return true
		}
	}
	return false
}

// lowerASCII lowers s without allocating when it has no upper-case ASCII letters.
func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' || c >= 0x80 {
			return strings.ToLower(s)
		}
	}
	return s
}

// Duration is a time.Duration written as `10m`, `1h30m` or `2d`.
type Duration time.Duration

// UnmarshalYAML reads a Go duration, or days as `Nd`. A bad one is a TypeError naming the line, as
// the YAML library's own are, so decoding goes on and every problem is reported.
func (d *Duration) UnmarshalYAML(node *yaml.Node) error {
	var s string
	if err := node.Decode(&s); err != nil {
		return err
	}
	if n, ok := strings.CutSuffix(s, "d"); ok {
		var days int
		if _, err := fmt.Sscanf(n, "%d", &days); err == nil && fmt.Sprint(days) == n {
			*d = Duration(time.Duration(days) * 24 * time.Hour)
			return nil
		}
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: window %q: use a duration such as 10m, 1h or 2d", node.Line, s)}}
	}
	*d = Duration(v)
	return nil
}

// Matches says whether an event meets every `match` condition and no allow-list.
func (r *Rule) Matches(e *event.Event) bool {
	for field, want := range r.Match {
		if !anyMatch(want, e.Field(field)) {
			return false
		}
	}
	for field, allowed := range r.Allow {
		if anyMatch(allowed, e.Field(field)) {
			return false
		}
	}
	return true
}

func anyMatch(v Values, got []string) bool {
	for _, g := range got {
		if v.Match(g) {
			return true
		}
	}
	return false
}

// DetectorID is the detector the rule configures: `threshold` for a rule with only `match`.
// Number is a numeric param as YAML gives it (an int or a float).
func Number(v any) (float64, bool) {
	switch n := v.(type) {
	case int:
		return float64(n), true
	case float64:
		return n, true
	}
	return 0, false
}

func (r *Rule) DetectorID() string {
	if r.Detector == "" {
		return "threshold"
	}
	return r.Detector
}

// CountField is the field of `count: distinct FIELD`, "" when events are counted.
func (r *Rule) CountField() string {
	f, _ := strings.CutPrefix(r.Count, "distinct ")
	return strings.TrimSpace(f)
}
