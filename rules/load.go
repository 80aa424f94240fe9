package rules

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/lekwacht/lekwacht/config"
	"github.com/lekwacht/lekwacht/event"
	"github.com/lekwacht/lekwacht/hit"
	"go.yaml.in/yaml/v3"
)

//go:embed default/*.yaml
var shipped embed.FS

// Shipped returns the rules embedded in the binary.
func Shipped() ([]*Rule, error) {
	sub, _ := fs.Sub(shipped, "default")
	return LoadFS(sub, "(shipped)")
}

// Set is the rules in force: the shipped ones, with the gemeente's own added (a rule with the id of a
// shipped one replaces it).
type Set struct {
	Rules []*Rule
}

// Load reads the shipped rules and, when dir is not empty, the gemeente's own. Every problem of
// every file is reported at once.
func Load(dir string) (*Set, error) {
	rules, err := Shipped()
	if err != nil {
		return nil, fmt.Errorf("shipped rules: %w", err)
	}
	if dir != "" {
		own, err := LoadFS(os.DirFS(dir), dir)
		if err != nil {
			return nil, err
		}
		for _, r := range own {
			if i := slices.IndexFunc(rules, func(s *Rule) bool { return s.ID == r.ID }); i >= 0 {
				rules[i] = r
			} else {
				rules = append(rules, r)
			}
		}
	}
	sort.Slice(rules, func(i, j int) bool { return rules[i].ID < rules[j].ID })
	return &Set{Rules: rules}, nil
}

// Active are the rules to run: all but deprecated ones.
func (s *Set) Active() []*Rule {
	var out []*Rule
	for _, r := range s.Rules {
		if r.Status != StatusDeprecated {
			out = append(out, r)
		}
	}
	return out
}

// LoadFS reads every *.yaml and *.yml file (not in subfolders named tests) of fsys; prefix names
// the files in messages.
func LoadFS(fsys fs.FS, prefix string) ([]*Rule, error) {
	var rules []*Rule
	var errs []error
	seen := map[string]string{}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != "." && (d.Name() == "tests" || strings.HasPrefix(d.Name(), ".")) {
				return fs.SkipDir
			}
			return nil
		}
		if ext := path.Ext(p); ext != ".yaml" && ext != ".yml" {
			return nil
		}
		name := path.Join(prefix, p)
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
			return nil
		}
		r, err := Parse(data, name)
		if err != nil {
			errs = append(errs, err)
			return nil
		}
		if other, ok := seen[r.ID]; ok {
			errs = append(errs, fmt.Errorf("%s:%d: rule id %q is also used by %s", name, r.Line, r.ID, other))
			return nil
		}
		seen[r.ID] = name
		rules = append(rules, r)
		return nil
	})
	if err != nil {
		errs = append(errs, fmt.Errorf("%s: %w", prefix, err))
	}
	return rules, errors.Join(errs...)
}

// keys are the top-level keys a rule file may have.
var keys = []string{"id", "title", "status", "level", "description", "detector", "match", "window", "threshold",
	"count", "group_by", "allow", "categories", "falsepositives", "tags", "params"}

var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*$`)

// Parse reads one rule file strictly: unknown keys, wrong types and invalid values are errors with
// file:line:col, all of them at once.
func Parse(data []byte, name string) (*Rule, error) {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil && !errors.Is(err, io.EOF) { // an empty file: no mapping, below
		return nil, fmt.Errorf("%s: %s", name, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s:1:1: a rule file holds one mapping (id: ..., title: ...)", name)
	}
	root := doc.Content[0]
	p := &problems{name: name}
	unknown := false
	for i := 0; i+1 < len(root.Content); i += 2 {
		k := root.Content[i]
		if !slices.Contains(keys, k.Value) {
			p.at(k, "unknown key %q", k.Value)
			unknown = true
		}
	}
	if unknown {
		p.errs = append(p.errs, fmt.Errorf("%s: rule keys are %s", name, strings.Join(keys, ", ")))
	}
	r := &Rule{File: name, Line: root.Line}
	if err := root.Decode(r); err != nil {
		var te *yaml.TypeError
		if errors.As(err, &te) {
			for _, e := range te.Errors {
				p.errs = append(p.errs, fmt.Errorf("%s: %s", name, e))
			}
		} else {
			p.errs = append(p.errs, fmt.Errorf("%s: %w", name, err))
		}
		return nil, p.err()
	}
	validate(r, root, p)
	if err := p.err(); err != nil {
		return nil, err
	}
	return r, nil
}

type problems struct {
	name string
	errs []error
}

func (p *problems) at(n *yaml.Node, format string, args ...any) {
	p.errs = append(p.errs, fmt.Errorf("%s:%d:%d: %s", p.name, n.Line, n.Column, fmt.Sprintf(format, args...)))
}

func (p *problems) err() error { return errors.Join(p.errs...) }

// value returns the value node of a top-level key, or the mapping itself when the key is absent.
func value(root *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == key {
			return root.Content[i+1]
		}
	}
	return root
}

// keyOf returns the key node of a field inside a mapping value, or the mapping.
func keyOf(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i]
		}
	}
	return m
}

func validate(r *Rule, root *yaml.Node, p *problems) {
	switch {
	case r.ID == "":
		p.at(root, "id is required")
	case !idPattern.MatchString(r.ID):
		p.at(value(root, "id"), "id %q: use lower case letters, digits, '.', '_' and '-'", r.ID)
	}
	if strings.TrimSpace(r.Title) == "" {
		p.at(root, "title is required")
	}
	if !slices.Contains(Statuses, r.Status) {
		p.at(value(root, "status"), "status %q%s (use one of %v)", r.Status, config.DidYouMean(r.Status, Statuses), Statuses)
	}
	if r.Level.Rank() == 0 {
		p.at(value(root, "level"), "level %q%s (use one of %v)", r.Level, config.DidYouMean(r.Level, hit.Severities), hit.Severities)
	}
	if r.Detector != "" && !slices.Contains(Detectors, r.Detector) {
		p.at(value(root, "detector"), "unknown detector %q; detectors are %s", r.Detector, strings.Join(Detectors, ", "))
	}
	if r.Detector == "" && len(r.Match) == 0 {
		p.at(root, "a rule needs a detector or a match")
	}
	if r.DetectorID() == "threshold" {
		if r.Threshold < 1 {
			p.at(value(root, "threshold"), "threshold must be 1 or more for a threshold rule")
		}
		if r.Window <= 0 {
			p.at(value(root, "window"), "window is required for a threshold rule (e.g. 10m)")
		}
	}
	if r.Threshold < 0 {
		p.at(value(root, "threshold"), "threshold must not be negative")
	}
	if r.Window < 0 {
		p.at(value(root, "window"), "window must not be negative")
	}
	checkFields(p, value(root, "match"), keysOf(r.Match))
	checkFields(p, value(root, "allow"), keysOf(r.Allow))
	for i, f := range r.GroupBy {
		if !slices.Contains(event.Fields, f) {
			p.at(value(root, "group_by").Content[i], "group_by: unknown field %q; fields are %s", f, strings.Join(event.Fields, ", "))
		}
	}
	if r.Count != "" {
		f, ok := strings.CutPrefix(r.Count, "distinct ")
		if !ok || !slices.Contains(event.Fields, strings.TrimSpace(f)) {
			p.at(value(root, "count"), "count %q: leave it out to count events, or write \"distinct FIELD\" with an event field", r.Count)
		}
	}
	for i, c := range r.Categories {
		if !slices.Contains(hit.Categories, c) {
			p.at(value(root, "categories").Content[i], "unknown data category %q; categories are %v", c, hit.Categories)
		}
	}
	for field, vals := range r.Match {
		for _, v := range vals {
			if _, err := path.Match(strings.ToLower(v), ""); err != nil {
				p.at(keyOf(value(root, "match"), field), "match %s: bad glob %q", field, v)
			}
		}
	}
}

func keysOf(m map[string]Values) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func checkFields(p *problems, m *yaml.Node, fields []string) {
	for _, f := range fields {
		if !slices.Contains(event.Fields, f) {
			p.at(keyOf(m, f), "unknown event field %q; fields are %s", f, strings.Join(event.Fields, ", "))
		}
	}
}
