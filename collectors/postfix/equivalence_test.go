package postfix

import (
	"testing"

	"github.com/lekwacht/lekwacht/collectors/parse/parsetest"
)

func oldTestParser(t testing.TB) *oldParser {
	t.Helper()
	p, err := oldNewParser(parsetest.Options("test"))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// The parser reads every golden and sample line as the parser before it did (postfix_old_test.go),
// each parser reading all lines in order so that the queue-id state builds up the same, also with a
// small state that evicts.
func TestSameAsBefore(t *testing.T) {
	lines := parsetest.Corpus(t)
	old, p := oldTestParser(t), newTestParser(t)
	parsetest.Same(t, old, p, lines)
	if old.Stats() != p.Stats() {
		t.Errorf("state: old %+v, new %+v", old.Stats(), p.Stats())
	}
	opts := parsetest.Options("test")
	opts.MaxPending = 5
	small, _ := oldNewParser(opts)
	smallNew, _ := newParser(opts)
	parsetest.Same(t, small, smallNew, lines)
	if small.Stats() != smallNew.Stats() {
		t.Errorf("small state: old %+v, new %+v", small.Stats(), smallNew.Stats())
	}
}
