package register

import (
	"context"
	"testing"
	"time"
)

func TestIDPrefix(t *testing.T) {
	r, _ := openTest(t)
	if got := r.IDPrefix(2026); got != "LW-2026-" {
		t.Fatalf("prefix %q", got)
	}
	r2, err := Open(context.Background(), t.TempDir(), Options{Instance: "gem1"})
	if err != nil {
		t.Fatal(err)
	}
	defer r2.Close()
	if got := r2.IDPrefix(2027); got != "LW-GEM1-2027-" {
		t.Fatalf("prefix with instance %q", got)
	}
}

// TestContinueIDs: a fresh register told that the index holds up to number 41 numbers its next
// draft 42; the counter never goes back, and another year is its own.
func TestContinueIDs(t *testing.T) {
	ctx := context.Background()
	r, _ := openTest(t)
	year := r.Year()
	if year != 2026 {
		t.Fatalf("year %d from the register's clock", year)
	}
	moved, err := r.ContinueIDs(ctx, year, 41)
	if err != nil || !moved {
		t.Fatalf("continue: %v %v", moved, err)
	}
	res := add(t, r, lineHit("a.bakker", t0, 0))
	if want := "LW-2026-000042"; res[0].Incident != want {
		t.Fatalf("first draft %s, want %s", res[0].Incident, want)
	}
	if moved, _ := r.ContinueIDs(ctx, year, 10); moved {
		t.Fatal("counter went back")
	}
	if moved, _ := r.ContinueIDs(ctx, year, 0); moved {
		t.Fatal("0 moved the counter")
	}
	res = add(t, r, lineHit("b.smit", t0.Add(time.Minute), 100))
	if want := "LW-2026-000043"; res[0].Incident != want {
		t.Fatalf("second draft %s, want %s", res[0].Incident, want)
	}
	if moved, err := r.ContinueIDs(ctx, year+1, 5); err != nil || !moved {
		t.Fatalf("next year: %v %v", moved, err)
	}
	mustVerify(t, r)
}
