package jsonlog

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/lekwacht/lekwacht/collectors/mapped"
	"github.com/lekwacht/lekwacht/collectors/parse"
	"github.com/lekwacht/lekwacht/collectors/parse/parsetest"
)

// edgeMapping reads nested paths, array indexes, a path below another, lists and numbers.
func edgeMapping() *parse.Mapping {
	return &parse.Mapping{Time: "ts", User: "actor.id", Action: "action", Host: "client.host", SourceIP: "client.ip",
		Object: "subject", Count: "result.count", Outcome: "result.status", CategoryField: "kind",
		Actions: map[string][]string{"view": {"dossier.view"}, "export": {"export.*"}},
		Fields: parse.FieldMap{"email.to": "to", "email.size": "size.0", "file.path": "files.1.path",
			"http.status": "result.status", "device.id": "a.b.c", "device.class": "a.b", "app.name": "a.0"}}
}

// ambiguousMapping names one array element twice ("1" and "01", which Atoi reads alike).
func ambiguousMapping() *parse.Mapping {
	m := edgeMapping()
	m.Fields["file.target_path"] = "files.01.path"
	return m
}

const base = `{"ts":"2026-11-20T09:02:11.250+01:00","actor":{"id":"jdevries"},"action":"dossier.view","subject":"persoon/8812",` +
	`"client":{"host":"WS-0042","ip":"10.20.1.15"},"result":{"status":200,"count":3},"kind":"file",` +
	`"to":["a@x.nl","b@y.nl"],"size":[48213],"files":[{"path":"/a"},{"path":"/b"}],"a":{"b":{"c":"dev"}}}`

// edges are lines where encoding/json's rules are easy to get wrong.
var edges = []string{
	base,
	strings.Replace(base, `"actor":{"id":"jdevries"}`, `"actor":{"id":"jdevries"},"actor":{"name":"x"}`, 1),
	strings.Replace(base, `"actor":{"id":"jdevries"}`, `"actor":{"id":"first"},"actor":{"id":"second"}`, 1),
	strings.Replace(base, `"actor":{"id":"jdevries"}`, `"actor":{"id":"jdevries","id":null}`, 1),
	strings.Replace(base, `"actor":{"id":"jdevries"}`, `"actor":{"id":"j\u00e9r\u00f4me\\DOMAIN"}`, 1),
	strings.Replace(base, `"actor":{"id":"jdevries"}`, `"actor":{"\u0069d":"escaped-key"}`, 1),
	strings.Replace(base, `"actor":{"id":"jdevries"}`, `"actor":{"ID":"case"}`, 1),
	strings.Replace(base, `"actor":{"id":"jdevries"}`, `"actor":{"id":42}`, 1),
	strings.Replace(base, `"actor":{"id":"jdevries"}`, `"actor":{"id":-1.5e3}`, 1),
	strings.Replace(base, `"actor":{"id":"jdevries"}`, `"actor":{"id":true}`, 1),
	strings.Replace(base, `"actor":{"id":"jdevries"}`, `"actor":{"id":["a","b"]}`, 1),
	strings.Replace(base, `"actor":{"id":"jdevries"}`, `"actor":{"id":{"x":1}}`, 1),
	strings.Replace(base, `"actor":{"id":"jdevries"}`, `"actor":"jdevries"`, 1),
	strings.Replace(base, `"actor":{"id":"jdevries"}`, `"actor":null`, 1),
	strings.Replace(base, `"actor":{"id":"jdevries"}`, `"actor":[{"id":"x"}]`, 1),
	strings.Replace(base, `"subject":"persoon/8812"`, `"subject":{"id":"persoon/8812","n":[1,2]}`, 1),
	strings.Replace(base, `"subject":"persoon/8812"`, `"subject":[]`, 1),
	strings.Replace(base, `"ts":"2026-11-20T09:02:11.250+01:00"`, `"ts":1795680000123`, 1),
	strings.Replace(base, `"ts":"2026-11-20T09:02:11.250+01:00"`, `"ts":"1795680000"`, 1),
	strings.Replace(base, `"ts":"2026-11-20T09:02:11.250+01:00"`, `"ts":1.7956800001e9`, 1),
	strings.Replace(base, `"ts":"2026-11-20T09:02:11.250+01:00"`, `"ts":null`, 1),
	strings.Replace(base, `"ts":"2026-11-20T09:02:11.250+01:00"`, `"ts":"2026-11-20 09:02:11"`, 1),
	strings.Replace(base, `"ts":"2026-11-20T09:02:11.250+01:00"`, `"ts":{"t":1}`, 1),
	strings.Replace(base, `"ts":"2026-11-20T09:02:11.250+01:00",`, ``, 1),
	strings.Replace(base, `"result":{"status":200,"count":3}`, `"result":{"status":"404","count":"1250"}`, 1),
	strings.Replace(base, `"result":{"status":200,"count":3}`, `"result":{"status":false,"count":[1,2,3]}`, 1),
	strings.Replace(base, `"result":{"status":200,"count":3}`, `"result":{"status":"geweigerd","count":1e2}`, 1),
	strings.Replace(base, `"to":["a@x.nl","b@y.nl"]`, `"to":"a@x.nl; b@y.nl"`, 1),
	strings.Replace(base, `"to":["a@x.nl","b@y.nl"]`, `"to":[]`, 1),
	strings.Replace(base, `"files":[{"path":"/a"},{"path":"/b"}]`, `"files":[{"path":"/a"}]`, 1),
	strings.Replace(base, `"files":[{"path":"/a"},{"path":"/b"}]`, `"files":{"1":{"path":"/key"}}`, 1),
	strings.Replace(base, `"files":[{"path":"/a"},{"path":"/b"}]`, `"files":[{"path":"/a"},{"path":"/b"}],"files":"x"`, 1),
	strings.Replace(base, `"a":{"b":{"c":"dev"}}`, `"a":{"b":"flat"}`, 1),
	strings.Replace(base, `"a":{"b":{"c":"dev"}}`, `"a":["zero",{"b":1}]`, 1),
	strings.Replace(base, `"a":{"b":{"c":"dev"}}`, `"a":{"b":{"c":"dev"},"b":{"d":1}}`, 1),
	strings.Replace(base, `"kind":"file"`, `"kind":"FILE"`, 1),
	strings.Replace(base, `"action":"dossier.view"`, `"action":"export.csv"`, 1),
	strings.Replace(base, `"action":"dossier.view"`, `"action":"dossier\/view"`, 1),
	`{"message":"` + strings.Repeat(`x\"y\\z `, 150000) + `",` + base[1:],
	base + `x`, base + `{}`, base + `]`, " \t" + base, base[:len(base)-1], `{"ts":1}{`, `{"ts":1,}`,
	`null`, `[]`, `[` + base + `]`, `"x"`, `5`, `5x`, `{}`, ``, ` `, `{`, `}`, `{"a":01}`, `{"a":"` + "\t" + `"}`,
}

func mappings(t *testing.T) map[string]*parse.Mapping {
	files, _ := filepath.Glob(filepath.Join("mappings", "*.yaml"))
	more, _ := filepath.Glob(filepath.Join("testdata", "*", "mapping.yaml"))
	out := map[string]*parse.Mapping{"edge": edgeMapping(), "ambiguous": ambiguousMapping()}
	for _, f := range append(files, more...) {
		m, err := LoadMapping(f)
		if err != nil {
			t.Fatal(err)
		}
		out[f] = m
	}
	return out
}

func pair(t testing.TB, m *parse.Mapping) (old, cur parse.Parser) {
	opts := parsetest.Options("test")
	opts.Mapping = m
	old, err := oldNew(opts)
	if err != nil {
		t.Fatal(err)
	}
	cur, err = New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return old, cur
}

// The parser reads every golden and sample line and the edge cases as the parser before it did
// (jsonlog_old_test.go), under every shipped mapping, every golden case's mapping and two of edge
// cases: the same events, the same rejects with the same messages.
func TestSameAsBefore(t *testing.T) {
	lines := parsetest.Corpus(t)
	for _, e := range edges {
		lines = append(lines, []byte(e))
	}
	for name, m := range mappings(t) {
		t.Run(filepath.Base(filepath.Dir(name))+"/"+filepath.Base(name), func(t *testing.T) {
			old, cur := pair(t, m)
			parsetest.Same(t, old, cur, lines)
		})
	}
}

// The scanner itself reads the JSON lines of the corpus (encoding/json is for what it leaves).
func TestScannerReadsTheSamples(t *testing.T) {
	p := newRecord(newPaths(mapped.Names(edgeMapping())))
	n := 0
	for _, l := range parsetest.Corpus(t) {
		if _, err := decode(l); err != nil {
			continue
		}
		n++
		if !p.read(l, string(l)) {
			t.Errorf("left to encoding/json: %.200s", l)
		}
	}
	if n < 40 {
		t.Errorf("%d JSON objects in the corpus", n)
	}
}

// BenchmarkParseBefore is BenchmarkParse with the parser of commit 7eba5b2: -bench BenchmarkParse
// runs the two in turn.
func BenchmarkParseBefore(b *testing.B) {
	m, err := LoadMapping(filepath.Join("mappings", "zaaksysteem.yaml"))
	if err != nil {
		b.Fatal(err)
	}
	old, _ := pair(b, m)
	line := parse.Line{Text: []byte(benchLine)}
	b.SetBytes(int64(len(line.Text)))
	for b.Loop() {
		old.Parse(line)
	}
}
