package parsetest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/lekwacht/lekwacht/collectors/parse"
	"github.com/lekwacht/lekwacht/event"
)

// Corpus returns every line of every golden input of every format (collectors/*/testdata/*/input.log)
// and of every sample in ../shared/samples (read in place): what an equivalence test feeds an old and
// a new implementation of a parser. Other formats' lines are in it on purpose: they exercise the
// paths that reject or ignore a line.
func Corpus(t testing.TB) [][]byte {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	inputs, err := filepath.Glob(filepath.Join(filepath.Dir(file), "..", "..", "*", "testdata", "*", "input.log"))
	if err != nil || len(inputs) == 0 {
		t.Fatalf("no golden inputs found (%v)", err)
	}
	err = filepath.WalkDir(SamplesDir(t), func(path string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() && !strings.HasSuffix(path, ".md") {
			inputs = append(inputs, path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var lines [][]byte
	for _, in := range inputs {
		data, err := os.ReadFile(in)
		if err != nil {
			t.Fatal(err)
		}
		for l := range bytes.SplitSeq(data, []byte("\n")) {
			lines = append(lines, bytes.TrimSuffix(l, []byte("\r")))
		}
	}
	return lines
}

// Same feeds the lines that pass parse.Check to old and to new, each in order (a parser may keep
// state across lines), and fails at the first line where their events or their rejects (reason and
// message) differ; then it compares what each flushes.
func Same(t testing.TB, old, new parse.Parser, lines [][]byte) {
	t.Helper()
	var off int64
	for i, text := range lines {
		l := parse.Line{Text: text, Input: "test", Path: "corpus.log", Offset: off, Number: int64(i + 1)}
		off += int64(len(text)) + 1
		if parse.Check(l) != nil {
			continue
		}
		if d := differ(old, new, l); d != "" {
			t.Fatalf("line %d %q:\n%s", i+1, text, d)
		}
	}
	of, ok1 := old.(parse.Flusher)
	nf, ok2 := new.(parse.Flusher)
	if ok1 != ok2 {
		t.Fatalf("old flushes: %v, new flushes: %v", ok1, ok2)
	}
	if ok1 {
		if d := diffEvents(of.Flush(), nf.Flush()); d != "" {
			t.Fatalf("flush:\n%s", d)
		}
	}
}

// SameLine is Same for one line, for fuzz targets: a line that fails parse.Check is skipped.
func SameLine(t testing.TB, old, new parse.Parser, line []byte) {
	t.Helper()
	l := parse.Line{Text: line, Input: "fuzz", Path: "fuzz.log", Offset: 42, Number: 7}
	if parse.Check(l) != nil {
		return
	}
	if d := differ(old, new, l); d != "" {
		t.Fatalf("%q:\n%s", line, d)
	}
}

func differ(old, new parse.Parser, l parse.Line) string {
	// The new parser reads a copy, so neither can depend on the other having left the bytes alone.
	oe, oerr := old.Parse(l)
	l.Text = bytes.Clone(l.Text)
	ne, nerr := new.Parse(l)
	if (oerr == nil) != (nerr == nil) {
		return fmt.Sprintf("old error %v\nnew error %v", oerr, nerr)
	}
	if oerr != nil && (parse.ReasonOf(oerr) != parse.ReasonOf(nerr) || oerr.Error() != nerr.Error()) {
		return fmt.Sprintf("old reject %q\nnew reject %q", oerr, nerr)
	}
	return diffEvents(oe, ne)
}

// diffEvents says how two event lists differ: in number, in JSON (the output contract), in the time
// (instant and zone) or in any other field, log.original included.
func diffEvents(old, new []event.Event) string {
	if len(old) != len(new) {
		return fmt.Sprintf("old %d events, new %d", len(old), len(new))
	}
	for i := range old {
		o, n := old[i], new[i]
		oj, _ := json.Marshal(o)
		nj, _ := json.Marshal(n)
		if !bytes.Equal(oj, nj) {
			return fmt.Sprintf("event %d:\nold %s\nnew %s", i, oj, nj)
		}
		if !SameTime(o.Time, n.Time) {
			return fmt.Sprintf("event %d: old time %v, new %v", i, o.Time, n.Time)
		}
		o.Time = n.Time
		if !reflect.DeepEqual(o, n) {
			return fmt.Sprintf("event %d:\nold %+v\nnew %+v", i, o, n)
		}
	}
	return ""
}

// SameTime says whether two times are the same instant in the same zone: the same location, or
// fixed zones of the same name and offset (time.Parse makes a new one for each stamp).
func SameTime(a, b time.Time) bool {
	an, ao := a.Zone()
	bn, bo := b.Zone()
	return a.Equal(b) && an == bn && ao == bo && a.Location().String() == b.Location().String()
}
