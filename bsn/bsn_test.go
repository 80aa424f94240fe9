package bsn

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
)

func TestValid(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"111222333", true},
		{"123456782", true},
		{"12345672", true}, // read as 012345672
		{"012345672", true},
		{"123456789", false},
		{"111222334", false},
		{"000000000", false},
		{"00000000", false},
		{"12345678", false},
		{"1234567", false},
		{"1234567820", false},
		{"12345678a", false},
		{"", false},
	} {
		if got := Valid(tc.in); got != tc.want {
			t.Errorf("Valid(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestScanBytes(t *testing.T) {
	for _, tc := range []struct {
		name    string
		in      string
		valid   int
		invalid int
		numbers []string
	}{
		{"bare", "123456782", 1, 0, []string{"123456782"}},
		{"bare in csv", "1;Jansen;111222333;2024-01-05\n2;de Vries;123456789;x", 1, 1, []string{"111222333"}},
		{"eight digits", "bsn 12345672 ok", 1, 0, []string{"012345672"}},
		{"dotted", "BSN: 1234.56.782.", 1, 0, []string{"123456782"}},
		{"spaced", "bsn 1112 22 333, naam", 1, 0, []string{"111222333"}},
		{"dotted invalid", "1234.56.789", 0, 1, nil},
		{"grouped after letters", "nr1234.56.782", 1, 0, []string{"123456782"}},
		{"mixed separators", "1234.56 782", 0, 0, nil},
		{"longer dotted", "1234.56.782.1 and 1.1234.56.782", 0, 0, nil},
		{"longer spaced", "1234 56 782 5", 0, 0, nil},
		{"ten digits", "1234567820 01234567820 9123456782", 0, 0, nil},
		{"letter before", "x123456782 123456782y", 0, 0, nil},
		{"iban", "NL91ABNA0417164300 NL02RABO0123456782", 0, 0, nil},
		{"mobile", "0612345678 06-12345678 06 12345678", 0, 0, nil},
		{"international", "+31 6 12345678, +31 612345678, +31612345678, 0031 612345678", 0, 0, nil},
		{"dates", "20240105 05012024 2024-01-05 05-01-2024 19991231", 0, 0, nil},
		{"decimal", "123456782.50 0.123456782", 0, 0, nil},
		{"thousands", "123.456.782", 0, 0, nil},
		{"all zeros", "000000000", 0, 1, nil},
		{"utf-8 letter", "é123456782 123456782", 1, 0, []string{"123456782"}},
		{"several", "111222333,123456782\t012345672", 3, 0, []string{"111222333", "123456782", "012345672"}},
		{"empty", "", 0, 0, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := ScanBytes([]byte(tc.in), Options{})
			if got.Valid != tc.valid || got.Invalid != tc.invalid || !slices.Equal(got.Numbers, tc.numbers) {
				t.Errorf("ScanBytes(%q) = %d valid %d invalid %q, want %d %d %q",
					tc.in, got.Valid, got.Invalid, got.Numbers, tc.valid, tc.invalid, tc.numbers)
			}
			checkScan(t, []byte(tc.in), got)
		})
	}
}

// checkScan compares Scan with several buffer sizes and a one-byte reader against want.
func checkScan(t *testing.T, in []byte, want Result) {
	t.Helper()
	for _, size := range []int{0, MinBufferSize, MinBufferSize + 1, 100, 129, 1000} {
		got, err := Scan(bytes.NewReader(in), Options{BufferSize: size})
		if err != nil {
			t.Fatalf("Scan: %v", err)
		}
		if !equal(got, want) {
			t.Fatalf("Scan(size %d) = %+v, ScanBytes = %+v", size, got, want)
		}
	}
	got, err := Scan(iotest.OneByteReader(bytes.NewReader(in)), Options{BufferSize: MinBufferSize})
	if err != nil || !equal(got, want) {
		t.Fatalf("Scan(one byte reader) = %+v, %v, want %+v", got, err, want)
	}
}

func equal(a, b Result) bool {
	return a.Valid == b.Valid && a.Invalid == b.Invalid && a.HeaderColumn == b.HeaderColumn &&
		slices.Equal(a.Numbers, b.Numbers)
}

// TestScanBoundary slides numbers over every position of a small buffer, so that each form is
// split across reads at every place.
func TestScanBoundary(t *testing.T) {
	forms := []string{"123456782", "12345672", "1234.56.782", "1234 56 782", "1234567820", "+31 612345678"}
	want := []int{1, 1, 1, 1, 0, 0}
	for f, form := range forms {
		for pad := 0; pad < 3*MinBufferSize; pad++ {
			in := []byte(strings.Repeat("a;", pad/2) + strings.Repeat(" ", pad%2) + form + ";x")
			for _, size := range []int{MinBufferSize, MinBufferSize + 7} {
				got, err := Scan(bytes.NewReader(in), Options{BufferSize: size})
				if err != nil || got.Valid != want[f] || got.Invalid != 0 {
					t.Fatalf("%q at %d, buffer %d: %+v %v, want %d valid", form, pad, size, got, err, want[f])
				}
			}
		}
	}
}

func TestScanLongDigitRun(t *testing.T) {
	in := []byte(strings.Repeat("1", 1000) + " 123456782 " + strings.Repeat("7", 333))
	want := ScanBytes(in, Options{})
	if want.Valid != 1 || want.Invalid != 0 {
		t.Fatalf("ScanBytes = %+v, want 1 valid", want)
	}
	checkScan(t, in, want)
}

func TestMaxNumbers(t *testing.T) {
	in := []byte(strings.Repeat("111222333 ", 50))
	for _, tc := range []struct{ max, want int }{{0, 50}, {3, 3}, {-1, 0}} {
		got := ScanBytes(in, Options{MaxNumbers: tc.max})
		if got.Valid != 50 || len(got.Numbers) != tc.want {
			t.Errorf("MaxNumbers %d: %d valid, %d kept, want 50, %d", tc.max, got.Valid, len(got.Numbers), tc.want)
		}
	}
}

func TestHeader(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"BSN;Naam\n123456782;Jansen\n", true},
		{"\"burgerservicenummer\",naam\n\"123456782\",\"Jansen\"", true},
		{"id\tnaam\tSofinummer\r\n1\tx\t123456782\r\n", true},
		{"\xef\xbb\xbf'bsn_nummer'|plaats", true},
		{"bsn", true},
		{"naam;adres\n123456782;x\n", false},
		{"naam;adres\nBSN;x\n", false},
		{"bsnx;naam", false},
		{"", false},
		{"Hier staat het BSN van de klant\n", false},
		{strings.Repeat("x,", headerMax) + "bsn\n", false},
		{strings.Repeat("x,", 100) + "bsn\n", true},
	} {
		got := ScanBytes([]byte(tc.in), Options{})
		if got.HeaderColumn != tc.want {
			t.Errorf("header of %.40q = %v, want %v", tc.in, got.HeaderColumn, tc.want)
		}
		checkScan(t, []byte(tc.in), got)
	}
}

func TestLikely(t *testing.T) {
	for _, tc := range []struct {
		res  Result
		want bool
	}{
		{Result{HeaderColumn: true, Valid: 1}, true},
		{Result{HeaderColumn: true}, false},
		{Result{Valid: 10}, true},
		{Result{Valid: 10, Invalid: 2}, true},
		{Result{Valid: 10, Invalid: 3}, false},
		{Result{Valid: 9}, false},
		{Result{Valid: 9, Invalid: 100}, false},
	} {
		if got := Likely(tc.res); got != tc.want {
			t.Errorf("Likely(%+v) = %v, want %v", tc.res, got, tc.want)
		}
	}
}

func FuzzScan(f *testing.F) {
	for _, s := range []string{
		"BSN;Naam\n123456782;Jansen\n", "1234.56.782 1234 56 782", "+31 6 12345678 0612345678",
		"NL91ABNA0417164300", "20240105 12345672", "\"burgerservicenummer\",naam\n111222333",
		strings.Repeat("9", 200) + " 111222333",
	} {
		f.Add([]byte(s), uint16(0))
	}
	f.Fuzz(func(t *testing.T, in []byte, size uint16) {
		want := ScanBytes(in, Options{})
		got, err := Scan(bytes.NewReader(in), Options{BufferSize: int(size % 512)})
		if err != nil {
			t.Fatal(err)
		}
		if !equal(got, want) {
			t.Fatalf("Scan(size %d) = %+v, ScanBytes = %+v", size%512, got, want)
		}
		if ref := scanReference(in); ref.Valid != want.Valid || ref.Invalid != want.Invalid ||
			!slices.Equal(ref.Numbers, want.Numbers) {
			t.Fatalf("ScanBytes = %+v, byte-by-byte reference = %+v", want, ref)
		}
		for _, n := range want.Numbers {
			if !Valid(n) {
				t.Fatalf("kept invalid number %q", n)
			}
		}
	})
}

// scanReference finds the runs of four or more digits one byte at a time and judges each as the
// word-at-a-time loop should.
func scanReference(b []byte) Result {
	var res Result
	s := newScanner(&res, Options{})
	for i := 0; i < len(b); {
		j := i
		for j < len(b) && digit(b[j]) {
			j++
		}
		if j-i >= 4 {
			s.run(b, i, true)
		}
		i = max(j, i+1)
	}
	return res
}

// corpus builds n bytes of export and log lines like those the daemon reads.
func corpus(n int) []byte {
	r := rand.New(rand.NewPCG(1, 2))
	var b bytes.Buffer
	b.WriteString("bsn;naam;geboortedatum;bedrag;postcode;kenmerk\n")
	for b.Len() < n {
		d := r.IntN(1e9)
		switch r.IntN(4) {
		case 0:
			fmt.Fprintf(&b, "%09d;Jansen, P.;19%02d-%02d-%02d;%d,%02d;%04dAB;%09d\n",
				d, r.IntN(100), 1+r.IntN(12), 1+r.IntN(28), r.IntN(5000), r.IntN(100), 1000+r.IntN(9000), r.IntN(1e9))
		case 1:
			fmt.Fprintf(&b, "2026-11-23T10:%02d:%02d.123Z INFO user=u%04d action=view zaak=Z-%06d bsn=%04d.%02d.%03d\n",
				r.IntN(60), r.IntN(60), r.IntN(10000), r.IntN(1e6), d/1e5, d/1e3%100, d%1000)
		case 2:
			fmt.Fprintf(&b, "\"de Vries\";\"Kerkstraat %d\";\"Utrecht\";\"+31 6 %08d\";\"NL%02dABNA%010d\"\n",
				r.IntN(200), r.IntN(1e8), r.IntN(100), r.IntN(1e10))
		default:
			fmt.Fprintf(&b, "Op %d november is het dossier van de inwoner bekeken door medewerker %d.\n",
				1+r.IntN(30), r.IntN(1000))
		}
	}
	return b.Bytes()
}

func BenchmarkScan(b *testing.B) {
	in := corpus(16 << 20)
	b.SetBytes(int64(len(in)))
	b.ResetTimer()
	for b.Loop() {
		if _, err := Scan(bytes.NewReader(in), Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkScanBytes(b *testing.B) {
	in := corpus(16 << 20)
	b.SetBytes(int64(len(in)))
	b.ResetTimer()
	for b.Loop() {
		ScanBytes(in, Options{})
	}
}
