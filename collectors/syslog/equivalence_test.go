package syslog

import (
	"bytes"
	"testing"

	"github.com/lekwacht/lekwacht/collectors/parse/parsetest"
)

// sameEnvelope fails when the reader on strings (Parse and ParseString) and the reader it replaced
// (oldParser) disagree about a line: error, any header field, or the message.
func sameEnvelope(t *testing.T, line []byte) {
	t.Helper()
	old := &oldParser{Location: parsetest.Amsterdam(), Reference: parsetest.Reference}
	p := &Parser{Location: parsetest.Amsterdam(), Reference: parsetest.Reference}
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

func TestSameAsBefore(t *testing.T) {
	lines := parsetest.Corpus(t)
	for _, l := range lines {
		sameEnvelope(t, l)
	}
	if len(lines) < 1000 {
		t.Fatalf("only %d lines in the corpus", len(lines))
	}
}

func FuzzSameAsBefore(f *testing.F) {
	for _, l := range parsetest.Corpus(f) {
		f.Add(l)
	}
	f.Fuzz(sameEnvelope)
}
