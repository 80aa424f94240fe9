// Package threshold is the generic detector: `count` or `count distinct FIELD` of the events a rule
// matches, grouped by fields, over a window, at or above a threshold (what Wazuh frequency rules and
// Elastic threshold rules do), so a gemeente adds a detection without Go code.
package threshold

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/lekwacht/lekwacht/event"
	"github.com/lekwacht/lekwacht/hit"
	"github.com/lekwacht/lekwacht/rules"
)

// maxEvidence caps the lines one hit carries; a group keeps at most this many events in its window.
const maxEvidence = 1000

// smallGroup is the number of events up to which a group counts distinct values by comparing them;
// a larger group keeps a count per value.
const smallGroup = 16

// Detector counts one rule's events per group.
type Detector struct {
	rule      *rules.Rule
	match     *rules.Matcher
	window    time.Duration
	field     string
	value     rules.Getter // of field
	groupBy   []rules.Getter
	groups    *lru.Cache[string, *group]
	lines     *hit.Lines
	evictions atomic.Int64
}

// entry is one counted event.
type entry struct {
	at    int64  // the event's time, Unix nanoseconds
	value string // the distinct field's value
	line  *hit.Line
	host  string
}

type group struct {
	entries []entry
	oldest  int64            // the earliest at among entries
	values  map[string]int32 // entries per distinct value, once the group has more than smallGroup
	fired   bool             // at or above the threshold since the last time it was below
}

// New builds the detector; size bounds the number of groups in flight (least recently seen go first).
func New(r *rules.Rule, size int) (*Detector, error) {
	if size <= 0 {
		size = 100_000
	}
	d := &Detector{rule: r, match: r.Matcher(), window: time.Duration(r.Window), field: r.CountField()}
	if d.field != "" {
		d.value = rules.FieldGetter(d.field)
	}
	groupBy := r.GroupBy
	if len(groupBy) == 0 {
		groupBy = []string{"user.name"}
	}
	for _, f := range groupBy {
		d.groupBy = append(d.groupBy, rules.FieldGetter(f))
	}
	var err error
	d.groups, err = lru.NewWithEvict(size, func(string, *group) { d.evictions.Add(1) })
	return d, err
}

// Evictions counts groups pushed out of the bounded state.
func (d *Detector) Evictions() int64 { return d.evictions.Load() }

// Accepts says whether the rule can match events of this category and action.
func (d *Detector) Accepts(c event.Category, a event.Action) bool { return d.match.Accepts(c, a) }

// ShareLines makes the detector keep the lines ls hands out, shared with the engine's other rules.
func (d *Detector) ShareLines(ls *hit.Lines) { d.lines = ls }

// KeptLines yields every line the detector keeps.
func (d *Detector) KeptLines(yield func(*hit.Line)) {
	for _, g := range d.groups.Values() {
		for _, e := range g.entries {
			yield(e.line)
		}
	}
}

// Observe counts a matching event and reports a hit when its group reaches the threshold, and one
// more (with that event's line) for every further event while it stays there.
func (d *Detector) Observe(ev *event.Event) []hit.Hit {
	if !d.match.Matches(ev) {
		return nil
	}
	key, ok := d.key(ev)
	if !ok {
		return nil
	}
	e := entry{at: ev.Time.UnixNano(), host: host(ev)}
	if d.field != "" {
		var ok bool
		if e.value, ok = first(d.value, ev); !ok {
			return nil
		}
	}
	e.line = d.lines.Of(ev)
	g, found := d.groups.Get(key)
	if !found {
		g = &group{}
		d.groups.Add(key, g)
	}
	distinct := d.field != ""
	g.prune(ev.Time.Add(-d.window).UnixNano(), distinct)
	g.add(e, distinct)
	n := g.count(distinct)
	if n < d.rule.Threshold {
		g.fired = false
		return nil
	}
	lines := g.entries[len(g.entries)-1:]
	if !g.fired {
		lines = g.entries
		g.fired = true
	}
	return []hit.Hit{d.hit(key, n, ev, lines)}
}

// first is the field's first value, as event.Field(...)[0]; false when the event has none.
func first(get rules.Getter, ev *event.Event) (string, bool) {
	one, many := get(ev)
	if many != nil {
		return many[0], true
	}
	return one, one != ""
}

// key joins the group-by values in lower case; an event without one of them is not counted.
func (d *Detector) key(ev *event.Event) (string, bool) {
	if len(d.groupBy) == 1 {
		v, ok := first(d.groupBy[0], ev)
		return rules.Lower(v), ok
	}
	var b strings.Builder
	for i, get := range d.groupBy {
		v, ok := first(get, ev)
		if !ok {
			return "", false
		}
		if i > 0 {
			b.WriteByte(0)
		}
		b.WriteString(strings.ToLower(v))
	}
	return b.String(), true
}

// add appends an entry, dropping the oldest beyond maxEvidence.
func (g *group) add(e entry, distinct bool) {
	if len(g.entries) == 0 || e.at < g.oldest {
		g.oldest = e.at
	}
	g.entries = append(g.entries, e)
	if distinct {
		switch {
		case g.values != nil:
			g.values[e.value]++
		case len(g.entries) > smallGroup:
			g.values = make(map[string]int32, 2*len(g.entries))
			for _, e := range g.entries {
				g.values[e.value]++
			}
		}
	}
	if len(g.entries) > maxEvidence {
		g.forget(g.entries[0])
		g.entries[0] = entry{}
		g.entries = g.entries[1:]
	}
}

// forget takes a dropped entry out of the distinct counts.
func (g *group) forget(e entry) {
	if g.values == nil {
		return
	}
	if n := g.values[e.value] - 1; n > 0 {
		g.values[e.value] = n
	} else {
		delete(g.values, e.value)
	}
}

// prune drops the entries before cut (Unix nanoseconds).
func (g *group) prune(cut int64, distinct bool) {
	if len(g.entries) == 0 || g.oldest >= cut {
		return
	}
	keep := g.entries[:0]
	for _, e := range g.entries {
		if e.at >= cut {
			if len(keep) == 0 || e.at < g.oldest {
				g.oldest = e.at
			}
			keep = append(keep, e)
		} else {
			g.forget(e)
		}
	}
	clear(g.entries[len(keep):])
	g.entries = keep
	if len(g.entries) <= smallGroup/2 {
		g.values = nil
	}
	if len(g.entries) == 0 {
		g.entries = nil // an idle group keeps no array
	}
}

func (g *group) count(distinct bool) int {
	switch {
	case !distinct:
		return len(g.entries)
	case g.values != nil:
		return len(g.values)
	}
	n := 0
	for i, e := range g.entries {
		if !slices.ContainsFunc(g.entries[:i], func(o entry) bool { return o.value == e.value }) {
			n++
		}
	}
	return n
}

func (d *Detector) hit(key string, n int, ev *event.Event, lines []entry) hit.Hit {
	sum := sha256.Sum256([]byte(key))
	h := hit.Hit{
		Detector: "threshold", Rule: d.rule.ID, RuleTitle: d.rule.Title, Severity: d.rule.Level,
		User: ev.User.Name, Pattern: "group-" + hex.EncodeToString(sum[:8]), Time: ev.Time, Window: d.window,
		Categories: d.rule.Categories,
	}
	if h.User == "" {
		h.User = "(onbekend)"
	}
	what := "gebeurtenissen"
	if d.field != "" {
		what = "verschillende waarden van " + d.field
		if d.field == "app.object" {
			h.Subjects = n
		}
	}
	h.Summary = fmt.Sprintf("%s: %d %s binnen %s (drempel %d)", d.rule.Title, n, what, d.window, d.rule.Threshold)
	seen := map[string]bool{}
	h.Evidence = make([]hit.Evidence, 0, len(lines))
	for _, l := range lines {
		h.Evidence = append(h.Evidence, l.line.Evidence())
		if l.host != "" && !seen[l.host] {
			seen[l.host] = true
			h.Hosts = append(h.Hosts, l.host)
		}
	}
	return h
}

func host(ev *event.Event) string {
	if ev.Host.Workstation != "" {
		return ev.Host.Workstation
	}
	return ev.Host.Name
}

// snapshot is the detector's state as saved between runs.
type snapshot struct {
	Groups []savedGroup `json:"groups"`
}

type savedGroup struct {
	Key     string       `json:"key"`
	Fired   bool         `json:"fired"`
	Entries []savedEntry `json:"entries"`
}

type savedEntry struct {
	At    time.Time    `json:"at"`
	Value string       `json:"value,omitempty"`
	Host  string       `json:"host,omitempty"`
	User  string       `json:"user,omitempty"` // written by earlier versions; not kept
	Ev    hit.Evidence `json:"ev"`
}

// SaveState returns the groups in flight, least recently seen first.
func (d *Detector) SaveState() ([]byte, error) {
	var s snapshot
	for _, k := range d.groups.Keys() {
		g, ok := d.groups.Peek(k)
		if !ok {
			continue
		}
		sg := savedGroup{Key: k, Fired: g.fired}
		for _, e := range g.entries {
			sg.Entries = append(sg.Entries, savedEntry{At: time.Unix(0, e.at).UTC(), Value: e.value, Host: e.host, Ev: e.line.Evidence()})
		}
		s.Groups = append(s.Groups, sg)
	}
	return json.Marshal(s)
}

// LoadState puts saved groups back, so a pattern that spans a restart is still counted whole.
func (d *Detector) LoadState(b []byte) error {
	var s snapshot
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	for _, sg := range s.Groups {
		g := &group{fired: sg.Fired}
		for _, e := range sg.Entries {
			g.add(entry{at: e.At.UnixNano(), value: e.Value, host: e.Host, line: d.lines.From(e.Ev)}, d.field != "")
		}
		d.groups.Add(sg.Key, g)
	}
	return nil
}
