package winxml

import (
	"bytes"
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

func TestSampleCrowdsec(t *testing.T) {
	evs := parsetest.Sample(t, newTest(), "windows_eventxml_4625_crowdsec-windows-bf.log")
	if len(evs) != 6 {
		t.Fatalf("%d events, want 6 failed logons", len(evs))
	}
	for _, ev := range evs {
		if ev.Event.Action != event.ActionLogonFailed || ev.Event.Outcome != event.OutcomeFailure || ev.Host.Name != "exchange-1.mydomain.test" {
			t.Errorf("%+v %+v", ev.Event, ev.Host)
		}
	}
	if evs[0].User.Name != "asdfasdf" || evs[0].Host.Workstation != "DESKTOP-7QD9TN3" || evs[0].Logon.Type != "network" || evs[0].Event.Reason != "0xc000006d/0xc0000064" {
		t.Errorf("first: %+v %+v %+v %q", evs[0].User, evs[0].Host, evs[0].Logon, evs[0].Event.Reason)
	}
}

// FuzzParse: any line is rejected with a reason or read, never a panic, and read as the parser
// before it read it (winxml_old_test.go).
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
	data, _ := os.ReadFile(filepath.Join("testdata", "events", "input.log"))
	line := parse.Line{Text: bytes.SplitN(data, []byte("\n"), 2)[0]}
	p := newTest()
	b.SetBytes(int64(len(line.Text)))
	for b.Loop() {
		p.Parse(line)
	}
}
