// Command bsn is make bench's report for the BSN scanner: on a generated corpus of exports and log
// lines it times a plain read, ripgrep counting bare nine-digit numbers (rg -c '\b[0-9]{9}\b'),
// and bsn.Scan, which also validates and finds dotted and spaced forms. It prints figures and the
// ratio of our rate to ripgrep's; it does not pass or fail.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/lekwacht/lekwacht/bsn"
)

var (
	sizeMB = flag.Int("size", 512, "size of the generated corpus in MB")
	runs   = flag.Int("runs", 3, "timed runs per row; the fastest counts")
	dir    = flag.String("dir", "", "work folder (default a temporary one, removed afterwards)")
)

const rgPattern = `\b[0-9]{9}\b`

func main() {
	flag.Parse()
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench/bsn:", err)
		os.Exit(1)
	}
}

func run() error {
	work := *dir
	if work == "" {
		var err error
		if work, err = os.MkdirTemp("", "lekwacht-bsn-"); err != nil {
			return err
		}
		defer os.RemoveAll(work)
	}
	path := filepath.Join(work, "corpus.csv")
	size, err := writeCorpus(path, int64(*sizeMB)<<20)
	if err != nil {
		return fmt.Errorf("write corpus: %w", err)
	}
	fmt.Printf("lekwacht BSN scanner benchmark: GOMAXPROCS=%d, %s/%s, %d MB corpus, best of %d, %s\n\n",
		runtime.GOMAXPROCS(0), runtime.GOOS, runtime.GOARCH, size>>20, *runs, time.Now().Format(time.RFC3339))
	mb := float64(size) / (1 << 20)
	row := func(name string, d time.Duration, counts string) float64 {
		rate := mb / d.Seconds()
		fmt.Printf("%-34s %9.0f MB/s %9.3f s   %s\n", name, rate, d.Seconds(), counts)
		return rate
	}

	plain, err := best(func() (string, error) { return "", readPlain(path) })
	if err != nil {
		return fmt.Errorf("plain read: %w", err)
	}
	row("plain read", plain, "")

	var rgRate float64
	if rg, err := exec.LookPath("rg"); err != nil {
		fmt.Printf("%-34s skipped: rg not on PATH (make bench installs ripgrep)\n", "rg -c '"+rgPattern+"'")
	} else {
		var lines string
		d, err := best(func() (string, error) {
			out, err := exec.Command(rg, "-c", rgPattern, path).Output()
			lines = strings.TrimSpace(string(out))
			return lines, err
		})
		if err != nil {
			return fmt.Errorf("rg: %w", err)
		}
		rgRate = row("rg -c '"+rgPattern+"'", d, "matching lines "+lines)
	}

	var res bsn.Result
	d, err := best(func() (string, error) {
		f, err := os.Open(path)
		if err != nil {
			return "", err
		}
		defer f.Close()
		res, err = bsn.Scan(f, bsn.Options{})
		return "", err
	})
	if err != nil {
		return fmt.Errorf("scan: %w", err)
	}
	ours := row("bsn.Scan", d, fmt.Sprintf("valid %d invalid %d header %v likely %v",
		res.Valid, res.Invalid, res.HeaderColumn, bsn.Likely(res)))
	if rgRate > 0 {
		fmt.Printf("\nratio bsn.Scan / rg: %.2f (1.00 or more is the goal)\n", ours/rgRate)
	}
	fmt.Printf("\nSUMMARY bsn: bsn.Scan %.0f MB/s, rg %.0f MB/s (0: not run), ratio %.2f (goal 1.00 or more); plain read %.0f MB/s\n",
		ours, rgRate, ours/rgRate, mb/plain.Seconds())
	return nil
}

// best runs f *runs times and returns the shortest duration.
func best(f func() (string, error)) (time.Duration, error) {
	var min time.Duration
	for i := 0; i < max(*runs, 1); i++ {
		start := time.Now()
		if _, err := f(); err != nil {
			return 0, err
		}
		if d := time.Since(start); i == 0 || d < min {
			min = d
		}
	}
	return min, nil
}

// readPlain reads the file with the buffer size bsn.Scan uses.
func readPlain(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	buf := make([]byte, bsn.DefaultBufferSize)
	for {
		if _, err := f.Read(buf); err == io.EOF {
			return nil
		} else if err != nil {
			return err
		}
	}
}

// writeCorpus writes about size bytes of municipal exports and logs: CSV rows with a valid BSN,
// names, dates, amounts and postcodes, rows with nine-digit numbers that are not BSNs (some pass
// the elfproef by chance), dotted BSNs in application logs, phone numbers, IBANs and prose.
func writeCorpus(path string, size int64) (int64, error) {
	f, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	r := rand.New(rand.NewPCG(23, 11))
	names := []string{"Jansen", "de Vries", "van den Berg", "Bakker", "Visser", "Smit", "Meijer", "de Boer",
		"Mulder", "de Groot", "Bos", "Vos", "Peters", "Hendriks", "van Leeuwen", "Dekker", "Brouwer", "Daniëlle"}
	places := []string{"Amsterdam", "Rotterdam", "Utrecht", "Zwolle", "Almere", "Den Haag", "Groningen"}
	users := []string{"p.jansen", "m.devries", "a.bakker", "k.smit", "j.visser"}
	var n int64
	fmt.Fprintf(w, "bsn;achternaam;voorletters;geboortedatum;straat;postcode;woonplaats;bedrag;zaaknummer\n")
	for n < size {
		var k int
		switch x := r.IntN(20); {
		case x < 8: // export row with a valid BSN
			k, _ = fmt.Fprintf(w, "%s;%s;%c.;%02d-%02d-%d;Dorpsstraat %d;%04d %c%c;%s;%d,%02d;%09d\n",
				validBSN(r), names[r.IntN(len(names))], 'A'+r.IntN(26), 1+r.IntN(28), 1+r.IntN(12),
				1930+r.IntN(90), 1+r.IntN(200), 1000+r.IntN(9000), 'A'+r.IntN(26), 'A'+r.IntN(26),
				places[r.IntN(len(places))], r.IntN(10000), r.IntN(100), r.IntN(1e9))
		case x < 11: // application log with a dotted BSN
			b := validBSN(r)
			k, _ = fmt.Fprintf(w, "2026-11-23T%02d:%02d:%02d.%03dZ INFO zaaksysteem user=%s action=view zaak=Z-2026-%06d persoon=%s.%s.%s duur=%dms\n",
				r.IntN(24), r.IntN(60), r.IntN(60), r.IntN(1000), users[r.IntN(len(users))], r.IntN(1e6),
				b[:4], b[4:6], b[6:], r.IntN(900))
		case x < 14: // financial row: nine-digit references, IBAN, amounts
			k, _ = fmt.Fprintf(w, "%d;NL%02dRABO%010d;%09d;%d,%02d;%d%02d%02d;factuur %09d\n",
				r.IntN(1e6), r.IntN(100), r.Int64N(1e10), r.IntN(1e9), r.IntN(100000), r.IntN(100),
				2020+r.IntN(7), 1+r.IntN(12), 1+r.IntN(28), r.IntN(1e9))
		case x < 16: // contact row: phones and a spaced BSN
			b := validBSN(r)
			k, _ = fmt.Fprintf(w, "\"%s\",\"+31 6 %08d\",\"06%08d\",\"%s %s %s\",\"%s\"\n",
				names[r.IntN(len(names))], r.IntN(1e8), r.IntN(1e8), b[:4], b[4:6], b[6:], places[r.IntN(len(places))])
		default: // access log and prose
			k, _ = fmt.Fprintf(w, "10.%d.%d.%d - %s [23/Nov/2026:10:%02d:%02d +0100] \"GET /zaken/%d HTTP/1.1\" 200 %d \"Op %d november is het dossier bekeken.\"\n",
				r.IntN(256), r.IntN(256), r.IntN(256), users[r.IntN(len(users))], r.IntN(60), r.IntN(60),
				r.IntN(1e6), r.IntN(1e5), 1+r.IntN(30))
		}
		n += int64(k)
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return 0, err
	}
	return n, f.Close()
}

// validBSN draws a random number that passes the elfproef.
func validBSN(r *rand.Rand) string {
	for {
		s := fmt.Sprintf("%09d", 1e8+r.IntN(9e8))
		if bsn.Valid(s) {
			return s
		}
	}
}
