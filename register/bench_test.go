package register

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/lekwacht/lekwacht/hit"
)

const (
	benchItemsPerHit = 10
	benchHitsPerAdd  = 50 // 500 items per Add call
)

// benchHits returns hits carrying items first .. first+n-1 (benchItemsPerHit a hit, the last one
// maybe fewer): twenty users, ten seconds apart, and every thousand hits a jump past the window,
// so the register holds many incidents as a real one does.
func benchHits(first, n int) []hit.Hit {
	var hits []hit.Hit
	for i := first; i < first+n; i += benchItemsPerHit {
		k := i / benchItemsPerHit
		at := t0.Add(time.Duration(k)*10*time.Second + time.Duration(k/1000)*2*time.Hour)
		offsets := make([]int64, 0, benchItemsPerHit)
		for j := i; j < min(i+benchItemsPerHit, first+n); j++ {
			offsets = append(offsets, int64(j)*200)
		}
		hits = append(hits, lineHit(fmt.Sprintf("user%02d", k%20), at, offsets...))
	}
	return hits
}

// fill registers items first .. first+n-1 in Add calls of perAdd hits.
func fill(tb testing.TB, r *Register, first, n, perAdd int) {
	hits := benchHits(first, n)
	for i := 0; i < len(hits); i += perAdd {
		if _, err := r.Add(context.Background(), hits[i:min(i+perAdd, len(hits))]); err != nil {
			tb.Fatal(err)
		}
	}
}

// openBench opens a fresh register with a fixed clock in a temporary directory.
func openBench(b *testing.B) *Register {
	r, err := Open(context.Background(), b.TempDir(), Options{Now: func() time.Time { return t0 }, Location: time.UTC})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { r.Close() })
	return r
}

// BenchmarkAdd registers b.N evidence items, 500 per Add call (50 hits of 10 lines).
func BenchmarkAdd(b *testing.B) {
	r := openBench(b)
	hits := benchHits(0, b.N)
	b.ResetTimer()
	for i := 0; i < len(hits); i += benchHitsPerAdd {
		if _, err := r.Add(context.Background(), hits[i:min(i+benchHitsPerAdd, len(hits))]); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "items/s")
}

// BenchmarkVerify verifies a register holding 100,000 evidence items.
func BenchmarkVerify(b *testing.B) {
	const items = 100_000
	r := openBench(b)
	fill(b, r, 0, items, 1000)
	for b.Loop() {
		rep, err := r.Verify(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		if !rep.OK() || rep.Evidence != items {
			b.Fatalf("verify: %d items, %v", rep.Evidence, rep.Err())
		}
	}
	b.ReportMetric(float64(items*b.N)/b.Elapsed().Seconds(), "items/s")
}
