// Package collectors turns log lines into events: the registry of formats, and the per-input
// handling every line gets (checks, parsing, counting, keeping rejected lines aside).
package collectors

import (
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lekwacht/lekwacht/collectors/parse"
	"github.com/lekwacht/lekwacht/event"
)

// Input is one configured log source at run time: its parser, its counters and its rejects file.
// Handle is called by one goroutine at a time; Counters may be read concurrently.
type Input struct {
	Name     string
	Format   string
	Parser   parse.Parser
	Counters *Counters
	Rejects  RejectWriter // may be nil: rejects are then only counted
}

// RejectWriter keeps rejected lines aside: the rejects file, or stderr for lekwacht parse.
type RejectWriter interface {
	Write(input string, l parse.Line, reason parse.Reason, detail string) error
}

// Handle checks and parses one line. Rejected lines are counted and written to the rejects file;
// the error returned is only a failure to write that file (the line must then not be acknowledged).
func (in *Input) Handle(l parse.Line) ([]event.Event, error) {
	in.Counters.Lines.Add(1)
	in.Counters.Bytes.Add(int64(len(l.Text)) + 1)
	l.Input = in.Name
	err := parse.Check(l)
	var evs []event.Event
	if err == nil {
		evs, err = in.Parser.Parse(l)
	}
	if err == nil {
		evs, err = inYears(evs)
	}
	if err != nil {
		reason := parse.ReasonOf(err)
		in.Counters.reject(reason)
		if in.Rejects != nil {
			msg := err.Error()
			if werr := in.Rejects.Write(in.Name, l, reason, msg); werr != nil {
				return evs, &RejectWriteError{Err: werr, Retry: func() error { return in.Rejects.Write(in.Name, l, reason, msg) }}
			}
		}
	}
	if len(evs) == 0 && err == nil {
		in.Counters.Ignored.Add(1)
	}
	in.Counters.Events.Add(int64(len(evs)))
	return evs, nil
}

// inYears leaves out the events whose time lies outside the years 0-9999 (epoch milliseconds read as
// seconds, a garbled stamp): JSON, the events file and Elasticsearch take no other, and such an event
// would stop the events file. The line is then rejected as bad_timestamp, with the events it had in
// range.
func inYears(evs []event.Event) ([]event.Event, error) {
	first := 0
	for first < len(evs) && inRange(evs[first].Time) {
		first++
	}
	if first == len(evs) {
		return evs, nil // the events stay where they are: no copy of each
	}
	bad := evs[first].Time
	kept := evs[:first]
	for _, ev := range evs[first+1:] {
		if inRange(ev.Time) {
			kept = append(kept, ev)
		} else {
			bad = ev.Time // the last, as the message said before
		}
	}
	return kept, parse.Rejectf(parse.ReasonTimestamp, "event time in the year %d: only the years 0-9999 can be written", bad.Year())
}

func inRange(t time.Time) bool { y := t.Year(); return y >= 0 && y <= 9999 }

// RejectWriteError is a rejected line whose record could not be written to the rejects file (a full
// disk): the line is counted; Retry writes its record again.
type RejectWriteError struct {
	Err   error
	Retry func() error
}

func (e *RejectWriteError) Error() string { return "rejects file: " + e.Err.Error() }
func (e *RejectWriteError) Unwrap() error { return e.Err }

// Flush returns what a joining parser still holds at the end of input.
func (in *Input) Flush() []event.Event {
	if f, ok := in.Parser.(parse.Flusher); ok {
		evs, err := inYears(f.Flush())
		if err != nil {
			in.Counters.reject(parse.ReasonTimestamp) // no line of its own to keep aside
		}
		in.Counters.Events.Add(int64(len(evs)))
		return evs
	}
	return nil
}

// Counters count what an input did. Safe for concurrent use.
type Counters struct {
	Lines   atomic.Int64
	Bytes   atomic.Int64
	Events  atomic.Int64
	Ignored atomic.Int64 // lines read without error that yield no event (noise, state-only lines)

	mu      sync.Mutex
	rejects map[parse.Reason]int64
}

func (c *Counters) reject(r parse.Reason) {
	c.mu.Lock()
	if c.rejects == nil {
		c.rejects = map[parse.Reason]int64{}
	}
	c.rejects[r]++
	c.mu.Unlock()
}

// Rejected returns the number of rejected lines per reason.
func (c *Counters) Rejected() map[parse.Reason]int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[parse.Reason]int64, len(c.rejects))
	for r, n := range c.rejects {
		out[r] = n
	}
	return out
}

// RejectedTotal returns the number of rejected lines.
func (c *Counters) RejectedTotal() int64 {
	var n int64
	for _, v := range c.Rejected() {
		n += v
	}
	return n
}

// Reasons returns the reasons seen, sorted.
func (c *Counters) Reasons() []parse.Reason {
	m := c.Rejected()
	out := make([]parse.Reason, 0, len(m))
	for r := range m {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}
