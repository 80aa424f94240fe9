package jsonlog

// The parser as it was before it read lines with jsonscan (commit 7eba5b2): json.Decoder with
// UseNumber into map[string]any, dotted paths followed through the maps. Kept as the reference the
// equivalence tests hold the new one to.

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/lekwacht/lekwacht/collectors/mapped"
	"github.com/lekwacht/lekwacht/collectors/parse"
	"github.com/lekwacht/lekwacht/event"
)

// oldParser reads JSON lines by a mapping.
type oldParser struct {
	mp *mapped.Mapper
}

func oldNew(opts parse.Options) (parse.Parser, error) {
	mp, err := mapped.New(opts.Mapping, opts, mapped.Paths)
	if err != nil {
		return nil, err
	}
	return &oldParser{mp: mp}, nil
}

// Parse reads one line.
func (p *oldParser) Parse(l parse.Line) ([]event.Event, error) {
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
	evs, err := p.mp.Events(oldObject(obj))
	if err != nil {
		return nil, err
	}
	parse.Stamp(&evs[0], l, Name)
	return evs, nil
}

// oldObject is a JSON line as a mapped.Record.
type oldObject map[string]any

// Get follows a dotted path; a numeric element indexes an array.
func (obj oldObject) Get(path string) (any, bool) {
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
