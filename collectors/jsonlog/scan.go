package jsonlog

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/lekwacht/lekwacht/collectors/jsonscan"
	"github.com/lekwacht/lekwacht/collectors/mapped"
)

// node is one element of the mapping's paths, as a tree: the paths a.b and a.c share the node a.
type node struct {
	key   string
	index int // key as an array index (strconv.Atoi, as object.Get reads it), -1 when none
	slot  int // the value of the path ending here, -1 when none ends here
	kids  []*node
	// first and last bound the slots of the paths through this node: a value met again replaces
	// what was read below it.
	first, last int
}

// paths is the tree of a mapping's paths, and the slot of each path.
type paths struct {
	root  *node
	slots map[string]int
	// ambiguous: two elements below one node name the same array index ("1" and "01"); the
	// scanner reads a value once, so such mappings are read by encoding/json.
	ambiguous bool
}

func newPaths(names []string) *paths {
	p := &paths{root: &node{index: -1, slot: -1}, slots: map[string]int{}}
	for _, name := range names {
		if name == "" {
			continue
		}
		n := p.root
		for part := range strings.SplitSeq(name, ".") {
			i := slices.IndexFunc(n.kids, func(k *node) bool { return k.key == part })
			if i < 0 {
				k := &node{key: part, index: -1, slot: -1}
				if v, err := strconv.Atoi(part); err == nil && v >= 0 {
					k.index = v
				}
				n.kids = append(n.kids, k)
				i = len(n.kids) - 1
			}
			n = n.kids[i]
		}
		n.slot = -2 // numbered below
	}
	p.number(p.root, "")
	return p
}

// number gives the paths' slots in depth-first order, so a node's paths have the slots
// first..last-1, and notes indexes named twice.
func (p *paths) number(n *node, prefix string) {
	n.first = len(p.slots)
	if n.slot == -2 {
		n.slot = len(p.slots)
		p.slots[prefix] = n.slot
	}
	seen := map[int]bool{}
	for _, k := range n.kids {
		if k.index >= 0 {
			p.ambiguous = p.ambiguous || seen[k.index]
			seen[k.index] = true
		}
		name := k.key
		if prefix != "" {
			name = prefix + "." + k.key
		}
		p.number(k, name)
	}
	n.last = len(p.slots)
}

// record is a line read by the scanner: the values at the mapping's paths, as they stand in the
// line (a mapped.Record).
type record struct {
	paths *paths
	s     jsonscan.Scanner
	line  []byte
	text  string // the line as a string: texts without escapes are parts of it
	vals  []jsonscan.Value
	key   []byte
}

func newRecord(p *paths) *record {
	return &record{paths: p, vals: make([]jsonscan.Value, len(p.slots))}
}

// read reads a line as json.Decoder with UseNumber reads its first value into a map[string]any, taking
// only the mapping's paths: the last of duplicate keys wins, a value met again replaces all that was
// read below its key, and what follows the first value is not read. It gives up (false) on what is
// not an object of valid UTF-8 JSON; the caller reads such lines with encoding/json.
func (r *record) read(line []byte, text string) bool {
	if r.paths.ambiguous || !utf8.Valid(line) {
		return false
	}
	r.line, r.text = line, text
	r.s.Reset(line)
	if r.s.Peek() != jsonscan.Object {
		return false
	}
	r.value(r.paths.root)
	return !r.s.Failed()
}

// value reads the next value for node n: into n's slot when a path ends there, and down into n's
// elements when paths go on.
func (r *record) value(n *node) {
	s := &r.s
	clear(r.vals[n.first:n.last])
	k := s.Peek()
	start := s.Pos()
	switch {
	case k == jsonscan.Object && len(n.kids) > 0:
		s.Enter()
		for key := s.Member(); key.Kind != jsonscan.Invalid; key = s.Member() {
			if kid := r.member(n, key); kid != nil {
				r.value(kid)
			} else {
				s.Skip()
			}
		}
	case k == jsonscan.Array && len(n.kids) > 0:
		s.Enter()
		for i := 0; s.Elem(); i++ {
			if j := slices.IndexFunc(n.kids, func(k *node) bool { return k.index == i }); j >= 0 {
				r.value(n.kids[j])
			} else {
				s.Skip()
			}
		}
	case k == jsonscan.Object || k == jsonscan.Array:
		s.Skip()
	default:
		v := s.Scalar()
		if n.slot >= 0 {
			r.vals[n.slot] = v
		}
		return
	}
	if n.slot >= 0 && !s.Failed() {
		r.vals[n.slot] = jsonscan.Value{Kind: k, Raw: r.line[start:s.Pos()], Start: start}
	}
}

// member is n's element named key, or nil.
func (r *record) member(n *node, key jsonscan.Value) *node {
	raw := key.Raw[1 : len(key.Raw)-1]
	if key.Escaped {
		r.key = key.AppendText(r.key[:0])
		raw = r.key
	}
	for _, k := range n.kids {
		if string(raw) == k.key {
			return k
		}
	}
	return nil
}

// Value is Get as a mapped.Value: texts and numbers are not put in an any.
func (r *record) Value(path string) (mapped.Value, bool) {
	i, ok := r.paths.slots[path]
	if !ok {
		return mapped.Value{}, false
	}
	switch v := r.vals[i]; v.Kind {
	case jsonscan.String:
		return mapped.Text(v.In(r.text)), true
	case jsonscan.Number:
		return mapped.Value{Text: r.text[v.Start : v.Start+len(v.Raw)], Number: true}, true
	case jsonscan.Invalid, jsonscan.Null:
		return mapped.Value{}, false
	}
	x, _ := r.Get(path) // true, false, an object or an array
	return mapped.ValueOf(x)
}

// Get is the value at a path as object.Get gives it: a string, json.Number, bool, []any or
// map[string]any, and whether there is one (null is none).
func (r *record) Get(path string) (any, bool) {
	i, ok := r.paths.slots[path]
	if !ok {
		return nil, false // the mapper asks only for its paths
	}
	v := r.vals[i]
	switch v.Kind {
	case jsonscan.String:
		return v.In(r.text), true
	case jsonscan.Number:
		return json.Number(r.text[v.Start : v.Start+len(v.Raw)]), true
	case jsonscan.True:
		return true, true
	case jsonscan.False:
		return false, true
	case jsonscan.Object, jsonscan.Array:
		dec := json.NewDecoder(bytes.NewReader(v.Raw))
		dec.UseNumber()
		var x any
		dec.Decode(&x) // the scanner checked it
		return x, true
	}
	return nil, false
}
