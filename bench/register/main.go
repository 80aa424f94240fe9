// Command register is make bench's report for the datalekregister: the rate of registering evidence
// items (hits of 10 lines, 50 hits per Add call, as the daemon batches them) into a fresh register,
// and the time to verify a register of a million items, each beside its goal. It prints figures;
// it does not pass or fail.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/lekwacht/lekwacht/hit"
	"github.com/lekwacht/lekwacht/register"
)

var (
	items  = flag.Int("items", 200_000, "evidence items to register for the rate")
	verify = flag.Int("verify", 1_000_000, "evidence items in the register that is verified")
	dir    = flag.String("dir", "", "work folder (default a temporary one, removed afterwards)")
)

const (
	itemsPerHit = 10
	hitsPerAdd  = 50     // 500 items per Add call
	buildPerAdd = 10_000 // hits per Add call while building the register to verify (100,000 items)
	goalRate    = 20_000 // items/s
	goalVerify  = 10 * time.Second
)

var t0 = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

func main() {
	flag.Parse()
	ctx := context.Background()
	work := *dir
	if work == "" {
		var err error
		if work, err = os.MkdirTemp("", "lekwacht-register-bench-"); err != nil {
			fail(err)
		}
		defer os.RemoveAll(work)
	} else if err := os.MkdirAll(work, 0o700); err != nil {
		fail(err)
	}
	fmt.Printf("lekwacht register benchmark: GOMAXPROCS=%d, %s/%s, %s\n\n",
		runtime.GOMAXPROCS(0), runtime.GOOS, runtime.GOARCH, time.Now().Format(time.RFC3339))

	// Registering: hits of 10 items, 50 hits per Add call, into a fresh register.
	addDir := fresh(work, "add")
	r := open(ctx, addDir)
	hits := makeHits(0, *items)
	start := time.Now()
	for i := 0; i < len(hits); i += hitsPerAdd {
		if _, err := r.Add(ctx, hits[i:min(i+hitsPerAdd, len(hits))]); err != nil {
			fail(err)
		}
	}
	took := time.Since(start)
	r.Close()
	rate := float64(*items) / took.Seconds()
	fmt.Printf("register  %9d items in %d Add calls of %d items: %8.2f s  %9.0f items/s  (goal %d/s, ratio %.2f)\n",
		*items, (len(hits)+hitsPerAdd-1)/hitsPerAdd, hitsPerAdd*itemsPerHit, took.Seconds(), rate, goalRate, rate/goalRate)

	// Verifying: build a register of -verify items in big batches, reopen it and time Verify.
	verDir := fresh(work, "verify")
	r = open(ctx, verDir)
	start = time.Now()
	const chunk = 100_000 // items generated at a time, to keep memory flat
	for n := 0; n < *verify; n += chunk {
		hits := makeHits(n, min(chunk, *verify-n))
		for i := 0; i < len(hits); i += buildPerAdd {
			if _, err := r.Add(ctx, hits[i:min(i+buildPerAdd, len(hits))]); err != nil {
				fail(err)
			}
		}
	}
	built := time.Since(start)
	r.Close()
	fmt.Printf("build     %9d items in Add calls of %d items:   %8.2f s  %9.0f items/s  (setup, no goal)\n",
		*verify, buildPerAdd*itemsPerHit, built.Seconds(), float64(*verify)/built.Seconds())
	r = open(ctx, verDir)
	start = time.Now()
	rep, err := r.Verify(ctx)
	took = time.Since(start)
	if err != nil {
		fail(err)
	}
	r.Close()
	state := "clean"
	if !rep.OK() {
		state = fmt.Sprintf("%d problems: %v", len(rep.Problems), rep.Err())
	}
	fmt.Printf("verify    %9d items, %d records, %d incidents: %8.2f s  %9.0f items/s  (goal < %v, ratio %.2f; %s)\n",
		rep.Evidence, rep.Records, rep.Incidents, took.Seconds(), float64(rep.Evidence)/took.Seconds(), goalVerify,
		took.Seconds()/goalVerify.Seconds(), state)
	fmt.Printf("size      register.db %s", mb(filepath.Join(verDir, register.DBFile)))
	if wal := filepath.Join(verDir, register.DBFile+"-wal"); size(wal) > 0 {
		fmt.Printf(" (+ %s WAL)", mb(wal))
	}
	fmt.Printf(", %.0f bytes per item\n", float64(size(filepath.Join(verDir, register.DBFile)))/float64(max(rep.Evidence, 1)))
	fmt.Printf("\nSUMMARY register: %.0f items/s registered (goal %d/s, ratio %.2f); verify of %d items %.2f s (goal < %v, ratio %.2f; %s)\n",
		rate, goalRate, rate/goalRate, rep.Evidence, took.Seconds(), goalVerify, took.Seconds()/goalVerify.Seconds(), state)
}

// makeHits returns hits carrying items first .. first+n-1, 10 a hit: twenty users, ten seconds
// apart, and every thousand hits a jump past the window, so the register holds many incidents.
func makeHits(first, n int) []hit.Hit {
	var hits []hit.Hit
	for i := first; i < first+n; i += itemsPerHit {
		k := i / itemsPerHit
		at := t0.Add(time.Duration(k)*10*time.Second + time.Duration(k/1000)*2*time.Hour)
		user := fmt.Sprintf("user%02d", k%20)
		h := hit.Hit{Detector: "shared_credentials", Rule: "lw-shared-001", Severity: hit.SeverityHigh, User: user,
			Pattern: "two-hosts", Hosts: []string{"WS-1", "WS-2"}, Time: at, Window: time.Hour,
			Categories: []hit.Category{hit.CategoryCredential}, Subjects: 1, Summary: "account active on 2 hosts at once"}
		for j := i; j < min(i+itemsPerHit, first+n); j++ {
			off := int64(j) * 200
			h.Evidence = append(h.Evidence, hit.Evidence{Kind: hit.EvidenceLine, Input: "windows", Source: "/logs/winlog/a.ndjson",
				Offset: off, Time: at, Text: fmt.Sprintf(`{"event":{"code":"4624"},"host":{"name":"WS-1"},"user":%q,"offset":%d}`, user, off)})
		}
		hits = append(hits, h)
	}
	return hits
}

func open(ctx context.Context, dir string) *register.Register {
	r, err := register.Open(ctx, dir, register.Options{Now: func() time.Time { return t0 }, Location: time.UTC})
	if err != nil {
		fail(err)
	}
	return r
}

// fresh makes a new, empty folder under work.
func fresh(work, name string) string {
	d, err := os.MkdirTemp(work, name+"-")
	if err != nil {
		fail(err)
	}
	return d
}

func size(path string) int64 {
	st, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return st.Size()
}

func mb(path string) string { return fmt.Sprintf("%.1f MB", float64(size(path))/(1<<20)) }

func fail(err error) {
	fmt.Fprintln(os.Stderr, "register bench:", err)
	os.Exit(1)
}
