package winxml

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lekwacht/lekwacht/collectors/parse"
	"github.com/lekwacht/lekwacht/collectors/parse/parsetest"
)

func oldTest() parse.Parser {
	p, _ := oldNew(parsetest.Options("test"))
	return p
}

// base is a 4625 whose parts the edge cases vary.
const base = `<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='Microsoft-Windows-Security-Auditing'/>` +
	`<EventID Qualifiers=''>4625</EventID><Keywords>0x8010000000000000</Keywords><TimeCreated SystemTime='2026-11-20T07:58:12.1234567Z'/>` +
	`<Computer>WS-0042.voorbeeld.local</Computer></System><EventData><Data Name='TargetUserName'>jdevries</Data>` +
	`<Data Name='TargetDomainName'>VOORBEELD</Data><Data Name='Status'>0xc000006d</Data><Data Name='SubStatus'>0xc0000064</Data>` +
	`<Data Name='LogonType'>3</Data><Data Name='IpAddress'>10.20.1.15</Data><Data Name='IpPort'>50211</Data></EventData></Event>`

// edges are lines where encoding/xml's rules are easy to get wrong.
var edges = []string{
	base,
	strings.Replace(base, `'`, `"`, -1),
	strings.Replace(base, `<EventID Qualifiers=''>4625</EventID>`, `<EventID>4624</EventID><EventID>4625</EventID>`, 1),
	strings.Replace(base, `<EventID Qualifiers=''>4625</EventID>`, `<EventID> 4625 </EventID>`, 1),
	strings.Replace(base, `<EventID Qualifiers=''>4625</EventID>`, `<EventID>4625</EventID><EventID/>`, 1),
	strings.Replace(base, `<EventID Qualifiers=''>4625</EventID>`, `<EventID>46<b/>25</EventID>`, 1),
	strings.Replace(base, `<EventID Qualifiers=''>4625</EventID>`, `<EventID>&#52;625</EventID>`, 1),
	strings.Replace(base, `<EventID Qualifiers=''>4625</EventID>`, `<eventid>4625</eventid>`, 1),
	strings.Replace(base, `<EventID Qualifiers=''>4625</EventID>`, `<EventID>4625</EventID >`, 1),
	strings.Replace(base, `<EventID Qualifiers=''>4625</EventID>`, `<EventID>4625</ EventID>`, 1),
	strings.Replace(base, `<EventID Qualifiers=''>4625</EventID>`, `<EventID>4625</Eventid>`, 1),
	strings.Replace(base, `<EventID Qualifiers=''>4625</EventID>`, `<EventID Qualifiers=>4625</EventID>`, 1),
	strings.Replace(base, `<EventID Qualifiers=''>4625</EventID>`, `<EventID Qualifiers=x>4625</EventID>`, 1),
	strings.Replace(base, `<EventID Qualifiers=''>4625</EventID>`, `<EventID Qualifiers='a<b'>4625</EventID>`, 1),
	strings.Replace(base, `<EventID Qualifiers=''>4625</EventID>`, `<EventID Qualifiers='a>b'a='1'b = "2">4625</EventID>`, 1),
	strings.Replace(base, `<EventID Qualifiers=''>4625</EventID>`, `<!-- c --><EventID>4625</EventID>`, 1),
	strings.Replace(base, `<EventID Qualifiers=''>4625</EventID>`, `<EventID><![CDATA[4625]]></EventID>`, 1),
	strings.Replace(base, `<EventID Qualifiers=''>4625</EventID>`, `<e:EventID xmlns:e='x'>4625</e:EventID>`, 1),
	strings.Replace(base, `<System>`, `<System><System><EventID>4624</EventID></System>`, 1),
	strings.Replace(base, `<System>`, `<System><Computer>first</Computer>`, 1),
	strings.Replace(base, `</System>`, `</System><System><Computer>second</Computer></System>`, 1),
	strings.Replace(base, `</System>`, `</System><System/>`, 1),
	strings.Replace(base, `<TimeCreated SystemTime='2026-11-20T07:58:12.1234567Z'/>`, `<TimeCreated SystemTime='2026-11-20T07:58:12Z'><x>y</x>t</TimeCreated><TimeCreated/>`, 1),
	strings.Replace(base, `<TimeCreated SystemTime='2026-11-20T07:58:12.1234567Z'/>`, `<TimeCreated SystemTime='x' SystemTime='2026-11-20T07:58:13Z'/>`, 1),
	strings.Replace(base, `<TimeCreated SystemTime='2026-11-20T07:58:12.1234567Z'/>`, ``, 1),
	strings.Replace(base, `<Keywords>0x8010000000000000</Keywords>`, `<Keywords>0x8020000000000000</Keywords>`, 1),
	strings.Replace(base, `<Keywords>0x8010000000000000</Keywords>`, `<Keywords> 0x8010000000000000 </Keywords>`, 1),
	strings.Replace(base, `<Data Name='TargetUserName'>jdevries</Data>`, `<Data Name='TargetUserName'>j&#233;r&amp;me</Data>`, 1),
	strings.Replace(base, `<Data Name='TargetUserName'>jdevries</Data>`, `<Data Name='TargetUserName'>jérôme DOMAIN\user</Data>`, 1),
	strings.Replace(base, `<Data Name='TargetUserName'>jdevries</Data>`, `<Data Name='TargetUserName'>first</Data><Data Name='TargetUserName'>second</Data>`, 1),
	strings.Replace(base, `<Data Name='TargetUserName'>jdevries</Data>`, `<Data Name='TargetUserName'/>`, 1),
	strings.Replace(base, `<Data Name='TargetUserName'>jdevries</Data>`, `<Data>no name</Data><Data Name='TargetUserName'> spaced </Data>`, 1),
	strings.Replace(base, `<Data Name='TargetUserName'>jdevries</Data>`, `<Data Name='TargetUserName'>a<b>x</b>c</Data>`, 1),
	strings.Replace(base, `<Data Name='TargetUserName'>jdevries</Data>`, "<Data Name='TargetUserName'>tab\there</Data>", 1),
	strings.Replace(base, `<Data Name='TargetUserName'>jdevries</Data>`, `<Data Name='TargetUserName' Name='other'>x</Data>`, 1),
	strings.Replace(base, `<Data Name='TargetUserName'>jdevries</Data>`, `<Data Name = 'TargetUserName' >x</Data >`, 1),
	strings.Replace(base, `<Data Name='TargetUserName'>jdevries</Data>`, `<Data Name='TargetUserName'>a]]>b</Data>`, 1),
	strings.Replace(base, `<Data Name='TargetUserName'>jdevries</Data>`, `<Data Name='TargetUserName'>a>b</Data>`, 1),
	strings.Replace(base, `<Data Name='TargetUserName'>jdevries</Data>`, `<Data Name='TargetUserName'>x</Data/>`, 1),
	strings.Replace(base, `<EventData>`, `<EventData><Data Name='TargetUserName'>x</Data></EventData><EventData>`, 1),
	strings.Replace(base, `<EventData>`, `<EventData>text<Other><Data Name='TargetUserName'>deep</Data></Other>`, 1),
	strings.Replace(base, `<EventData>`, `<UserData><Data Name='TargetUserName'>user</Data></UserData><EventData>`, 1),
	strings.Replace(base, `</Event>`, `</Event>trailing <junk`, 1),
	strings.Replace(base, `</Event>`, `</Event><Event></Event>`, 1),
	strings.Replace(base, `</Event>`, ``, 1),
	strings.Replace(base, `<Event `, `<Evnt `, 1)[:len(base)-2] + `nt>`,
	`<?xml version='1.0'?>` + base,
	` ` + base,
	strings.Replace(base, `>jdevries<`, `>a&#9;b&#10;c&#13;d&#x41;&#0065;&lt;&gt;&amp;&apos;&quot;<`, 1),
	strings.Replace(base, `>jdevries<`, `>&#0;<`, 1),
	strings.Replace(base, `>jdevries<`, `>&#xD800;<`, 1),
	strings.Replace(base, `>jdevries<`, `>&#xFFFE;<`, 1),
	strings.Replace(base, `>jdevries<`, `>&#x10FFFF;&#x110000;<`, 1),
	strings.Replace(base, `>jdevries<`, `>&nbsp;<`, 1),
	strings.Replace(base, `>jdevries<`, `>&#X41;<`, 1),
	strings.Replace(base, `>jdevries<`, `>&#65<`, 1),
	strings.Replace(base, `>jdevries<`, `>&#;<`, 1),
	strings.Replace(base, `>jdevries<`, `>a & b<`, 1),
	strings.Replace(base, `>jdevries<`, `>&#00000000065;<`, 1),
	strings.Replace(base, `>jdevries<`, "é中😀", 1),
	strings.Replace(base, `>jdevries<`, ">￾<", 1),
	strings.Replace(base, `Name='TargetUserName'`, `Name='Target&#85;serName'`, 1),
	strings.Replace(base, `Name='TargetUserName'`, `Name='TargetUserName&lt;'`, 1),
	strings.Replace(base, `SystemTime='2026-11-20T07:58:12.1234567Z'`, `SystemTime='2026-11-20T07:58:12&#46;5Z'`, 1),
	`text` + base,
	`<Event/>`, `<Event></Event>`, `<Event>`, `<Event`, ``, `<`, `</Event>`, `<1Event/>`, `<Event a/>`, `<Event / >`,
	`<Event><System><EventID>4624</EventID></System></Event>`,
	`<Event><System><EventID>4624</EventID><TimeCreated SystemTime="2026-11-20T07:58:12Z"/></System><EventData/></Event>`,
	`<Event><Event><System><EventID>4624</EventID></System></Event></Event>`,
	strings.Replace(base, `jdevries`, strings.Repeat("x", 1<<20), 1),
	strings.Repeat(`<a>`, 100) + strings.Repeat(`</a>`, 100),
	`<Event>` + strings.Repeat(`<a>`, 100) + strings.Repeat(`</a>`, 100) + `</Event>`,
}

// The parser reads every golden and sample line and the edge cases as the parser before it did
// (winxml_old_test.go): the same events, the same rejects with the same messages.
func TestSameAsBefore(t *testing.T) {
	lines := parsetest.Corpus(t)
	for _, e := range edges {
		lines = append(lines, []byte(e))
	}
	parsetest.Same(t, oldTest(), newTest(), lines)
}

// The scanner itself reads the golden and sample lines (encoding/xml is for what it leaves).
func TestScannerReadsTheSamples(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(parsetest.SamplesDir(t), "windows_eventxml_4625_crowdsec-windows-bf.log"))
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.Split(bytes.TrimSpace(data), []byte("\n"))
	inputs, _ := filepath.Glob(filepath.Join("testdata", "*", "input.log"))
	for _, in := range inputs {
		data, _ := os.ReadFile(in)
		lines = append(lines, bytes.Split(bytes.TrimSpace(data), []byte("\n"))...)
	}
	var sc scanner
	for _, l := range lines {
		l = bytes.TrimSuffix(l, []byte("\r"))
		if _, err := decode(l); err != nil {
			continue
		}
		if _, ok := sc.read(l, string(l)); !ok {
			t.Errorf("left to encoding/xml: %.200s", l)
		}
	}
}

// BenchmarkParseBefore is BenchmarkParse with the parser of commit 7eba5b2: -bench BenchmarkParse
// runs the two in turn.
func BenchmarkParseBefore(b *testing.B) {
	data, _ := os.ReadFile(filepath.Join("testdata", "events", "input.log"))
	line := parse.Line{Text: bytes.SplitN(data, []byte("\n"), 2)[0]}
	p := oldTest()
	b.SetBytes(int64(len(line.Text)))
	for b.Loop() {
		p.Parse(line)
	}
}
