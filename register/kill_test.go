package register

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/lekwacht/lekwacht/hit"
)

// killEnv names the register directory a re-executed test binary writes the kill stream into.
const killEnv = "LEKWACHT_KILL_CHILD"

const (
	killHits  = 2000 // hits in the stream
	killBatch = 50   // hits per Add call, as the daemon batches them
	killRuns  = 20   // runs killed with SIGKILL before the one that runs to completion
)

// killStream is the deterministic stream of hits the child registers: several users, one to four
// new evidence lines per hit, now and then a line an earlier hit of the same user already carried
// (a detector restarted mid-window), and time jumps past the window so users get several incidents.
func killStream() []hit.Hit {
	rng := rand.New(rand.NewPCG(20261123, 9))
	users := []string{"a.bakker", "b.smit", "c.jong", "d.visser", "e.mulder", "f.bos", "g.vos", "h.dekker"}
	last := map[string]hit.Evidence{}
	hits := make([]hit.Hit, 0, killHits)
	for i := range killHits {
		u := users[rng.IntN(len(users))]
		at := t0.Add(time.Duration(i)*15*time.Second + time.Duration(i/250)*2*time.Hour)
		offsets := make([]int64, 1+rng.IntN(4))
		for k := range offsets {
			offsets[k] = int64(i*10 + k)
		}
		h := lineHit(u, at, offsets...)
		if prev, ok := last[u]; ok && rng.IntN(5) == 0 {
			h.Evidence = append([]hit.Evidence{prev}, h.Evidence...)
		}
		last[u] = h.Evidence[len(h.Evidence)-1]
		hits = append(hits, h)
	}
	return hits
}

// distinctLines counts the evidence lines of the stream by what the register deduplicates on.
func distinctLines(hits []hit.Hit) int {
	seen := map[string]bool{}
	for _, h := range hits {
		for _, e := range h.Evidence {
			seen[fmt.Sprintf("%s|%s|%d|%d|%s", h.Rule, h.User, e.Offset, e.Time.UnixNano(), e.Text)] = true
		}
	}
	return len(seen)
}

// registerStream registers the whole stream from its beginning, in batches.
func registerStream(ctx context.Context, dir string, hits []hit.Hit) error {
	r, err := Open(ctx, dir, Options{Now: func() time.Time { return t0 }, Location: time.UTC})
	if err != nil {
		return err
	}
	defer r.Close()
	for i := 0; i < len(hits); i += killBatch {
		if _, err := r.Add(ctx, hits[i:min(i+killBatch, len(hits))]); err != nil {
			return err
		}
	}
	return r.Close()
}

// TestKillChild is the child of TestKillDuringAdd: it does nothing unless re-executed with killEnv.
func TestKillChild(t *testing.T) {
	dir := os.Getenv(killEnv)
	if dir == "" {
		return
	}
	if err := registerStream(context.Background(), dir, killStream()); err != nil {
		t.Fatal(err)
	}
}

// snapshot is what a register holds: its verify report and each incident's evidence count.
type snapshot struct {
	rep    *Report
	counts map[string]int
	first  map[string]time.Time
}

func takeSnapshot(t *testing.T, dir string) snapshot {
	t.Helper()
	ctx := context.Background()
	r, err := Open(ctx, dir, Options{Now: func() time.Time { return t0 }, Location: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	rep, err := r.Verify(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() {
		t.Fatalf("verify after a kill: %v", rep.Err())
	}
	list, err := r.List(ctx, Filter{})
	if err != nil {
		t.Fatal(err)
	}
	s := snapshot{rep: rep, counts: map[string]int{}, first: map[string]time.Time{}}
	for _, in := range list {
		s.counts[in.ID] = in.EvidenceCount
		s.first[in.ID] = in.FirstSeen
	}
	return s
}

// TestKillDuringAdd kills a process registering a stream of hits with SIGKILL at random moments,
// restarts it from the beginning of the stream each time (as the daemon replays after a crash),
// and checks that no incident or evidence item is lost or stored twice.
func TestKillDuringAdd(t *testing.T) {
	if testing.Short() {
		t.Skip("SIGKILL restart test: skipped with -short")
	}
	ctx := context.Background()
	hits := killStream()
	total := distinctLines(hits)

	// The reference: one uninterrupted run into a fresh directory, in-process.
	refDir := t.TempDir()
	start := time.Now()
	if err := registerStream(ctx, refDir, hits); err != nil {
		t.Fatal(err)
	}
	// Kills land at a random moment within the time a whole run takes.
	refTime := time.Since(start)
	t.Logf("reference run: %d hits, %d distinct lines in %v", len(hits), total, refTime.Round(time.Millisecond))
	ref := takeSnapshot(t, refDir)
	if ref.rep.Evidence != int64(total) {
		t.Fatalf("reference holds %d evidence items, the stream has %d distinct lines", ref.rep.Evidence, total)
	}

	dir := t.TempDir()
	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 1))
	t.Logf("kill delays seeded with %d", seed)
	// run starts a child; its exit status arrives on the returned channel.
	run := func() (*exec.Cmd, *bytes.Buffer, chan error) {
		cmd := exec.Command(os.Args[0], "-test.run=^TestKillChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), killEnv+"="+dir)
		out := &bytes.Buffer{}
		cmd.Stdout, cmd.Stderr = out, out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		return cmd, out, done
	}
	wal := filepath.Join(dir, DBFile+"-wal")
	midStream := 0
	var held int64
	for k := range killRuns {
		// Within the first third of a run's time: every run gets part of the way, so several kills land
		// mid-stream instead of the first run finishing it all.
		delay := time.Duration(rng.Int64N(int64(refTime) / 3))
		cmd, out, done := run()
		// The parent's snapshot closed the register cleanly, which removes the WAL file. The child
		// writes to it once it registers something new (or migrates the schema): from then on, kill
		// it after the delay. A child with nothing left to write just finishes. Every third run is
		// killed the delay after its start, which may land while it replays what is registered.
		var err error
		exited := false
		waitFor, from := 30*time.Second, "the first write"
		if k%3 == 2 {
			waitFor, from = 0, "the start"
		}
	wait:
		for deadline := time.Now().Add(waitFor); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
			select {
			case err = <-done:
				exited = true
				break wait
			default:
			}
			if st, err := os.Stat(wal); err == nil && st.Size() > 0 {
				break
			}
		}
		if !exited {
			time.Sleep(delay)
			cmd.Process.Signal(syscall.SIGKILL)
			err = <-done
		}
		var ee *exec.ExitError
		killed := errors.As(err, &ee) && ee.ProcessState.Sys().(syscall.WaitStatus).Signaled()
		if err != nil && !killed {
			t.Fatalf("run %d: child failed: %v\n%s", k+1, err, out)
		}
		s := takeSnapshot(t, dir)
		t.Logf("run %d: killed=%v %v after %s: %d of %d items, %d incidents", k+1, killed, delay, from, s.rep.Evidence, total, s.rep.Incidents)
		if s.rep.Evidence < held {
			t.Fatalf("run %d: register holds %d items, before it held %d: items were lost", k+1, s.rep.Evidence, held)
		}
		held = s.rep.Evidence
		if killed && s.rep.Evidence < int64(total) {
			midStream++
		}
		// Every incident the register holds is the reference's, with no more items than there.
		for id, n := range s.counts {
			if n > ref.counts[id] {
				t.Fatalf("run %d: incident %s holds %d items, the reference %d", k+1, id, n, ref.counts[id])
			}
		}
	}
	if midStream == 0 {
		t.Fatalf("none of the %d kills hit the stream before its end: the test proved nothing", killRuns)
	}

	// The last run completes.
	_, out, done := run()
	if err := <-done; err != nil {
		t.Fatalf("final run: %v\n%s", err, out)
	}
	got := takeSnapshot(t, dir)
	if got.rep.Evidence != int64(total) {
		t.Errorf("%d evidence items after the kills, the stream has %d distinct lines", got.rep.Evidence, total)
	}
	if got.rep.Incidents != ref.rep.Incidents {
		t.Errorf("%d incidents after the kills, one uninterrupted run opens %d", got.rep.Incidents, ref.rep.Incidents)
	}
	for id, n := range ref.counts {
		if got.counts[id] != n || !got.first[id].Equal(ref.first[id]) {
			t.Errorf("incident %s: %d items first seen %v, the uninterrupted run %d items first seen %v",
				id, got.counts[id], got.first[id], n, ref.first[id])
		}
	}
	for id := range got.counts {
		if _, ok := ref.counts[id]; !ok {
			t.Errorf("incident %s is not in the uninterrupted run", id)
		}
	}
	t.Logf("%d of %d kills landed mid-stream; %d items, %d incidents, as the uninterrupted run", midStream, killRuns, got.rep.Evidence, got.rep.Incidents)
	t.Logf("RELIABILITY | SIGKILL while registering | %d kills (%d mid-stream), restart from the start of the stream each time | lost 0, doubled 0 (%d items, %d incidents as one uninterrupted run), verify clean",
		killRuns, midStream, got.rep.Evidence, got.rep.Incidents)
}
