package samba

import (
	"testing"
	"time"

	"github.com/lekwacht/lekwacht/collectors/parse"
	"github.com/lekwacht/lekwacht/collectors/parse/parsetest"
)

// prefixes are the full_audit:prefix settings the equivalence test and the fuzz target compare
// under: detection, and configured prefixes with each macro.
var prefixes = []string{"", "%U|%I|%m|%S", "%u|%I|%m|%S", "%T|%I|%m|%S", "%u|%I", "%D|%u|%M|%t|%x"}

func oldWith(prefix string) parse.Parser {
	opts := parsetest.Options("test")
	opts.Prefix = prefix
	p, err := oldNew(opts)
	if err != nil {
		panic(err)
	}
	return p
}

// The parser reads every golden and sample line as the parser before it did (samba_old_test.go).
func TestSameAsBefore(t *testing.T) {
	lines := parsetest.Corpus(t)
	for _, prefix := range prefixes {
		parsetest.Same(t, oldWith(prefix), newWith(prefix), lines)
	}
}

// parseStamp reads what time.ParseInLocation reads, the same way: dates that do not exist, the
// edges of each field, leap years, and forms only ParseInLocation knows (one-digit hour, fraction).
func TestParseStamp(t *testing.T) {
	loc := parsetest.Amsterdam()
	for _, s := range []string{"2020/10/01 15:21:03", "2024/02/29 00:00:00", "2023/02/29 00:00:00", "1900/02/29 12:00:00",
		"2000/02/29 12:00:00", "2026/04/31 10:00:00", "2026/12/31 23:59:59", "2026/13/01 10:00:00", "2026/00/10 10:00:00",
		"2026/01/00 10:00:00", "2026/01/01 24:00:00", "2026/01/01 23:60:00", "2026/01/01 23:00:60", "0000/01/01 00:00:00",
		"2026/10/25 02:30:00", "2026/03/29 02:30:00", "2026/1/01 10:00:00", "2026/01/01 1:00:00", "2026/01/01 10:00:00.5",
		"2026/01/01T10:00:00", "+026/01/01 10:00:00", "2026/01/01 10:00:0x", ""} {
		want, err := time.ParseInLocation(stampLayout, s, loc)
		got, ok := parseStamp(s, loc)
		if ok != (err == nil) || ok && (!got.Equal(want) || got.Location() != want.Location() || got.String() != want.String()) {
			t.Errorf("%q: got %v %v, want %v %v", s, got, ok, want, err)
		}
	}
}
