package winlog

import (
	"bytes"
	"encoding/json"
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

// base is a 4624 whose members the edge cases vary.
const base = `{"@timestamp":"2026-11-20T07:58:12.1234567Z","event":{"code":4624},"user":{"name":"ecs"},` +
	`"source":{"ip":"10.0.0.9","port":4711},"host":{"name":"ws-0042"},"winlog":{"computer_name":"WS-0042","event_id":4624,` +
	`"keywords":["Audit Success"],"event_data":{"TargetUserName":"jdevries","TargetDomainName":"VOORBEELD","LogonType":"3",` +
	`"IpAddress":"10.20.1.15","IpPort":"50211","TargetLogonId":"0x8d3a2f"}}}`

// edges are lines where encoding/json's rules are easy to get wrong: duplicates, null, case,
// escapes, numbers as strings, wrong types, trailing bytes, a long line.
var edges = []string{
	base,
	strings.Replace(base, `"event_id":4624`, `"event_id":"4624"`, 1),
	strings.Replace(base, `"event_id":4624`, `"event_id":" 4624 "`, 1),
	strings.Replace(base, `"event_id":4624`, `"event_id":"\u0034624"`, 1),
	strings.Replace(base, `"event_id":4624`, `"event_id":null`, 1),
	strings.Replace(base, `"event_id":4624`, `"event_id":4624.0`, 1),
	strings.Replace(base, `"event_id":4624`, `"event_id":{"a":1}`, 1),
	strings.Replace(base, `"event_id":4624,`, ``, 1),
	strings.Replace(strings.Replace(base, `"event_id":4624,`, ``, 1), `"code":4624`, `"code":"4625"`, 1),
	strings.Replace(base, `"event_id":4624`, `"event_id":4624,"event_id":4634`, 1),
	strings.Replace(base, `"event_id":4624`, `"Event_ID":4634`, 1),
	strings.Replace(base, `"winlog":`, `"WINLOG":`, 1),
	strings.Replace(base, `"winlog":`, `"winlog":{"event_id":4634},"winlog":`, 1),
	strings.Replace(base, `"winlog":`, `"winlog":{"computer_name":"X"},"winlog":`, 1),
	strings.Replace(base, `"user":{"name":"ecs"}`, `"user":{"name":"ecs"},"user":{"domain":"D"}`, 1),
	strings.Replace(base, `"user":{"name":"ecs"}`, `"user":null`, 1),
	strings.Replace(base, `"user":{"name":"ecs"}`, `"user":"ecs"`, 1),
	strings.Replace(base, `"user":{"name":"ecs"}`, `"user":{"name":5}`, 1),
	strings.Replace(base, `"user":{"name":"ecs"}`, `"user":{"name":null}`, 1),
	strings.Replace(base, `"user":{"name":"ecs"}`, `"uſer":{"name":"x"}`, 1),
	strings.Replace(base, `"user":{"name":"ecs"}`, `"\u0075ser":{"name":"x"}`, 1),
	strings.Replace(base, `"port":4711`, `"port":"4711"`, 1),
	strings.Replace(base, `"port":4711`, `"port":4711.5`, 1),
	strings.Replace(base, `"port":4711`, `"port":1e3`, 1),
	strings.Replace(base, `"port":4711`, `"port":-0`, 1),
	strings.Replace(base, `"port":4711`, `"port":99999999999999999999`, 1),
	strings.Replace(base, `"@timestamp":"2026-11-20T07:58:12.1234567Z"`, `"@timestamp":null`, 1),
	strings.Replace(base, `"@timestamp":"2026-11-20T07:58:12.1234567Z"`, `"@timestamp":1795161600`, 1),
	strings.Replace(base, `"@timestamp":"2026-11-20T07:58:12.1234567Z"`, `"@Timestamp":"2026-11-20T07:58:13Z"`, 1),
	strings.Replace(base, `"computer_name":"WS-0042",`, `"time_created":"2026-11-20T07:58:13Z",`, 1),
	strings.Replace(base, `"TargetUserName":"jdevries"`, `"TargetUserName":"j\u00e9r\u00f4me","SubjectUserName":"DOMAIN\\user"`, 1),
	strings.Replace(base, `"TargetUserName":"jdevries"`, `"TargetUserName":"jdevries","TargetUserName":"kbakker"`, 1),
	strings.Replace(base, `"TargetUserName":"jdevries"`, `"TargetUserName":"jdevries","TargetUserName":5`, 1),
	strings.Replace(base, `"TargetUserName":"jdevries"`, `"TargetUserName":"jdevries","TargetUserName":null`, 1),
	strings.Replace(base, `"TargetUserName":"jdevries"`, `"\u0054argetUserName":"esc"`, 1),
	strings.Replace(base, `"TargetUserName":"jdevries"`, `"targetusername":"lower"`, 1),
	strings.Replace(base, `"IpAddress":"10.20.1.15"`, `"IpAddress":["10.20.1.15"]`, 1),
	strings.Replace(base, `"IpAddress":"10.20.1.15",`, ``, 1),
	strings.Replace(base, `"event_data":{`, `"event_data":{"TargetUserName":"first"},"event_data":{`, 1),
	strings.Replace(base, `"event_data":{`, `"event_data":{"Status":"0xc000006d"},"event_data":null,"event_data":{`, 1),
	strings.Replace(base, `"event_data":{`, `"event_data":{"a":{"b":[1,2,{"c":null}]}},"event_data":{`, 1),
	strings.Replace(base, `"event_data":{"TargetUserName"`, `"event_data":"x","e":{"TargetUserName"`, 1),
	strings.Replace(base, `["Audit Success"]`, `["Audit Success","Audit Failure"]`, 1),
	strings.Replace(base, `["Audit Success"]`, `["Audit Failure"],"keywords":["Audit Success"]`, 1),
	strings.Replace(base, `["Audit Success"]`, `["Audit Failure"],"keywords":null`, 1),
	strings.Replace(base, `["Audit Success"]`, `[null,"Audit Failure"]`, 1),
	strings.Replace(base, `["Audit Success"]`, `["Audit Failure",1]`, 1),
	strings.Replace(base, `["Audit Success"]`, `"Audit Failure"`, 1),
	strings.Replace(base, `["Audit Success"]`, `["Audit\u0020Failure"]`, 1),
	`{"message":"` + strings.Repeat(`x\"y\\z `, 150000) + `",` + base[1:],
	base + ` `, base + `x`, base + `{}`, ` ` + base, base[:len(base)-1], base + `}`,
	`null`, `[]`, `"x"`, `5`, `{}`, ``, `{`, `{"winlog":{"event_id":4624,}}`, `{"a":01}`, `{"a":"` + "\t" + `"}`,
}

// The parser reads every golden and sample line, every pretty-printed Winlogbeat source compacted
// to a line, and the edge cases as the parser before it did (winlog_old_test.go): the same events,
// the same rejects with the same messages.
func TestSameAsBefore(t *testing.T) {
	lines := parsetest.Corpus(t)
	lines = append(lines, sourceLines(t)...)
	for _, e := range edges {
		lines = append(lines, []byte(e))
	}
	parsetest.Same(t, oldTest(), newTest(), lines)
}

// The scanner itself reads the golden and sample lines (encoding/json is for what it leaves).
func TestScannerReadsTheSamples(t *testing.T) {
	lines := sourceLines(t)
	data, err := os.ReadFile(filepath.Join(parsetest.SamplesDir(t), "windows_winlogbeat_ecs.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	lines = append(lines, bytes.Split(bytes.TrimSpace(data), []byte("\n"))...)
	inputs, _ := filepath.Glob(filepath.Join("testdata", "*", "input.log"))
	for _, in := range inputs {
		data, _ := os.ReadFile(in)
		lines = append(lines, bytes.Split(bytes.TrimSpace(data), []byte("\n"))...)
	}
	var sc scanner
	for _, l := range lines {
		if _, err := decode(l); err != nil {
			continue // a golden reject
		}
		if _, ok := sc.read(l, string(l)); !ok {
			t.Errorf("left to encoding/json: %.200s", l)
		}
	}
}

// sourceLines are the events of the pretty-printed Winlogbeat files, one compact line each.
func sourceLines(t *testing.T) [][]byte {
	files, _ := filepath.Glob(filepath.Join(parsetest.SamplesDir(t), "windows_winlogbeat_source", "*.json"))
	var out [][]byte
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var v any
		if err := json.Unmarshal(data, &v); err != nil {
			t.Fatal(err)
		}
		objs := []any{v}
		if a, ok := v.([]any); ok {
			objs = a
		} else if evs, ok := v.(map[string]any)["events"].([]any); ok {
			objs = evs
		}
		for _, o := range objs {
			line, _ := json.Marshal(o)
			out = append(out, line)
		}
	}
	if len(out) != 8 {
		t.Fatalf("%d source events, want 8", len(out))
	}
	return out
}

// BenchmarkParseBefore is BenchmarkParse with the parser of commit 7eba5b2: -bench BenchmarkParse
// runs the two in turn.
func BenchmarkParseBefore(b *testing.B) {
	data, _ := os.ReadFile(filepath.Join("testdata", "security", "input.log"))
	line := parse.Line{Text: bytes.SplitN(data, []byte("\n"), 2)[0]}
	p := oldTest()
	b.SetBytes(int64(len(line.Text)))
	for b.Loop() {
		p.Parse(line)
	}
}
