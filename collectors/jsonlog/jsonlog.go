// Package jsonlog reads any JSON-lines log (an application's audit log: a zaaksysteem, Open Zaak,
// Nextcloud, GitLab; or a DLP, proxy or mail export): a mapping names, as dotted paths, where each
// field of an event is, and its category and action (package mapped).
package jsonlog

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"strings"

	"github.com/lekwacht/lekwacht/collectors/mapped"
	"github.com/lekwacht/lekwacht/collectors/parse"
	"github.com/lekwacht/lekwacht/event"
)

// Name is the format's name in the config and on the command line.
const Name = "json"

// Classes are the action classes a mapping may use, and the event action each becomes; any event
// action may be named too (mapped.Actions).
var Classes = mapped.Classes

// Parser reads JSON lines by a mapping.
type Parser struct {
	mp *mapped.Mapper
}

// New builds a Parser; opts.Mapping is required.
func New(opts parse.Options) (parse.Parser, error) {
	if opts.Mapping == nil {
		return nil, errors.New("format json needs a mapping (time, user, action, ...)")
	}
	mp, err := mapped.New(opts.Mapping, opts, mapped.Paths)
	if err != nil {
		return nil, err
	}
	return &Parser{mp: mp}, nil
}

// Validate reports every problem of a mapping at once.
func Validate(m *parse.Mapping) error { return mapped.Validate(m, mapped.Paths) }

// LoadMapping reads a mapping file (YAML, the keys of the config's mapping block), strictly.
func LoadMapping(path string) (*parse.Mapping, error) { return mapped.LoadMapping(path, mapped.Paths) }

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
	evs, err := p.mp.Events(object(obj))
	if err != nil {
		return nil, err
	}
	parse.Stamp(&evs[0], l, Name)
	return evs, nil
}

// object is a JSON line as a mapped.Record.
type object map[string]any

// Get follows a dotted path; a numeric element indexes an array.
func (obj object) Get(path string) (any, bool) {
	if path == "" {
		return nil, false
	}
	var cur any = map[string]any(obj)
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
