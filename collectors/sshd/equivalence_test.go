package sshd

import (
	"testing"

	"github.com/lekwacht/lekwacht/collectors/parse"
	"github.com/lekwacht/lekwacht/collectors/parse/parsetest"
)

func oldTest() parse.Parser {
	p, _ := oldNew(parsetest.Options("test"))
	return p
}

// The parser reads every golden and sample line as the parser before it did (sshd_old_test.go).
func TestSameAsBefore(t *testing.T) {
	parsetest.Same(t, oldTest(), newTest(), parsetest.Corpus(t))
}
