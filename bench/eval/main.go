// Command eval is make eval: it simulates gemeenten of several sizes and seeds, replays each through
// lekwacht (every configured input and the watched folder, the shipped rules plus the gemeente's
// allow-lists) and prints precision and recall per detector and per insider story against
// truth.json, false drafts per 1,000 employees per day (per detector and pattern too), and how many
// episodes linking one person's drafts within 7 days folds them into. With -learn-days N the first N
// simulated days are a learning period: replayed first with replay --learn (no drafts, the
// baselines saved), then the rest with --state; only the days after it are scored. A draft counts
// only by the directory account it names (or its file): a name identity resolution left unresolved
// is a miss. It prints figures; it does not pass or fail.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/lekwacht/lekwacht/collectors"
	"github.com/lekwacht/lekwacht/config"
	"github.com/lekwacht/lekwacht/daemon"
	"github.com/lekwacht/lekwacht/register"
	"github.com/lekwacht/lekwacht/sim"
)

var (
	seeds   = flag.String("seeds", "1,2,3", "seeds, comma separated")
	sizes   = flag.String("sizes", "300,1000,3000", "employees, comma separated")
	days    = flag.Int("days", 5, "calendar days per simulation, the learning period included (28: 20 working days)")
	learn   = flag.Int("learn-days", 0, "the first N days are a learning period: replayed with --learn first, not scored")
	start   = flag.String("start", sim.DefaultStart.Format(time.DateOnly), "first day")
	verbose = flag.Bool("v", false, "list every missed case and false draft")
	keep    = flag.String("keep", "", "keep the simulations under this folder")
	extra   = flag.String("rules", "", "a folder of rule files copied into each gemeente's rules/ (one of the same name replaces the simulator's): to measure a variant of a rule")
)

const goalFalse = 1.0 // false drafts per 1,000 employees per day

// totals adds up the runs.
type totals struct {
	detectors map[string]*sim.Score
	stories   map[string]*sim.StoryScore
	patterns  map[[2]string]int
	hosts     map[[2]string]map[string]int // per pattern, false drafts per kind of hosts
	order     []string                     // stories in the order met
	falseSum  float64
	empDays   float64
	runs      int
	drafts    int
	episodes  int
}

func main() {
	flag.Parse()
	first, err := time.Parse(time.DateOnly, *start)
	if err != nil {
		fail(err)
	}
	if *learn < 0 || *learn >= *days {
		fail(fmt.Errorf("-learn-days %d: want 0 or more, fewer than -days %d", *learn, *days))
	}
	work := *keep
	if work == "" {
		if work, err = os.MkdirTemp("", "lekwacht-eval-"); err != nil {
			fail(err)
		}
		defer os.RemoveAll(work)
	}
	tot := &totals{detectors: map[string]*sim.Score{}, stories: map[string]*sim.StoryScore{}, patterns: map[[2]string]int{},
		hosts: map[[2]string]map[string]int{}}
	fmt.Printf("make eval: simulated gemeenten, %d days from %s, replayed through lekwacht; goal: every planted case and story found, at most %.0f false draft per 1,000 employees per day\n",
		*days, first.Format(time.DateOnly), goalFalse)
	if *learn > 0 {
		fmt.Printf("learning period: the first %d days replayed with replay --learn (no drafts, baselines kept), the other %d with --state and scored\n", *learn, *days-*learn)
	}
	if *extra != "" {
		fmt.Printf("rules: the gemeente's own plus those of %s\n", *extra)
	}
	fmt.Println()
	fmt.Printf("%-10s %-5s %-20s %8s %6s %7s %7s %6s %9s\n", "EMPLOYEES", "SEED", "DETECTOR", "PLANTED", "FOUND", "RECALL", "DRAFTS", "TRUE", "PRECISION")
	for _, size := range ints(*sizes) {
		for _, seed := range ints(*seeds) {
			out := filepath.Join(work, fmt.Sprintf("n%d-s%d", size, seed))
			ev, took, err := run(out, size, uint64(seed), first)
			if err != nil {
				fail(err)
			}
			report(size, seed, ev, took)
			tot.add(ev, size)
		}
	}
	tot.print()
}

// report prints one run.
func report(size, seed int, ev sim.Evaluation, took time.Duration) {
	for _, s := range ev.Scores {
		fmt.Printf("%-10d %-5d %-20s %8d %6d %6.0f%% %7d %6d %8.0f%%\n", size, seed, s.Detector, s.Planted, s.Found, 100*s.Recall(), s.Drafts, s.TrueDrafts, 100*s.Precision())
	}
	for _, st := range ev.Stories {
		fmt.Printf("%-10d %-5d %-20s %8d %6d %6.0f%%   story %s%s\n", size, seed, "(story)", st.Planted, st.Found, 100*st.Recall(), st.Story, others(st.Others))
	}
	fmt.Printf("%-10d %-5d %-20s false drafts %d = %.2f per 1,000 employees per day over %d days; missed %d; weak signals only %d; wrong facts %d; replay %.1fs\n",
		size, seed, "(all)", ev.FalseDrafts, ev.FalsePerThousandPerDay(), ev.Days, len(ev.Missed), len(ev.Weak), len(ev.WrongFacts), took.Seconds())
	if byPattern := ev.FalseByPattern(); len(byPattern) > 0 {
		var parts []string
		for _, p := range byPattern {
			parts = append(parts, fmt.Sprintf("%s/%s %d", p.Detector, p.Pattern, p.N))
		}
		fmt.Printf("%-10d %-5d %-20s false by pattern: %s\n", size, seed, "(false)", strings.Join(parts, ", "))
	}
	fmt.Printf("%-10d %-5d %-20s %d drafts in %d episodes (one person's drafts each within %s of the last), %.2f drafts per episode\n\n",
		size, seed, "(linked)", ev.Drafts, ev.Episodes, relatedWithin(), ev.DraftsPerEpisode())
	if *verbose {
		for _, c := range ev.Missed {
			what := c.Detector + "/" + c.Shape
			if c.Story != "" {
				what = "story " + c.Story + " by " + c.Detector
			}
			fmt.Printf("    missed %s %s users %v at %s: %s\n", c.ID, what, c.Users, c.Start.Format(time.DateTime), c.Note)
		}
		for _, c := range ev.Weak {
			fmt.Printf("    weak %s %s/%s users %v at %s: %s (a signal for the risk rule, no draft of its own)\n", c.ID, c.Detector, c.Shape, c.Users,
				c.Start.Format(time.DateTime), c.Note)
		}
		for _, c := range ev.WrongFacts {
			fmt.Printf("    wrong facts %s %s/%s\n", c.ID, c.Detector, c.Shape)
		}
		for _, d := range ev.False {
			fmt.Printf("    false %s %s/%s user %s at %s on %s: %s\n", d.ID, d.Detector, d.Pattern, d.User, d.FirstSeen.Format(time.DateTime), strings.Join(d.Hosts, ","), d.Summary)
		}
	}
}

// topHosts lists the n kinds of hosts most false drafts of a pattern named.
func topHosts(kinds map[string]int, n int) string {
	if len(kinds) == 0 {
		return ""
	}
	names := make([]string, 0, len(kinds))
	for k := range kinds {
		names = append(names, k)
	}
	sort.Slice(names, func(i, j int) bool {
		if kinds[names[i]] != kinds[names[j]] {
			return kinds[names[i]] > kinds[names[j]]
		}
		return names[i] < names[j]
	})
	var parts []string
	for _, k := range names[:min(n, len(names))] {
		parts = append(parts, fmt.Sprintf("%s %d", k, kinds[k]))
	}
	return "   hosts: " + strings.Join(parts, ", ")
}

// others lists the detectors other than a story's own that reported its cases.
func others(n map[string]int) string {
	if len(n) == 0 {
		return ""
	}
	names := make([]string, 0, len(n))
	for d := range n {
		names = append(names, d)
	}
	sort.Strings(names)
	var parts []string
	for _, d := range names {
		parts = append(parts, fmt.Sprintf("%s %d", d, n[d]))
	}
	return "; also reported by " + strings.Join(parts, ", ")
}

func (t *totals) add(ev sim.Evaluation, size int) {
	t.runs++
	for _, s := range ev.Scores {
		d := t.detectors[s.Detector]
		if d == nil {
			d = &sim.Score{Detector: s.Detector}
			t.detectors[s.Detector] = d
		}
		d.Planted += s.Planted
		d.Found += s.Found
		d.Drafts += s.Drafts
		d.TrueDrafts += s.TrueDrafts
	}
	for _, st := range ev.Stories {
		o := t.stories[st.Story]
		if o == nil {
			o = &sim.StoryScore{Story: st.Story, Others: map[string]int{}}
			t.stories[st.Story] = o
			t.order = append(t.order, st.Story)
		}
		o.Planted += st.Planted
		o.Found += st.Found
		for d, n := range st.Others {
			o.Others[d] += n
		}
	}
	for _, p := range ev.FalseByPattern() {
		k := [2]string{p.Detector, p.Pattern}
		t.patterns[k] += p.N
		if t.hosts[k] == nil {
			t.hosts[k] = map[string]int{}
		}
		for h, n := range p.Hosts {
			t.hosts[k][h] += n
		}
	}
	t.falseSum += float64(ev.FalseDrafts)
	t.drafts += ev.Drafts
	t.episodes += ev.Episodes
	t.empDays += float64(size) / 1000 * float64(ev.Days)
}

func (t *totals) print() {
	fmt.Printf("TOTAL over %d runs\n%-20s %8s %6s %7s %7s %6s %9s\n", t.runs, "DETECTOR", "PLANTED", "FOUND", "RECALL", "DRAFTS", "TRUE", "PRECISION")
	names := make([]string, 0, len(t.detectors))
	for n := range t.detectors {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		s := t.detectors[n]
		fmt.Printf("%-20s %8d %6d %6.0f%% %7d %6d %8.0f%%\n", n, s.Planted, s.Found, 100*s.Recall(), s.Drafts, s.TrueDrafts, 100*s.Precision())
	}
	fmt.Printf("\n%-32s %8s %6s %7s\n", "STORY", "PLANTED", "FOUND", "RECALL")
	for _, n := range t.order {
		st := t.stories[n]
		fmt.Printf("%-32s %8d %6d %6.0f%%%s\n", n, st.Planted, st.Found, 100*st.Recall(), others(st.Others))
	}
	if len(t.patterns) > 0 {
		fmt.Printf("\n%-48s %7s %22s\n", "FALSE DRAFTS BY DETECTOR/PATTERN", "DRAFTS", "PER 1,000 EMPL. PER DAY")
		keys := make([][2]string, 0, len(t.patterns))
		for k := range t.patterns {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool {
			if t.patterns[keys[i]] != t.patterns[keys[j]] {
				return t.patterns[keys[i]] > t.patterns[keys[j]]
			}
			return keys[i][0]+keys[i][1] < keys[j][0]+keys[j][1]
		})
		for _, k := range keys {
			fmt.Printf("%-48s %7d %22.2f%s\n", k[0]+"/"+k[1], t.patterns[k], float64(t.patterns[k])/t.empDays, topHosts(t.hosts[k], 4))
		}
	}
	fmt.Printf("\nfalse drafts: %.2f per 1,000 employees per day (goal at most %.0f)\n", t.falseSum/t.empDays, goalFalse)
	ratio := 1.0
	if t.episodes > 0 {
		ratio = float64(t.drafts) / float64(t.episodes)
	}
	fmt.Printf("linked: %d drafts in %d episodes (one person's drafts each within %s of the last), %.2f drafts per episode\n", t.drafts, t.episodes, relatedWithin(), ratio)
}

// relatedWithin is sim.RelatedWithin in days.
func relatedWithin() string { return fmt.Sprintf("%g days", sim.RelatedWithin.Hours()/24) }

// run simulates one gemeente, replays it (the learning period first, with --learn) and evaluates
// the drafts; took is the time the replays took.
func run(out string, employees int, seed uint64, first time.Time) (sim.Evaluation, time.Duration, error) {
	ctx := context.Background()
	truth, err := sim.Run(sim.Options{Out: out, Employees: employees, Days: *days, Seed: seed, Start: first, Learn: *learn})
	if err != nil {
		return sim.Evaluation{}, 0, err
	}
	if err := copyRules(*extra, filepath.Join(out, "rules")); err != nil {
		return sim.Evaluation{}, 0, err
	}
	cfg, err := config.Load(filepath.Join(out, "lekwacht.yaml"), collectors.CheckInput)
	if err != nil {
		return sim.Evaluation{}, 0, err
	}
	began := time.Now()
	if *learn > 0 {
		learning, err := config.Load(filepath.Join(out, "lekwacht-learn.yaml"), collectors.CheckInput)
		if err != nil {
			return sim.Evaluation{}, 0, err
		}
		if _, err := daemon.Replay(ctx, learning, daemon.ReplayOptions{Learn: true}); err != nil {
			return sim.Evaluation{}, 0, fmt.Errorf("replay --learn: %w", err)
		}
	}
	if _, err := daemon.Replay(ctx, cfg, daemon.ReplayOptions{State: *learn > 0}); err != nil {
		return sim.Evaluation{}, 0, err
	}
	took := time.Since(began)
	reg, err := register.Open(ctx, cfg.Register.Dir, register.Options{})
	if err != nil {
		return sim.Evaluation{}, 0, err
	}
	defer reg.Close()
	drafts, err := sim.Drafts(ctx, reg, "make-eval")
	if err != nil {
		return sim.Evaluation{}, 0, err
	}
	ev := sim.Evaluate(truth, drafts)
	ev.Days = truth.Days - truth.LearnDays
	return ev, took, nil
}

// copyRules copies the rule files (*.yaml) of from into to; nothing when from is empty.
func copyRules(from, to string) error {
	if from == "" {
		return nil
	}
	files, err := filepath.Glob(filepath.Join(from, "*.yaml"))
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return fmt.Errorf("-rules %s: no *.yaml rule files", from)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(to, filepath.Base(f)), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

func ints(s string) []int {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil {
			fail(fmt.Errorf("%q: not a number", f))
		}
		out = append(out, n)
	}
	return out
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "bench/eval:", err)
	os.Exit(1)
}
