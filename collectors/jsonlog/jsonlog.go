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
	mp  *mapped.Mapper
	rec *record
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
	return &Parser{mp: mp, rec: newRecord(newPaths(mapped.Names(opts.Mapping)))}, nil
}

// Validate reports every problem of a mapping at once.
func Validate(m *parse.Mapping) error { return mapped.Validate(m, mapped.Paths) }

// LoadMapping reads a mapping file (YAML, the keys of the config's mapping block), strictly.
func LoadMapping(path string) (*parse.Mapping, error) { return mapped.LoadMapping(path, mapped.Paths) }

// Parse reads one line. Lines are read by a scanner that takes only the mapping's paths; a line it
// does not take (not a JSON object, invalid JSON or UTF-8) is decoded by encoding/json, which says
// why it is rejected.
func (p *Parser) Parse(l parse.Line) ([]event.Event, error) {
	text := string(l.Text)
	var rec mapped.Record = p.rec
	if !p.rec.read(l.Text, text) {
		obj, err := decode(l.Text)
		if err != nil {
			return nil, err
		}
		rec = obj
	}
	evs, err := p.mp.Events(rec)
	if err != nil {
		return nil, err
	}
	parse.StampText(&evs[0], l, text, Name)
	return evs, nil
}

// decode reads a line with encoding/json: the lines the scanner leaves, and the reference the
// scanner is tested against.
func decode(line []byte) (object, error) {
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return nil, parse.Rejectf(parse.ReasonJSON, "not JSON or truncated")
	}
	obj, ok := doc.(map[string]any)
	if !ok {
		return nil, parse.Rejectf(parse.ReasonJSON, "not a JSON object")
	}
	return object(obj), nil
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
