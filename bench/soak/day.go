package main

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"time"
)

// srcLog is one simulated log file: its lines and when each was written.
type srcLog struct {
	rel   string          // path under logs/
	lines [][]byte        // each ending in a newline
	at    []time.Duration // when each line was written, since the day's start
	ts    []int           // where the line's timestamp starts, -1 when it has none
}

// simDay is the simulated day, read from the simulation's logs folder.
type simDay struct {
	logs     []*srcLog
	start    time.Time     // the earliest timestamp of any line
	period   time.Duration // whole days covering every line: the feed starts the day again after it
	lines    int64
	bytes    int64
	undated  int // lines without a timestamp (Exchange's # headers): written with the next dated line
	disorder int // lines dated before the line above them: written right after it
}

// stamp is the first ISO 8601 timestamp of a line: the syslog prefix, Exchange's date-time, the
// "@timestamp", "ts" or "tijdstip" of the JSON logs. No other date comes before it in the simulation.
var stamp = regexp.MustCompile(`\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})?`)

// loadDay reads every log file under root with the time of each line.
func loadDay(root string) (*simDay, error) {
	day := &simDay{}
	var times [][]time.Time
	err := filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
		if err != nil || !e.Type().IsRegular() {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		l, t, err := readLog(p, day)
		if err == nil && len(l.lines) > 0 {
			l.rel = rel
			day.logs, times = append(day.logs, l), append(times, t)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if len(day.logs) == 0 {
		return nil, fmt.Errorf("no dated log lines under %s", root)
	}
	day.place(times)
	return day, nil
}

// readLog splits a file into lines and dates each: a line without a timestamp, or dated before the
// line above it, takes the time of the line above (leading undated lines that of the first dated one).
func readLog(path string, day *simDay) (*srcLog, []time.Time, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	l := &srcLog{}
	var times []time.Time
	var last time.Time
	undatedHead := 0
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n') + 1
		if i == 0 {
			i = len(data)
		}
		line := data[:i:i]
		if line[len(line)-1] != '\n' {
			line = append(line, '\n') // a copy: the capacity ends at i
		}
		data = data[i:]
		t, at := lineTime(line)
		switch {
		case at < 0 && last.IsZero():
			undatedHead++
		case at < 0:
			t = last
			day.undated++
		case t.Before(last):
			t = last
			day.disorder++
		}
		if at >= 0 && last.IsZero() {
			for j := range undatedHead {
				times[j] = t
			}
			day.undated += undatedHead
		}
		if !t.IsZero() {
			last = t
		}
		l.lines, l.ts, times = append(l.lines, line), append(l.ts, at), append(times, t)
	}
	if last.IsZero() {
		return &srcLog{}, nil, nil // no timestamp at all: not a log to replay
	}
	for _, line := range l.lines {
		day.lines, day.bytes = day.lines+1, day.bytes+int64(len(line))
	}
	return l, times, nil
}

// lineTime is the time of a line and where its timestamp starts (-1: none).
func lineTime(line []byte) (time.Time, int) {
	loc := stamp.FindIndex(line)
	if loc == nil {
		return time.Time{}, -1
	}
	s := string(line[loc[0]:loc[1]])
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		if t, err = time.ParseInLocation("2006-01-02T15:04:05", s, time.Local); err != nil {
			return time.Time{}, -1
		}
	}
	return t, loc[0]
}

// place sets the day's start and period, and each line's time since the start.
func (day *simDay) place(times [][]time.Time) {
	day.start = times[0][0]
	for _, t := range times {
		if t[0].Before(day.start) {
			day.start = t[0]
		}
	}
	var last time.Duration
	for i, l := range day.logs {
		l.at = make([]time.Duration, len(times[i]))
		for j, t := range times[i] {
			l.at[j] = t.Sub(day.start)
		}
		last = max(last, l.at[len(l.at)-1])
	}
	const d = 24 * time.Hour
	day.period = (last/d + 1) * d
}

// dueBy counts the lines due within sim of simulated time (the day starts again after its period).
func (day *simDay) dueBy(sim time.Duration) int64 {
	var n int64
	for _, l := range day.logs {
		for pass := time.Duration(0); pass*day.period <= sim; pass++ {
			n += int64(countUpTo(l.at, sim-pass*day.period))
		}
	}
	return n
}

// countUpTo is the number of sorted times at or before t.
func countUpTo(at []time.Duration, t time.Duration) int {
	i, found := slices.BinarySearch(at, t)
	for found && i < len(at) && at[i] == t {
		i++
	}
	return i
}

// shiftDays writes line with its timestamp's date moved by days (the day fed again).
func shiftDays(buf, line []byte, ts, days int) []byte {
	if days == 0 || ts < 0 {
		return append(buf, line...)
	}
	d, err := time.Parse("2006-01-02", string(line[ts:ts+10]))
	if err != nil {
		return append(buf, line...)
	}
	buf = append(buf, line[:ts]...)
	buf = d.AddDate(0, 0, days).AppendFormat(buf, "2006-01-02")
	return append(buf, line[ts+10:]...)
}

// printPlan says what the feed will write.
func printPlan(day *simDay) {
	sim := feedSpan(*duration, *speed)
	fmt.Printf("the simulated day: %d lines, %.1f MB in %d log files from %s; %d undated lines, %d out of order\n",
		day.lines, float64(day.bytes)/(1<<20), len(day.logs), day.start.Format(time.RFC3339), day.undated, day.disorder)
	fmt.Printf("feeding %v of simulated time (%.2f day(s)) in %v at %.4gx: %d lines, each at its own time, in order per file; "+
		"rotation every %v (keep %d); the export files copied in at the start\n",
		sim.Round(time.Second), sim.Hours()/day.period.Hours(), *duration, *speed, day.dueBy(sim-1), rotateText(), keep)
}

func rotateText() string {
	if *rotate <= 0 {
		return "never"
	}
	return rotate.String()
}
