// Package parsetest runs the tests every log format shares: golden cases from testdata, the real
// samples in ../shared/samples read in place, and fuzz seeds.
package parsetest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	_ "time/tzdata"

	"github.com/lekwacht/lekwacht/collectors/parse"
	"github.com/lekwacht/lekwacht/event"
)

var update = flag.Bool("update", false, "rewrite testdata/*/expected.jsonl from the parser's output")

// Result is one output line of a golden case: an event, or the reject of an input line.
type Result struct {
	Event  *event.Event `json:"event,omitempty"`
	Reject string       `json:"reject,omitempty"` // the reason
	Line   int64        `json:"line,omitempty"`   // input line number of the reject
}

// Reference is the fixed "now" of golden cases: 2026-11-23 12:00 in Europe/Amsterdam, so year-less
// timestamps resolve the same way on every run.
func Reference() time.Time { return reference() }

// Amsterdam returns Europe/Amsterdam (embedded tzdata, so no machine lacks it).
var Amsterdam = sync.OnceValue(func() *time.Location {
	loc, err := time.LoadLocation("Europe/Amsterdam")
	if err != nil {
		panic(err)
	}
	return loc
})

var reference = sync.OnceValue(func() time.Time { return time.Date(2026, 11, 23, 12, 0, 0, 0, Amsterdam()) })

// Options returns parser options fixed for tests.
func Options(input string) parse.Options {
	return parse.Options{Input: input, Location: Amsterdam(), Reference: Reference}
}

// Run feeds lines to p as the daemon would (parse.Check first, then Parse, then Flush) and returns
// what came out, in order.
func Run(p parse.Parser, path string, data []byte) []Result {
	var out []Result
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 16<<20)
	var off int64
	for n := int64(1); sc.Scan(); n++ {
		text := bytes.TrimSuffix(sc.Bytes(), []byte("\r"))
		l := parse.Line{Text: text, Input: "test", Path: path, Offset: off, Number: n}
		off += int64(len(sc.Bytes())) + 1
		if err := parse.Check(l); err != nil {
			out = append(out, Result{Reject: string(parse.ReasonOf(err)), Line: n})
			continue
		}
		evs, err := p.Parse(l)
		if err != nil {
			out = append(out, Result{Reject: string(parse.ReasonOf(err)), Line: n})
		}
		for i := range evs {
			out = append(out, Result{Event: &evs[i]})
		}
	}
	if f, ok := p.(parse.Flusher); ok {
		for _, ev := range f.Flush() {
			out = append(out, Result{Event: &ev})
		}
	}
	return out
}

// Golden runs every testdata/<case>/input.log through a fresh parser and compares the result with
// testdata/<case>/expected.jsonl. With -update it rewrites the expected files instead.
func Golden(t *testing.T, newParser func() parse.Parser) {
	t.Helper()
	GoldenDir(t, func(string) parse.Parser { return newParser() })
}

// GoldenDir is Golden with a parser built for each case's folder (a format whose cases carry their
// own settings, such as a mapping.yaml).
func GoldenDir(t *testing.T, newParser func(dir string) parse.Parser) {
	t.Helper()
	inputs, err := filepath.Glob(filepath.Join("testdata", "*", "input.log"))
	if err != nil {
		t.Fatal(err)
	}
	if len(inputs) == 0 {
		t.Fatal("no testdata/*/input.log cases")
	}
	for _, in := range inputs {
		dir := filepath.Dir(in)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			data, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			got := encode(t, Run(newParser(dir), "input.log", data))
			want := filepath.Join(dir, "expected.jsonl")
			if *update {
				if err := os.WriteFile(want, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			exp, err := os.ReadFile(want)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			compare(t, want, exp, got)
		})
	}
}

func encode(t *testing.T, rs []Result) []byte {
	t.Helper()
	var b bytes.Buffer
	for _, r := range rs {
		line, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(line)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

func compare(t *testing.T, name string, want, got []byte) {
	t.Helper()
	w := strings.Split(strings.TrimRight(string(want), "\n"), "\n")
	g := strings.Split(strings.TrimRight(string(got), "\n"), "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			t.Errorf("%s line %d:\nwant %s\n got %s", name, i+1, wl, gl)
			return
		}
	}
}

// SamplesDir is ../shared/samples seen from the repository root, found from this source file so
// tests in any package reach it.
func SamplesDir(t testing.TB) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	dir := filepath.Join(filepath.Dir(file), "..", "..", "..", "..", "shared", "samples")
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("samples not found at %s: the repository must sit beside shared/", dir)
	}
	return dir
}

// Sample reads one file of ../shared/samples through a fresh parser and returns its results. It
// fails the test for every rejected line, since the samples are real lines of the format.
func Sample(t *testing.T, p parse.Parser, name string) []event.Event {
	t.Helper()
	return SampleAllow(t, p, name)
}

// SampleAllow is Sample for files that hold lines the format rightly rejects (a Windows event id
// lekwacht does not read): rejects with one of the allowed reasons are not failures.
func SampleAllow(t *testing.T, p parse.Parser, name string, allowed ...parse.Reason) []event.Event {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(SamplesDir(t), name))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	var evs []event.Event
	for _, r := range Run(p, name, data) {
		if r.Reject != "" && slices.Contains(allowed, parse.Reason(r.Reject)) {
			continue
		}
		if r.Reject != "" {
			t.Errorf("%s:%d: rejected (%s): %.200s", name, r.Line, r.Reject, lines[r.Line-1])
			continue
		}
		evs = append(evs, *r.Event)
	}
	return evs
}

// Seed adds every golden input's lines to the fuzz corpus.
func Seed(f *testing.F) {
	inputs, _ := filepath.Glob(filepath.Join("testdata", "*", "input.log"))
	for _, in := range inputs {
		data, err := os.ReadFile(in)
		if err != nil {
			f.Fatal(err)
		}
		for _, l := range bytes.Split(data, []byte("\n")) {
			f.Add(l)
		}
	}
}

// FuzzLine is the body of every parser's fuzz test: any bytes as a line may be rejected, never
// panic, and an accepted line's events carry the line's position.
func FuzzLine(t *testing.T, p parse.Parser, line []byte) {
	l := parse.Line{Text: line, Input: "fuzz", Path: "fuzz.log", Offset: 42, Number: 7}
	if parse.Check(l) != nil {
		return
	}
	evs, err := p.Parse(l)
	if err != nil {
		if parse.ReasonOf(err) == "" {
			t.Fatalf("reject without reason: %v", err)
		}
		return
	}
	for _, ev := range evs {
		if ev.Log.Path != "fuzz.log" || ev.Log.Input != "fuzz" {
			t.Fatalf("event without its origin: %+v", ev.Log)
		}
		if ev.Event.Category == "" || ev.Event.Action == "" {
			t.Fatalf("event without category or action: %+v", ev.Event)
		}
	}
}
