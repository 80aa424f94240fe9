// Package jsonlog reads any JSON-lines application audit log (a zaaksysteem, Open Zaak, Nextcloud,
// GitLab): a mapping names, as dotted paths, where each field of an event is.
package jsonlog

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lekwacht/lekwacht/collectors/parse"
	"github.com/lekwacht/lekwacht/event"
	"go.yaml.in/yaml/v3"
)

// Name is the format's name in the config and on the command line.
const Name = "json"

// Classes are the action classes a mapping may use, and the event action each becomes.
var Classes = map[string]event.Action{
	"view":   event.ActionView,
	"export": event.ActionExport,
	"delete": event.ActionDelete,
	"login":  event.ActionLogon,
	"create": event.ActionCreate,
	"update": event.ActionWrite,
}

// Parser reads JSON lines by a mapping.
type Parser struct {
	m    *parse.Mapping
	app  string
	loc  *time.Location
	rule []actionRule
}

type actionRule struct {
	pattern string
	action  event.Action
}

// New builds a Parser; opts.Mapping is required.
func New(opts parse.Options) (parse.Parser, error) {
	if opts.Mapping == nil {
		return nil, errors.New("format json needs a mapping (time, user, action, ...)")
	}
	if err := Validate(opts.Mapping); err != nil {
		return nil, err
	}
	p := &Parser{m: opts.Mapping, app: opts.Input, loc: opts.Loc()}
	classes := make([]string, 0, len(opts.Mapping.Actions))
	for c := range opts.Mapping.Actions {
		classes = append(classes, c)
	}
	slices.Sort(classes)
	for _, c := range classes {
		for _, s := range opts.Mapping.Actions[c] {
			p.rule = append(p.rule, actionRule{pattern: s, action: Classes[c]})
		}
	}
	return p, nil
}

// Validate reports every problem of a mapping at once.
func Validate(m *parse.Mapping) error {
	var errs []error
	if m.Time == "" {
		errs = append(errs, errors.New("mapping.time: required: the path of the event's time"))
	}
	for name, path := range map[string]string{"time": m.Time, "user": m.User, "action": m.Action, "host": m.Host,
		"workstation": m.Workstation, "source_ip": m.SourceIP, "object": m.Object, "count": m.Count, "outcome": m.Outcome, "app": m.App} {
		if path != "" && (strings.HasPrefix(path, ".") || strings.HasSuffix(path, ".") || strings.Contains(path, "..")) {
			errs = append(errs, fmt.Errorf("mapping.%s: %q is not a dotted path (a.b.c)", name, path))
		}
	}
	if m.TimeFormat != "" {
		ref := time.Date(2026, 11, 23, 13, 4, 5, 0, time.UTC)
		if _, err := time.Parse(m.TimeFormat, ref.Format(m.TimeFormat)); err != nil || !strings.ContainsAny(m.TimeFormat, "0123456789") {
			errs = append(errs, fmt.Errorf("mapping.time_format: %q is not a Go time layout (e.g. \"2006-01-02 15:04:05\")", m.TimeFormat))
		}
	}
	if len(m.Actions) > 0 && m.Action == "" {
		errs = append(errs, errors.New("mapping.actions: given, but mapping.action (the path of the action string) is not"))
	}
	seen := map[string]string{}
	for class, list := range m.Actions {
		if _, ok := Classes[class]; !ok {
			errs = append(errs, fmt.Errorf("mapping.actions.%s: unknown class; use view, export, delete, login, create or update", class))
		}
		for _, s := range list {
			if s == "" {
				errs = append(errs, fmt.Errorf("mapping.actions.%s: empty action string", class))
			}
			if other, dup := seen[s]; dup && other != class {
				errs = append(errs, fmt.Errorf("mapping.actions: %q is in both %s and %s", s, other, class))
			}
			seen[s] = class
		}
	}
	return errors.Join(errs...)
}

// LoadMapping reads a mapping file (YAML, the keys of the config's mapping block), strictly.
func LoadMapping(path string) (*parse.Mapping, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var m parse.Mapping
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("%s: %s", path, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	if err := Validate(&m); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &m, nil
}

// Parse reads one line.
func (p *Parser) Parse(l parse.Line) ([]event.Event, error) {
	dec := json.NewDecoder(bytes.NewReader(l.Text))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return nil, parse.Rejectf(parse.ReasonJSON, "not JSON or truncated")
	}
	obj, ok := doc.(map[string]any)
	if !ok {
		return nil, parse.Rejectf(parse.ReasonJSON, "not a JSON object")
	}
	tv, ok := lookup(obj, p.m.Time)
	if !ok {
		return nil, parse.Rejectf(parse.ReasonMissing, "no value at the time path")
	}
	t, err := p.time(tv)
	if err != nil {
		return nil, parse.Rejectf(parse.ReasonTimestamp, "time at the time path is unreadable")
	}
	ev := event.Event{Time: t, Event: event.Kind{Category: event.CategoryApplication, Action: event.ActionOther}}
	raw := p.str(obj, p.m.Action)
	ev.Event.Code = raw
	for _, r := range p.rule {
		if match(r.pattern, raw) {
			ev.Event.Action = r.action
			break
		}
	}
	if ev.Event.Action == event.ActionLogon {
		ev.Event.Category = event.CategoryAuthentication
	}
	ev.Event.Outcome = outcome(obj, p.m.Outcome)
	ev.User.Name = p.str(obj, p.m.User)
	ev.Host.Name = p.str(obj, p.m.Host)
	ev.Host.Workstation = p.str(obj, p.m.Workstation)
	ev.Source.IP = p.str(obj, p.m.SourceIP)
	app := p.app
	if v := p.str(obj, p.m.App); v != "" {
		app = v
	}
	ev.App = &event.App{Name: app, Action: raw, Object: p.str(obj, p.m.Object)}
	if v, ok := lookup(obj, p.m.Count); ok && p.m.Count != "" {
		ev.App.Count = count(v)
	}
	parse.Stamp(&ev, l, Name)
	return []event.Event{ev}, nil
}

// lookup follows a dotted path; a numeric element indexes an array.
func lookup(obj map[string]any, path string) (any, bool) {
	if path == "" {
		return nil, false
	}
	var cur any = obj
	for _, part := range strings.Split(path, ".") {
		switch c := cur.(type) {
		case map[string]any:
			v, ok := c[part]
			if !ok {
				return nil, false
			}
			cur = v
		case []any:
			i, err := strconv.Atoi(part)
			if err != nil || i < 0 || i >= len(c) {
				return nil, false
			}
			cur = c[i]
		default:
			return nil, false
		}
	}
	return cur, cur != nil
}

func (p *Parser) str(obj map[string]any, path string) string {
	v, ok := lookup(obj, path)
	if !ok {
		return ""
	}
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return x.String()
	case bool:
		return strconv.FormatBool(x)
	}
	return ""
}

// time reads RFC 3339, epoch seconds or milliseconds (number or numeric string), or time_format.
func (p *Parser) time(v any) (time.Time, error) {
	s := ""
	switch x := v.(type) {
	case string:
		s = x
	case json.Number:
		s = x.String()
	default:
		return time.Time{}, errors.New("not a string or number")
	}
	if p.m.TimeFormat != "" {
		return time.ParseInLocation(p.m.TimeFormat, s, p.loc)
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		if f > 1e11 { // milliseconds
			return time.UnixMilli(int64(f)).UTC(), nil
		}
		sec, frac := math.Modf(f)
		return time.Unix(int64(sec), int64(frac*1e9)).UTC(), nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	return time.ParseInLocation("2006-01-02T15:04:05.999999999", s, p.loc) // no zone: the input's zone
}

func count(v any) int64 {
	switch x := v.(type) {
	case json.Number:
		n, _ := x.Int64()
		return n
	case string:
		n, _ := strconv.ParseInt(strings.TrimSpace(x), 10, 64)
		return n
	case []any:
		return int64(len(x))
	}
	return 0
}

// outcome reads success/failure from strings, booleans and HTTP-like status numbers.
func outcome(obj map[string]any, path string) event.Outcome {
	v, ok := lookup(obj, path)
	if !ok || path == "" {
		return event.OutcomeUnknown
	}
	switch x := v.(type) {
	case bool:
		if x {
			return event.OutcomeSuccess
		}
		return event.OutcomeFailure
	case json.Number:
		n, _ := x.Int64()
		switch {
		case n >= 200 && n < 400:
			return event.OutcomeSuccess
		case n >= 400 && n < 600:
			return event.OutcomeFailure
		}
	case string:
		switch strings.ToLower(x) {
		case "success", "ok", "true", "succeeded", "successful", "granted":
			return event.OutcomeSuccess
		case "failure", "fail", "failed", "error", "denied", "false", "forbidden":
			return event.OutcomeFailure
		}
		if n, err := strconv.Atoi(x); err == nil {
			return outcome(map[string]any{"v": json.Number(strconv.Itoa(n))}, "v")
		}
	}
	return event.OutcomeUnknown
}

// match compares an action string with a pattern in which * stands for any text.
func match(pattern, s string) bool {
	if !strings.Contains(pattern, "*") {
		return pattern == s
	}
	parts := strings.Split(pattern, "*")
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
