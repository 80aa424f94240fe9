package detectors

import (
	"fmt"
	"reflect"
	"runtime"
	"testing"
	"time"

	"github.com/lekwacht/lekwacht/hit"
	"github.com/lekwacht/lekwacht/rules"
)

// ObserveBatch, each batch spread over the detectors' goroutines, returns the hits Observe returns
// one event at a time, in the same order, with the same evidence lines, for batches of one event, a
// few, and more than the traffic has; so do Submit and Collect, the detectors several batches behind,
// with single events observed in between. The spool is compacted meanwhile, and the risk rule scores
// the weak signals of the others in the order of the events.
func TestObserveBatchAsOneEventAtATime(t *testing.T) {
	if runtime.GOMAXPROCS(0) < 2 {
		t.Cleanup(func() { runtime.GOMAXPROCS(runtime.GOMAXPROCS(2)) })
	}
	defer func(s int64, from int) { spoolSegment, SpreadFrom = s, from }(spoolSegment, SpreadFrom)
	spoolSegment, SpreadFrom = 2<<10, 1
	// As shipped, the shared credentials the traffic shows are weak signals for the risk rule (there
	// is no baseline yet); with no baseline days they are drafts, and the other rules' hits follow.
	for _, baselineDays := range []int{-1, 0} {
		t.Run(fmt.Sprintf("baseline_days=%d", baselineDays), func(t *testing.T) { testObserveBatch(t, baselineDays) })
	}
}

func testObserveBatch(t *testing.T, baselineDays int) {
	set, err := rules.Load("")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range set.Rules {
		if r.Detector == "shared_credentials" && baselineDays >= 0 {
			r.Params["baseline_days"] = baselineDays
		}
	}
	evs := traffic()
	one, _, err := New(set, Env{Location: time.UTC, SpoolDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	var want []hit.Hit
	for i := range evs {
		want = append(want, one.Observe(&evs[i])...)
	}
	byDetector := map[string]int{}
	for _, h := range want {
		byDetector[h.Detector]++
	}
	want4 := []string{"threshold", "mass_deletion", "record_snooping", "shared_credentials"}
	if baselineDays < 0 {
		want4 = []string{"threshold", "mass_deletion", "record_snooping"}
	}
	for _, d := range want4 {
		if byDetector[d] == 0 {
			t.Fatalf("no %s hits: the traffic does not test its detector (%v)", d, byDetector)
		}
	}
	raised, _ := one.Signals()
	if baselineDays < 0 && raised == 0 {
		t.Fatal("no weak signals: the traffic does not test the risk rule's order")
	}
	for _, c := range []struct {
		size   int
		stream bool
	}{{1, false}, {7, false}, {100, false}, {len(evs) + 1, false}, {1, true}, {7, true}, {100, true}} {
		size := c.size
		spread, _, err := New(set, Env{Location: time.UTC, SpoolDir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(spread.Stop)
		var got []hit.Hit
		if c.stream {
			// As a replay: batches submitted, the hits collected as the detectors are through them,
			// now and then a single event observed (a watched file) and the state saved.
			for n, i := 0, 0; i < len(evs); n, i = n+1, i+size {
				if n%9 == 4 {
					got = append(got, spread.Observe(&evs[i])...)
					i -= size - 1
					continue
				}
				if n%13 == 6 {
					if _, err := spread.SaveState(); err != nil {
						t.Fatal(err)
					}
				}
				spread.Submit(evs[i:min(i+size, len(evs))])
				got = append(got, spread.Collect(false)...)
			}
			got = append(got, spread.Collect(true)...)
		} else {
			for i := 0; i < len(evs); i += size {
				got = append(got, spread.ObserveBatch(evs[i:min(i+size, len(evs))])...)
			}
		}
		if spread.Spread() == 0 {
			t.Fatalf("batches of %d: no batch was spread", size)
		}
		if size < len(evs) && spread.lines.Compactions() == 0 {
			t.Errorf("batches of %d: the spool was never compacted", size)
		}
		if len(got) != len(want) {
			t.Fatalf("batches of %d: %d hits, one at a time %d", size, len(got), len(want))
		}
		for i := range got {
			if !reflect.DeepEqual(got[i], want[i]) {
				t.Fatalf("batches of %d: hit %d differs:\n%+v\none at a time:\n%+v", size, i, got[i], want[i])
			}
		}
		r1, u1 := one.Signals()
		r2, u2 := spread.Signals()
		if r1 != r2 || u1 != u2 {
			t.Errorf("batches of %d: signals %d (%d unscored), one at a time %d (%d)", size, r2, u2, r1, u1)
		}
		t.Logf("batches of %d: %d hits %v, %d batches spread, %d compactions, %d signals", size, len(got), byDetector, spread.Spread(), spread.lines.Compactions(), r2)
	}
}
