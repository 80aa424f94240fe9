package jsonlog

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lekwacht/lekwacht/collectors/mapped"
	"github.com/lekwacht/lekwacht/collectors/parse"
	"github.com/lekwacht/lekwacht/collectors/parse/parsetest"
	"github.com/lekwacht/lekwacht/event"
)

func withMapping(t testing.TB, file string) parse.Parser {
	t.Helper()
	return fromMapping(t, filepath.Join("mappings", file))
}

// fromMapping is the parser of the mapping file at path.
func fromMapping(t testing.TB, path string) parse.Parser {
	t.Helper()
	m, err := LoadMapping(path)
	if err != nil {
		t.Fatal(err)
	}
	opts := parsetest.Options("test")
	opts.Mapping = m
	p, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// Each case reads its own mapping.yaml, else the zaaksysteem mapping.
func TestGolden(t *testing.T) {
	parsetest.GoldenDir(t, func(dir string) parse.Parser {
		if _, err := os.Stat(filepath.Join(dir, "mapping.yaml")); errors.Is(err, fs.ErrNotExist) {
			return withMapping(t, "zaaksysteem.yaml")
		}
		return fromMapping(t, filepath.Join(dir, "mapping.yaml"))
	})
}

// Every shipped mapping loads and validates: samples never rot.
func TestMappingsLoad(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("mappings", "*.yaml"))
	if len(files) < 5 {
		t.Fatalf("%d mappings", len(files))
	}
	for _, f := range files {
		if _, err := LoadMapping(f); err != nil {
			t.Error(err)
		}
	}
}

func TestBadMappings(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("time: ts\nusr: actor.id\n"), 0o600)
	if _, err := LoadMapping(bad); err == nil || !strings.Contains(err.Error(), "line 2") || !strings.Contains(err.Error(), "usr") {
		t.Errorf("unknown key: %v", err)
	}
	err := Validate(&parse.Mapping{TimeFormat: "dd-mm-yyyy", Actions: map[string][]string{"peek": {"x"}, "view": {"x"}}, User: "a..b"})
	for _, want := range []string{"mapping.time:", "time_format", "peek", "mapping.action", "both", "mapping.user"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in %v", want, err)
		}
	}
	if _, err := New(parse.Options{}); err == nil {
		t.Error("json without mapping accepted")
	}
}

func TestSampleNextcloud(t *testing.T) {
	evs := parsetest.Sample(t, withMapping(t, "nextcloud.yaml"), "app_audit_nextcloud_admin_audit_wazuh-tests.jsonl")
	got := map[event.Action]int{}
	for _, ev := range evs {
		got[ev.Event.Action]++
	}
	if got[event.ActionView] != 2 || got[event.ActionDelete] != 1 || got[event.ActionCreate] != 1 || got[event.ActionLogon] != 1 || len(evs) != 7 {
		t.Errorf("actions %v", got)
	}
	if evs[2].User.Name != "admin" || evs[2].Time.Format("2006-01-02 15:04:05") != "2019-10-14 09:06:07" || evs[2].App.Name != "admin_audit" {
		t.Errorf("login: %+v %v %+v", evs[2].User, evs[2].Time, evs[2].App)
	}
}

func TestSampleGitLabAndOpenZaak(t *testing.T) {
	evs := parsetest.Sample(t, withMapping(t, "gitlab.yaml"), "app_audit_gitlab_audit_json_and_production_json_wazuh-tests.jsonl")
	if len(evs) != 5 || evs[0].User.Name != "John Doe4" || evs[0].Event.Action != event.ActionWrite || evs[0].App.Object != "namespace2/project2" {
		t.Errorf("gitlab: %+v", evs[0])
	}
	oz := parsetest.Sample(t, withMapping(t, "openzaak.yaml"), "dutch_openzaak_structlog_doc-examples.derived.jsonl")
	if len(oz) != 3 || oz[0].Event.Action != event.ActionCreate || oz[0].App.Object != "20d23f12-6743-486c-a1f2-c31c5c6a86f9" || oz[1].Event.Action != event.ActionOther {
		t.Errorf("openzaak: %+v", oz)
	}
}

func TestGlob(t *testing.T) {
	for _, c := range []struct {
		p, s string
		ok   bool
	}{{"File deleted: *", `File deleted: "/a"`, true}, {"a*c*e", "abcde", true}, {"a*c", "abd", false}, {"x", "x", true}, {"*", "", true}} {
		if mapped.Match(c.p, c.s) != c.ok {
			t.Errorf("match(%q, %q) != %v", c.p, c.s, c.ok)
		}
	}
}

// FuzzParse reads any line with the zaaksysteem mapping, and compares the parser with the one
// before it (jsonlog_old_test.go) under that mapping and the edge cases' mapping.
func FuzzParse(f *testing.F) {
	parsetest.Seed(f)
	for _, e := range edges {
		if len(e) < 4096 {
			f.Add([]byte(e))
		}
	}
	p := withMapping(f, "zaaksysteem.yaml")
	m, err := LoadMapping(filepath.Join("mappings", "zaaksysteem.yaml"))
	if err != nil {
		f.Fatal(err)
	}
	old, cur := pair(f, m)
	oldEdge, curEdge := pair(f, edgeMapping())
	f.Fuzz(func(t *testing.T, line []byte) {
		parsetest.FuzzLine(t, p, line)
		parsetest.SameLine(t, old, cur, line)
		parsetest.SameLine(t, oldEdge, curEdge, line)
	})
}

// FuzzParseFields reads any line with the mail export's mapping: categories, default action and
// fields (lists, numbers, time_format), as the parser before it did.
func FuzzParseFields(f *testing.F) {
	parsetest.Seed(f)
	m, err := LoadMapping(filepath.Join("testdata", "mail", "mapping.yaml"))
	if err != nil {
		f.Fatal(err)
	}
	opts := parsetest.Options("test")
	opts.Mapping = m
	p, err := New(opts)
	if err != nil {
		f.Fatal(err)
	}
	old, cur := pair(f, m)
	f.Fuzz(func(t *testing.T, line []byte) {
		parsetest.FuzzLine(t, p, line)
		parsetest.SameLine(t, old, cur, line)
	})
}

func BenchmarkParse(b *testing.B) {
	p := withMapping(b, "zaaksysteem.yaml")
	line := parse.Line{Text: []byte(benchLine)}
	b.SetBytes(int64(len(line.Text)))
	for b.Loop() {
		p.Parse(line)
	}
}

const benchLine = `{"ts":"2026-11-20T09:02:11.250+01:00","actor":{"id":"jdevries"},"action":"persoon.raadplegen","subject":{"id":"persoon/8812"},"client":{"host":"WS-0042","ip":"10.20.1.15"},"result":{"status":200}}`
