package snare

import (
	"maps"
	"testing"

	"github.com/lekwacht/lekwacht/collectors/parse"
	"github.com/lekwacht/lekwacht/collectors/parse/parsetest"
)

func oldTest() parse.Parser {
	p, _ := oldNew(parsetest.Options("test"))
	return p
}

// The parser reads every golden and sample line as the parser before it did (snare_old_test.go),
// each parser reading all lines in order (the Mapper remembers handles across lines).
func TestSameAsBefore(t *testing.T) {
	parsetest.Same(t, oldTest(), newTest(), parsetest.Corpus(t))
}

// sameItems fails when read and the items of before (oldItems) make different maps of a message,
// also when the parser's map is reused after another message.
func sameItems(t *testing.T, p *Parser, msg string) {
	t.Helper()
	p.read(msg)
	if want := oldItems(msg); !maps.Equal(map[string]string(p.items), want) {
		t.Fatalf("%q:\nold %q\nnew %q", msg, want, p.items)
	}
}
