package rules

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lekwacht/lekwacht/hit"
	"go.yaml.in/yaml/v3"
)

// ruleText is a Rule as it is written: what a parsed rule re-serialises to.
type ruleText struct {
	ID             string            `yaml:"id"`
	Title          string            `yaml:"title"`
	Status         Status            `yaml:"status"`
	Level          hit.Severity      `yaml:"level"`
	Description    string            `yaml:"description,omitempty"`
	Detector       string            `yaml:"detector,omitempty"`
	Match          map[string]Values `yaml:"match,omitempty"`
	Window         string            `yaml:"window,omitempty"`
	Threshold      int               `yaml:"threshold,omitempty"`
	Count          string            `yaml:"count,omitempty"`
	GroupBy        []string          `yaml:"group_by,omitempty"`
	Allow          map[string]Values `yaml:"allow,omitempty"`
	Categories     []hit.Category    `yaml:"categories,omitempty"`
	FalsePositives []string          `yaml:"falsepositives,omitempty"`
	Tags           []string          `yaml:"tags,omitempty"`
	Params         map[string]any    `yaml:"params,omitempty"`
}

func marshalRule(t *testing.T, r *Rule) []byte {
	t.Helper()
	rt := ruleText{r.ID, r.Title, r.Status, r.Level, r.Description, r.Detector, r.Match, "", r.Threshold, r.Count,
		r.GroupBy, r.Allow, r.Categories, r.FalsePositives, r.Tags, r.Params}
	if r.Window != 0 {
		rt.Window = time.Duration(r.Window).String()
	}
	b, err := yaml.Marshal(rt)
	if err != nil {
		t.Fatalf("marshal %+v: %v", r, err)
	}
	return b
}

// located are the shapes of a Parse error: file:line:col (its own checks), "file: line N:" (the
// YAML library's), or the list of rule keys that follows an unknown key.
var located = regexp.MustCompile(`^fuzz\.yaml(:(\d+):(\d+): |: line (\d+): |: rule keys are )`)

// leaves are the single errors of an errors.Join tree.
func leaves(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, leaves(e)...)
		}
		return out
	}
	return []error{err}
}

// FuzzParse: Parse never panics and is quick; every problem it reports names the file and a line
// inside it; a rule it accepts re-serialises to a file it accepts again, unchanged; the compiled
// Matcher of an accepted rule agrees with Rule.Matches on a fuzzed event.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("default/*.yaml")
	examples, _ := filepath.Glob("examples/*.yaml")
	if len(files) < 8 || len(examples) < 2 {
		f.Fatalf("seeds: %d shipped rules, %d examples", len(files), len(examples))
	}
	for _, p := range append(files, examples...) {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, []byte("file\x00delete\x00\x00\x00\x00a.bakker"))
	}
	for _, s := range []string{
		base + "match: {event.action: delete}\nwindow: 10m\nthreshold: 5\ncolour: red\n",
		base + "match: &m {event.action: [export, \"D?L*\"]}\nallow: *m\nwindow: 2d\nthreshold: 1\ngroup_by: [user.name]\n",
		base + "detector: threshold\nmatch: {email.to: [\"*@GMAIL.com\"]}\nwindow: -1h\nthreshold: 1\ncount: distinct email.to\n",
		base + "detector: mass_deletion\ngroup_by: &g [user.name, host.name]\ncategories: [bsn]\ntags: *g\n",
		"base: &b {id: a, title: T, status: test, level: low, detector: mass_deletion}\n<<: *b\n",
		base + "detector: private_mail\nparams: {limit: 3, ratio: .nan, when: 2024-01-02, list: [a, {b: c}], 1: x}\n",
		base + "match: {event.action: \"[\"}\nwindow: 1h\nthreshold: 1\n",
		"- a\n- b\n", "", "id: x\nid: y\n", "{",
	} {
		f.Add([]byte(s), []byte("\x00export"))
	}
	f.Fuzz(func(t *testing.T, data, ev []byte) {
		start := time.Now()
		r, err := Parse(data, "fuzz.yaml")
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("Parse of %d bytes took %v", len(data), d)
		}
		if err != nil {
			if r != nil {
				t.Fatalf("Parse returned a rule and an error: %v", err)
			}
			// A syntax error is the YAML library's, which names a line for most, not all ("found
			// unexpected end of stream").
			var node yaml.Node
			syntax := yaml.Unmarshal(data, &node) != nil
			lines := yamlLines(data)
			for _, e := range leaves(err) {
				m := located.FindStringSubmatch(e.Error())
				if m == nil && syntax && strings.HasPrefix(e.Error(), "fuzz.yaml: ") {
					continue
				}
				if m == nil {
					t.Fatalf("error without file:line: %q", e)
				}
				for _, n := range []string{m[2], m[4]} {
					if l, _ := strconv.Atoi(n); n != "" && (l < 1 || l > lines) {
						t.Fatalf("error names line %d of a file of %d lines: %q", l, lines, e)
					}
				}
			}
			return
		}
		if r.File != "fuzz.yaml" || r.Line < 1 {
			t.Fatalf("rule read from %q line %d", r.File, r.Line)
		}
		text := marshalRule(t, r)
		again, err := Parse(text, "fuzz.yaml")
		if err != nil {
			t.Fatalf("a parsed rule, written out, does not parse: %v\n%s", err, text)
		}
		if text2 := marshalRule(t, again); !bytes.Equal(text, text2) {
			t.Fatalf("a parsed rule changes when written out and read again:\n%s\n--\n%s", text, text2)
		}
		checkMatcher(t, r, eventFrom(ev))
	})
}

// yamlLines is at most the number of lines YAML sees in data: \r, \n and \r\n, NEL, LS and PS end one.
func yamlLines(data []byte) int {
	n := 1
	for _, sep := range []string{"\n", "\r", "\u0085", "\u2028", "\u2029"} {
		n += bytes.Count(data, []byte(sep))
	}
	return n
}
