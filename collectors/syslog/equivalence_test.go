package syslog

import (
	"bytes"
	"testing"
	"time"

	"github.com/lekwacht/lekwacht/collectors/parse/parsetest"
)

// sameEnvelope fails when the reader on strings (Parse and ParseString) and the reader it replaced
// (oldParser) disagree about a line: error, any header field, or the message. p is reused across
// lines, as parsers use it (it remembers the last year-less stamp).
func sameEnvelope(t *testing.T, p *Parser, line []byte) {
	t.Helper()
	old := &oldParser{Location: p.Location, Reference: p.Reference}
	oh, omsg, oerr := old.Parse(line)
	nh, nmsg, nerr := p.Parse(line)
	sh, smsg, serr := p.ParseString(string(line))
	if oerr != nerr || oerr != serr {
		t.Fatalf("%q: errors old %v, Parse %v, ParseString %v", line, oerr, nerr, serr)
	}
	if oerr != nil {
		return
	}
	if !bytes.Equal(omsg, nmsg) || string(omsg) != smsg || (omsg == nil) != (nmsg == nil) {
		t.Fatalf("%q: message old %q, Parse %q, ParseString %q", line, omsg, nmsg, smsg)
	}
	for _, h := range []Header{nh, sh} {
		if !parsetest.SameTime(h.Time, oh.Time) {
			t.Fatalf("%q: time old %v, new %v", line, oh.Time, h.Time)
		}
		h.Time = oh.Time
		if h != oh {
			t.Fatalf("%q: header old %+v, new %+v", line, oh, h)
		}
	}
}

func newAmsterdam() *Parser {
	return &Parser{Location: parsetest.Amsterdam(), Reference: parsetest.Reference}
}

func TestSameAsBefore(t *testing.T) {
	lines := parsetest.Corpus(t)
	p := newAmsterdam()
	for _, l := range lines {
		sameEnvelope(t, p, l)
	}
	if len(lines) < 1000 {
		t.Fatalf("only %d lines in the corpus", len(lines))
	}
}

// The remembered stamp gives the year the reference gives now: the same stamps read while "now"
// moves over a new year, and in another zone.
func TestSameAsBeforeMovingReference(t *testing.T) {
	now := time.Date(2026, 12, 31, 23, 0, 0, 0, time.UTC)
	p := &Parser{Location: parsetest.Amsterdam(), Reference: func() time.Time { return now }}
	lines := []string{"Dec 31 23:59:58 h a: x", "Jan  1 00:10:00 h a: x", "Jan  3 00:10:00 h a: x", "Feb 29 12:00:00 h a: x"}
	for _, toggle := range []int{1000, 3} { // the zone changes never, or every third line
		for _, l := range lines {
			now = time.Date(2026, 12, 29, 23, 0, 0, 0, time.UTC)
			for i := range 24 * 4 {
				sameEnvelope(t, p, []byte(l))
				if i%toggle == toggle-1 {
					p.Location = map[bool]*time.Location{true: time.UTC, false: parsetest.Amsterdam()}[p.Location != time.UTC]
				}
				now = now.Add(3 * time.Hour)
			}
		}
	}
}

func FuzzSameAsBefore(f *testing.F) {
	for _, l := range parsetest.Corpus(f) {
		f.Add(l)
	}
	p := newAmsterdam()
	f.Fuzz(func(t *testing.T, line []byte) { sameEnvelope(t, p, line) })
}
