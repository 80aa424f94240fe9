package squid

import (
	"testing"

	"github.com/lekwacht/lekwacht/collectors/parse"
	"github.com/lekwacht/lekwacht/collectors/parse/parsetest"
)

func newTest() parse.Parser {
	p, _ := New(parsetest.Options("test"))
	return p
}

func TestGolden(t *testing.T) { parsetest.Golden(t, newTest) }

func FuzzParse(f *testing.F) {
	parsetest.Seed(f)
	p, old := newTest(), oldTest()
	f.Fuzz(func(t *testing.T, line []byte) {
		parsetest.FuzzLine(t, p, line)
		parsetest.SameLine(t, old, p, line)
	})
}

func BenchmarkParse(b *testing.B) {
	p := newTest()
	line := parse.Line{Text: []byte(`1795162443.004  61250 10.20.1.15 TCP_TUNNEL/200 52428800 CONNECT www.wetransfer.com:443 VOORBEELD%5Cjdevries HIER_DIRECT/198.51.100.23 -`)}
	b.SetBytes(int64(len(line.Text)))
	for b.Loop() {
		p.Parse(line)
	}
}

// BenchmarkParseBefore is BenchmarkParse with the parser of commit 529486d: -bench BenchmarkParse
// runs the two in turn.
func BenchmarkParseBefore(b *testing.B) {
	p := oldTest()
	line := parse.Line{Text: []byte(`1795162443.004  61250 10.20.1.15 TCP_TUNNEL/200 52428800 CONNECT www.wetransfer.com:443 VOORBEELD%5Cjdevries HIER_DIRECT/198.51.100.23 -`)}
	b.SetBytes(int64(len(line.Text)))
	for b.Loop() {
		p.Parse(line)
	}
}

func oldTest() parse.Parser {
	p, _ := oldNew(parsetest.Options("test"))
	return p
}

// The parser reads every golden and sample line as the parser before it did (squid_old_test.go).
func TestSameAsBefore(t *testing.T) {
	parsetest.Same(t, oldTest(), newTest(), parsetest.Corpus(t))
}
