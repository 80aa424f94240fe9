package exchange

import (
	"testing"

	"github.com/lekwacht/lekwacht/collectors/parse"
	"github.com/lekwacht/lekwacht/collectors/parse/parsetest"
	"github.com/lekwacht/lekwacht/event"
)

func newTest() parse.Parser {
	p, _ := New(parsetest.Options("test"))
	return p
}

func TestGolden(t *testing.T) { parsetest.Golden(t, newTest) }

func TestSamples(t *testing.T) {
	// Exchange 2010 with a BOM: two NOTIFYMAPI rows, read as noise.
	if evs := parsetest.Sample(t, newTest(), "exchange_msgtrk_v14_beats-bom8.log"); len(evs) != 0 {
		t.Errorf("bom8: %d events", len(evs))
	}
	parsetest.Sample(t, newTest(), "exchange_msgtrk_v15.01_artefacts-help.log")
	// Data rows only: the layout comes from the column count; quoted commas are one field.
	evs := parsetest.Sample(t, newTest(), "exchange_msgtrk_v15_elastic-integrations.log")
	var ext *event.Event
	for i := range evs {
		if evs[i].Event.Code == "SENDEXTERNAL" {
			ext = &evs[i]
		}
	}
	if ext == nil || ext.Mail.Direction != "outbound" || ext.Event.Action != event.ActionDeliver || ext.Mail.Status != "sent" {
		t.Fatalf("SENDEXTERNAL row: %+v", ext)
	}
}

func TestSplitCSV(t *testing.T) {
	row, ok := splitCSV(nil, `a,"b, ""c""",,d`)
	if !ok || len(row) != 4 || row[1] != `b, "c"` || row[2] != "" {
		t.Errorf("%q %v", row, ok)
	}
	row, ok = splitCSV(row[:0], `"x","",y,"z"`)
	if !ok || len(row) != 4 || row[0] != "x" || row[1] != "" || row[3] != "z" {
		t.Errorf("reused: %q %v", row, ok)
	}
	for _, bad := range []string{`a,"b`, `"a"b,c`, `"a`} {
		if _, ok := splitCSV(nil, bad); ok {
			t.Errorf("%q accepted", bad)
		}
	}
}

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
	line := parse.Line{Text: []byte(`2026-11-20T08:14:03.501Z,10.20.0.5,EXCH01,203.0.113.25,gmail-smtp-in.l.google.com,"250 2.0.0 OK  1700000000 gsmtp",Internet Send Connector,SMTP,SENDEXTERNAL,85899345921,<AM0PR01MB1234.1@EXCH01.voorbeeld.local>,0d2f5a4e-1c2b-4a3d-9e8f-08dc0a1b2c3d,k.devries@gmail.com,250 2.0.0 OK,48213,1,,,"Lijst aanvragen, week 47",j.jansen@voorbeeld.nl,j.jansen@voorbeeld.nl,2026-11-20T08:14:02.100Z;SRV=EXCH01:TOTAL=1,Originating,,10.20.1.15,10.20.0.5,,Email,1a2b3c4d-0000-1111-2222-08dc0a1b2c3e,15.02.1118.007`)}
	b.SetBytes(int64(len(line.Text)))
	for b.Loop() {
		p.Parse(line)
	}
}

// BenchmarkParseBefore is BenchmarkParse with the parser of commit e184bf1: -bench BenchmarkParse
// runs the two in turn.
func BenchmarkParseBefore(b *testing.B) {
	p := oldTest()
	line := parse.Line{Text: []byte(`2026-11-20T08:14:03.501Z,10.20.0.5,EXCH01,203.0.113.25,gmail-smtp-in.l.google.com,"250 2.0.0 OK  1700000000 gsmtp",Internet Send Connector,SMTP,SENDEXTERNAL,85899345921,<AM0PR01MB1234.1@EXCH01.voorbeeld.local>,0d2f5a4e-1c2b-4a3d-9e8f-08dc0a1b2c3d,k.devries@gmail.com,250 2.0.0 OK,48213,1,,,"Lijst aanvragen, week 47",j.jansen@voorbeeld.nl,j.jansen@voorbeeld.nl,2026-11-20T08:14:02.100Z;SRV=EXCH01:TOTAL=1,Originating,,10.20.1.15,10.20.0.5,,Email,1a2b3c4d-0000-1111-2222-08dc0a1b2c3e,15.02.1118.007`)}
	b.SetBytes(int64(len(line.Text)))
	for b.Loop() {
		p.Parse(line)
	}
}

func oldTest() parse.Parser {
	p, _ := oldNew(parsetest.Options("test"))
	return p
}

// The parser reads every golden and sample line as the parser before it did (exchange_old_test.go).
func TestSameAsBefore(t *testing.T) {
	parsetest.Same(t, oldTest(), newTest(), parsetest.Corpus(t))
}
