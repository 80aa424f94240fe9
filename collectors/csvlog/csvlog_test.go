package csvlog

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lekwacht/lekwacht/collectors/mapped"
	"github.com/lekwacht/lekwacht/collectors/parse"
	"github.com/lekwacht/lekwacht/collectors/parse/parsetest"
)

func withMapping(t testing.TB, file string) parse.Parser {
	t.Helper()
	m, err := mapped.LoadMapping(file, mapped.Columns)
	if err != nil {
		t.Fatal(err)
	}
	opts := parsetest.Options("test")
	opts.Mapping = m
	p, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// Each case reads its own mapping.yaml.
func TestGolden(t *testing.T) {
	parsetest.GoldenDir(t, func(dir string) parse.Parser { return withMapping(t, filepath.Join(dir, "mapping.yaml")) })
}

// A tailer that resumes in the middle of a file (after a restart) hands over rows without the
// header: it is read from the start of the file. Files keep their own headers when interleaved.
func TestHeaderOfAResumedFile(t *testing.T) {
	dir := t.TempDir()
	a := filepath.Join(dir, "a.csv")
	os.WriteFile(a, []byte("\xef\xbb\xbfsep=,\nwho,when,what\nx,2026-11-20 10:00:00,export\ny,2026-11-20 10:01:00,export\n"), 0o600)
	b := filepath.Join(dir, "b.csv")
	os.WriteFile(b, []byte("plain text\n2026-11-20 10:00:00;x;export\n"), 0o600)
	p := withMapping(t, filepath.Join("testdata", "headers", "mapping.yaml"))
	evs, err := p.Parse(parse.Line{Text: []byte("y,2026-11-20 10:01:00,export"), Path: a, Offset: 54})
	if err != nil || len(evs) != 1 || evs[0].User.Name != "y" || evs[0].Event.Action != "export" {
		t.Fatalf("resumed row: %+v %v", evs, err)
	}
	if _, err := p.Parse(parse.Line{Text: []byte("2026-11-20 10:00:00;x;export"), Path: b, Offset: 11}); parse.ReasonOf(err) != parse.ReasonNoHeader {
		t.Errorf("file without header: %v", err)
	}
	p.Parse(parse.Line{Text: []byte("what;when;who"), Path: b})
	evs, _ = p.Parse(parse.Line{Text: []byte("export;2026-11-20 10:02:00;z"), Path: b, Offset: 14})
	evs2, _ := p.Parse(parse.Line{Text: []byte("w,2026-11-20 10:03:00,export"), Path: a, Offset: 80})
	if len(evs) != 1 || evs[0].User.Name != "z" || len(evs2) != 1 || evs2[0].User.Name != "w" {
		t.Errorf("interleaved files: %+v %+v", evs, evs2)
	}
}

func TestSplit(t *testing.T) {
	for in, want := range map[string]string{
		`a;b;c`:                 "a|b|c",
		`"a;b";"c""d""";e`:      `a;b|c"d"|e`,
		`;;`:                    "||",
		` "x" ;y`:               "x|y",
		`"x"y;z`:                "xy|z",
		`"multi`:                "!",
		`a;"b`:                  "!",
		`"2026-11-20 10:00";""`: "2026-11-20 10:00|",
	} {
		got, ok := split(in, ';')
		s := strings.Join(got, "|")
		if !ok {
			s = "!"
		}
		if s != want {
			t.Errorf("split(%q) = %q, want %q", in, s, want)
		}
	}
	for in, want := range map[string]byte{"a;b;c": ';', "a,b,c": ',', "a\tb": '\t', `"a;b",c,d`: ',', "a": ';', "a,b;c": ';'} {
		if got := separator(in); got != want {
			t.Errorf("separator(%q) = %q", in, got)
		}
	}
}

func TestNeedsMapping(t *testing.T) {
	if _, err := New(parse.Options{}); err == nil {
		t.Error("csv without mapping accepted")
	}
	if err := Validate(&parse.Mapping{Time: "Datum en tijd", Fields: parse.FieldMap{"file.path": "Pad.naam"}}); err != nil {
		t.Errorf("column names with spaces and dots: %v", err)
	}
}

func FuzzParse(f *testing.F) {
	parsetest.Seed(f)
	p := withMapping(f, filepath.Join("testdata", "dlp", "mapping.yaml"))
	f.Fuzz(func(t *testing.T, line []byte) { parsetest.FuzzLine(t, p, line) })
}

func BenchmarkParse(b *testing.B) {
	p := withMapping(b, filepath.Join("testdata", "dlp", "mapping.yaml"))
	p.Parse(parse.Line{Text: []byte("Tijdstip;Gebruiker;Werkplek;Actie;Apparaat;Klasse;Serienummer;Bestand;Bytes;Resultaat"), Path: "b.csv"})
	line := parse.Line{Text: []byte(`20-11-2026 09:31:12;jdevries;WS-0042;Kopie naar USB;SanDisk Ultra USB 3.0 USB Device;DiskDrive;4C530001230918;E:\personen.xlsx;48213;toegestaan`), Path: "b.csv", Offset: 90}
	b.SetBytes(int64(len(line.Text)))
	for b.Loop() {
		p.Parse(line)
	}
}

// A row whose cell happens to be the time column's name is read as a row, not as a new header.
func TestRowIsNoHeader(t *testing.T) {
	opts := parsetest.Options("test")
	opts.Mapping = &parse.Mapping{Time: "t", User: "u", Action: "a"}
	p, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	p.Parse(parse.Line{Text: []byte("t;u;a"), Path: "x.csv"})
	evs, err := p.Parse(parse.Line{Text: []byte("2026-11-20 10:00:00;T;a"), Path: "x.csv", Offset: 6})
	if err != nil || len(evs) != 1 || evs[0].User.Name != "T" {
		t.Fatalf("row with the name of the time column: %+v %v", evs, err)
	}
	evs, err = p.Parse(parse.Line{Text: []byte("T;x;y"), Path: "x.csv", Offset: 30})
	if err == nil || len(evs) != 0 {
		t.Errorf("a row of names is not read as data: %+v %v", evs, err)
	}
}

// FuzzContainsLower: containsLower is strings.Contains of the lower-case copy.
func FuzzContainsLower(f *testing.F) {
	f.Add("Tijdstip;Gebruiker;Actie", "tijdstip")
	f.Add("2026-11-20 09:15;a.bakker;export", "tijdstip")
	f.Add("KELVIN \u212a tijd", "k")
	f.Fuzz(func(t *testing.T, s, sub string) {
		lower := strings.ToLower(sub)
		if got, want := containsLower(s, lower), strings.Contains(strings.ToLower(s), lower); got != want {
			t.Fatalf("containsLower(%q, %q) = %v, want %v", s, lower, got, want)
		}
	})
}

// The header read last is reused for the same line only when a sep= line gave the same separator:
// behind sep=, the line "t;u,a" has no cell t and is no header.
func TestRepeatedHeaderLineKeepsItsSeparator(t *testing.T) {
	opts := parsetest.Options("test")
	opts.Mapping = &parse.Mapping{Time: "t", User: "u", Action: "a"}
	p, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Parse(parse.Line{Text: []byte("t;u,a"), Path: "a.csv"}); parse.ReasonOf(err) != ReasonHeader {
		t.Fatalf("a header cut at ; lacks u and a: %v", err)
	}
	evs, err := p.Parse(parse.Line{Text: []byte("2026-11-20 10:00:00;x"), Path: "a.csv", Offset: 6})
	if err != nil || len(evs) != 1 {
		t.Fatalf("a row under it: %+v %v", evs, err)
	}
	p.Parse(parse.Line{Text: []byte("sep=,"), Path: "b.csv"})
	if _, err := p.Parse(parse.Line{Text: []byte("t;u,a"), Path: "b.csv", Offset: 6}); parse.ReasonOf(err) != parse.ReasonNoHeader {
		t.Errorf("behind sep=, the same line is no header: %v", err)
	}
	if _, err := p.Parse(parse.Line{Text: []byte("t;u;a"), Path: "c.csv"}); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Parse(parse.Line{Text: []byte("2026-11-20 10:00:00;jan;export"), Path: "a.csv", Offset: 28}); parse.ReasonOf(err) != parse.ReasonColumns {
		t.Errorf("a.csv keeps its own header (two columns) after c.csv's: %v", err)
	}
}
