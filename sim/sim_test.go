package sim_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lekwacht/lekwacht/collectors"
	"github.com/lekwacht/lekwacht/config"
	"github.com/lekwacht/lekwacht/daemon"
	"github.com/lekwacht/lekwacht/register"
	"github.com/lekwacht/lekwacht/sim"
)

func simulate(t *testing.T, dir string, employees, days int, seed uint64) *sim.Truth {
	t.Helper()
	truth, err := sim.Run(sim.Options{Out: dir, Employees: employees, Days: days, Seed: seed})
	if err != nil {
		t.Fatal(err)
	}
	return truth
}

// files reads every file under dir, with dir itself replaced by a placeholder.
func files(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out[rel] = bytes.ReplaceAll(b, []byte(dir), []byte("$OUT"))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestSameSeedSameOutput(t *testing.T) {
	a, b, c := t.TempDir(), t.TempDir(), t.TempDir()
	simulate(t, a, 60, 3, 5)
	simulate(t, b, 60, 3, 5)
	simulate(t, c, 60, 3, 6)
	fa, fb, fc := files(t, a), files(t, b), files(t, c)
	if len(fa) != len(fb) {
		t.Fatalf("%d files vs %d", len(fa), len(fb))
	}
	for name, data := range fa {
		if !bytes.Equal(data, fb[name]) {
			t.Errorf("%s differs between two runs with the same seed", name)
		}
	}
	if bytes.Equal(fa["logs/zaak/audit.jsonl"], fc["logs/zaak/audit.jsonl"]) {
		t.Error("another seed gave the same zaaksysteem log")
	}
}

func TestRefusesANonEmptyFolder(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "x"), nil, 0o644)
	if _, err := sim.Run(sim.Options{Out: dir, Employees: 50, Days: 1}); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Fatalf("err = %v", err)
	}
	if _, err := sim.Run(sim.Options{Out: t.TempDir(), Employees: 5, Days: 1}); err == nil {
		t.Fatal("5 employees accepted")
	}
}

// TestEverythingParsesAndEveryCaseIsFound replays a simulated gemeente through lekwacht with its own
// config: every line of every format is read without a reject, and every planted case is reported by
// its detector.
func TestEverythingParsesAndEveryCaseIsFound(t *testing.T) {
	if testing.Short() && raceEnabled {
		t.Skip("replay of a simulated gemeente under -race: make test-long")
	}
	dir := t.TempDir()
	truth := simulate(t, dir, 300, 3, 11)
	var want int64
	for _, n := range truth.Lines {
		want += n
	}
	cfg, err := config.Load(filepath.Join(dir, "lekwacht.yaml"), collectors.CheckInput)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := daemon.Replay(context.Background(), cfg, daemon.ReplayOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Lines != want || sum.Rejected != 0 {
		t.Fatalf("replay read %d lines (simulated %d), %d rejected", sum.Lines, want, sum.Rejected)
	}
	if len(sum.Inputs) != len(cfg.Inputs) || len(sum.Inputs) < 7 {
		t.Fatalf("%d inputs read, want all %d", len(sum.Inputs), len(cfg.Inputs))
	}
	for _, in := range sum.Inputs {
		if in.Counters.Events.Load() == 0 {
			t.Errorf("input %s gave no events", in.Name)
		}
	}
	reg, err := register.Open(context.Background(), cfg.Register.Dir, register.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Close()
	drafts, err := sim.Drafts(context.Background(), reg, "test")
	if err != nil {
		t.Fatal(err)
	}
	ev := sim.Evaluate(truth, drafts)
	for _, c := range ev.Missed {
		if c.Story != "" {
			t.Logf("story %s %s not found by %s yet (%s)", c.ID, c.Story, c.Detector, c.Note)
			continue
		}
		t.Errorf("missed %s %s/%s (%s)", c.ID, c.Detector, c.Shape, c.Note)
	}
	for _, c := range ev.Weak {
		t.Logf("weak %s %s/%s: a signal only (%s)", c.ID, c.Detector, c.Shape, c.Note)
	}
	for _, c := range ev.WrongFacts {
		t.Errorf("%s %s/%s: delivered reported wrongly", c.ID, c.Detector, c.Shape)
	}
	t.Logf("%d drafts, %d false (%.2f per 1,000 employees per day)", len(drafts), ev.FalseDrafts, ev.FalsePerThousandPerDay())
}

func TestTruthNamesEveryShape(t *testing.T) {
	dir := t.TempDir()
	truth := simulate(t, dir, 60, 2, 1)
	b, err := os.ReadFile(filepath.Join(dir, "truth.json"))
	if err != nil {
		t.Fatal(err)
	}
	var again sim.Truth
	if err := json.Unmarshal(b, &again); err != nil {
		t.Fatal(err)
	}
	shapes := map[string]bool{}
	detectors := map[string]bool{}
	stories := map[string]bool{}
	for _, c := range again.Cases {
		if c.Story != "" {
			stories[c.Story] = true
		}
		if len(c.Users) == 0 || c.Start.IsZero() || c.End.Before(c.Start) || c.Note == "" {
			t.Errorf("case %+v is incomplete", c)
		}
		if c.File != "" {
			if _, err := os.Stat(c.File); err != nil {
				t.Errorf("case %s names a file that is not there: %v", c.ID, err)
			}
		}
		shapes[c.Detector+"/"+c.Shape] = true
		detectors[c.Detector] = true
	}
	if len(again.Cases) != len(truth.Cases) || len(shapes) < 20 || len(detectors) != 8 || !detectors["risk"] {
		t.Fatalf("%d cases, %d shapes, %d detectors (want the seven and risk)", len(again.Cases), len(shapes), len(detectors))
	}
	if len(stories) != len(sim.Stories) {
		t.Errorf("stories %v, want %v", stories, sim.Stories)
	}
}

func TestEvaluate(t *testing.T) {
	at := time.Date(2026, 11, 17, 10, 0, 0, 0, time.UTC)
	no := false
	truth := &sim.Truth{Employees: 2000, Days: 5, Cases: []sim.Case{
		{ID: "P1", Detector: "private_mail", Users: []string{"jdevries"}, Start: at, End: at.Add(time.Minute)},
		{ID: "P2", Detector: "misdirected_mail", Users: []string{"abakker"}, Start: at, End: at, Delivered: &no},
		{ID: "P3", Detector: "bulk_bsn_export", Users: []string{"kvos"}, File: "/x/lijst.csv", Start: at, End: at},
		{ID: "P4", Detector: "mass_deletion", Users: []string{"pjansen"}, Start: at, End: at},
		{ID: "P5", Detector: "shared_credentials", Also: []string{"record_snooping", "private_mail"}, Users: []string{"mbos"}, Start: at, End: at.Add(time.Hour)},
	}}
	yes := true
	drafts := []sim.Draft{
		{ID: "D1", Detector: "private_mail", User: "JdeVries", FirstSeen: at, LastSeen: at},                     // P1, case does not matter
		{ID: "D2", Detector: "misdirected_mail", User: "abakker", FirstSeen: at, LastSeen: at, Delivered: &yes}, // P2, wrong fact
		{ID: "D3", Detector: "bulk_bsn_export", User: "root", FirstSeen: at, LastSeen: at, Files: []string{"/x/lijst.csv"}},
		{ID: "D4", Detector: "threshold", User: "pjansen", FirstSeen: at, LastSeen: at},                                             // about P4, another detector
		{ID: "D5", Detector: "private_mail", User: "jdevries", FirstSeen: at.Add(48 * time.Hour), LastSeen: at.Add(48 * time.Hour)}, // too late
		{ID: "D6", Detector: "shared_credentials", User: "someone", FirstSeen: at, LastSeen: at},
		{ID: "D7", Detector: "private_mail", User: "j.devries@voorbeeld.nl", FirstSeen: at, LastSeen: at}, // a name not resolved: about no case
		{ID: "D8", Detector: "shared_credentials", User: "mbos", FirstSeen: at, LastSeen: at},
		{ID: "D9", Detector: "record_snooping", User: "MBos", FirstSeen: at.Add(30 * time.Minute), LastSeen: at.Add(40 * time.Minute)},
		{ID: "D10", Detector: "private_mail", User: "004711", FirstSeen: at, LastSeen: at}, // P5 by employee number: not resolved
	}
	ev := sim.Evaluate(truth, drafts)
	var missed []string
	for _, c := range ev.Missed {
		missed = append(missed, c.ID+"/"+c.Detector)
	}
	if want := []string{"P4/mass_deletion", "P5/private_mail"}; !slices.Equal(missed, want) {
		t.Errorf("missed %v, want %v (P4: only another detector reported it; P5: private_mail named no account)", missed, want)
	}
	if len(ev.WrongFacts) != 1 || ev.WrongFacts[0].ID != "P2" {
		t.Errorf("wrong facts %+v, want P2", ev.WrongFacts)
	}
	var false_ []string
	for _, d := range ev.False {
		false_ = append(false_, d.ID)
	}
	if want := []string{"D5", "D6", "D7", "D10"}; !slices.Equal(false_, want) {
		t.Errorf("false %v, want %v", false_, want)
	}
	if got := ev.FalsePerThousandPerDay(); got != 0.4 {
		t.Errorf("false per 1,000 per day = %v, want 0.4", got)
	}
	for _, s := range ev.Scores {
		if s.Detector == "private_mail" && (s.Planted != 2 || s.Found != 1 || s.Drafts != 4 || s.TrueDrafts != 1 || s.Precision() != 0.25) {
			t.Errorf("private_mail %+v", s)
		}
		if s.Detector == "shared_credentials" && (s.Planted != 1 || s.Found != 1 || s.Drafts != 2 || s.TrueDrafts != 1) {
			t.Errorf("shared_credentials %+v", s)
		}
		if s.Detector == "threshold" && (s.Planted != 0 || s.Recall() != 1 || s.Precision() != 1) {
			t.Errorf("threshold %+v", s)
		}
	}
	// jdevries: D1 and D5 two days apart, one episode; mbos D8 and D9 one; the other six one each.
	if ev.Drafts != 10 || ev.Episodes != 8 {
		t.Errorf("%d drafts in %d episodes, want 10 in 8", ev.Drafts, ev.Episodes)
	}
}

func TestEpisodes(t *testing.T) {
	at := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	day := func(d int, user string) sim.Draft {
		return sim.Draft{User: user, FirstSeen: at.AddDate(0, 0, d), LastSeen: at.AddDate(0, 0, d)}
	}
	for _, tc := range []struct {
		name   string
		drafts []sim.Draft
		want   int
	}{
		{"none", nil, 0},
		{"a chain longer than the window, each link within it", []sim.Draft{day(0, "a"), day(6, "a"), day(12, "A"), day(18, "a")}, 1},
		{"a gap of more than seven days", []sim.Draft{day(9, "a"), day(0, "a"), day(1, "a")}, 2},
		{"exactly seven days apart", []sim.Draft{day(0, "a"), day(7, "a")}, 1},
		{"two people", []sim.Draft{day(0, "a"), day(0, "b"), day(1, "a")}, 2},
		{"no user: each its own", []sim.Draft{day(0, ""), day(0, "")}, 2},
	} {
		if got := sim.Episodes(tc.drafts, sim.RelatedWithin); got != tc.want {
			t.Errorf("%s: %d episodes, want %d", tc.name, got, tc.want)
		}
	}
}

func TestEvaluateStories(t *testing.T) {
	at := time.Date(2026, 11, 17, 20, 0, 0, 0, time.UTC)
	truth := &sim.Truth{Employees: 1000, Days: 10, Cases: []sim.Case{
		{ID: "S001", Story: sim.StoryLeaver, Detector: "risk", Users: []string{"lvos"}, Start: at, End: at.AddDate(0, 0, 3)},
		{ID: "S002", Story: sim.StoryLeaver, Detector: "risk", Users: []string{"kbos"}, Start: at, End: at.AddDate(0, 0, 3)},
		{ID: "S003", Story: sim.StoryAdmin, Detector: "risk", Users: []string{"adekker", "mbakker"}, Start: at, End: at.Add(time.Hour)},
	}}
	drafts := []sim.Draft{
		{ID: "D1", Detector: "risk", User: "lvos", FirstSeen: at.AddDate(0, 0, 2), LastSeen: at.AddDate(0, 0, 2)},
		{ID: "D2", Detector: "record_snooping", Pattern: "after-hours", User: "kbos", FirstSeen: at, LastSeen: at},
		{ID: "D3", Detector: "shared_credentials", Pattern: "foreign-workstation", User: "mbakker", FirstSeen: at, LastSeen: at},
		{ID: "D4", Detector: "shared_credentials", Pattern: "foreign-workstation", User: "someone", FirstSeen: at, LastSeen: at},
		{ID: "D5", Detector: "shared_credentials", Pattern: "foreign-workstation", User: "another", FirstSeen: at, LastSeen: at},
		{ID: "D6", Detector: "shared_credentials", Pattern: "concurrent-sessions", User: "another", FirstSeen: at, LastSeen: at},
	}
	ev := sim.Evaluate(truth, drafts)
	got := map[string]sim.StoryScore{}
	for _, st := range ev.Stories {
		got[st.Story] = st
	}
	if st := got[sim.StoryLeaver]; st.Planted != 2 || st.Found != 1 || st.Others["record_snooping"] != 1 {
		t.Errorf("leaver %+v, want 2 planted, 1 found, 1 reported by record_snooping", st)
	}
	if st := got[sim.StoryAdmin]; st.Planted != 1 || st.Found != 0 || st.Others["shared_credentials"] != 1 {
		t.Errorf("admin %+v, want 1 planted, none found, 1 reported by shared_credentials", st)
	}
	if st := got[sim.StoryJobSearch]; st.Planted != 0 || st.Recall() != 1 {
		t.Errorf("job search %+v, want none planted", st)
	}
	drafts[3].Hosts = []string{"FLEX-012", "WS-0042"}
	drafts[4].Hosts = []string{"WS-0007", "FLEX-101"}
	if got := sim.HostKinds(drafts[4].Hosts); got != "flex-###+ws-####" {
		t.Errorf("host kinds %q", got)
	}
	ev = sim.Evaluate(truth, drafts)
	byPattern := ev.FalseByPattern()
	if h := byPattern[0].Hosts; h["flex-###+ws-####"] != 2 {
		t.Errorf("foreign-workstation hosts %v, want flex-###+ws-#### 2", h)
	}
	if len(byPattern) != 2 || byPattern[0].Pattern != "foreign-workstation" || byPattern[0].N != 2 || byPattern[1].N != 1 {
		t.Errorf("false by pattern %+v, want foreign-workstation 2, concurrent-sessions 1", byPattern)
	}
}
