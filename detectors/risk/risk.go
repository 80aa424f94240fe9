// Package risk is the risk rule: one risk picture per person. Weak signals of the other detectors
// (a first logon at a colleague's PC, a session that may overlap another, a first USB stick, work at an
// hour new for the person) open no draft on their own; each adds its weight to the person's score,
// which halves every half_life, and a draft opens when the score crosses the threshold, naming every
// signal that contributed, with its evidence and its deviation from the person's normal.
package risk

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/lekwacht/lekwacht/event"
	"github.com/lekwacht/lekwacht/hit"
	"github.com/lekwacht/lekwacht/rules"
)

// Defaults when the rule's params leave them out.
const (
	DefaultThreshold = 100.0
	DefaultHalfLife  = 72 * time.Hour
	DefaultWeight    = 25.0
	// DefaultRepeat is what a further signal of a kind already counting weighs, relative to the one
	// before it: a person's tenth new desk in a week adds little to the first.
	DefaultRepeat = 0.5
	// DefaultMinKinds is how many kinds of signal (detector/pattern) must be counting for a draft: one
	// behaviour repeated is a person's habit, several together a change.
	DefaultMinKinds = 2
	// DefaultHabitDays is how far back the days a kind of signal came on are remembered: a kind
	// that came on earlier days is part of the person's normal, whether or not it still counts.
	DefaultHabitDays = 30
	// MaxContributions bounds the signals kept per person (the newest are kept).
	MaxContributions = 32
	// MaxEvidence bounds the evidence lines of one risk hit.
	MaxEvidence = 64
)

// DefaultSequenceWithin is how soon after collecting an exfiltration completes the sequence.
const DefaultSequenceWithin = 7 * 24 * time.Hour

// Default kinds of the collect-then-exfiltrate sequence ("detector" or "detector/pattern").
var (
	DefaultCollect = []string{"bulk_bsn_export/app-export", "threshold", "record_snooping"}
	// Mail to an external domain new to the person is a weak signal, not an exfiltration: a gemeente
	// mails new partners, suppliers and citizens' representatives every week.
	DefaultExfiltrate = []string{"behaviour/removable-volume", "behaviour/upload", "private_mail", "bulk_bsn_export/removable-media"}
)

// Detector scores signals per person, and follows the collect-then-exfiltrate sequence.
type Detector struct {
	rule       *rules.Rule
	threshold  float64
	halfLife   time.Duration
	weight     float64
	repeat     float64
	minKinds   int
	habitDays  int
	weights    map[string]float64 // "detector" or "detector/pattern" -> weight
	within     time.Duration
	collect    []string
	exfiltrate []string
	people     *lru.Cache[string, *picture]
}

// picture is one person's risk: the score at a time and the signals behind it.
type picture struct {
	Score    float64        `json:"score"`
	At       time.Time      `json:"at"`
	Signals  []contribution `json:"signals"`
	Crossed  bool           `json:"crossed"`  // above the threshold since the last crossing
	Reported int            `json:"reported"` // of Signals, how many went into a hit already
	// Days are, per kind of signal, the days (Unix days) it came on within habit_days.
	Days map[string][]int32 `json:"days,omitempty"`
	// Collected is the last collecting (a big export, many records viewed), for the sequence.
	Collected *contribution `json:"collected,omitempty"`
}

// contribution is one signal as the score keeps it.
type contribution struct {
	At        time.Time      `json:"at"`
	Detector  string         `json:"detector"`
	Pattern   string         `json:"pattern"`
	Summary   string         `json:"summary"`
	Weight    float64        `json:"weight"`
	Deviation string         `json:"deviation,omitempty"`
	Value     float64        `json:"value,omitempty"` // the deviation's amount (files today, bytes)
	Hosts     []string       `json:"hosts,omitempty"`
	Cats      []hit.Category `json:"categories,omitempty"`
	Evidence  []hit.Evidence `json:"evidence"`
}

// New builds the risk rule's detector; params: threshold (number), half_life (duration),
// default_weight (number), weights (detector or detector/pattern -> number).
func New(r *rules.Rule, size int) (*Detector, error) {
	d := &Detector{rule: r, threshold: DefaultThreshold, halfLife: DefaultHalfLife, weight: DefaultWeight, weights: map[string]float64{},
		repeat: DefaultRepeat, minKinds: DefaultMinKinds, habitDays: DefaultHabitDays,
		within: DefaultSequenceWithin, collect: DefaultCollect, exfiltrate: DefaultExfiltrate}
	for k, v := range r.Params {
		switch k {
		case "threshold", "default_weight":
			n, ok := rules.Number(v)
			if !ok || n <= 0 {
				return nil, fmt.Errorf("params.%s: want a positive number, got %v", k, v)
			}
			if k == "threshold" {
				d.threshold = n
			} else {
				d.weight = n
			}
		case "repeat":
			n, ok := rules.Number(v)
			if !ok || n < 0 || n > 1 {
				return nil, fmt.Errorf("params.repeat: want a number from 0 to 1 (what a further signal of the same kind weighs against the one before it; 1: as much), got %v", v)
			}
			d.repeat = n
		case "min_kinds":
			n, ok := v.(int)
			if !ok || n < 1 {
				return nil, fmt.Errorf("params.min_kinds: want a number of 1 or more (the kinds of signal a draft needs), got %v", v)
			}
			d.minKinds = n
		case "habit_days":
			n, ok := v.(int)
			if !ok || n < 0 {
				return nil, fmt.Errorf("params.habit_days: want the days a kind of signal is remembered as the person's habit (0: only while it counts), got %v", v)
			}
			d.habitDays = n
		case "half_life":
			s, _ := v.(string)
			dur, err := time.ParseDuration(s)
			if err != nil || dur <= 0 {
				return nil, fmt.Errorf("params.half_life: want a duration such as 72h, got %v", v)
			}
			d.halfLife = dur
		case "sequence_within":
			s, _ := v.(string)
			dur, err := time.ParseDuration(s)
			if err != nil || dur <= 0 {
				return nil, fmt.Errorf("params.sequence_within: want a duration such as 168h, got %v", v)
			}
			d.within = dur
		case "collect", "exfiltrate":
			list, ok := v.([]any)
			if !ok {
				return nil, fmt.Errorf("params.%s: want a list of detector or detector/pattern, got %v", k, v)
			}
			var kinds []string
			for _, x := range list {
				k2, ok := x.(string)
				if !ok || k2 == "" {
					return nil, fmt.Errorf("params.%s: %v is not a detector or detector/pattern", k, x)
				}
				kinds = append(kinds, k2)
			}
			if k == "collect" {
				d.collect = kinds
			} else {
				d.exfiltrate = kinds
			}
		case "weights":
			m, ok := v.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("params.weights: want a mapping of detector or detector/pattern to a number, got %v", v)
			}
			for sig, w := range m {
				n, ok := rules.Number(w)
				if !ok || n < 0 {
					return nil, fmt.Errorf("params.weights.%s: want a number of 0 or more, got %v", sig, w)
				}
				d.weights[sig] = n
			}
		default:
			return nil, fmt.Errorf("params.%s: unknown; risk takes threshold, half_life, default_weight, weights, repeat, min_kinds, habit_days, sequence_within, collect and exfiltrate", k)
		}
	}
	if size <= 0 {
		size = 100_000
	}
	var err error
	d.people, err = lru.New[string, *picture](size)
	return d, err
}

// Observe takes no events: the risk rule scores signals (Score).
func (d *Detector) Observe(*event.Event) []hit.Hit { return nil }

// Accepts is false for every event: the engine hands the risk rule signals only.
func (d *Detector) Accepts(event.Category, event.Action) bool { return false }

// weightOf is a signal's weight: the rule's for its detector/pattern or detector, else the
// signal's own, else the default.
func (d *Detector) weightOf(s *hit.Hit) float64 {
	if w, ok := d.weights[kind(s.Detector, s.Pattern)]; ok {
		return w
	}
	if w, ok := d.weights[s.Detector]; ok {
		return w
	}
	if s.Weight > 0 {
		return s.Weight
	}
	return d.weight
}

// kind is a signal's kind: its detector and its pattern up to the first ':'.
func kind(detector, pattern string) string {
	p, _, _ := strings.Cut(pattern, ":")
	return detector + "/" + p
}

// kindOf says whether a hit or signal is one of kinds ("detector" or "detector/pattern", the pattern
// up to its first ':').
func kindOf(h *hit.Hit, kinds []string) bool {
	return slices.Contains(kinds, h.Detector) || slices.Contains(kinds, kind(h.Detector, h.Pattern))
}

// Saw follows the other rules' hits for the sequence: a collecting is remembered, an exfiltration
// after one opens the sequence's hit.
func (d *Detector) Saw(h *hit.Hit) []hit.Hit {
	if h.User == "" || h.Detector == "risk" {
		return nil
	}
	return d.sequence(h)
}

// sequence remembers a collecting and, for an exfiltration within `within` after the person's last
// collecting, returns the hit of the sequence (once per collecting).
func (d *Detector) sequence(h *hit.Hit) []hit.Hit {
	collect, exfil := kindOf(h, d.collect), kindOf(h, d.exfiltrate)
	if !collect && !exfil {
		return nil
	}
	p, ok := d.people.Get(h.User)
	if !ok {
		p = &picture{At: h.Time}
		d.people.Add(h.User, p)
	}
	c := contribution{At: h.Time, Detector: h.Detector, Pattern: h.Pattern, Summary: h.Summary, Hosts: h.Hosts, Cats: h.Categories, Evidence: h.Evidence}
	if h.Deviation != nil {
		c.Deviation = h.Deviation.Text
	}
	if len(c.Evidence) > MaxEvidence/2 {
		c.Evidence = c.Evidence[:MaxEvidence/2]
	}
	var out []hit.Hit
	if exfil && p.Collected != nil && !h.Time.Before(p.Collected.At) && h.Time.Sub(p.Collected.At) <= d.within {
		out = append(out, d.sequenceHit(h.User, *p.Collected, c))
		p.Collected = nil
	}
	if collect {
		p.Collected = &c
	}
	return out
}

// sequenceHit is the draft of a collecting followed by an exfiltration.
func (d *Detector) sequenceHit(user string, collected, exfil contribution) hit.Hit {
	h := hit.Hit{Detector: "risk", Rule: d.rule.ID, RuleTitle: d.rule.Title, Severity: hit.Max(d.rule.Level, hit.SeverityHigh), User: user,
		Pattern: "collect-then-exfiltrate", Time: exfil.At, Window: time.Duration(d.rule.Window), Categories: slices.Clone(d.rule.Categories)}
	for _, c := range []contribution{collected, exfil} {
		for _, host := range c.Hosts {
			if !slices.Contains(h.Hosts, host) {
				h.Hosts = append(h.Hosts, host)
			}
		}
		for _, cat := range c.Cats {
			if !slices.Contains(h.Categories, cat) {
				h.Categories = append(h.Categories, cat)
			}
		}
		h.Evidence = append(h.Evidence, c.Evidence...)
	}
	if len(h.Categories) == 0 {
		h.Categories = []hit.Category{hit.CategoryOther}
	}
	gap := exfil.At.Sub(collected.At).Round(time.Minute)
	h.Summary = fmt.Sprintf("verzamelen, dan wegzetten: %s %s; %s later %s %s", collected.At.Format("02-01 15:04"), collected.Summary,
		gap, exfil.At.Format("02-01 15:04"), exfil.Summary)
	if exfil.Deviation != "" {
		h.Summary += " (" + exfil.Deviation + ")"
	}
	return h
}

// Score adds a signal to its person's score and returns a hit when the score is at or above the
// threshold: on the crossing with every contributing signal's evidence, after it with the new one's
// (the register joins them into one incident over the rule's window).
func (d *Detector) Score(s *hit.Hit) []hit.Hit {
	if s.User == "" {
		return nil
	}
	seq := d.sequence(s)
	w := d.weightOf(s)
	if w == 0 {
		return seq
	}
	p, ok := d.people.Get(s.User)
	if !ok {
		p = &picture{At: s.Time}
		d.people.Add(s.User, p)
	}
	d.decay(p, s.Time)
	// each further signal of a kind weighs `repeat` times the one before it: one for each earlier
	// day within habit_days it came on (a habit), and one for each of today's, or, without
	// habit_days, for each still counting
	k := kind(s.Detector, s.Pattern)
	today := int32(s.Time.Unix() / 86400)
	value, most := 0.0, 0.0
	if s.Deviation != nil {
		value = s.Deviation.Value
	}
	damp := 1.0
	for _, c := range p.Signals {
		if kind(c.Detector, c.Pattern) == k && (d.habitDays == 0 || int32(c.At.Unix()/86400) == today) {
			damp *= d.repeat
			most = max(most, c.Value)
		}
	}
	// an amount at least twice the largest before it (USB files doubling within a day) is an
	// escalation, not a repeat
	if most == 0 || value < 2*most {
		w *= damp
	}
	if d.habitDays > 0 {
		days := p.Days[k]
		keep := days[:0]
		for _, day := range days {
			if today-day <= int32(d.habitDays) {
				keep = append(keep, day)
			}
		}
		for _, day := range keep {
			if day < today {
				w *= d.repeat
			}
		}
		if !slices.Contains(keep, today) {
			keep = append(keep, today)
		}
		if p.Days == nil {
			p.Days = map[string][]int32{}
		}
		p.Days[k] = keep
	}
	p.Score += w
	c := contribution{At: s.Time, Detector: s.Detector, Pattern: s.Pattern, Summary: s.Summary, Weight: w,
		Hosts: s.Hosts, Cats: s.Categories, Evidence: s.Evidence}
	if s.Deviation != nil {
		c.Deviation, c.Value = s.Deviation.Text, s.Deviation.Value
	}
	p.Signals = append(p.Signals, c)
	if over := len(p.Signals) - MaxContributions; over > 0 {
		p.Signals = slices.Delete(p.Signals, 0, over)
		p.Reported = max(p.Reported-over, 0)
	}
	if p.Score < d.threshold || kinds(p.Signals) < d.minKinds {
		return seq
	}
	first := !p.Crossed
	p.Crossed = true
	from := p.Reported
	if first {
		from = 0
	}
	h := d.hit(s.User, p, from, s.Time)
	p.Reported = len(p.Signals)
	return append(seq, h)
}

// kinds counts the kinds of signal in cs.
func kinds(cs []contribution) int {
	var seen []string
	for _, c := range cs {
		if k := kind(c.Detector, c.Pattern); !slices.Contains(seen, k) {
			seen = append(seen, k)
		}
	}
	return len(seen)
}

// decay brings the score to t: it halves every half-life. A score fallen below the threshold ends
// the crossing; signals whose weight has decayed to nothing are let go.
func (d *Detector) decay(p *picture, t time.Time) {
	if !t.After(p.At) {
		return
	}
	f := math.Pow(0.5, float64(t.Sub(p.At))/float64(d.halfLife))
	p.Score *= f
	p.At = t
	if p.Score < d.threshold {
		p.Crossed = false
	}
	keep := 0
	for i, c := range p.Signals {
		if c.Weight*math.Pow(0.5, float64(t.Sub(c.At))/float64(d.halfLife)) >= 0.01*d.threshold {
			keep = i
			break
		}
		keep = i + 1
	}
	p.Signals = p.Signals[keep:]
	p.Reported = max(p.Reported-keep, 0)
}

// hit is the risk draft of a person: the signals from index from on give the evidence, every
// signal still counting gives the summary.
func (d *Detector) hit(user string, p *picture, from int, at time.Time) hit.Hit {
	h := hit.Hit{Detector: "risk", Rule: d.rule.ID, RuleTitle: d.rule.Title, Severity: d.rule.Level, User: user,
		Pattern: "risk-score", Time: at, Window: time.Duration(d.rule.Window), Categories: slices.Clone(d.rule.Categories)}
	var parts []string
	for i, c := range p.Signals {
		part := c.Summary
		if c.Deviation != "" {
			part += " (" + c.Deviation + ")"
		}
		parts = append(parts, fmt.Sprintf("%s %s", c.At.Format("02-01 15:04"), part))
		for _, host := range c.Hosts {
			if !slices.Contains(h.Hosts, host) {
				h.Hosts = append(h.Hosts, host)
			}
		}
		for _, cat := range c.Cats {
			if !slices.Contains(h.Categories, cat) {
				h.Categories = append(h.Categories, cat)
			}
		}
		if i >= from {
			for _, e := range c.Evidence {
				if len(h.Evidence) < MaxEvidence {
					h.Evidence = append(h.Evidence, e)
				}
			}
		}
	}
	if len(h.Categories) == 0 {
		h.Categories = []hit.Category{hit.CategoryOther}
	}
	h.Summary = fmt.Sprintf("risicoscore %.0f (drempel %.0f) uit %d signalen van %d soorten: %s", p.Score, d.threshold, len(p.Signals), kinds(p.Signals),
		strings.Join(parts, "; "))
	return h
}

// SaveState returns every person's score and signals.
func (d *Detector) SaveState() ([]byte, error) {
	s := map[string]*picture{}
	for _, k := range d.people.Keys() {
		if p, ok := d.people.Peek(k); ok {
			s[k] = p
		}
	}
	return json.Marshal(s)
}

// LoadState restores what SaveState saved.
func (d *Detector) LoadState(b []byte) error {
	var s map[string]*picture
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	for k, p := range s {
		if p != nil {
			d.people.Add(k, p)
		}
	}
	return nil
}
