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
	if want, got := oldItems(msg), p.itemMap(); !maps.Equal(got, want) {
		t.Fatalf("%q:\nold %q\nnew %q", msg, want, got)
	}
}

// FuzzIndex: for every key an EventData field reads, index gives what itemMap holds (also when a
// label holds a '/' and meets a "Section/Label" key).
func FuzzIndex(f *testing.F) {
	f.Add("Subject:   Security ID:  S-1-5-18   Account Name:  a   Logon ID:  0x1  Account Name: b")
	f.Add("Subject/Account Name: x   Subject:   Account Name:  y   Logon Account: z  Logon Account: w")
	f.Add("Network Information:   Source Network Address:   10.0.0.1   Source Port:  0  Status:   0xC000006D")
	p := &Parser{}
	f.Fuzz(func(t *testing.T, msg string) {
		p.read(msg)
		p.index()
		want := p.itemMap()
		for k, id := range keyIDs {
			w, ok := want[k]
			if p.set[id] != ok || ok && p.vals[id] != w {
				t.Fatalf("%q: key %q: index %q %v, itemMap %q %v", msg, k, p.vals[id], p.set[id], w, ok)
			}
		}
	})
}
