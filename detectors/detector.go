// Package detectors runs the rules over the event stream: the interface every detector implements,
// the registry of detectors by id, and the engine that feeds each event to every rule's detector.
package detectors

import (
	"fmt"
	"reflect"
	"slices"
	"sort"
	"sync/atomic"
	"time"

	"github.com/lekwacht/lekwacht/assessment"
	"github.com/lekwacht/lekwacht/config"
	"github.com/lekwacht/lekwacht/directory"
	"github.com/lekwacht/lekwacht/event"
	"github.com/lekwacht/lekwacht/hit"
	"github.com/lekwacht/lekwacht/rules"
)

// Detector watches events for one rule. Observe is called by one goroutine at a time, in event
// order per input; time comes from the events, never from the wall clock.
type Detector interface {
	Observe(ev *event.Event) []hit.Hit
}

// Env is what detectors share.
type Env struct {
	Directory func() *directory.Directory // the directory in force; may return nil
	// ServiceAccounts are organisation.service_accounts: expected to touch many files or records.
	ServiceAccounts []string
	// OwnDomains are organisation.domains: the gemeente's own mail domains.
	OwnDomains []string
	// PartnerDomains are organisation.partner_domains: known correspondents.
	PartnerDomains []string
	// SharedHosts are organisation.shared_hosts (globs): terminal servers and kiosks.
	SharedHosts []string
	// WorkingHours are organisation.working_hours, in Location (organisation.timezone).
	WorkingHours config.WorkingHours
	Location     *time.Location
	// StateSize bounds each detector's state (groups, users, hosts in flight); 0 means DefaultStateSize.
	StateSize int
	// SpoolDir is the folder of the evidence spool, where the lines the detectors keep wait for a hit
	// (the file is removed from the folder as soon as it is open); "" means the temporary folder.
	SpoolDir string
}

// DefaultStateSize is the default number of groups a detector keeps in flight.
const DefaultStateSize = 100_000

// Constructor builds a detector for a rule.
type Constructor func(r *rules.Rule, env Env) (Detector, error)

// Evictor is a detector whose bounded state can push out entries; Evictions counts them.
type Evictor interface {
	Evictions() int64
}

// Selective is a detector that can only report on some kinds of events: the engine gives it no
// others. Accepts must be true for every category and action of an event Observe may act on.
type Selective interface {
	Accepts(c event.Category, a event.Action) bool
}

// LineKeeper is a detector that keeps events' lines as evidence for later hits: the engine hands all
// of them one hit.Lines, so that the rules that keep the same event keep one copy of its line, in the
// evidence spool. KeptLines must yield every line the detector keeps: the spool's compaction keeps
// only those.
type LineKeeper interface {
	ShareLines(ls *hit.Lines)
	KeptLines(yield func(*hit.Line))
}

// SignalScorer is a detector that takes the other detectors' weak signals (hit.Hit.Signal) instead
// of events: the risk rule, which adds them to each person's score. Score returns the hits it opens.
type SignalScorer interface {
	Score(signal *hit.Hit) []hit.Hit
}

// HitWatcher is a signal scorer that also sees the other rules' hits (which are registered as they
// are): the risk rule follows sequences such as collect, then exfiltrate. Saw returns the hits it opens.
type HitWatcher interface {
	Saw(h *hit.Hit) []hit.Hit
}

// spoolSegment is the size from which the evidence spool is compacted (0: hit.DefaultSpoolSegment).
var spoolSegment int64

// Engine runs the detectors of a rule set.
type Engine struct {
	rules     []*rules.Rule
	detectors []Detector
	hours     config.WorkingHours
	loc       *time.Location
	lines     *hit.Lines
	routes    map[kind][]Detector // the detectors that accept a kind of event, in rule order
	scorers   []SignalScorer      // the risk rules
	// Spreading batches over the cores (batch.go): a goroutine per detector (nil: the risk rules'),
	// which detectors take each kind of event, the batches under way and the hits in order not yet
	// collected.
	lanes   []*lane
	masks   map[kind]uint64
	queue   []*batch
	ready   []hit.Hit
	sharing bool         // the lines are shared with the detectors' goroutines
	spread  atomic.Int64 // batches spread
	// signals counts the weak signals raised, unscored those no risk rule took (none is active).
	signals, unscored *atomic.Int64
}

// Signals is how many weak signals the detectors raised, and how many of them no risk rule took;
// safe to call while the pipeline runs (metrics).
func (e *Engine) Signals() (raised, unscored int64) { return e.signals.Load(), e.unscored.Load() }

// kind is an event's category and action, which decide which detectors see it.
type kind struct {
	c event.Category
	a event.Action
}

// maxRoutes bounds the kinds of events whose detectors the engine remembers; categories and actions
// are enumerations, so it is never reached in practice.
const maxRoutes = 1024

// New builds a detector for every active rule whose detector is registered; Missing lists the
// rules whose detector is not built in (yet).
func New(set *rules.Set, env Env) (*Engine, []string, error) {
	return build(set, env, nil)
}

// Reload builds an engine for a new rule set, keeping the detectors (and their state: counts in
// flight) of the rules that did not change.
func (e *Engine) Reload(set *rules.Set, env Env) (*Engine, []string, error) {
	return build(set, env, e)
}

func build(set *rules.Set, env Env, old *Engine) (*Engine, []string, error) {
	e := &Engine{hours: env.WorkingHours, loc: env.Location, routes: map[kind][]Detector{}}
	if old != nil {
		// The detectors kept go on in the new engine: the old one's goroutines end, their hits with it.
		old.Stop()
		e.ready = old.Collect(true)
		e.lines = old.lines // the detectors kept share it already
	} else if ls, err := hit.NewSpooledLines(env.SpoolDir, spoolSegment); err == nil {
		e.lines = ls
	} else {
		e.lines = hit.NewLines() // no spool: the lines stay in memory
	}
	if e.hours == (config.WorkingHours{}) {
		e.hours, _ = config.ParseWorkingHours(DefaultWorkingHours)
	}
	if e.loc == nil {
		e.loc = time.Local
	}
	var missing []string
	for _, r := range set.Active() {
		if d, ok := old.unchanged(r); ok {
			e.rules = append(e.rules, r)
			e.detectors = append(e.detectors, d)
			continue
		}
		build, ok := registry[r.DetectorID()]
		if !ok {
			missing = append(missing, fmt.Sprintf("%s (detector %s)", r.ID, r.DetectorID()))
			continue
		}
		d, err := build(r, env)
		if err != nil {
			return nil, nil, fmt.Errorf("rule %s (%s): %w", r.ID, r.File, err)
		}
		if k, ok := d.(LineKeeper); ok {
			k.ShareLines(e.lines)
		}
		e.rules = append(e.rules, r)
		e.detectors = append(e.detectors, d)
	}
	for _, d := range e.detectors {
		if s, ok := d.(SignalScorer); ok {
			e.scorers = append(e.scorers, s)
		}
	}
	if old != nil {
		e.signals, e.unscored = old.signals, old.unscored
	} else {
		e.signals, e.unscored = new(atomic.Int64), new(atomic.Int64)
	}
	return e, missing, nil
}

// unchanged returns the detector of a rule that is the same as before (its file may have moved).
func (e *Engine) unchanged(r *rules.Rule) (Detector, bool) {
	if e == nil {
		return nil, false
	}
	for i, o := range e.rules {
		a, b := *o, *r
		a.File, b.File, a.Line, b.Line = "", "", 0, 0
		if reflect.DeepEqual(a, b) {
			return e.detectors[i], true
		}
	}
	return nil, false
}

// DefaultWorkingHours apply when the organisation gives none.
const DefaultWorkingHours = "Mon-Fri 07:00-19:00"

// Observe feeds one event to every detector and returns their hits, each raised a level when it
// happened outside working hours and a level when it touches sensitive data (BSN, health, ...).
// The hits of batches submitted before and not collected yet come first.
func (e *Engine) Observe(ev *event.Event) []hit.Hit {
	if len(e.queue) > 0 || len(e.ready) > 0 {
		return append(e.Collect(true), e.observe(ev)...)
	}
	return e.observe(ev)
}

func (e *Engine) observe(ev *event.Event) []hit.Hit {
	var hits []hit.Hit
	for _, d := range e.route(ev) {
		hits = append(hits, d.Observe(ev)...)
	}
	hits = e.score(hits)
	if e.lines.Full() {
		// Lines it cannot copy keep their place in the evidence but lose their text.
		_ = e.lines.Compact(e.keptLines)
	}
	for i := range hits {
		e.raise(&hits[i])
	}
	return hits
}

// score hands the weak signals among hits to the risk rules and returns the other hits with what
// the risk rules opened: a signal is never a draft of its own.
func (e *Engine) score(hits []hit.Hit) []hit.Hit {
	if len(hits) == 0 || len(e.scorers) == 0 && !slices.ContainsFunc(hits, func(h hit.Hit) bool { return h.Signal }) {
		return hits
	}
	out := make([]hit.Hit, 0, len(hits))
	var opened []hit.Hit
	for i := range hits {
		if !hits[i].Signal {
			out = append(out, hits[i])
			for _, s := range e.scorers {
				if w, ok := s.(HitWatcher); ok {
					opened = append(opened, w.Saw(&hits[i])...)
				}
			}
			continue
		}
		e.signals.Add(1)
		if len(e.scorers) == 0 {
			e.unscored.Add(1)
		}
		for _, s := range e.scorers {
			opened = append(opened, s.Score(&hits[i])...)
		}
	}
	return append(out, opened...)
}

// keptLines yields the lines every detector keeps.
func (e *Engine) keptLines(yield func(*hit.Line)) {
	for _, d := range e.detectors {
		if k, ok := d.(LineKeeper); ok {
			k.KeptLines(yield)
		}
	}
}

// route is the detectors that may act on an event of its category and action.
func (e *Engine) route(ev *event.Event) []Detector {
	k := kind{ev.Event.Category, ev.Event.Action}
	if ds, ok := e.routes[k]; ok {
		return ds
	}
	ds := make([]Detector, 0, len(e.detectors))
	for _, d := range e.detectors {
		if s, ok := d.(Selective); !ok || s.Accepts(k.c, k.a) {
			ds = append(ds, d)
		}
	}
	if len(e.routes) < maxRoutes {
		e.routes[k] = ds
	}
	return ds
}

func (e *Engine) raise(h *hit.Hit) {
	up := 0
	if !e.hours.Contains(h.Time.In(e.loc)) {
		up++
	}
	if slices.ContainsFunc(h.Categories, assessment.Sensitive) {
		up++
	}
	r := min(h.Severity.Rank()+up, len(hit.Severities))
	if r > 0 {
		h.Severity = hit.Severities[r-1]
	}
}

// Spread is how many batches Submit spread over the detectors' goroutines.
func (e *Engine) Spread() int64 { return e.spread.Load() }

// Rules are the rules the engine runs.
func (e *Engine) Rules() []*rules.Rule { return slices.Clone(e.rules) }

// Evictions sums the evictions of every detector with bounded state.
func (e *Engine) Evictions() int64 {
	var n int64
	for _, d := range e.detectors {
		if ev, ok := d.(Evictor); ok {
			n += ev.Evictions()
		}
	}
	return n
}

// IDs lists the registered detector ids.
func IDs() []string {
	ids := make([]string, 0, len(registry))
	for id := range registry {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}
