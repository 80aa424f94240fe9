// Package snooping is the record_snooping detector: a user viewing far more distinct persons or
// records than their own baseline and their department's within a window, looking up a colleague,
// or looking up records outside working hours. With params.baseline_days, lookups outside working
// hours at hours the person regularly works are a weak signal for the risk rule, not a draft.
package snooping

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/lekwacht/lekwacht/config"
	"github.com/lekwacht/lekwacht/detectors/baseline"
	"github.com/lekwacht/lekwacht/directory"
	"github.com/lekwacht/lekwacht/event"
	"github.com/lekwacht/lekwacht/hit"
	"github.com/lekwacht/lekwacht/rules"
)

// Defaults when the rule's params leave them out.
const (
	DefaultWindow     = time.Hour
	DefaultMinRecords = 50  // never report fewer distinct records than this in a window
	DefaultFactor     = 3.0 // report at this many times the larger of the user's and the department's baseline
	DefaultAfterHours = 10  // distinct records looked up outside working hours within a window
	baselineWeight    = 0.2 // weight of a finished window in the moving baseline
	// DefaultWorkingHours apply when no working hours are given (the config's default too).
	DefaultWorkingHours = "Mon-Fri 07:00-19:00"
	// usualDays are the earlier days (of the same kind, weekday or weekend) on which a person must
	// have been active in an hour for it to be one of their own hours.
	usualDays = 2
	// weightUsualLate is the signal's weight of after-hours lookups at a person's own hours.
	weightUsualLate = 10
)

// Detector keeps, per user, the records viewed in the current window and a moving baseline.
type Detector struct {
	rule       *rules.Rule
	dir        func() *directory.Directory
	hours      config.WorkingHours
	loc        *time.Location
	window     time.Duration
	minRecords int
	factor     float64
	afterHours int
	// With baselineDays > 0 (params.baseline_days) after-hours lookups are judged by the person's
	// own hours, learned from every view counted: at an hour they worked on usualDays earlier days,
	// once they have baselineDays of history, the window is a weak signal, otherwise a draft.
	baselineDays int
	hoursOf      *baseline.Hours // person -> hours and days with views; nil when baselineDays is 0
	match        *rules.Matcher
	users        *lru.Cache[string, *user]
	depts        map[string]float64 // department -> moving baseline
	lines        *hit.Lines
	evictions    atomic.Int64
}

type user struct {
	start    int64   // the current window's start, Unix nanoseconds; 0 before the first
	seen     records // distinct records looked up in this window
	late     records // distinct records looked up outside working hours in this window
	lateFrom int64   // the window's first lookup outside working hours, Unix nanoseconds (baseline mode)
	lines    []*hit.Line
	baseline float64
	windows  int
	// lateBase is the usual number of records in a window with lookups outside working hours
	// (moving average, baseline mode), over lateWindows such windows: a regular evening worker's
	// evening is judged by its volume too.
	lateBase    float64
	lateWindows int
	lateMax     int // the most records in one such window
	firedBulk   bool
	firedLate   bool
}

// smallSet is the number of records up to which a set is a list.
const smallSet = 16

// records is a set of record ids: a list while small, a map once larger.
type records struct {
	list []string
	set  map[string]struct{}
}

// add puts a record in the set; false when it was in already.
func (r *records) add(s string) bool {
	if r.set != nil {
		if _, ok := r.set[s]; ok {
			return false
		}
		r.set[s] = struct{}{}
		return true
	}
	if slices.Contains(r.list, s) {
		return false
	}
	if len(r.list) < smallSet {
		r.list = append(r.list, s)
		return true
	}
	r.set = make(map[string]struct{}, 2*smallSet)
	for _, k := range r.list {
		r.set[k] = struct{}{}
	}
	r.set[s] = struct{}{}
	r.list = nil
	return true
}

func (r *records) len() int { return len(r.list) + len(r.set) }

func (r *records) keys() []string {
	out := slices.Clone(r.list)
	for k := range r.set {
		out = append(out, k)
	}
	return out
}

func recordsOf(list []string) records {
	var r records
	for _, k := range list {
		r.add(k)
	}
	return r
}

// New builds the detector; hours are organisation.working_hours in loc (organisation.timezone, also
// the zone of the person's days and hours). Params: `min_records`, `factor`, `after_hours`,
// `baseline_days`.
func New(r *rules.Rule, dir func() *directory.Directory, hours config.WorkingHours, loc *time.Location, size int) (*Detector, error) {
	if size <= 0 {
		size = 100_000
	}
	if loc == nil {
		loc = time.Local
	}
	if dir == nil {
		dir = func() *directory.Directory { return nil }
	}
	if hours == (config.WorkingHours{}) {
		hours, _ = config.ParseWorkingHours(DefaultWorkingHours)
	}
	d := &Detector{rule: r, match: r.Matcher(), dir: dir, hours: hours, loc: loc, window: time.Duration(r.Window), minRecords: DefaultMinRecords,
		factor: DefaultFactor, afterHours: DefaultAfterHours, depts: map[string]float64{}}
	if d.window == 0 {
		d.window = DefaultWindow
	}
	for k, v := range r.Params {
		var ok bool
		switch k {
		case "min_records":
			d.minRecords, ok = v.(int)
		case "after_hours":
			d.afterHours, ok = v.(int)
		case "baseline_days":
			n, isInt := v.(int)
			if !isInt || n < 0 {
				return nil, fmt.Errorf("params.baseline_days: want the days of history a person needs before their own hours count (a whole number, 0: off), got %v", v)
			}
			d.baselineDays, ok = n, true
		case "factor":
			d.factor, ok = rules.Number(v)
		default:
			return nil, fmt.Errorf("params.%s: unknown; record_snooping takes min_records, factor, after_hours and baseline_days", k)
		}
		if !ok {
			return nil, fmt.Errorf("params.%s: want a number, got %v", k, v)
		}
	}
	if d.baselineDays > 0 {
		d.hoursOf = baseline.NewHours(size, loc)
	}
	var err error
	d.users, err = lru.NewWithEvict(size, func(string, *user) { d.evictions.Add(1) })
	return d, err
}

// Evictions counts users pushed out of the bounded state.
func (d *Detector) Evictions() int64 { return d.evictions.Load() }

// Accepts says whether events of this category and action can be views the rule counts.
func (d *Detector) Accepts(c event.Category, a event.Action) bool {
	return a == event.ActionView && d.match.Accepts(c, a)
}

// ShareLines makes the detector keep the lines ls hands out, shared with the engine's other rules.
func (d *Detector) ShareLines(ls *hit.Lines) { d.lines = ls }

// KeptLines yields every line the detector keeps.
func (d *Detector) KeptLines(yield func(*hit.Line)) {
	for _, u := range d.users.Values() {
		for _, l := range u.lines {
			yield(l)
		}
	}
}

// Observe counts a view of a record.
func (d *Detector) Observe(ev *event.Event) []hit.Hit {
	if ev.Event.Action != event.ActionView || ev.App == nil || ev.App.Object == "" || ev.User.Name == "" || !d.match.Matches(ev) {
		return nil
	}
	name := rules.Lower(ev.User.Name)
	u, ok := d.users.Get(name)
	if !ok {
		u = &user{}
		d.users.Add(name, u)
	}
	dept := d.department(name)
	if start := ev.Time.Truncate(d.window).UnixNano(); start != u.start {
		d.finish(u, dept)
		*u = user{start: start, baseline: u.baseline, windows: u.windows, lateBase: u.lateBase, lateWindows: u.lateWindows, lateMax: u.lateMax}
	}
	obj := rules.Lower(ev.App.Object)
	line := d.lines.Of(ev)
	var own baseline.HourUsual
	if d.hoursOf != nil {
		own = d.hoursOf.Observe(name, ev.Time)
	}
	var hits []hit.Hit
	if c, ok := d.colleague(obj, name); ok {
		hits = append(hits, d.hit(ev, name, "colleague-lookup", []*hit.Line{line}, 1,
			fmt.Sprintf("dossier van een collega ingezien (afdeling %s)", c.Department)))
	}
	if u.seen.add(obj) && len(u.lines) < 1000 {
		u.lines = append(u.lines, line)
	}
	if !d.hours.Contains(ev.Time.In(d.loc)) {
		u.late.add(obj)
		if u.lateFrom == 0 && d.hoursOf != nil {
			u.lateFrom = ev.Time.UnixNano()
		}
		if late := u.late.len(); late >= d.afterHours && !u.firedLate {
			u.firedLate = true
			h := d.hit(ev, name, "after-hours", u.lines, late,
				fmt.Sprintf("%d verschillende dossiers ingezien buiten werktijd binnen %s", late, d.window))
			if d.hoursOf != nil {
				d.judgeLate(&h, ev, name, u, own)
			}
			hits = append(hits, h)
		}
	}
	limit := d.limit(u, dept)
	switch n := u.seen.len(); {
	case n >= limit && !u.firedBulk:
		u.firedBulk = true
		hits = append(hits, d.hit(ev, name, "bulk-views", u.lines, n,
			fmt.Sprintf("%d verschillende dossiers ingezien binnen %s (grens %d: eigen en afdelingsgemiddelde x%.0f)", n, d.window, limit, d.factor)))
	case n >= limit:
		hits = append(hits, d.hit(ev, name, "bulk-views", []*hit.Line{line}, n,
			fmt.Sprintf("%d verschillende dossiers ingezien binnen %s", n, d.window)))
	}
	return hits
}

// judgeLate judges an after-hours window by the person's own hours: the hour in which the threshold
// was reached (own: how usual it was) and the hour of the window's first late lookup. When both are
// hours the person was active in on usualDays earlier days of the same kind (weekday or weekend),
// with baselineDays of history, the window is their normal and h becomes a weak signal; otherwise h
// stays a draft and its deviation and summary say why.
func (d *Detector) judgeLate(h *hit.Hit, ev *event.Event, name string, u *user, own baseline.HourUsual) {
	at := ev.Time.In(d.loc)
	dev := d.lateDeviation(at, own)
	if u.lateFrom != 0 {
		if first := time.Unix(0, u.lateFrom).In(d.loc); first.Hour() != at.Hour() || baseline.Day(first, d.loc) != baseline.Day(at, d.loc) {
			if firstDev := d.lateDeviation(first, d.hoursOf.Observe(name, first)); dev == nil {
				dev = firstDev
			}
		}
	}
	if dev != nil {
		h.Deviation = dev
		h.Summary += "; " + dev.Text
		return
	}
	if late := u.late.len(); u.lateWindows >= usualDays && float64(late) > d.factor*u.lateBase && late > 2*u.lateMax {
		h.Deviation = &hit.Deviation{Text: fmt.Sprintf("op een eigen uur buiten werktijd, maar %.0f keer het eigen aantal dossiers in zo'n uur (gewoonlijk %.1f, nooit meer dan %d)",
			float64(late)/max(u.lateBase, 1), u.lateBase, u.lateMax), HistoryDays: own.HistoryDays, Value: float64(late), Usual: u.lateBase}
		h.Summary += "; " + h.Deviation.Text
		return
	}
	h.Signal, h.Weight = true, weightUsualLate
	text := fmt.Sprintf("buiten werktijd, maar binnen de eigen gewoonte: actief tussen %02d en %02d uur op %d van %d %s",
		at.Hour(), at.Hour()+1, own.DaysInHour, own.ActiveDays, dayKind(own.ActiveDays, own.Weekend))
	if own.DaysInHour < usualDays {
		text = fmt.Sprintf("buiten werktijd, maar binnen de eigen gewoonte: in het weekend eerder actief binnen %d uur van %02d uur op %d van %d %s",
			baseline.NearHours, at.Hour(), own.DaysNear, own.ActiveDays, dayKind(own.ActiveDays, true))
	}
	h.Deviation = &hit.Deviation{Text: text, HistoryDays: own.HistoryDays}
}

// lateDeviation says why the hour of at is not one of the person's own (nil when it is).
func (d *Detector) lateDeviation(at time.Time, u baseline.HourUsual) *hit.Deviation {
	var text string
	switch {
	case u.HistoryDays < d.baselineDays:
		text = fmt.Sprintf("te weinig geschiedenis (%d %s, %d nodig)", u.HistoryDays, plural(u.HistoryDays, "dag", "dagen"), d.baselineDays)
	case u.ActiveDays == 0 && u.Weekend:
		text = fmt.Sprintf("nooit eerder actief in het weekend, in %d %s", u.HistoryDays, plural(u.HistoryDays, "dag", "dagen"))
	case u.ActiveDays == 0:
		text = fmt.Sprintf("nooit eerder actief op een werkdag, in %d %s", u.HistoryDays, plural(u.HistoryDays, "dag", "dagen"))
	case u.Weekend && u.DaysNear >= 1:
		return nil // weekend work is rarer and its hours vary: a weekend day near an hour worked before is usual
	case u.DaysInHour == 0:
		text = fmt.Sprintf("nooit eerder actief tussen %02d en %02d uur in %d %s", at.Hour(), at.Hour()+1, u.ActiveDays, dayKind(u.ActiveDays, u.Weekend))
	case u.DaysInHour < usualDays:
		text = fmt.Sprintf("eerder actief tussen %02d en %02d uur op slechts %d van %d %s", at.Hour(), at.Hour()+1, u.DaysInHour, u.ActiveDays, dayKind(u.ActiveDays, u.Weekend))
	default:
		return nil
	}
	return &hit.Deviation{Text: text, HistoryDays: u.HistoryDays, First: u.HistoryDays >= d.baselineDays && u.DaysInHour == 0}
}

// dayKind names n days of a kind: werkdag(en) or weekenddag(en).
func dayKind(n int, weekend bool) string {
	if weekend {
		return plural(n, "weekenddag", "weekenddagen")
	}
	return plural(n, "werkdag", "werkdagen")
}

func plural(n int, one, more string) string {
	if n == 1 {
		return one
	}
	return more
}

// limit is the number of distinct records from which a window is reported.
func (d *Detector) limit(u *user, dept string) int {
	base := u.baseline
	if b, ok := d.depts[dept]; ok && b > base {
		base = b
	}
	if u.windows == 0 && base == 0 {
		return int(float64(d.minRecords) * d.factor)
	}
	return max(d.minRecords, int(base*d.factor+0.5))
}

// finish folds a finished window into the user's and the department's baselines.
func (d *Detector) finish(u *user, dept string) {
	n := float64(u.seen.len())
	if u.start == 0 || n == 0 {
		return
	}
	if late := float64(u.late.len()); late > 0 && d.hoursOf != nil {
		if u.lateWindows == 0 {
			u.lateBase = late
		} else {
			u.lateBase += baselineWeight * (late - u.lateBase)
		}
		u.lateWindows++
		u.lateMax = max(u.lateMax, int(late))
	}
	if u.windows == 0 {
		u.baseline = n
	} else {
		u.baseline += baselineWeight * (n - u.baseline)
	}
	u.windows++
	if dept != "" {
		if b, ok := d.depts[dept]; ok {
			d.depts[dept] = b + baselineWeight*(n-b)
		} else {
			d.depts[dept] = n
		}
	}
}

func (d *Detector) department(name string) string {
	if dir := d.dir(); dir != nil {
		if p, ok := dir.User(name); ok {
			return p.Department
		}
	}
	return ""
}

// colleague says whether a record is a colleague: an account, work address or name in the directory.
func (d *Detector) colleague(obj, self string) (*directory.Person, bool) {
	dir := d.dir()
	if dir == nil {
		return nil, false
	}
	p, ok := dir.User(obj)
	if !ok {
		p, ok = dir.Email(obj)
	}
	if !ok || strings.EqualFold(p.User, self) {
		return nil, false
	}
	return p, true
}

func (d *Detector) hit(ev *event.Event, user, pattern string, lines []*hit.Line, subjects int, summary string) hit.Hit {
	h := hit.Hit{Detector: "record_snooping", Rule: d.rule.ID, RuleTitle: d.rule.Title, Severity: d.rule.Level, User: user,
		Pattern: pattern, Time: ev.Time, Window: d.window, Categories: d.rule.Categories, Subjects: subjects, Summary: summary,
		Evidence: hit.Evidences(lines)}
	if len(h.Categories) == 0 {
		h.Categories = []hit.Category{hit.CategoryName, hit.CategoryAddress}
	}
	if pattern == "after-hours" || pattern == "colleague-lookup" {
		h.Severity = hit.Max(h.Severity, hit.SeverityMedium)
	}
	if ev.Host.Workstation != "" {
		h.Hosts = []string{ev.Host.Workstation}
	}
	return h
}

type savedUser struct {
	Name        string         `json:"name"`
	Start       time.Time      `json:"start"`
	Seen        []string       `json:"seen"`
	Late        []string       `json:"late"`
	Lines       []hit.Evidence `json:"lines"`
	Baseline    float64        `json:"baseline"`
	Windows     int            `json:"windows"`
	LateBase    float64        `json:"late_baseline,omitempty"`
	LateWindows int            `json:"late_windows,omitempty"`
	LateMax     int            `json:"late_max,omitempty"`
	FiredBulk   bool           `json:"fired_bulk"`
	FiredLate   bool           `json:"fired_late"`
	LateFrom    time.Time      `json:"late_from,omitzero"`
}

type snapshot struct {
	Users []savedUser        `json:"users"`
	Depts map[string]float64 `json:"departments"`
	// Hours are the people's own hours and days (baseline mode); state saved without them loads
	// empty.
	Hours baseline.HoursState `json:"hours,omitempty"`
}

// SaveState returns the baselines and the current windows.
func (d *Detector) SaveState() ([]byte, error) {
	s := snapshot{Depts: d.depts}
	if d.hoursOf != nil {
		s.Hours = d.hoursOf.Save()
	}
	for _, k := range d.users.Keys() {
		u, ok := d.users.Peek(k)
		if !ok {
			continue
		}
		su := savedUser{Name: k, Seen: u.seen.keys(), Late: u.late.keys(), Lines: hit.Evidences(u.lines),
			Baseline: u.baseline, Windows: u.windows, LateBase: u.lateBase, LateWindows: u.lateWindows, LateMax: u.lateMax, FiredBulk: u.firedBulk, FiredLate: u.firedLate}
		if u.start != 0 {
			su.Start = time.Unix(0, u.start).UTC()
		}
		if u.lateFrom != 0 {
			su.LateFrom = time.Unix(0, u.lateFrom).UTC()
		}
		s.Users = append(s.Users, su)
	}
	return json.Marshal(s)
}

// LoadState restores what SaveState saved.
func (d *Detector) LoadState(b []byte) error {
	var s snapshot
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	for k, v := range s.Depts {
		d.depts[k] = v
	}
	if d.hoursOf != nil {
		d.hoursOf.Restore(s.Hours)
	}
	for _, su := range s.Users {
		u := &user{seen: recordsOf(su.Seen), late: recordsOf(su.Late), baseline: su.Baseline, windows: su.Windows, lateBase: su.LateBase, lateWindows: su.LateWindows, lateMax: su.LateMax,
			firedBulk: su.FiredBulk, firedLate: su.FiredLate}
		if !su.Start.IsZero() {
			u.start = su.Start.UnixNano()
		}
		if !su.LateFrom.IsZero() {
			u.lateFrom = su.LateFrom.UnixNano()
		}
		for _, e := range su.Lines {
			u.lines = append(u.lines, d.lines.From(e))
		}
		d.users.Add(su.Name, u)
	}
	return nil
}
