package collectors

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lekwacht/lekwacht/collectors/parse"
)

// A JSON line whose epoch milliseconds give a year past 9999 (or before year 0) is rejected as
// bad_timestamp and kept aside with the year; its neighbours are read as usual. Such an event
// could not be written as JSON: it stopped the events file, and run retried the write without end.
func TestEventTimesOutsideTheYearsJSONTakesAreRejected(t *testing.T) {
	p, err := NewParser("json", parse.Options{Input: "app", Mapping: &parse.Mapping{Time: "ts", User: "user", Action: "action"}})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "app.rejects.jsonl")
	rj, err := OpenRejects(path, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer rj.Close()
	in := &Input{Name: "app", Parser: p, Counters: &Counters{}, Rejects: rj}
	lines := []string{
		`{"ts": 1795420800000, "user": "a.bakker", "action": "view"}`,
		`{"ts": 999999999999999999, "user": "a.bakker", "action": "view"}`,
		`{"ts": -99999999999999999, "user": "a.bakker", "action": "view"}`,
		`{"ts": "2026-11-23T09:00:00Z", "user": "a.bakker", "action": "view"}`,
	}
	var events int
	for i, text := range lines {
		evs, err := in.Handle(parse.Line{Text: []byte(text), Path: "/var/log/app.json", Number: int64(i + 1)})
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range evs {
			if y := ev.Time.Year(); y < 0 || y > 9999 {
				t.Errorf("line %d: an event in the year %d", i+1, y)
			}
		}
		events += len(evs)
	}
	if events != 2 {
		t.Errorf("%d events, want 2 (lines 1 and 4)", events)
	}
	if got := in.Counters.Rejected()[parse.ReasonTimestamp]; got != 2 {
		t.Errorf("%d lines rejected as bad_timestamp, want 2 (%v)", got, in.Counters.Rejected())
	}
	if _, err := rj.Sync(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var kept []Reject
	for l := range strings.Lines(string(b)) {
		var r Reject
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatal(err)
		}
		kept = append(kept, r)
	}
	if len(kept) != 2 || kept[0].Reason != "bad_timestamp" || !strings.Contains(kept[0].Detail, "year") || kept[0].Line != 2 || kept[1].Line != 3 {
		t.Errorf("kept aside: %+v", kept)
	}
}
