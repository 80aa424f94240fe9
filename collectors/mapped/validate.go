package mapped

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/lekwacht/lekwacht/collectors/parse"
	"github.com/lekwacht/lekwacht/event"
	"go.yaml.in/yaml/v3"
)

// Kind says how a mapping names where a value is.
type Kind int

// The kinds.
const (
	Paths   Kind = iota // dotted paths into a JSON object (a.b.0.c)
	Columns             // column names of a CSV header
)

// Classes are the action classes of a mapping's `actions:`, and the event action each becomes.
// Every event action may be named too (see Actions).
var Classes = map[string]event.Action{
	"view":   event.ActionView,
	"export": event.ActionExport,
	"delete": event.ActionDelete,
	"login":  event.ActionLogon,
	"create": event.ActionCreate,
	"update": event.ActionWrite,
}

// Actions are the event actions a mapping may name as a class of `actions:` or `default_action:`,
// each with the category it implies when the mapping names none (application: none implied).
var Actions = map[event.Action]event.Category{
	event.ActionLogon:        event.CategoryAuthentication,
	event.ActionLogonFailed:  event.CategoryAuthentication,
	event.ActionLogoff:       event.CategoryAuthentication,
	event.ActionLock:         event.CategoryAuthentication,
	event.ActionUnlock:       event.CategoryAuthentication,
	event.ActionReconnect:    event.CategoryAuthentication,
	event.ActionAuthenticate: event.CategoryAuthentication,
	event.ActionDeliver:      event.CategoryEmail,
	event.ActionReceive:      event.CategoryEmail,
	event.ActionSubmit:       event.CategoryEmail,
	event.ActionReject:       event.CategoryEmail,
	event.ActionExpand:       event.CategoryEmail,
	event.ActionRead:         event.CategoryApplication,
	event.ActionWrite:        event.CategoryApplication,
	event.ActionCreate:       event.CategoryApplication,
	event.ActionDelete:       event.CategoryApplication,
	event.ActionRename:       event.CategoryApplication,
	event.ActionAccess:       event.CategoryApplication,
	event.ActionConnect:      event.CategoryApplication,
	event.ActionDisconnect:   event.CategoryApplication,
	event.ActionMkdir:        event.CategoryApplication,
	event.ActionAttach:       event.CategoryDevice,
	event.ActionRequest:      event.CategoryWeb,
	event.ActionView:         event.CategoryApplication,
	event.ActionExport:       event.CategoryApplication,
	event.ActionOther:        event.CategoryApplication,
}

// actionOf is the event action of a class or action name.
func actionOf(name string) (event.Action, bool) {
	if a, ok := Classes[name]; ok {
		return a, true
	}
	_, ok := Actions[event.Action(name)]
	return event.Action(name), ok
}

func actionNames() []string {
	var out []string
	for c := range Classes {
		out = append(out, c)
	}
	for a := range Actions {
		if _, dup := Classes[string(a)]; !dup {
			out = append(out, string(a))
		}
	}
	slices.Sort(out)
	return out
}

func categoryNames() []string {
	out := make([]string, len(event.Categories))
	for i, c := range event.Categories {
		out[i] = string(c)
	}
	return out
}

// FieldNames lists the event fields a mapping's `fields:` may name.
func FieldNames() []string {
	out := make([]string, 0, len(setters))
	for n := range setters {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// Validate reports every problem of a mapping at once.
func Validate(m *parse.Mapping, k Kind) error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if m.Time == "" {
		add("mapping.time: required: the %s of the event's time", k.what())
	}
	for _, p := range paths(m) {
		if k == Paths && p.path != "" && (strings.HasPrefix(p.path, ".") || strings.HasSuffix(p.path, ".") || strings.Contains(p.path, "..")) {
			add("mapping.%s: %q is not a dotted path (a.b.c)", p.key, p.path)
		}
	}
	if m.TimeFormat != "" {
		ref := time.Date(2026, 11, 23, 13, 4, 5, 0, time.UTC)
		if _, err := time.Parse(m.TimeFormat, ref.Format(m.TimeFormat)); err != nil || !strings.ContainsAny(m.TimeFormat, "0123456789") {
			add("mapping.time_format: %q is not a Go time layout (e.g. \"2006-01-02 15:04:05\", \"02-01-2006 15:04\")", m.TimeFormat)
		}
	}
	if len(m.Actions) > 0 && m.Action == "" {
		add("mapping.actions: given, but mapping.action (the %s of the action string) is not", k.what())
	}
	errs = append(errs, valueMap("actions", m.Actions, func(class string) error {
		if _, ok := actionOf(class); ok {
			return nil
		}
		if s := suggest(class, actionNames()); s != "" {
			return fmt.Errorf("unknown class%s", s)
		}
		return fmt.Errorf("unknown class; use view, export, delete, login, create or update, or an event action (%s)", strings.Join(actionNames(), ", "))
	})...)
	if _, ok := actionOf(m.DefaultAction); m.DefaultAction != "" && !ok {
		add("mapping.default_action: %q is no class or event action%s", m.DefaultAction, suggest(m.DefaultAction, actionNames()))
	}
	isCategory := func(c string) error {
		if slices.Contains(event.Categories, event.Category(c)) {
			return nil
		}
		if s := suggest(c, categoryNames()); s != "" {
			return fmt.Errorf("unknown category%s", s)
		}
		return fmt.Errorf("unknown category; use %s", strings.Join(categoryNames(), ", "))
	}
	if m.Category != "" {
		if err := isCategory(m.Category); err != nil {
			add("mapping.category: %q: %v", m.Category, err)
		}
	}
	if len(m.Categories) > 0 && m.CategoryField == "" {
		add("mapping.categories: given, but mapping.category_field (the %s of the value naming the category) is not", k.what())
	}
	errs = append(errs, valueMap("categories", m.Categories, isCategory)...)
	errs = append(errs, validateFields(m)...)
	return errors.Join(errs...)
}

func (k Kind) what() string {
	if k == Columns {
		return "column"
	}
	return "path"
}

// valueMap checks a map of names to value lists (actions, categories): known names, no empty
// value, no value under two names.
func valueMap(key string, m map[string][]string, known func(string) error) []error {
	var errs []error
	seen := map[string]string{}
	for _, name := range sortedKeys(m) {
		if err := known(name); err != nil {
			errs = append(errs, fmt.Errorf("mapping.%s.%s: %v", key, name, err))
		}
		for _, s := range m[name] {
			if s == "" {
				errs = append(errs, fmt.Errorf("mapping.%s.%s: empty value", key, name))
			}
			if other, dup := seen[s]; dup && other != name {
				errs = append(errs, fmt.Errorf("mapping.%s: %q is in both %s and %s", key, s, other, name))
			}
			seen[s] = name
		}
	}
	return errs
}

func validateFields(m *parse.Mapping) []error {
	var errs []error
	for _, name := range sortedKeys(m.Fields) {
		at := "mapping.fields." + name
		if _, ok := setters[name]; !ok {
			if h, ok := hints[name]; ok {
				errs = append(errs, fmt.Errorf("%s: unknown field; did you mean %s?", at, h))
			} else if s := suggest(name, FieldNames()); s != "" {
				errs = append(errs, fmt.Errorf("%s: unknown field%s", at, s))
			} else {
				errs = append(errs, fmt.Errorf("%s: unknown field; fields are %s", at, strings.Join(FieldNames(), ", ")))
			}
		}
		if m.Fields[name] == "" {
			errs = append(errs, fmt.Errorf("%s: empty: give the path or column of the value", at))
		}
	}
	own := own(m)
	for _, t := range top {
		if own[t.key] != "" && m.Fields[t.field] != "" {
			errs = append(errs, fmt.Errorf("mapping.fields.%s: also given as mapping.%s; give one", t.field, t.key))
		}
	}
	return errs
}

// suggest is "; did you mean X?" for the known name closest to s, when one is close.
func suggest(s string, known []string) string {
	best, bestD := "", 3 // two edits at most
	for _, k := range known {
		if d := distance(strings.ToLower(s), k); d < bestD {
			best, bestD = k, d
		}
	}
	if best == "" || best == s {
		return ""
	}
	return fmt.Sprintf("; did you mean %s?", best)
}

// distance is the Levenshtein distance of two strings (bytes).
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// LoadMapping reads a mapping file (YAML, the keys of the config's mapping block) strictly, and
// validates it for k.
func LoadMapping(path string, k Kind) (*parse.Mapping, error) {
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
	if err := Validate(&m, k); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &m, nil
}
