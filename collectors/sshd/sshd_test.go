package sshd

import (
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

func count(evs []event.Event, a event.Action) int {
	n := 0
	for _, ev := range evs {
		if ev.Event.Action == a {
			n++
		}
	}
	return n
}

func TestSampleLoghub(t *testing.T) {
	evs := parsetest.Sample(t, newTest(), "sshd_authlog_loghub-OpenSSH_lines900-1100.log")
	if n := count(evs, event.ActionLogon); n != 1 {
		t.Fatalf("%d logons, want the one Accepted password", n)
	}
	for _, ev := range evs {
		if ev.Event.Action == event.ActionLogon && (ev.User.Name != "fztu" || ev.Source.IP != "119.137.62.142" || ev.Source.Port != 49116) {
			t.Errorf("logon: %+v %+v", ev.User, ev.Source)
		}
	}
	if n := count(evs, event.ActionLogonFailed); n != 48 { // grep -c 'sshd\[[0-9]*\]: Failed password'
		t.Errorf("%d failed logons, want 48", n)
	}
}

func TestSampleFail2ban(t *testing.T) {
	evs := parsetest.Sample(t, newTest(), "sshd_fail2ban-testlog.log")
	// Lines 55 and 56 put a fake "from IP port N" into the user name; the real peer is the last.
	want := map[string]string{
		"test from 10.10.1.2 port 55555 ssh2":  "127.0.0.1",
		"test from 127.0.0.1 port 58946 ssh2:": "10.10.1.2",
	}
	for _, ev := range evs {
		if ip, ok := want[ev.User.Name]; ok {
			if ev.Source.IP != ip {
				t.Errorf("user %q: source %q, want %q", ev.User.Name, ev.Source.IP, ip)
			}
			delete(want, ev.User.Name)
		}
	}
	if len(want) > 0 {
		t.Errorf("injection lines not read: %v", want)
	}
}

func TestSampleCrowdsec(t *testing.T) {
	evs := parsetest.Sample(t, newTest(), "sshd_crowdsec-success.log")
	if count(evs, event.ActionLogon) != 4 {
		t.Errorf("%d logons, want 4", count(evs, event.ActionLogon))
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
	line := parse.Line{Text: []byte("Nov 20 08:01:12 bastion sshd[2101]: Accepted password for jdevries from 10.20.1.15 port 50433 ssh2")}
	b.SetBytes(int64(len(line.Text)))
	for b.Loop() {
		p.Parse(line)
	}
}
