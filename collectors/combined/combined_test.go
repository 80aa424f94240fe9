package combined

import (
	"testing"

	"github.com/lekwacht/lekwacht/collectors/parse"
	"github.com/lekwacht/lekwacht/collectors/parse/parsetest"
)

func newTest() parse.Parser {
	p, _ := New(parsetest.Options("test"))
	return p
}

func TestGolden(t *testing.T) { parsetest.Golden(t, newTest) }

func TestSampleApache(t *testing.T) {
	evs := parsetest.Sample(t, newTest(), "web_apache_combined_elastic-examples.log")
	if len(evs) != 262 {
		t.Fatalf("%d events, want one per line (262)", len(evs))
	}
	first := evs[0]
	if first.Source.IP != "83.149.9.216" || first.HTTP.Status != 200 || first.HTTP.Bytes != 203023 || first.HTTP.Method != "GET" ||
		first.Time.UTC().Format("2006-01-02T15:04:05") != "2015-05-17T10:05:03" {
		t.Errorf("first event: %+v %+v %v", first.Source, first.HTTP, first.Time)
	}
	failures := 0
	for _, ev := range evs {
		if ev.Event.Outcome == "failure" {
			failures++
		}
	}
	if failures == 0 {
		t.Error("no 4xx/5xx seen; the sample has 403, 404, 416 and 500 lines")
	}
}

func TestSampleNginx(t *testing.T) {
	evs := parsetest.Sample(t, newTest(), "web_nginx_combined_beats-access.log")
	last := evs[len(evs)-1]
	if last.Host.Name != "lessons.example.com" || last.Source.IP != "192.168.0.1" || last.HTTP.Status != 206 {
		t.Errorf("vhost line: host %q source %q status %d", last.Host.Name, last.Source.IP, last.HTTP.Status)
	}
	v := parsetest.Sample(t, newTest(), "web_nginx_combined_beats-test-variants.log")
	if len(v) != 7 {
		t.Fatalf("%d variant events, want 7", len(v))
	}
	want := []string{"10.0.0.2", "172.17.0.1", "10.5.102.222", "2a03:0000:10ff:f00f:0000:0000:0:8000", "127.0.0.1", "127.0.0.1", "10.0.0.2"}
	got := map[string]bool{}
	for _, ev := range v {
		got[ev.Source.IP] = true
	}
	for _, w := range want {
		if !got[w] {
			t.Errorf("original client %s not taken as source (got %v)", w, got)
		}
	}
}

func FuzzParse(f *testing.F) {
	parsetest.Seed(f)
	p, old := newTest(), oldTest()
	f.Fuzz(func(t *testing.T, line []byte) {
		parsetest.FuzzLine(t, p, line)
		parsetest.SameLine(t, old, p, line)
	})
}

func BenchmarkParse(b *testing.B) {
	p := newTest()
	line := parse.Line{Text: []byte(`10.20.1.15 - jdevries [20/Nov/2026:09:14:02 +0100] "GET /zaken/ZAAK-2026-0042/documenten HTTP/1.1" 200 18211 "https://zaken.voorbeeld.nl/zaken/ZAAK-2026-0042" "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Gecko/20100101 Firefox/128.0"`)}
	b.SetBytes(int64(len(line.Text)))
	for b.Loop() {
		p.Parse(line)
	}
}

// TestSizeInTheStatus: a size whose text also occurs in the status ("304 0", "200 20") still leaves
// the referrer and the agent after it.
func TestSizeInTheStatus(t *testing.T) {
	for _, tail := range []string{`304 0`, `200 0`, `200 20`, `404 4`, `500 -`} {
		line := `10.0.0.1 - - [17/May/2015:10:05:03 +0000] "GET /a HTTP/1.1" ` + tail + ` "https://ref.example/x" "Mozilla/5.0 (X11)"`
		evs, err := newTest().Parse(parse.Line{Text: []byte(line), Path: "access.log", Number: 1})
		if err != nil || len(evs) != 1 {
			t.Fatalf("%s: %v %v", tail, evs, err)
		}
		if h := evs[0].HTTP; h.Referrer != "https://ref.example/x" || h.UserAgent != "Mozilla/5.0 (X11)" {
			t.Errorf("%s: referrer %q, agent %q", tail, h.Referrer, h.UserAgent)
		}
	}
}
