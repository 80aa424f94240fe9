package combined

import (
	"strings"
	"testing"
	"time"

	"github.com/lekwacht/lekwacht/collectors/parse"
	"github.com/lekwacht/lekwacht/collectors/parse/parsetest"
)

func oldTest() parse.Parser {
	p, _ := oldNew(parsetest.Options("test"))
	return p
}

// The parser reads every golden and sample line as the parser before it did (combined_old_test.go).
func TestSameAsBefore(t *testing.T) {
	parsetest.Same(t, oldTest(), newTest(), parsetest.Corpus(t))
}

// parseStamp reads what time.Parse reads, the same way, in the zone time.Parse picks: the local zone
// when it has the offset, else a fixed zone.
func TestParseStamp(t *testing.T) {
	for _, s := range []string{"20/Nov/2026:09:14:02 +0100", "17/May/2015:10:05:03 +0000", "29/Feb/2024:00:00:00 -0700",
		"29/Feb/2023:00:00:00 -0700", "31/Apr/2026:10:00:00 +0200", "01/Jan/2026:24:00:00 +0100", "01/Jan/2026:23:60:00 +0100",
		"01/Jan/2026:23:00:60 +0100", "01/Jan/2026:23:00:00 +2400", "01/Jan/2026:23:00:00 +2500", "01/Jan/2026:23:00:00 +0160",
		"01/Jan/2026:23:00:00 +0161", "01/Jan/2026:23:00:00 +0530", "01/Jan/2026:23:00:00 -0000", "01/jan/2026:23:00:00 +0100",
		"01/JAN/2026:23:00:00 +0100", "01/Jan/2026:3:00:00 +0100", "01/Jan/2026:23:00:00.5 +0100", "00/Jan/2026:23:00:00 +0100",
		"01/Jan/2026:23:00:00 0100", "01/Jan/2026:23:00:00 +01:00", "01/Xyz/2026:23:00:00 +0100", ""} {
		for _, loc := range []*time.Location{time.UTC, parsetest.Amsterdam()} {
			local := time.Local
			time.Local = loc
			want, err := time.Parse(stampLayout, s)
			got, ok := parseStamp(s)
			time.Local = local
			if ok != (err == nil) || ok && !parsetest.SameTime(got, want) {
				t.Errorf("%q in %v: got %v %v, want %v %v", s, loc, got, ok, want, err)
			}
		}
	}
}

// FuzzQuoteOrEscape: quoteOrEscape is strings.IndexAny of `"\`.
func FuzzQuoteOrEscape(f *testing.F) {
	for _, s := range []string{``, `abc`, `a"b`, `a\b"c`, `a"b\c`, `\`, `"`, `ab\`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := quoteOrEscape(s), strings.IndexAny(s, `"\`); got != want {
			t.Fatalf("quoteOrEscape(%q) = %d, want %d", s, got, want)
		}
	})
}
