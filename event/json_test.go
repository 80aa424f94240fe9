package event_test

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/lekwacht/lekwacht/collectors"
	"github.com/lekwacht/lekwacht/collectors/parse"
	"github.com/lekwacht/lekwacht/collectors/parse/parsetest"
	"github.com/lekwacht/lekwacht/event"
)

// byEncoding is the event as lekwacht wrote it before AppendJSON: encoding/json, HTML escaping off.
func byEncoding(t testing.TB, ev *event.Event) ([]byte, error) {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(ev); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

func same(t testing.TB, ev *event.Event, what string) {
	t.Helper()
	want, werr := byEncoding(t, ev)
	got, gerr := ev.AppendJSON(nil)
	if (werr != nil) != (gerr != nil) {
		t.Fatalf("%s: encoding/json error %v, AppendJSON error %v", what, werr, gerr)
	}
	if werr == nil && !bytes.Equal(got, want) {
		t.Fatalf("%s:\n got %s\nwant %s", what, got, want)
	}
}

// TestAppendJSONAsEncodingJSON: every event every format makes of every golden and sample line is
// written byte for byte as encoding/json writes it.
func TestAppendJSONAsEncodingJSON(t *testing.T) {
	lines := parsetest.Corpus(t)
	n := 0
	for _, f := range collectors.Formats() {
		opts := parsetest.Options("test")
		if f.Name == "json" || f.Name == "csv" {
			continue // need a mapping; the events of the others cover every group
		}
		p, err := collectors.NewParser(f.Name, opts)
		if err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		for i, l := range lines {
			evs, _ := p.Parse(parse.Line{Text: l, Path: "/var/log/x.log", Number: int64(i + 1), Offset: int64(i) * 100, Input: "test"})
			for j := range evs {
				same(t, &evs[j], f.Name+": "+string(l))
				n++
			}
		}
	}
	if n < 500 {
		t.Fatalf("only %d events compared", n)
	}
	t.Logf("%d events compared", n)
}

// TestAppendJSONEdges: texts with every kind of escape, every group set or empty, times encoding/json
// writes its own way or refuses.
func TestAppendJSONEdges(t *testing.T) {
	texts := []string{"", "plain", `quote " and \ back`, "<script>&amp;</script>", "\x00\x01\x1f\x7f\b\f\n\r\t", "\xff\xfe bad utf-8 \xc3",
		"line\u2028sep\u2029", "é ü 漢字 🙂", `VOORBEELD\jdevries`}
	zones := []*time.Location{time.UTC, time.FixedZone("CET", 3600), time.FixedZone("odd", 3600+30), time.FixedZone("neg", -5*3600-30*60)}
	times := []time.Time{time.Date(2026, 11, 20, 9, 15, 0, 0, time.UTC), time.Date(2026, 11, 20, 9, 15, 0, 123456789, time.UTC),
		time.Date(2026, 11, 20, 9, 15, 0, 120000000, time.UTC), {}, time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC)}
	for ti, at := range times {
		for zi, z := range zones {
			for xi, x := range texts {
				ev := event.Event{Time: at.In(z), Event: event.Kind{Category: event.CategoryEmail, Action: event.ActionDeliver, Code: x, Reason: x},
					User: event.User{Name: x, Original: x, Identity: event.IdentityPerson}, Host: event.Host{Workstation: x},
					Source: event.Endpoint{Port: xi}, Destination: event.Endpoint{Domain: x, Port: -xi},
					Logon: &event.Logon{Process: x}, Mail: &event.Mail{To: []string{x, "", x}, Size: int64(xi), RecipientCount: -1, Hop: x},
					File: &event.File{Target: x, Size: 1 << 40}, Device: &event.Device{}, HTTP: &event.HTTP{Status: 200, RequestBytes: -5, UserAgent: x},
					App: &event.App{Object: x, Count: int64(ti)}, Log: event.Log{Path: x, Offset: int64(zi), Original: x}}
				same(t, &ev, x)
				ev = event.Event{Time: at.In(z), Log: event.Log{Input: x}}
				same(t, &ev, "bare "+x)
			}
		}
	}
}

func FuzzAppendJSON(f *testing.F) {
	f.Add("a.bakker", `"\`, "\xff", int64(3), int64(1764000000))
	f.Fuzz(func(t *testing.T, a, b, c string, n, sec int64) {
		ev := event.Event{Time: time.Unix(sec, n).In(time.FixedZone("z", int(n%86400))), Event: event.Kind{Category: event.Category(a), Outcome: event.Outcome(c)},
			User: event.User{Name: a, Domain: b}, Source: event.Endpoint{IP: c, Port: int(n)}, Mail: &event.Mail{From: a, To: []string{b, c}, Subject: c},
			HTTP: &event.HTTP{Path: b, Bytes: n}, Log: event.Log{Path: c, Offset: n, Line: -n}}
		same(t, &ev, "fuzz")
	})
}

func BenchmarkAppendJSON(b *testing.B) {
	ev := event.Event{Time: time.Date(2026, 11, 20, 9, 15, 0, 318840000, time.FixedZone("CET", 3600)),
		Event: event.Kind{Category: event.CategoryFile, Action: event.ActionDelete, Outcome: event.OutcomeSuccess, Code: "unlinkat", Dataset: "samba-audit"},
		User:  event.User{Name: "jdevries", Domain: "VOORBEELD"}, Host: event.Host{Name: "fs01", Workstation: "WS-0042"}, Source: event.Endpoint{IP: "10.20.1.15"},
		File: &event.File{Path: "/srv/shares/burgerzaken/f001.docx", Share: "burgerzaken", Operation: "unlinkat"}, Log: event.Log{Input: "shares", Path: "/var/log/samba/audit.log", Offset: 123456, Line: 789}}
	b.Run("AppendJSON", func(b *testing.B) {
		var buf []byte
		for b.Loop() {
			buf, _ = ev.AppendJSON(buf[:0])
		}
	})
	b.Run("encoding/json", func(b *testing.B) {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		for b.Loop() {
			buf.Reset()
			enc.Encode(&ev)
		}
	})
}
