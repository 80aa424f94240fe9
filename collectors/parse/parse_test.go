package parse

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/lekwacht/lekwacht/event"
)

func TestCheck(t *testing.T) {
	for _, c := range []struct {
		text   string
		reason Reason
	}{
		{"plain line", ""},
		{"tab\tand\rcr", ""},
		{"Min. Password Age: \x01   Max. Password Age: \x01 and a long rendered message around it", ""},
		{"nul\x00byte", ReasonBinary},
		{"\x01\x02\x03\x04garbage", ReasonBinary},
		{"bad \xff utf8", ReasonInvalidUTF8},
	} {
		err := Check(Line{Text: []byte(c.text)})
		got := Reason("")
		if err != nil {
			got = ReasonOf(err)
		}
		if got != c.reason {
			t.Errorf("%q: %q, want %q", c.text, got, c.reason)
		}
	}
	if ReasonOf(Check(Line{Text: []byte("x"), Truncated: true})) != ReasonTooLong {
		t.Error("cut line not rejected")
	}
}

func TestStampKeepsTheOriginalLineOutOfJSON(t *testing.T) {
	var ev event.Event
	Stamp(&ev, Line{Text: []byte("Nov 23 10:00:01 srv sshd[1]: Accepted password for piet"), Input: "ssh", Path: "/var/log/auth.log", Offset: 42, Number: 3}, "sshd")
	if ev.Log.Original != "Nov 23 10:00:01 srv sshd[1]: Accepted password for piet" || ev.Log.Offset != 42 || ev.Log.Line != 3 {
		t.Fatalf("log group %+v", ev.Log)
	}
	b, _ := json.Marshal(ev)
	if strings.Contains(string(b), "piet") {
		t.Fatalf("the original line is written out with the event: %s", b)
	}
}

// controlBytes counts as the byte-by-byte loop it replaced (controlsIn over the whole line) does.
func FuzzControlBytes(f *testing.F) {
	for _, s := range []string{"", "plain line", "tab\tand\rcr\fff", "\x01\x02\x03\x04garbage", "\x1f\x20\x7f\x80\xff",
		"MSWinEventLog\t1\tSecurity\t100\tFri Nov 20 08:02:40 2026\t4624", strings.Repeat("a\x01", 40), "\x00\x00\x00\x00\x00\x00\x00\x00\x1f"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for i := range min(len(b), 9) { // every alignment of the eight-byte words
			if got, want := controlBytes(b[i:]), controlsIn(b[i:]); got != want {
				t.Fatalf("%q: %d control bytes, want %d", b[i:], got, want)
			}
		}
	})
}

func BenchmarkCheck(b *testing.B) {
	l := Line{Text: []byte(`Nov 20 09:01:05 fs01 smbd_audit[4121]: VOORBEELD\jdevries|10.20.1.15|WS-0042|afdeling-burgerzaken|openat|ok|r|/srv/shares/burgerzaken/aanvragen/2026/overzicht.xlsx`)}
	b.SetBytes(int64(len(l.Text)))
	for b.Loop() {
		Check(l)
	}
}

// TestTextReaders: IsIP agrees with netip on addresses and refuses zones and names; Digits reads
// only all-digit texts; DaysIn knows the leap years.
func TestTextReaders(t *testing.T) {
	for s, want := range map[string]bool{"10.20.1.15": true, "::1": true, "fe80::1%eth0": false, "": false, "WS-0042": false,
		"burgerzaken": false, "1.2.3": false, "2001:db8::ff": true, "abc": false} {
		if IsIP(s) != want {
			t.Errorf("IsIP(%q) = %v", s, !want)
		}
	}
	for s, want := range map[string]int{"0": 0, "09": 9, "2026": 2026} {
		if n, ok := Digits(s); !ok || n != want {
			t.Errorf("Digits(%q) = %d, %v", s, n, ok)
		}
	}
	for _, s := range []string{"", "1a", "-1", " 1", "1234567890123456789"} {
		if _, ok := Digits(s); ok && s != "" {
			t.Errorf("Digits(%q) took it", s)
		}
	}
	for y, want := range map[int]int{2024: 29, 2026: 28, 1900: 28, 2000: 29} {
		if got := DaysIn(time.February, y); got != want {
			t.Errorf("DaysIn(February, %d) = %d", y, got)
		}
	}
	if DaysIn(time.April, 2026) != 30 || DaysIn(time.December, 2026) != 31 {
		t.Error("DaysIn of April or December")
	}
}
