package samba

import (
	"testing"

	"github.com/lekwacht/lekwacht/collectors/parse"
	"github.com/lekwacht/lekwacht/collectors/parse/parsetest"
	"github.com/lekwacht/lekwacht/event"
)

// newWith builds a parser with the given full_audit:prefix ("" detects it).
func newWith(prefix string) parse.Parser {
	opts := parsetest.Options("test")
	opts.Prefix = prefix
	p, err := New(opts)
	if err != nil {
		panic(err)
	}
	return p
}

func TestGolden(t *testing.T) {
	// parsetest.Golden builds one parser per case; the configured prefix only fits the first case,
	// and detection must read both, so detection is what the golden files pin down.
	parsetest.Golden(t, func() parse.Parser { return newWith("") })
}

func TestConfiguredPrefix(t *testing.T) {
	p := newWith("%U|%I|%m|%S")
	ev, err := p.Parse(parse.Line{Text: []byte(`Nov 20 09:01:05 fs01 smbd_audit[4121]: VOORBEELD\jdevries|10.20.1.15|WS-0042|burgerzaken|openat|ok|w|/srv/a|b.csv`)})
	if err != nil || len(ev) != 1 {
		t.Fatal(ev, err)
	}
	e := ev[0]
	if e.User.Name != "jdevries" || e.User.Domain != "VOORBEELD" || e.Host.Workstation != "WS-0042" || e.File.Share != "burgerzaken" ||
		e.File.Path != "/srv/a|b.csv" || e.Event.Action != event.ActionWrite || e.Source.IP != "10.20.1.15" {
		t.Errorf("%+v %+v %+v", e.User, e.Host, e.File)
	}
	if _, err := New(parse.Options{Prefix: "user|%I"}); err == nil {
		t.Error("prefix without macros accepted")
	}
}

func count(evs []event.Event, a event.Action) int {
	n := 0
	for _, e := range evs {
		if e.Event.Action == a {
			n++
		}
	}
	return n
}

func TestSamples(t *testing.T) {
	for _, prefix := range []string{"", "%U|%I"} {
		evs := parsetest.Sample(t, newWith(prefix), "samba_full_audit_journal_otus-linux.log")
		if count(evs, event.ActionConnect) != 2 || count(evs, event.ActionRead) != 1 || len(evs) != 3 {
			t.Errorf("otus with prefix %q: %d events", prefix, len(evs))
		}
		if evs[0].User.Name != "nobody" || evs[0].Source.IP != "192.168.11.151" || evs[0].File.Share != "guest" {
			t.Errorf("otus connect: %+v %+v", evs[0].User, evs[0].File)
		}
	}
	for _, prefix := range []string{"", "%T|%I|%m|%S"} {
		evs := parsetest.Sample(t, newWith(prefix), "samba_full_audit_syslog_wishareprotector.log")
		if len(evs) != 7 || count(evs, event.ActionDelete) != 1 || count(evs, event.ActionRename) != 1 || count(evs, event.ActionWrite) != 1 {
			t.Fatalf("wishare with prefix %q: %d events", prefix, len(evs))
		}
		ren := evs[6]
		if ren.File.Path != "file" || ren.File.Target != "filetest" || ren.Host.Workstation != "dhcp-13-208" ||
			ren.Time.Format("2006-01-02 15:04:05") != "2020-10-01 15:21:03" {
			t.Errorf("rename: %+v %+v %v", ren.File, ren.Host, ren.Time)
		}
	}
	for _, prefix := range []string{"", "%u|%I"} {
		evs := parsetest.Sample(t, newWith(prefix), "samba_full_audit_source-comment_samba.txt")
		if len(evs) != 3 || evs[0].Event.Outcome != event.OutcomeFailure || evs[0].Event.Reason != "No such file or directory" {
			t.Errorf("samba source comment with prefix %q: %+v", prefix, evs)
		}
	}
}

func FuzzParse(f *testing.F) {
	parsetest.Seed(f)
	p := newWith("")
	var olds, news []parse.Parser
	for _, prefix := range prefixes {
		olds, news = append(olds, oldWith(prefix)), append(news, newWith(prefix))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		parsetest.FuzzLine(t, p, line)
		for i := range olds {
			parsetest.SameLine(t, olds[i], news[i], line)
		}
	})
}

const benchLine = `Nov 20 09:01:05 fs01 smbd_audit[4121]: VOORBEELD\jdevries|10.20.1.15|WS-0042|afdeling-burgerzaken|openat|ok|r|/srv/shares/burgerzaken/aanvragen/2026/overzicht.xlsx`

func BenchmarkParse(b *testing.B) {
	p := newWith("%u|%I|%m|%S")
	line := parse.Line{Text: []byte(benchLine)}
	b.SetBytes(int64(len(line.Text)))
	for b.Loop() {
		p.Parse(line)
	}
}

// BenchmarkParseDetected reads the same line with the prefix detected, as without full_audit:prefix
// in the config (and as make bench runs the format).
func BenchmarkParseDetected(b *testing.B) {
	p := newWith("")
	line := parse.Line{Text: []byte(benchLine)}
	b.SetBytes(int64(len(line.Text)))
	for b.Loop() {
		p.Parse(line)
	}
}
