// Package threshold is the generic detector: `count` or `count distinct FIELD` of the events a rule
// matches, grouped by fields, over a window, at or above a threshold (what Wazuh frequency rules and
// Elastic threshold rules do), so a gemeente adds a detection without Go code.
package threshold

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
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

// Detector counts one rule's events per group.
type Detector struct {
	rule      *rules.Rule
	window    time.Duration
	field     string
	groupBy   []string
	groups    *lru.Cache[string, *group]
	evictions atomic.Int64
}

type entry struct {
	at    time.Time
	value string // the distinct field's value
	ev    hit.Evidence
	host  string
	user  string
}

type group struct {
	entries []entry
	fired   bool // at or above the threshold since the last time it was below
}

// New builds the detector; size bounds the number of groups in flight (least recently seen go first).
func New(r *rules.Rule, size int) (*Detector, error) {
	if size <= 0 {
		size = 100_000
	}
	d := &Detector{rule: r, window: time.Duration(r.Window), field: r.CountField(), groupBy: r.GroupBy}
	if len(d.groupBy) == 0 {
		d.groupBy = []string{"user.name"}
	}
	var err error
	d.groups, err = lru.NewWithEvict(size, func(string, *group) { d.evictions.Add(1) })
	return d, err
}

// Evictions counts groups pushed out of the bounded state.
func (d *Detector) Evictions() int64 { return d.evictions.Load() }

// Observe counts a matching event and reports a hit when its group reaches the threshold, and one
// more (with that event's line) for every further event while it stays there.
func (d *Detector) Observe(ev *event.Event) []hit.Hit {
	if !d.rule.Matches(ev) {
		return nil
	}
	key, ok := d.key(ev)
	if !ok {
		return nil
	}
	e := entry{at: ev.Time, ev: hit.LineOf(ev), host: host(ev), user: ev.User.Name}
	if d.field != "" {
		vals := ev.Field(d.field)
		if len(vals) == 0 {
			return nil
		}
		e.value = vals[0]
	}
	g, found := d.groups.Get(key)
	if !found {
		g = &group{}
		d.groups.Add(key, g)
	}
	g.prune(ev.Time.Add(-d.window))
	g.entries = append(g.entries, e)
	if len(g.entries) > maxEvidence {
		g.entries = g.entries[len(g.entries)-maxEvidence:]
	}
	n := g.count(d.field != "")
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

// key joins the group-by values; an event without one of them is not counted.
func (d *Detector) key(ev *event.Event) (string, bool) {
	var b strings.Builder
	for i, f := range d.groupBy {
		vals := ev.Field(f)
		if len(vals) == 0 {
			return "", false
		}
		if i > 0 {
			b.WriteByte(0)
		}
		b.WriteString(strings.ToLower(vals[0]))
	}
	return b.String(), true
}

func (g *group) prune(cut time.Time) {
	keep := g.entries[:0]
	for _, e := range g.entries {
		if !e.at.Before(cut) {
			keep = append(keep, e)
		}
	}
	clear(g.entries[len(keep):])
	g.entries = keep
}

func (g *group) count(distinct bool) int {
	if !distinct {
		return len(g.entries)
	}
	seen := make(map[string]struct{}, len(g.entries))
	for _, e := range g.entries {
		seen[e.value] = struct{}{}
	}
	return len(seen)
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
	for _, l := range lines {
		h.Evidence = append(h.Evidence, l.ev)
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
	User  string       `json:"user,omitempty"`
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
			sg.Entries = append(sg.Entries, savedEntry{At: e.at, Value: e.value, Host: e.host, User: e.user, Ev: e.ev})
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
			g.entries = append(g.entries, entry{at: e.At, value: e.Value, host: e.Host, user: e.User, ev: e.Ev})
		}
		d.groups.Add(sg.Key, g)
	}
	return nil
}
