package syslog

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var ams, _ = time.LoadLocation("Europe/Amsterdam")

func fixed(s string) func() time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return func() time.Time { return t }
}

func TestParse(t *testing.T) {
	p := &Parser{Location: ams, Reference: fixed("2026-03-20T12:00:00Z")}
	cases := []struct {
		line, time, host, app, pid, msg string
		pri                             int
	}{
		{"Feb 11 16:49:24 letterman postfix/qmgr[8204]: 721BE256EA: removed",
			"2026-02-11T16:49:24+01:00", "letterman", "postfix/qmgr", "8204", "721BE256EA: removed", -1},
		{"Apr  6 01:02:03 mail postfix/smtpd[1]: x", "2025-04-06T01:02:03+02:00", "mail", "postfix/smtpd", "1", "x", -1},
		{"Mar 7 01:02:03 mail postfix/smtpd[1]: x", "2026-03-07T01:02:03+01:00", "mail", "postfix/smtpd", "1", "x", -1},
		{"Sep 07 19:52:21 fileServer smbd_audit: a|b", "2025-09-07T19:52:21+02:00", "fileServer", "smbd_audit", "", "a|b", -1},
		{"2023-03-14T00:08:33.787870+01:00 helga postfix/qmgr[3163066]: 4PbC4x469Jz3tBr: from=<a@b>",
			"2023-03-14T00:08:33.78787+01:00", "helga", "postfix/qmgr", "3163066", "4PbC4x469Jz3tBr: from=<a@b>", -1},
		{"2023-03-14T00:08:33+0100 helga sshd[1]: hi", "2023-03-14T00:08:33+01:00", "helga", "sshd", "1", "hi", -1},
		{"<38>1 2019-07-08T17:40:16.954167-04:00 hostname.example.com sshd 57915 - - Failed unknown",
			"2019-07-08T17:40:16.954167-04:00", "hostname.example.com", "sshd", "57915", "Failed unknown", 38},
		{`<38>1 2019-07-08T17:40:16Z h sshd - ID1 [a b="x\"]y"][c d="e"] body`, "2019-07-08T17:40:16Z", "h", "sshd", "", "body", 38},
		{"<14>Sep 17 16:37:25 WIN-5SB1I3G0V7U MSWinEventLog\t1\tSecurity", "2025-09-17T16:37:25+02:00", "WIN-5SB1I3G0V7U", "MSWinEventLog", "", "1\tSecurity", 14},
	}
	for _, c := range cases {
		h, msg, err := p.Parse([]byte(c.line))
		if err != nil {
			t.Errorf("%q: %v", c.line, err)
			continue
		}
		want, _ := time.Parse(time.RFC3339Nano, c.time)
		if !h.Time.Equal(want) || h.Host != c.host || h.App != c.app || h.PID != c.pid || string(msg) != c.msg || h.Priority != c.pri {
			t.Errorf("%q:\n got %v %q %q %q %q %d\nwant %v %q %q %q %q %d", c.line, h.Time, h.Host, h.App, h.PID, msg, h.Priority, want, c.host, c.app, c.pid, c.msg, c.pri)
		}
	}
}

func TestYearRollover(t *testing.T) {
	p := &Parser{Location: ams, Reference: fixed("2027-01-01T00:30:00+01:00")}
	h, _, err := p.Parse([]byte("Dec 31 23:59:58 mail postfix/qmgr[1]: x"))
	if err != nil {
		t.Fatal(err)
	}
	if h.Time.Year() != 2026 {
		t.Errorf("Dec 31 read on Jan 1 2027: year %d, want 2026", h.Time.Year())
	}
	h, _, _ = p.Parse([]byte("Jan  1 00:10:00 mail postfix/qmgr[1]: x"))
	if h.Time.Year() != 2027 {
		t.Errorf("Jan 1 read on Jan 1 2027: year %d, want 2027", h.Time.Year())
	}
}

func TestRejects(t *testing.T) {
	p := &Parser{}
	for _, l := range []string{"", "garbage", "Foo 11 16:49:24 h a: b", "Feb 11 16:49 h a: b", "<999>Feb 11 16:49:24 h a: b", "2023-13-14T00:08:33Z h a: b", "<1>1 2019 h"} {
		if _, _, err := p.Parse([]byte(l)); err == nil {
			t.Errorf("%q: parsed, want error", l)
		}
	}
}

// Every syslog-wrapped sample in ../shared/samples must have a readable envelope.
func TestSamples(t *testing.T) {
	files, _ := filepath.Glob("../../../shared/samples/*.log")
	n := 0
	p := &Parser{Location: ams}
	for _, f := range files {
		base := filepath.Base(f)
		if !(strings.HasPrefix(base, "postfix_") || strings.HasPrefix(base, "sshd_") || strings.HasPrefix(base, "windows_snare") ||
			strings.HasPrefix(base, "samba_full_audit_syslog")) {
			continue
		}
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		sc.Buffer(nil, 1<<20)
		for ln := 1; sc.Scan(); ln++ {
			n++
			if _, _, err := p.Parse(sc.Bytes()); err != nil {
				t.Errorf("%s:%d: %v: %q", base, ln, err, sc.Text())
			}
		}
		fh.Close()
	}
	if n < 500 {
		t.Fatalf("read %d sample lines; is ../shared/samples there?", n)
	}
}
