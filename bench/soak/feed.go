package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"
)

// feedEvery is how often the feeder writes the lines that have come due, one write per file.
const feedEvery = 100 * time.Millisecond

// stream is one live log the feeder writes: a simulated file replayed at its lines' times.
type stream struct {
	src     *srcLog
	path    string // the live file; for a dated file, its name in the first pass
	dated   bool   // a new file per day (Exchange's MSGTRK*.LOG), else one file rotated by the feeder
	f       *os.File
	next    int // the next line of src in this pass
	pass    int // how often the day has been fed before
	buf     []byte
	pending int // lines in buf
}

// feeder replays the simulated day into the live logs at speed times real time.
type feeder struct {
	day     *simDay
	streams []*stream
	speed   float64
	start   time.Time // when the feeding starts: set before run

	mu        sync.Mutex
	lines     int64  // lines written
	bytes     int64  // bytes written
	marks     []mark // lines written after each round of writes, for the lag in seconds
	rotations int
	rotated   time.Time // the last rotation
}

// mark is how many lines had been written at a time.
type mark struct {
	at    time.Time
	lines int64
}

// newFeeder lays out the live logs folder: every rotated log empty, the folders of the dated ones.
func newFeeder(day *simDay, liveLogs string, speed float64) (*feeder, error) {
	f := &feeder{day: day, speed: speed}
	for _, l := range day.logs {
		s := &stream{src: l, path: filepath.Join(liveLogs, l.rel), dated: strings.HasPrefix(filepath.Base(l.rel), "MSGTRK")}
		if err := os.MkdirAll(filepath.Dir(s.path), 0o700); err != nil {
			return nil, err
		}
		if !s.dated {
			if err := s.open(); err != nil {
				return nil, err
			}
		}
		f.streams = append(f.streams, s)
	}
	return f, nil
}

// run writes each line when its time has come, rotates the rotated logs every rotate, and returns
// after feeding for d from f.start, with every file closed.
func (f *feeder) run(ctx context.Context, d, rotate time.Duration) error {
	start := f.start
	end, nextRotation := start.Add(d), start.Add(rotate)
	defer f.close()
	tick := time.NewTicker(feedEvery)
	defer tick.Stop()
	for {
		now := time.Now()
		if !now.Before(end) { // the last round: the lines due before the end
			return f.feed(feedSpan(d, f.speed) - 1)
		}
		if err := f.feed(feedSpan(now.Sub(start), f.speed)); err != nil {
			return err
		}
		if rotate > 0 && !now.Before(nextRotation) {
			if err := f.rotate(); err != nil {
				return err
			}
			nextRotation = nextRotation.Add(rotate)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// feedSpan is the simulated time fed in d at speed.
func feedSpan(d time.Duration, speed float64) time.Duration {
	return time.Duration(float64(d) * speed)
}

// feed writes every line due by sim, simulated time since the day's start.
func (f *feeder) feed(sim time.Duration) error {
	var lines, bytes int64
	for _, s := range f.streams {
		n, b, err := s.feed(sim, f.day.period)
		if err != nil {
			return fmt.Errorf("%s: %w", s.path, err)
		}
		lines, bytes = lines+n, bytes+b
	}
	if lines == 0 {
		return nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lines, f.bytes = f.lines+lines, f.bytes+bytes
	f.marks = append(f.marks, mark{time.Now(), f.lines})
	return nil
}

// feed writes the stream's lines due by sim, passing into the next day after the last line.
func (s *stream) feed(sim, period time.Duration) (lines, bytes int64, err error) {
	for {
		if s.next == len(s.src.lines) {
			n, b, err := s.flush()
			if lines, bytes = lines+n, bytes+b; err != nil {
				return lines, bytes, err
			}
			s.next, s.pass = 0, s.pass+1
			if s.dated && s.f != nil { // the next day's file is another
				err = s.f.Close()
				if s.f = nil; err != nil {
					return lines, bytes, err
				}
			}
		}
		if s.src.at[s.next]+time.Duration(s.pass)*period > sim {
			break
		}
		s.buf = shiftDays(s.buf, s.src.lines[s.next], s.src.ts[s.next], s.pass*int(period/(24*time.Hour)))
		s.next, s.pending = s.next+1, s.pending+1
	}
	n, b, err := s.flush()
	return lines + n, bytes + b, err
}

// flush writes the lines gathered, in one write as a logger's buffer does.
func (s *stream) flush() (lines, bytes int64, err error) {
	if s.pending == 0 {
		return 0, 0, nil
	}
	if s.f == nil {
		if err := s.open(); err != nil {
			return 0, 0, err
		}
	}
	n, err := s.f.Write(s.buf)
	lines, bytes = int64(s.pending), int64(n)
	s.buf, s.pending = s.buf[:0], 0
	return lines, bytes, err
}

// msgtrkDate is the date in an Exchange message tracking log's name: MSGTRK2026111600-1.LOG.
var msgtrkDate = regexp.MustCompile(`^(MSGTRK[A-Z]*)(\d{8})`)

// open opens the live file for appending, creating it; a dated file under the name of its pass's day.
func (s *stream) open() error {
	path := s.path
	if s.dated && s.pass > 0 {
		name := filepath.Base(path)
		if m := msgtrkDate.FindStringSubmatchIndex(name); m != nil {
			if d, err := time.Parse("20060102", name[m[4]:m[5]]); err == nil {
				name = name[:m[4]] + d.AddDate(0, 0, s.pass).Format("20060102") + name[m[5]:]
			}
		}
		path = filepath.Join(filepath.Dir(path), name)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	s.f = f
	return err
}

// rotate rotates every rotated log as logrotate's create mode: x.log.2 -> x.log.3 (the old .3 goes),
// x.log.1 -> x.log.2, x.log -> x.log.1, a new empty x.log; the writer (the feeder) reopens x.log.
func (f *feeder) rotate() error {
	for _, s := range f.streams {
		if s.dated {
			continue
		}
		if err := s.f.Close(); err != nil {
			return err
		}
		for i := keep - 1; i >= 0; i-- {
			err := os.Rename(generation(s.path, i), generation(s.path, i+1))
			if err != nil && !errors.Is(err, os.ErrNotExist) {
				return err
			}
		}
		if err := s.open(); err != nil {
			return err
		}
	}
	f.mu.Lock()
	f.rotations, f.rotated = f.rotations+1, time.Now()
	f.mu.Unlock()
	return nil
}

// generation is the name of the i-th rotated copy of path (0: path itself).
func generation(path string, i int) string {
	if i == 0 {
		return path
	}
	return fmt.Sprintf("%s.%d", path, i)
}

func (f *feeder) close() {
	for _, s := range f.streams {
		if s.f != nil {
			s.f.Close()
			s.f = nil
		}
	}
}

// fed is how many lines and bytes have been written so far.
func (f *feeder) fed() (lines, bytes int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.lines, f.bytes
}

// lastRotation is when the logs were last rotated (zero: never).
func (f *feeder) lastRotation() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.rotated
}

// behind is how long before now the first line not yet read was written, when read lines have been
// read (0: nothing unread).
func (f *feeder) behind(read int64, now time.Time) time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	i := sort.Search(len(f.marks), func(i int) bool { return f.marks[i].lines > read })
	if i == len(f.marks) {
		return 0
	}
	return now.Sub(f.marks[i].at)
}
