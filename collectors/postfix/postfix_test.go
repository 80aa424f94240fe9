package postfix

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/lekwacht/lekwacht/collectors/parse"
	"github.com/lekwacht/lekwacht/collectors/parse/parsetest"
	"github.com/lekwacht/lekwacht/event"
)

func newTestParser(t testing.TB) *Parser {
	t.Helper()
	p, err := newParser(parsetest.Options("test"))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestGolden(t *testing.T) {
	parsetest.Golden(t, func() parse.Parser { return newTestParser(t) })
}

func count(evs []event.Event, action event.Action, status string) int {
	n := 0
	for _, ev := range evs {
		if ev.Event.Action == action && ev.Mail != nil && ev.Mail.Status == status {
			n++
		}
	}
	return n
}

func byQueue(t *testing.T, evs []event.Event, id string) event.Event {
	t.Helper()
	for _, ev := range evs {
		if ev.Mail != nil && ev.Mail.QueueID == id {
			return ev
		}
	}
	t.Fatalf("no event for queue id %s", id)
	return event.Event{}
}

func TestSamplePixelpark(t *testing.T) {
	p := newTestParser(t)
	evs := parsetest.Sample(t, p, "postfix_rfc3339_pixelpark.log")
	if got := count(evs, event.ActionDeliver, "sent"); got != 17 {
		t.Errorf("sent deliveries = %d, want 17", got)
	}
	if got := count(evs, event.ActionDeliver, "bounced"); got != 1 {
		t.Errorf("bounced deliveries = %d, want 1", got)
	}
	if got := count(evs, event.ActionReject, "rejected"); got != 1 {
		t.Errorf("rejects = %d, want 1", got)
	}
	filter := 0
	for _, ev := range evs {
		if ev.Mail.Hop == hopContentFilter {
			filter++
			if ev.Mail.Relay[:10] != "127.0.0.1[" {
				t.Errorf("content filter hop via %s", ev.Mail.Relay)
			}
		}
	}
	if filter != 8 {
		t.Errorf("content filter hops = %d, want 8", filter)
	}
	// The amavis re-queued mail's final delivery carries the original client, size and sender.
	final := byQueue(t, evs, "4PbC4z6W5Qz3tG3")
	if final.Source.IP != "185.31.160.120" || final.Source.Domain != "mail.nistoresio.co.cz" {
		t.Errorf("final delivery source = %+v, want the original smtpd client", final.Source)
	}
	if final.Mail.Size != 175061 || final.Mail.Direction != "local" || final.Mail.Hop != "" {
		t.Errorf("final delivery = %+v", final.Mail)
	}
	// Submission with SASL, through amavis, delivered by dovecot: user kept over the hop.
	sub := byQueue(t, evs, "4PbCb40W49z3tG3")
	if sub.User.Name != "vmail@uhu-banane.net" || sub.Source.IP != "2a02:8109:b240:41c8:9264:99a9:1b0d:15c8" {
		t.Errorf("submitted mail after amavis: user %q source %+v", sub.User.Name, sub.Source)
	}
	// pickup -> amavis -> local forward -> dovecot: three hops, one original.
	fwd := byQueue(t, evs, "4PbMVH1yTpz3tG3")
	if fwd.Mail.Size != 201562 || fwd.User.ID != "0" || fwd.Mail.MessageID != "4PbMVG6Tmjz3tG3@mail.brehm-berlin.de" {
		t.Errorf("forwarded mail = user %+v mail %+v", fwd.User, fwd.Mail)
	}
	if hop := byQueue(t, evs, "4PbMVH1gW1z3tBr"); hop.Mail.Hop != hopForwarded {
		t.Errorf("local forward hop = %q", hop.Mail.Hop)
	}
	b := byQueue(t, evs, "4PcV4K5FPLz3tBr")
	if b.Mail.Status != "bounced" || b.Event.Outcome != event.OutcomeFailure || b.Mail.DSN != "5.4.4" || b.Mail.Relay != "none" {
		t.Errorf("bounce = %+v %+v", b.Event, b.Mail)
	}
	ndr := byQueue(t, evs, "4PcV4K5tFpz3tG5")
	if ndr.Mail.Hop != hopNotification || ndr.Mail.From != "" || ndr.Mail.Size != 6002 {
		t.Errorf("NDR = %+v %+v", ndr.Event, ndr.Mail)
	}
	if st := p.Stats(); st.Pending != 0 || st.Removed != 18 || st.Evicted != 0 {
		t.Errorf("stats = %+v, want every conversation removed", st)
	}
}

func TestSampleDigineo(t *testing.T) {
	p := newTestParser(t)
	evs := parsetest.Sample(t, p, "postfix_rfc3164_digineo-postfix_exporter.log")
	if len(evs) != 3 {
		t.Fatalf("events = %d, want 3 (2 deliveries, 1 reject)", len(evs))
	}
	ev := byQueue(t, evs, "838FC8A5F")
	if ev.User.Name != "out@example.org" || ev.Mail.SASLUser != "out@example.org" {
		t.Errorf("sasl user = %q", ev.User.Name)
	}
	if ev.Source.IP != "fe80::1:2:3:4" || ev.Source.Domain != "" || ev.Mail.Size != 939 || ev.Mail.RecipientCount != 1 ||
		ev.Mail.From != "out@example.org" || ev.Mail.To[0] != "someone@example.com" || ev.Host.Name != "mail" {
		t.Errorf("838FC8A5F = %+v %+v", ev.Source, ev.Mail)
	}
	if want := "2026-09-23T15:57:42+02:00"; ev.Time.Format("2006-01-02T15:04:05Z07:00") != want {
		t.Errorf("time = %s, want %s", ev.Time, want)
	}
	// 5270320179 started before the log: a delivery without state is still an event.
	if lone := byQueue(t, evs, "5270320179"); lone.Mail.From != "" || lone.Mail.Status != "sent" {
		t.Errorf("lone delivery = %+v", lone.Mail)
	}
}

func TestSampleFail2ban(t *testing.T) {
	evs := parsetest.Sample(t, newTestParser(t), "postfix_rfc3164_fail2ban-testlog.log")
	if got := count(evs, event.ActionReject, "rejected"); got != len(evs) || got != 26 {
		t.Errorf("rejects = %d of %d events, want 26", got, len(evs))
	}
	pscreen := 0
	for _, ev := range evs {
		if ev.Source.Port == 60591 && ev.Mail.From == "spammer@example.com" && ev.Mail.To[0] == "goodguy@example.com" {
			pscreen++
		}
		if ev.Time.Month() == 12 && ev.Time.Year() != 2025 {
			t.Errorf("December line resolved to %d, want 2025", ev.Time.Year())
		}
	}
	if pscreen != 1 {
		t.Errorf("postscreen reject with comma form not read")
	}
}

// TestBoundedState checks that queue ids beyond MaxPending are evicted and counted.
func TestBoundedState(t *testing.T) {
	opts := parsetest.Options("test")
	opts.MaxPending = 2
	pp, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	p := pp.(*Parser)
	for _, l := range []string{
		"Nov  2 10:00:00 mx1 postfix/smtpd[1]: AAAA111111: client=a[10.0.0.1]",
		"Nov  2 10:00:00 mx1 postfix/smtpd[1]: BBBB222222: client=b[10.0.0.2]",
		"Nov  2 10:00:00 mx1 postfix/smtpd[1]: CCCC333333: client=c[10.0.0.3]",
	} {
		if _, err := p.Parse(parse.Line{Text: []byte(l)}); err != nil {
			t.Fatal(err)
		}
	}
	if st := p.Stats(); st.Pending != 2 || st.Evicted != 1 {
		t.Errorf("stats = %+v, want 2 pending, 1 evicted", st)
	}
	evs, _ := p.Parse(parse.Line{Text: []byte("Nov  2 10:00:01 mx1 postfix/smtp[2]: AAAA111111: to=<x@example.com>, relay=none, delay=1, delays=0/0/1/0, dsn=4.4.1, status=deferred (no route)")})
	if len(evs) != 1 || evs[0].Source.IP != "" || evs[0].Event.Outcome != event.OutcomeUnknown {
		t.Errorf("evicted queue id still joined: %+v", evs)
	}
	p.Reset()
	if st := p.Stats(); st.Pending != 0 || st.Evicted != 1 {
		t.Errorf("after reset: %+v", st)
	}
}

func TestRemoteQueuedAsNotLinked(t *testing.T) {
	p := newTestParser(t)
	_, err := p.Parse(parse.Line{Text: []byte("Nov  2 10:00:01 mx1 postfix/smtp[2]: AAAA111111: to=<x@example.com>, relay=mx.example.com[198.51.100.1]:25, delay=1, delays=0/0/1/0, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 4C1D2E3F5A)")})
	if err != nil {
		t.Fatal(err)
	}
	if st := p.Stats(); st.Linked != 0 || st.Pending != 0 {
		t.Errorf("a remote server's queue id was linked: %+v", st)
	}
}

func FuzzParse(f *testing.F) {
	parsetest.Seed(f)
	p := newTestParser(f)
	// Two more parsers read the same lines, old and new, so their queue-id state stays alike.
	old, cur := oldTestParser(f), newTestParser(f)
	f.Fuzz(func(t *testing.T, line []byte) {
		parsetest.FuzzLine(t, p, line)
		parsetest.SameLine(t, old, cur, line)
	})
}

// goodLines returns the golden inputs' lines that are not rejected.
func goodLines(b *testing.B) [][]byte {
	b.Helper()
	inputs, _ := filepath.Glob(filepath.Join("testdata", "*", "input.log"))
	var lines [][]byte
	for _, in := range inputs {
		data, err := os.ReadFile(in)
		if err != nil {
			b.Fatal(err)
		}
		for _, l := range bytes.Split(data, []byte("\n")) {
			pl := parse.Line{Text: l}
			if len(l) == 0 || parse.Check(pl) != nil {
				continue
			}
			if _, err := newTestParser(b).Parse(pl); err == nil {
				lines = append(lines, l)
			}
		}
	}
	return lines
}

func BenchmarkParse(b *testing.B) {
	lines := goodLines(b)
	var size int64
	for _, l := range lines {
		size += int64(len(l)) + 1
	}
	// parsetest's Reference loads the zone on every call; the daemon's clock does not.
	opts := parsetest.Options("bench")
	ref := parsetest.Reference()
	opts.Reference = func() time.Time { return ref }
	p, err := newParser(opts)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		for _, l := range lines {
			if _, err := p.Parse(parse.Line{Text: l}); err != nil {
				b.Fatal(err)
			}
		}
	}
}
