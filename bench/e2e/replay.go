package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/lekwacht/lekwacht/bench/internal/lwrun"
	"github.com/lekwacht/lekwacht/collectors"
	"github.com/lekwacht/lekwacht/config"
	"github.com/lekwacht/lekwacht/daemon"
	"github.com/lekwacht/lekwacht/register"
)

// dayReplay is the fastest replay of the simulated day, and the plain read of its logs.
type dayReplay struct {
	lines, bytes int64
	took, cat    time.Duration
	cpu          time.Duration // user and system time of the fastest replay
	rssMB        float64
	incidents    int64
}

func (d dayReplay) rate() float64    { return float64(d.lines) / d.took.Seconds() }
func (d dayReplay) catRate() float64 { return float64(d.lines) / d.cat.Seconds() }

// benchReplay simulates the gemeente into sim, then times lekwacht replay of every configured input
// and the watched folder, each run into a fresh register, and cat of the same log files.
func benchReplay(exe, sim string) (dayReplay, error) {
	var d dayReplay
	start := time.Now()
	out, err := exec.Command(exe, "simulate", "--out", sim, "--employees", strconv.Itoa(*employees),
		"--days", strconv.Itoa(*days), "--seed", strconv.FormatUint(*seed, 10)).CombinedOutput()
	if err != nil {
		return d, exitErr("lekwacht simulate", err, out)
	}
	fmt.Printf("1. lekwacht replay of a simulated day: %d employees, %d day(s), seed %d (simulated in %.1f s)\n",
		*employees, *days, *seed, time.Since(start).Seconds())
	if d.lines, err = truthLines(filepath.Join(sim, "truth.json")); err != nil {
		return d, err
	}
	logs, err := logFiles(filepath.Join(sim, "logs"))
	if err != nil {
		return d, err
	}
	for _, f := range logs {
		st, err := os.Stat(f)
		if err != nil {
			return d, err
		}
		d.bytes += st.Size()
	}
	fmt.Printf("   %d lines in %d log files, %.1f MB, plus the export files in the watched folder\n",
		d.lines, len(logs), float64(d.bytes)/(1<<20))
	if d.cat, err = catFiles(logs); err != nil {
		return d, err
	}
	for i := 0; i < max(*runs, 1); i++ {
		r, err := replayOnce(exe, sim, "lekwacht.yaml")
		if err != nil {
			return d, err
		}
		if r.lines != d.lines {
			fmt.Printf("   odd: replay read %d lines, truth.json lists %d\n", r.lines, d.lines)
		}
		fmt.Printf("   run %d: %6.2f s  %9.0f lines/s  CPU %5.2f s  peak RSS %6.1f MB  %d incidents\n",
			i+1, r.took.Seconds(), float64(d.lines)/r.took.Seconds(), r.cpu.Seconds(), r.rssMB, r.incidents)
		if i == 0 || r.took < d.took {
			d.took, d.cpu, d.rssMB, d.incidents = r.took, r.cpu, r.rssMB, r.incidents
		}
	}
	mb := float64(d.bytes) / (1 << 20)
	fmt.Printf("   cat of the log files (plain read, best of 3): %.3f s  %9.0f lines/s  %6.0f MB/s\n",
		d.cat.Seconds(), d.catRate(), mb/d.cat.Seconds())
	fmt.Printf("   replay (fastest of %d): %.2f s  %.0f lines/s  %.1f MB/s  CPU %.2f s  peak RSS %.1f MB  %d incidents opened  (%.2f%% of cat's rate, %.0fx its time)\n",
		max(*runs, 1), d.took.Seconds(), d.rate(), mb/d.took.Seconds(), d.cpu.Seconds(), d.rssMB, d.incidents,
		100*d.rate()/d.catRate(), d.took.Seconds()/d.cat.Seconds())
	return d, nil
}

// truthLines sums the lines the simulation wrote per log, as truth.json lists them.
func truthLines(path string) (int64, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	var truth struct {
		Lines map[string]int64 `json:"lines"`
	}
	if err := json.Unmarshal(data, &truth); err != nil {
		return 0, fmt.Errorf("%s: %w", path, err)
	}
	var n int64
	for _, l := range truth.Lines {
		n += l
	}
	return n, nil
}

// logFiles lists the regular files under the simulation's logs folder.
func logFiles(root string) ([]string, error) {
	var files []string
	err := filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
		if err == nil && e.Type().IsRegular() {
			files = append(files, p)
		}
		return err
	})
	if err == nil && len(files) == 0 {
		err = fmt.Errorf("no log files under %s", root)
	}
	return files, err
}

// catFiles times cat of the files into /dev/null, best of 3: the reference for a plain read.
func catFiles(files []string) (time.Duration, error) {
	var best time.Duration
	for i := 0; i < 3; i++ {
		var stderr bytes.Buffer
		cmd := exec.Command("cat", files...)
		cmd.Stderr = &stderr
		start := time.Now()
		if err := cmd.Run(); err != nil {
			return 0, exitErr("cat", err, stderr.Bytes())
		}
		if d := time.Since(start); i == 0 || d < best {
			best = d
		}
	}
	return best, nil
}

// replayRun is one lekwacht replay.
type replayRun struct {
	took, cpu        time.Duration
	rssMB            float64
	lines, incidents int64
}

// summaryLine is the line replay always prints last: N lines, N events, N rejected, N incidents.
var summaryLine = regexp.MustCompile(`(?m)^(\d+) lines, \d+ events, \d+ rejected, (\d+) incidents$`)

// replayOnce runs lekwacht replay on a config of the simulation's folder into an emptied register.
func replayOnce(exe, sim, config string, env ...string) (replayRun, error) {
	var r replayRun
	data := filepath.Join(sim, "lekwacht-data") // register.dir of the simulation's config
	if err := os.RemoveAll(data); err != nil {
		return r, err
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(exe, "replay", "--config", filepath.Join(sim, config))
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if len(env) > 0 {
		cmd.Env = append(os.Environ(), env...)
	}
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return r, exitErr("lekwacht replay", err, stderr.Bytes())
	}
	r.took = time.Since(start)
	r.cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	r.rssMB = peakRSSMB(cmd.ProcessState)
	if _, err := os.Stat(filepath.Join(data, register.DBFile)); err != nil {
		return r, fmt.Errorf("the simulation's register is not where the bench empties it: %w", err)
	}
	m := summaryLine.FindSubmatch(stdout.Bytes())
	if m == nil {
		return r, fmt.Errorf("lekwacht replay printed no summary line: %s", lwrun.Tail(stdout.Bytes(), 2000))
	}
	r.lines, _ = strconv.ParseInt(string(m[1]), 10, 64)
	r.incidents, _ = strconv.ParseInt(string(m[2]), 10, 64)
	return r, nil
}

// coreScaling is the fastest replay of the simulated day per GOMAXPROCS.
type coreScaling struct {
	procs []int
	best  []replayRun
}

// speedup is how many times faster than on one core the replay with procs[i] was.
func (c coreScaling) speedup(i int) float64 {
	return c.best[0].took.Seconds() / c.best[i].took.Seconds()
}

// benchCores times replays of the simulated day with GOMAXPROCS 1, 2 and 4, in turns so that each
// setting sees the same machine, the fastest of runs each.
func benchCores(exe, sim string, lines int64) (coreScaling, error) {
	c := coreScaling{procs: []int{1, 2, 4}}
	c.best = make([]replayRun, len(c.procs))
	fmt.Printf("2. the same replay on 1, 2 and 4 cores (GOMAXPROCS; this machine has %d): each input parsed in its own goroutine ahead of the detectors\n", runtime.NumCPU())
	for i := 0; i < max(*runs, 1); i++ {
		for j, p := range c.procs {
			r, err := replayOnce(exe, sim, "lekwacht.yaml", "GOMAXPROCS="+strconv.Itoa(p))
			if err != nil {
				return c, err
			}
			fmt.Printf("   run %d, GOMAXPROCS=%d: %6.2f s  %9.0f lines/s  CPU %5.2f s  peak RSS %6.1f MB  %d incidents\n",
				i+1, p, r.took.Seconds(), float64(lines)/r.took.Seconds(), r.cpu.Seconds(), r.rssMB, r.incidents)
			if i == 0 || r.took < c.best[j].took {
				c.best[j] = r
			}
		}
	}
	for j, p := range c.procs {
		fmt.Printf("   GOMAXPROCS=%d: fastest %.2f s, %.2fx the speed on one core\n", p, c.best[j].took.Seconds(), c.speedup(j))
	}
	return c, nil
}

// identityCost is the price of identity resolution: the same replay with and without the directory
// (and its identity settings), best of runs each, run in turns so that both see the same machine.
type identityCost struct {
	with, without replayRun
	share         float64 // % of an in-process replay's CPU samples in identity.(*Resolver).Resolve
}

func (c identityCost) overhead() float64 {
	return 100 * (c.with.took.Seconds() - c.without.took.Seconds()) / c.without.took.Seconds()
}

// benchIdentity times replays of the simulated day with and without its directory.
func benchIdentity(exe, sim string) (identityCost, error) {
	var c identityCost
	cfg, err := os.ReadFile(filepath.Join(sim, "lekwacht.yaml"))
	if err != nil {
		return c, err
	}
	// The same config without the top-level directory: and identity: keys.
	noDir := regexp.MustCompile(`(?m)^(directory|identity):.*\n`).ReplaceAll(cfg, nil)
	if err := os.WriteFile(filepath.Join(sim, "lekwacht-nodir.yaml"), noDir, 0o600); err != nil {
		return c, err
	}
	fmt.Printf("3. identity resolution: the same replay with the directory and without it, %d runs each in turns\n", max(*runs, 1))
	for i := 0; i < max(*runs, 1); i++ {
		for _, v := range []struct {
			config string
			best   *replayRun
		}{{"lekwacht.yaml", &c.with}, {"lekwacht-nodir.yaml", &c.without}} {
			r, err := replayOnce(exe, sim, v.config)
			if err != nil {
				return c, err
			}
			fmt.Printf("   run %d %-20s %6.2f s  CPU %5.2f s  peak RSS %6.1f MB  %d incidents\n", i+1, v.config, r.took.Seconds(), r.cpu.Seconds(), r.rssMB, r.incidents)
			if i == 0 || r.took < v.best.took {
				*v.best = r
			}
		}
	}
	fmt.Printf("   with the directory %.2f s, without %.2f s: the directory costs %+.1f%% of the replay time (%d and %d incidents: without it the detectors do other work)\n",
		c.with.took.Seconds(), c.without.took.Seconds(), c.overhead(), c.with.incidents, c.without.incidents)
	if c.share, err = resolveShare(sim); err != nil {
		return c, err
	}
	fmt.Printf("   resolution alone (identity.Resolve, cumulative, CPU profile of three replays of the same day in this process): %.1f%% of the replay's CPU (goal: at most 5%%)\n", c.share)
	return c, nil
}

// resolveShare replays the simulated day in this process under the CPU profiler and returns the
// share of the samples spent in identity resolution (cumulative, as go tool pprof -top gives it):
// the cost of resolution alone, with the directory's other uses (the detectors') left in both.
func resolveShare(sim string) (float64, error) {
	cfg, err := config.Load(filepath.Join(sim, "lekwacht.yaml"), collectors.CheckInput)
	if err != nil {
		return 0, err
	}
	prof := filepath.Join(sim, "replay.cpu.pprof")
	f, err := os.Create(prof)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	if err := pprof.StartCPUProfile(f); err != nil {
		return 0, err
	}
	// Three replays, each into an emptied register, in one profile: at 100 samples a second one
	// replay gives too few samples in resolution for a steady share.
	for range 3 {
		if err = os.RemoveAll(cfg.Register.Dir); err != nil {
			break
		}
		if _, err = daemon.Replay(context.Background(), cfg, daemon.ReplayOptions{}); err != nil {
			break
		}
	}
	pprof.StopCPUProfile()
	if err != nil {
		return 0, err
	}
	out, err := exec.Command("go", "tool", "pprof", "-top", "-nodecount=1000000", prof).Output()
	if err != nil {
		return 0, fmt.Errorf("go tool pprof: %w", err)
	}
	for line := range strings.Lines(string(out)) {
		if f := strings.Fields(line); len(f) == 6 && f[5] == "github.com/lekwacht/lekwacht/identity.(*Resolver).Resolve" {
			return strconv.ParseFloat(strings.TrimSuffix(f[4], "%"), 64)
		}
	}
	return 0, nil // no sample in it at all
}
