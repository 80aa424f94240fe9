// Package mapped makes events of records whose fields a mapping names: a JSON object (format json,
// dotted paths) or a CSV row (format csv, column names). Both formats share the mapping's keys.
package mapped

import (
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lekwacht/lekwacht/collectors/parse"
	"github.com/lekwacht/lekwacht/event"
)

// Record gives the value at a path or column: a string, json.Number, bool, []any or map[string]any,
// and whether there is one.
type Record interface {
	Get(path string) (any, bool)
}

// ValueRecord is a Record that also gives its values as a Value, without putting a text in an any
// (an allocation per field): the mapper reads such records through Value.
type ValueRecord interface {
	Record
	Value(path string) (Value, bool)
}

// SlotRecord is a Record that gives the value of the i-th of Names(mapping) without looking its
// name up (a CSV row whose header was matched to the names once). Its slots must be built from
// Names of the very mapping the Mapper has: a path the mapping does not name is asked for as slot
// -1, which is no value.
type SlotRecord interface {
	Record
	Slot(i int) (Value, bool)
}

// Value is what a record holds at a path: a text, a number's digits (Number), or else Other (a bool,
// []any or map[string]any). null is no value.
type Value struct {
	Text   string
	Number bool
	Other  any
}

// Text is the Value of a string.
func Text(s string) Value { return Value{Text: s} }

// ValueOf is the Value of what Record.Get gives; false for nil (null).
func ValueOf(v any) (Value, bool) {
	switch x := v.(type) {
	case nil:
		return Value{}, false
	case string:
		return Value{Text: x}, true
	case json.Number:
		return Value{Text: string(x), Number: true}, true
	}
	return Value{Other: v}, true
}

// key is a path the mapping names and its index in Names (-1: none named).
type key struct {
	path string
	slot int
}

// reader reads a record's paths as Values, by the fastest way the record offers (asked once per
// record, not per path).
type reader struct {
	rec    Record
	slots  SlotRecord
	values ValueRecord
}

func newReader(rec Record) reader {
	r := reader{rec: rec}
	if s, ok := rec.(SlotRecord); ok {
		r.slots = s
	} else if v, ok := rec.(ValueRecord); ok {
		r.values = v
	}
	return r
}

// get reads a path of the record as a Value.
func (r *reader) get(k key) (Value, bool) {
	switch {
	case k.path == "":
		return Value{}, false
	case r.slots != nil:
		return r.slots.Slot(k.slot)
	case r.values != nil:
		return r.values.Value(k.path)
	}
	v, ok := r.rec.Get(k.path)
	if !ok {
		return Value{}, false
	}
	return ValueOf(v)
}

// Mapper makes events of records by one mapping.
type Mapper struct {
	m          *parse.Mapping
	app        string
	loc        *time.Location
	actions    []rule[event.Action]
	categories []rule[event.Category]
	fields     []field
	// named: the mapping names a category, so the app group is no longer on every event.
	named bool
	kind  Kind
	// the paths of the mapping's own keys
	at struct{ time, action, outcome, categoryField key }
}

type rule[T any] struct {
	pattern glob
	to      T
}

// glob is a pattern in which * stands for any text, cut at its stars once (nil parts: no star).
type glob struct {
	text  string
	parts []string
}

func newGlob(pattern string) glob {
	g := glob{text: pattern}
	if strings.Contains(pattern, "*") {
		g.parts = strings.Split(pattern, "*")
	}
	return g
}

type field struct {
	key
	set setter
}

// New builds a Mapper; the mapping must be valid for k.
func New(m *parse.Mapping, opts parse.Options, k Kind) (*Mapper, error) {
	if m == nil {
		return nil, errors.New("a mapping is required (time, user, action, ...)")
	}
	if err := Validate(m, k); err != nil {
		return nil, err
	}
	mp := &Mapper{m: m, app: opts.Input, loc: opts.Loc(), named: m.Category != "" || m.CategoryField != "", kind: k}
	for _, class := range sortedKeys(m.Actions) {
		a, _ := actionOf(class)
		for _, s := range m.Actions[class] {
			mp.actions = append(mp.actions, rule[event.Action]{newGlob(s), a})
		}
	}
	for _, c := range sortedKeys(m.Categories) {
		for _, s := range m.Categories[c] {
			mp.categories = append(mp.categories, rule[event.Category]{newGlob(s), event.Category(c)})
		}
	}
	names := Names(m)
	keyOf := func(path string) key { return key{path, slices.Index(names, path)} }
	mp.at.time, mp.at.action, mp.at.outcome, mp.at.categoryField = keyOf(m.Time), keyOf(m.Action), keyOf(m.Outcome), keyOf(m.CategoryField)
	own := own(m)
	for _, t := range top {
		if own[t.key] != "" {
			mp.fields = append(mp.fields, field{keyOf(own[t.key]), setters[t.field]})
		}
	}
	for _, name := range sortedKeys(m.Fields) {
		mp.fields = append(mp.fields, field{keyOf(m.Fields[name]), setters[name]})
	}
	return mp, nil
}

// Names lists every path or column the mapping reads, each once: a SlotRecord is asked for them
// by their index in this list.
func Names(m *parse.Mapping) []string {
	var out []string
	for _, p := range paths(m) {
		if p.path != "" && !slices.Contains(out, p.path) {
			out = append(out, p.path)
		}
	}
	return out
}

type keyPath struct{ key, path string }

// paths are the mapping's paths with their keys (mapping.<key>).
func paths(m *parse.Mapping) []keyPath {
	out := []keyPath{{"time", m.Time}, {"action", m.Action}, {"outcome", m.Outcome}, {"category_field", m.CategoryField}}
	own := own(m)
	for _, t := range top {
		out = append(out, keyPath{t.key, own[t.key]})
	}
	for _, name := range sortedKeys(m.Fields) {
		out = append(out, keyPath{"fields." + name, m.Fields[name]})
	}
	return out
}

// own are the mapping's own keys that name an event field (user, host, ...), by key.
func own(m *parse.Mapping) map[string]string {
	return map[string]string{"user": m.User, "host": m.Host, "workstation": m.Workstation, "source_ip": m.SourceIP,
		"object": m.Object, "count": m.Count, "app": m.App}
}

// Events makes the event of one record, as a slice of one (what a parser returns); a *parse.Reject
// when the record has no readable time. The caller stamps the log group.
func (mp *Mapper) Events(rec Record) ([]event.Event, error) {
	r := newReader(rec)
	tv, ok := r.get(mp.at.time)
	if !ok {
		return nil, parse.Rejectf(parse.ReasonMissing, "no value at the time %s", mp.kind.what())
	}
	t, err := mp.time(tv)
	if err != nil {
		return nil, parse.Rejectf(parse.ReasonTimestamp, "the time is unreadable")
	}
	raw := mp.str(&r, mp.at.action)
	evs := make([]event.Event, 1)
	ev := &evs[0]
	ev.Time, ev.Event = t, event.Kind{Action: mp.action(raw), Code: raw}
	ev.Event.Category = mp.category(&r, ev.Event.Action)
	ev.Event.Outcome = mp.outcome(&r)
	for _, f := range mp.fields {
		if v, ok := r.get(f.key); ok && !empty(v) {
			f.set(ev, v)
		}
	}
	if !mp.named || ev.Event.Category == event.CategoryApplication || ev.App != nil {
		a := part(&ev.App)
		if a.Name == "" {
			a.Name = mp.app
		}
		a.Action = raw
	}
	derive(ev, mp.m.Outcome == "")
	return evs, nil
}

func (mp *Mapper) str(r *reader, k key) string {
	v, _ := r.get(k)
	return str(v)
}

// action is the class of the first pattern (classes in name order) the action string matches,
// else default_action, else other.
func (mp *Mapper) action(raw string) event.Action {
	for _, r := range mp.actions {
		if r.pattern.match(raw) {
			return r.to
		}
	}
	if a, ok := actionOf(mp.m.DefaultAction); ok && mp.m.DefaultAction != "" {
		return a
	}
	return event.ActionOther
}

// category is what the category field's value means, else the fixed category, else what the
// action implies (application when nothing does).
func (mp *Mapper) category(r *reader, a event.Action) event.Category {
	if v := strings.TrimSpace(mp.str(r, mp.at.categoryField)); v != "" {
		for _, r := range mp.categories {
			if r.pattern.match(v) {
				return r.to
			}
		}
		if c := event.Category(strings.ToLower(v)); slices.Contains(event.Categories, c) {
			return c
		}
	}
	if mp.m.Category != "" {
		return event.Category(mp.m.Category)
	}
	if c, ok := Actions[a]; ok {
		return c
	}
	return event.CategoryApplication
}

// derive fills what the mapped fields imply: the outcome from an HTTP status (when the mapping
// names no outcome), a mail's recipient count from its recipients, and a delivered mail's status
// (sent, bounced on failure) when the export has none, as the mail detectors read it.
func derive(ev *event.Event, noOutcome bool) {
	if h := ev.HTTP; h != nil && noOutcome && h.Status > 0 {
		ev.Event.Outcome = statusOutcome(int64(h.Status))
	}
	if m := ev.Mail; m != nil {
		if m.RecipientCount == 0 {
			m.RecipientCount = len(m.To)
		}
		if m.Status == "" && ev.Event.Action == event.ActionDeliver {
			m.Status = "sent"
			if ev.Event.Outcome == event.OutcomeFailure {
				m.Status = "bounced"
			}
		}
	}
}

// time reads RFC 3339 (also with a space for the T), epoch seconds or milliseconds (number or
// numeric string), a zone-less ISO time in the input's zone, or time_format.
func (mp *Mapper) time(v Value) (time.Time, error) {
	s := v.Text
	switch {
	case v.Other != nil:
		return time.Time{}, errors.New("not a string or number")
	case !v.Number:
		s = strings.TrimSpace(s)
	}
	if mp.m.TimeFormat != "" {
		return time.ParseInLocation(mp.m.TimeFormat, s, mp.loc)
	}
	if f, err := parseFloat(s); err == nil {
		if f > 1e11 { // milliseconds
			return time.UnixMilli(int64(f)).UTC(), nil
		}
		sec, frac := math.Modf(f)
		return time.Unix(int64(sec), int64(frac*1e9)).UTC(), nil
	}
	if len(s) > 10 && s[10] == ' ' {
		s = s[:10] + "T" + s[11:]
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	return time.ParseInLocation("2006-01-02T15:04:05.999999999", s, mp.loc) // no zone: the input's zone
}

// parseFloat is strconv.ParseFloat, without its error (two allocations) for what starts as a date
// does (2026-...): in a number a '-' follows only the start or an exponent's e.
func parseFloat(s string) (float64, error) {
	if len(s) > 4 && s[4] == '-' && isDigit(s[0]) && isDigit(s[1]) && isDigit(s[2]) && isDigit(s[3]) {
		return 0, strconv.ErrSyntax
	}
	return strconv.ParseFloat(s, 64)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// outcome reads success/failure from strings (English and Dutch), booleans and HTTP-like status
// numbers at the outcome path.
func (mp *Mapper) outcome(r *reader) event.Outcome {
	v, ok := r.get(mp.at.outcome)
	switch {
	case !ok:
		return event.OutcomeUnknown
	case v.Other != nil:
		if x, ok := v.Other.(bool); ok {
			if x {
				return event.OutcomeSuccess
			}
			return event.OutcomeFailure
		}
	case v.Number:
		n, _ := strconv.ParseInt(v.Text, 10, 64) // json.Number's Int64
		return statusOutcome(n)
	default:
		x := v.Text
		switch strings.ToLower(strings.TrimSpace(x)) {
		case "success", "ok", "true", "succeeded", "successful", "granted", "allowed",
			"gelukt", "geslaagd", "succes", "toegestaan", "ja":
			return event.OutcomeSuccess
		case "failure", "fail", "failed", "error", "denied", "false", "forbidden", "blocked",
			"mislukt", "fout", "geweigerd", "geblokkeerd", "nee":
			return event.OutcomeFailure
		}
		if n, err := strconv.Atoi(strings.TrimSpace(x)); err == nil {
			return statusOutcome(int64(n))
		}
	}
	return event.OutcomeUnknown
}

func statusOutcome(n int64) event.Outcome {
	switch {
	case n >= 200 && n < 400:
		return event.OutcomeSuccess
	case n >= 400 && n < 600:
		return event.OutcomeFailure
	}
	return event.OutcomeUnknown
}

// match compares a value with the pattern.
func (g glob) match(s string) bool {
	if g.parts == nil {
		return g.text == s
	}
	parts := g.parts
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	for i, part := range parts[1:] {
		if i == len(parts)-2 {
			return strings.HasSuffix(s, part)
		}
		j := strings.Index(s, part)
		if j < 0 {
			return false
		}
		s = s[j+len(part):]
	}
	return true
}

// Match is the * pattern match of actions and categories (for tests).
func Match(pattern, s string) bool { return newGlob(pattern).match(s) }
