package winlog

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/lekwacht/lekwacht/collectors/parse"
	"github.com/lekwacht/lekwacht/collectors/parse/parsetest"
	"github.com/lekwacht/lekwacht/event"
)

func newTest() parse.Parser {
	p, _ := New(parsetest.Options("test"))
	return p
}

func TestGolden(t *testing.T) { parsetest.Golden(t, newTest) }

func TestSampleECS(t *testing.T) {
	evs := parsetest.Sample(t, newTest(), "windows_winlogbeat_ecs.jsonl")
	if len(evs) != 8 {
		t.Fatalf("%d events, want 8", len(evs))
	}
	l := evs[0] // record 1542: interactive logon, TargetUserName moved to user.name by the pipeline
	if l.Event.Action != event.ActionLogon || l.User.Name != "vagrant" || l.Logon.Type != "interactive" ||
		l.Logon.Process != "User32" || l.Logon.ID != "0x1008e" || l.Host.Name != "vagrant-2012-r2" {
		t.Errorf("record 1542: %+v %+v %+v", l.User, l.Logon, l.Host)
	}
	if evs[1].Logon.Type != "network" || evs[2].Event.Action != event.ActionLogoff || evs[2].Event.Code != "4634" {
		t.Errorf("network logon / string event_id logoff: %+v %+v", evs[1].Logon, evs[2].Event)
	}
	want := []event.Action{event.ActionLogon, event.ActionLogon, event.ActionLogoff, event.ActionLogoff, event.ActionDelete, event.ActionWrite, event.ActionRead, event.ActionAttach}
	for i, w := range want {
		if evs[i].Event.Action != w {
			t.Errorf("event %d: action %s, want %s", i+1, evs[i].Event.Action, w)
		}
	}
	share := evs[6] // 5145 has no @timestamp: winlog.time_created
	if share.File.Share != `\\*\Documents` || share.File.Path != `C:\Shares\Documents\reports\Q1\summary.docx` || share.Source.IP != "192.168.1.50" ||
		share.Time.Year() != 2021 {
		t.Errorf("5145: %+v %+v %v", share.File, share.Source, share.Time)
	}
	if evs[7].Device == nil || evs[7].Device.Class != "PrintQueue" {
		t.Errorf("6416: %+v", evs[7].Device)
	}
}

// The verbatim Winlogbeat files are pretty-printed: each event is compacted to one line, as
// Winlogbeat writes it, and read.
func TestSampleSourceFiles(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(parsetest.SamplesDir(t), "windows_winlogbeat_source", "*.json"))
	if len(files) != 7 {
		t.Fatalf("%d source files", len(files))
	}
	n := 0
	for _, f := range files {
		data, _ := os.ReadFile(f)
		var any1 any
		if err := json.Unmarshal(data, &any1); err != nil {
			t.Fatal(err)
		}
		var objs []any
		switch v := any1.(type) {
		case []any:
			objs = v
		case map[string]any:
			if evs, ok := v["events"].([]any); ok {
				objs = evs
			} else {
				objs = []any{v}
			}
		}
		p := newTest()
		for _, o := range objs {
			line, _ := json.Marshal(o)
			var c bytes.Buffer
			json.Compact(&c, line)
			evs, err := p.Parse(parse.Line{Text: c.Bytes(), Path: f})
			if err != nil || len(evs) != 1 {
				t.Errorf("%s: %v", filepath.Base(f), err)
				continue
			}
			n++
		}
	}
	if n != 8 {
		t.Errorf("%d events from the source files, want 8", n)
	}
}

// FuzzParse: any line is rejected with a reason or read, never a panic, and read as the parser
// before it read it (winlog_old_test.go).
func FuzzParse(f *testing.F) {
	parsetest.Seed(f)
	for _, e := range edges {
		if len(e) < 4096 {
			f.Add([]byte(e))
		}
	}
	p, old, cur := newTest(), oldTest(), newTest()
	f.Fuzz(func(t *testing.T, line []byte) {
		parsetest.FuzzLine(t, p, line)
		parsetest.SameLine(t, old, cur, line)
	})
}

func BenchmarkParse(b *testing.B) {
	data, _ := os.ReadFile(filepath.Join("testdata", "security", "input.log"))
	line := parse.Line{Text: bytes.SplitN(data, []byte("\n"), 2)[0]}
	p := newTest()
	b.SetBytes(int64(len(line.Text)))
	for b.Loop() {
		p.Parse(line)
	}
}
