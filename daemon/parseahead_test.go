package daemon

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/lekwacht/lekwacht/collectors"
	"github.com/lekwacht/lekwacht/config"
	"github.com/lekwacht/lekwacht/detectors"
	"github.com/lekwacht/lekwacht/register"
	"github.com/lekwacht/lekwacht/sim"
)

// withParse sets how a replay batches and how far its parsers run ahead, for one test.
func withParse(t *testing.T, batch, ahead int) {
	t.Helper()
	oldBatch, oldAhead := parseBatch, parseAhead
	parseBatch, parseAhead = batch, ahead
	t.Cleanup(func() { parseBatch, parseAhead = oldBatch, oldAhead })
}

// replayedDay is what a replay of a simulated gemeente left: its summary, its events file and its
// incidents with their evidence (without the times of the run itself).
type replayedDay struct {
	sum       string
	events    []byte
	incidents []string
}

func replaySim(t *testing.T, simDir, name string) replayedDay {
	t.Helper()
	cfg, err := config.Load(filepath.Join(simDir, "lekwacht.yaml"), collectors.CheckInput)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Register.Dir = filepath.Join(t.TempDir(), name)
	cfg.Events.File = filepath.Join(cfg.Register.Dir, "events.jsonl")
	sum, err := Replay(context.Background(), cfg, ReplayOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var got replayedDay
	got.sum = fmt.Sprintf("%s; %d hits, %d observed, %d signals, %d unresolved", sum, sum.Hits, sum.Observed, sum.Signals, sum.Unresolved)
	if got.events, err = os.ReadFile(cfg.Events.File); err != nil {
		t.Fatal(err)
	}
	reg, err := register.Open(context.Background(), cfg.Register.Dir, register.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Close()
	list, err := reg.List(context.Background(), register.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range list {
		full, err := reg.Show(context.Background(), in.ID, "test", "compare")
		if err != nil {
			t.Fatal(err)
		}
		facts, _ := json.Marshal(full.Facts)
		s := fmt.Sprintf("%s %s %s %s %s %s %v %s %s %d %d %q %s", full.ID, full.Status, full.Detector, full.Rule, full.Severity,
			full.User, full.Hosts, full.FirstSeen, full.LastSeen, full.Subjects, full.EvidenceCount, full.Summary, facts)
		for _, e := range full.Evidence {
			if strings.Contains(e.Source, "lekwacht-evidence-") {
				t.Errorf("%s: an evidence line lost in the detectors' spool (%s at %d)", full.ID, e.Source, e.Offset)
			}
			s += fmt.Sprintf("\n  %s %s %d %d %s %s", e.Kind, e.Source, e.Offset, e.Line, e.SHA256, e.Text)
		}
		got.incidents = append(got.incidents, s)
	}
	return got
}

// TestParsingAheadChangesNothing replays one simulated gemeente (every input, several files) several
// ways: a line per batch with no parser ahead and the detectors one event after the other (as a
// replay that parses and detects line by line), the same again (a replay is deterministic), a few
// lines per batch with a short queue (many batch boundaries), each batch spread over the detectors'
// goroutines (detectors.ObserveBatch) from 1 and from 7 events, and as shipped. The events file (its
// order is the order detection saw), the summary and every incident with its evidence are the same.
func TestParsingAheadChangesNothing(t *testing.T) {
	simDir := t.TempDir()
	if _, err := sim.Run(sim.Options{Out: simDir, Employees: 40, Days: 2, Seed: 5}); err != nil {
		t.Fatal(err)
	}
	if runtime.GOMAXPROCS(0) < 2 {
		// ObserveBatch spreads a batch only with two cores or more.
		t.Cleanup(func() { runtime.GOMAXPROCS(runtime.GOMAXPROCS(2)) })
	}
	oldSpread := detectors.SpreadFrom
	t.Cleanup(func() { detectors.SpreadFrom = oldSpread })
	noSpread := math.MaxInt
	shipped := parseCase{parseBatch, parseAhead, detectors.SpreadFrom}
	lockstep := replayCase(t, simDir, parseCase{1, 0, noSpread})
	if len(lockstep.incidents) == 0 || len(lockstep.events) == 0 {
		t.Fatalf("the simulated gemeente gave %d incidents and %d bytes of events: nothing to compare", len(lockstep.incidents), len(lockstep.events))
	}
	for _, c := range []parseCase{{1, 0, noSpread}, {7, 2, noSpread}, {7, 2, 1}, {64, 1, 7}, shipped} {
		got := replayCase(t, simDir, c)
		if got.sum != lockstep.sum {
			t.Errorf("%s: %s; line by line: %s", c, got.sum, lockstep.sum)
		}
		if !bytes.Equal(got.events, lockstep.events) {
			t.Errorf("%s: the events file differs from line by line (%d and %d bytes, first difference at byte %d)",
				c, len(got.events), len(lockstep.events), firstDiff(got.events, lockstep.events))
		}
		if len(got.incidents) != len(lockstep.incidents) {
			t.Errorf("%s: %d incidents, line by line %d", c, len(got.incidents), len(lockstep.incidents))
		}
		for i := range min(len(got.incidents), len(lockstep.incidents)) {
			if got.incidents[i] != lockstep.incidents[i] {
				t.Errorf("%s: incident %d differs from line by line:\n%s\nline by line:\n%s", c, i, got.incidents[i], lockstep.incidents[i])
				break
			}
		}
	}
}

// parseCase is how a replay batches, how far its parsers run ahead and from how many events a
// batch is spread over the detectors' goroutines.
type parseCase struct{ batch, ahead, spread int }

func (c parseCase) String() string {
	spread := "no spread"
	if c.spread != math.MaxInt {
		spread = fmt.Sprintf("spread from %d", c.spread)
	}
	return fmt.Sprintf("batch %d ahead %d %s", c.batch, c.ahead, spread)
}

func replayCase(t *testing.T, simDir string, c parseCase) replayedDay {
	t.Helper()
	withParse(t, c.batch, c.ahead)
	detectors.SpreadFrom = c.spread
	return replaySim(t, simDir, fmt.Sprintf("b%d-a%d-s%d", c.batch, c.ahead, c.spread))
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// TestParsingAheadStopsOnABrokenFile: a gzip file that breaks off half-way, between files of two
// inputs, ends the replay with an error naming it; the other input's parser, blocked ahead, is let
// go (the test would hang otherwise), and the lines before the break were seen.
func TestParsingAheadStopsOnABrokenFile(t *testing.T) {
	withParse(t, 4, 1)
	dir := t.TempDir()
	var samba, sshd strings.Builder
	for i := range 200 {
		fmt.Fprintf(&samba, "Nov 20 09:%02d:%02d fs01 smbd_audit[4121]: VOORBEELD\\jdevries|10.20.1.15|WS-0042|burgerzaken|openat|ok|r|/srv/shares/burgerzaken/f%03d.docx\n", i/60, i%60, i)
		fmt.Fprintf(&sshd, "Nov 20 09:%02d:%02d app01 sshd[%d]: Accepted password for beheer from 10.20.1.%d port 50022 ssh2\n", i/60, i%60, 1000+i, i%250)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(samba.String()))
	zw.Close()
	broken := filepath.Join(dir, "audit.log.2.gz")
	os.WriteFile(broken, gz.Bytes()[:gz.Len()/2], 0o600)
	whole := filepath.Join(dir, "audit.log.1")
	os.WriteFile(whole, []byte(samba.String()), 0o600)
	auth := filepath.Join(dir, "auth.log")
	os.WriteFile(auth, []byte(sshd.String()), 0o600)
	cfg := &config.Config{Organisation: config.Organisation{Timezone: "Europe/Amsterdam"}, Register: config.Register{Dir: filepath.Join(dir, "reg")},
		Inputs: []config.Input{
			{Name: "shares", Format: "samba-audit", Paths: []string{filepath.Join(dir, "audit.log*")}},
			{Name: "ssh", Format: "sshd", Paths: []string{auth}},
		}}
	sum, err := Replay(context.Background(), cfg, ReplayOptions{Files: []string{whole, broken, auth}})
	if err == nil || !strings.Contains(err.Error(), "replay "+broken) {
		t.Fatalf("replay over a broken gzip file: %v; want an error naming %s", err, broken)
	}
	if sum.Observed <= 200 {
		t.Errorf("%d events seen before the break: want the whole first file and the start of the broken one", sum.Observed)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Replay(ctx, cfg, ReplayOptions{Files: []string{whole, auth}}); err == nil {
		t.Error("a cancelled replay returned no error")
	}
}
