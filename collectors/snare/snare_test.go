package snare

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
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

func TestSamples(t *testing.T) {
	evs := parsetest.Sample(t, newTest(), "windows_snare_syslog_rsyslog-realworld-4624-4634-5140.log")
	if len(evs) != 3 || evs[0].Source.IP != "10.10.10.10" || evs[0].Logon.Type != "network" || evs[2].File.Share != `\\*\ABC$` {
		t.Fatalf("realworld: %+v", evs)
	}
	// Windows Server 2022: lekwacht reads 4624, 4634, 4647 and 4776 of it; the other ids are rejected
	// as unsupported, as the issue asks for unknown event ids.
	evs = parsetest.SampleAllow(t, newTest(), "windows_snare_syslog_rsyslog-win2022.log", parse.ReasonUnsupported)
	n := map[string]int{}
	for _, ev := range evs {
		n[ev.Event.Code]++
	}
	if n["4624"] != 10 || n["4647"] != 10 || n["4634"] != 1 || n["4776"] != 10 || len(evs) != 31 {
		t.Errorf("win2022 events per id: %v", n)
	}
	for _, ev := range evs {
		// 4776 flattens its unsectioned lines to two spaces: "Logon Account: Administrator  Source Workstation: ..."
		if ev.Event.Code == "4776" && (ev.Event.Action != event.ActionAuthenticate || ev.Event.Outcome != event.OutcomeSuccess ||
			ev.User.Name != "Administrator" || ev.Host.Workstation != "WIN-5SB1I3G0V7U" || ev.Logon.Method != "NTLM") {
			t.Errorf("4776: %+v %+v %+v %+v", ev.Event, ev.User, ev.Host, ev.Logon)
		}
	}
	for _, ev := range evs {
		// 4647's message names its user under "Subject:", where 4624 has "New Logon:"
		if ev.Event.Code == "4647" && (ev.User.Name != "Administrator" || ev.Event.Action != event.ActionLogoff || ev.Logon.ID == "") {
			t.Errorf("4647: %+v %+v %+v", ev.Event, ev.User, ev.Logon)
		}
		if ev.Event.Code == "4624" && ev.Logon.Type == "interactive" && ev.User.Name == "" {
			t.Errorf("interactive logon without user: %+v", ev)
		}
	}
	if evs[0].Event.Action != event.ActionLogon || evs[0].User.Name != "SYSTEM" || evs[0].Host.Name != "WIN-5SB1I3G0V7U" {
		t.Errorf("first: %+v %+v", evs[0].User, evs[0].Host)
	}
}

// FuzzItems reads flattened messages: labels and values are always text of the message.
func FuzzItems(f *testing.F) {
	f.Add("Authentication Package: MICROSOFT_AUTHENTICATION_PACKAGE_V1_0  Logon Account: a  Source Workstation: WS  Error Code: 0x0")
	f.Add("Network Information:   Client Address:   ::ffff:10.0.0.1   Client Port:  0   Process Name:  C:\\x.exe  Status:")
	f.Add("Subject:   Security ID:  S-1-5-18   Account Name:  :  Pre-Authentication Type: -  ")
	reused := &Parser{}
	f.Fuzz(func(t *testing.T, msg string) {
		sameItems(t, reused, msg)
		for k, v := range items(msg) {
			if !strings.Contains(msg, v) {
				t.Fatalf("%q: %q = %q is not text of the message", msg, k, v)
			}
			for _, part := range strings.Split(k, "/") { // "Section/Label"
				if !strings.Contains(msg, part) {
					t.Fatalf("%q: key %q is not text of the message", msg, k)
				}
			}
		}
	})
}

func FuzzParse(f *testing.F) {
	parsetest.Seed(f)
	p := newTest()
	old, cur := oldTest(), newTest()
	f.Fuzz(func(t *testing.T, line []byte) {
		parsetest.FuzzLine(t, p, line)
		parsetest.SameLine(t, old, cur, line)
	})
}

func BenchmarkParse(b *testing.B) {
	inputs, _ := filepath.Glob(filepath.Join("testdata", "*", "input.log"))
	var lines [][]byte
	var size int64
	for _, in := range inputs {
		data, err := os.ReadFile(in)
		if err != nil {
			b.Fatal(err)
		}
		for l := range bytes.SplitSeq(data, []byte("\n")) {
			if _, err := newTest().Parse(parse.Line{Text: l}); len(l) > 0 && err == nil {
				lines, size = append(lines, l), size+int64(len(l))+1
			}
		}
	}
	p := newTest()
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		for _, l := range lines {
			p.Parse(parse.Line{Text: l})
		}
	}
}
