// Command eval is make eval: it simulates gemeenten of several sizes and seeds, replays each through
// lekwacht (every configured input and the watched folder, the shipped rules plus the gemeente's
// allow-lists) and prints precision and recall per detector against truth.json, false drafts per
// 1,000 employees per day, and how many episodes linking one person's drafts within 7 days folds
// them into. A draft counts only by the directory account it names (or its file): a name identity
// resolution left unresolved is a miss. It prints figures; it does not pass or fail.
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
	days    = flag.Int("days", 5, "days per simulation")
	start   = flag.String("start", sim.DefaultStart.Format(time.DateOnly), "first day")
	verbose = flag.Bool("v", false, "list every missed case and false draft")
	keep    = flag.String("keep", "", "keep the simulations under this folder")
)

const goalFalse = 1.0 // false drafts per 1,000 employees per day

func main() {
	flag.Parse()
	first, err := time.Parse(time.DateOnly, *start)
	if err != nil {
		fail(err)
	}
	work := *keep
	if work == "" {
		if work, err = os.MkdirTemp("", "lekwacht-eval-"); err != nil {
			fail(err)
		}
		defer os.RemoveAll(work)
	}
	total := map[string]*sim.Score{}
	var falseSum, empDays float64
	var runs, drafts, episodes int
	fmt.Printf("make eval: simulated gemeenten, %d days from %s, replayed through lekwacht; goal: every planted case found, at most %.0f false draft per 1,000 employees per day\n\n",
		*days, first.Format(time.DateOnly), goalFalse)
	fmt.Printf("%-10s %-5s %-20s %8s %6s %7s %7s %6s %9s\n", "EMPLOYEES", "SEED", "DETECTOR", "PLANTED", "FOUND", "RECALL", "DRAFTS", "TRUE", "PRECISION")
	for _, size := range ints(*sizes) {
		for _, seed := range ints(*seeds) {
			out := filepath.Join(work, fmt.Sprintf("n%d-s%d", size, seed))
			ev, took, err := run(out, size, uint64(seed), first)
			if err != nil {
				fail(err)
			}
			runs++
			for _, s := range ev.Scores {
				fmt.Printf("%-10d %-5d %-20s %8d %6d %6.0f%% %7d %6d %8.0f%%\n", size, seed, s.Detector, s.Planted, s.Found, 100*s.Recall(), s.Drafts, s.TrueDrafts, 100*s.Precision())
				t := total[s.Detector]
				if t == nil {
					t = &sim.Score{Detector: s.Detector}
					total[s.Detector] = t
				}
				t.Planted += s.Planted
				t.Found += s.Found
				t.Drafts += s.Drafts
				t.TrueDrafts += s.TrueDrafts
			}
			fmt.Printf("%-10d %-5d %-20s false drafts %d = %.2f per 1,000 employees per day; missed %d; wrong facts %d; replay %.1fs\n",
				size, seed, "(all)", ev.FalseDrafts, ev.FalsePerThousandPerDay(), len(ev.Missed), len(ev.WrongFacts), took.Seconds())
			fmt.Printf("%-10d %-5d %-20s %d drafts in %d episodes (one person's drafts each within %s of the last), %.2f drafts per episode\n\n",
				size, seed, "(linked)", ev.Drafts, ev.Episodes, relatedWithin(), ev.DraftsPerEpisode())
			falseSum += float64(ev.FalseDrafts)
			drafts += ev.Drafts
			episodes += ev.Episodes
			empDays += float64(size) / 1000 * float64(*days)
			if *verbose {
				for _, c := range ev.Missed {
					fmt.Printf("    missed %s %s/%s users %v at %s: %s\n", c.ID, c.Detector, c.Shape, c.Users, c.Start.Format(time.DateTime), c.Note)
				}
				for _, c := range ev.WrongFacts {
					fmt.Printf("    wrong facts %s %s/%s\n", c.ID, c.Detector, c.Shape)
				}
				for _, d := range ev.False {
					fmt.Printf("    false %s %s/%s user %s at %s: %s\n", d.ID, d.Detector, d.Pattern, d.User, d.FirstSeen.Format(time.DateTime), d.Summary)
				}
			}
		}
	}
	fmt.Printf("TOTAL over %d runs\n%-20s %8s %6s %7s %7s %6s %9s\n", runs, "DETECTOR", "PLANTED", "FOUND", "RECALL", "DRAFTS", "TRUE", "PRECISION")
	names := make([]string, 0, len(total))
	for n := range total {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		s := total[n]
		fmt.Printf("%-20s %8d %6d %6.0f%% %7d %6d %8.0f%%\n", n, s.Planted, s.Found, 100*s.Recall(), s.Drafts, s.TrueDrafts, 100*s.Precision())
	}
	fmt.Printf("false drafts: %.2f per 1,000 employees per day (goal at most %.0f)\n", falseSum/empDays, goalFalse)
	ratio := 1.0
	if episodes > 0 {
		ratio = float64(drafts) / float64(episodes)
	}
	fmt.Printf("linked: %d drafts in %d episodes (one person's drafts each within %s of the last), %.2f drafts per episode\n", drafts, episodes, relatedWithin(), ratio)
}

// relatedWithin is sim.RelatedWithin in days.
func relatedWithin() string { return fmt.Sprintf("%g days", sim.RelatedWithin.Hours()/24) }

// run simulates one gemeente, replays it and evaluates the drafts.
func run(out string, employees int, seed uint64, first time.Time) (sim.Evaluation, time.Duration, error) {
	ctx := context.Background()
	truth, err := sim.Run(sim.Options{Out: out, Employees: employees, Days: *days, Seed: seed, Start: first})
	if err != nil {
		return sim.Evaluation{}, 0, err
	}
	cfg, err := config.Load(filepath.Join(out, "lekwacht.yaml"), collectors.CheckInput)
	if err != nil {
		return sim.Evaluation{}, 0, err
	}
	began := time.Now()
	if _, err := daemon.Replay(ctx, cfg, daemon.ReplayOptions{}); err != nil {
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
	return sim.Evaluate(truth, drafts), took, nil
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
