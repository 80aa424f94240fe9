package hit

import (
	"sync"
	"time"
	"unsafe"

	"github.com/lekwacht/lekwacht/event"
)

// Line is an event's original line as a detector keeps it until a hit needs it: what LineOf gives,
// in less room. The detectors of an engine share one Line per event (Lines), and its text and
// whereabouts wait in the evidence spool on disk; a Line made without a spool keeps them in memory.
type Line struct {
	seg *segment       // the spool segment holding the line; nil when kept in memory
	off int64          // the line's record in seg
	loc *time.Location // of the event's time
	mem *Evidence      // the line, when kept in memory
}

// NewLine keeps the line of an event in memory.
func NewLine(ev *event.Event) *Line {
	e := LineOf(ev)
	return &Line{mem: &e}
}

// LineFrom keeps a line evidence item (as saved state holds it) in memory.
func LineFrom(e Evidence) *Line {
	e.Kind, e.File = EvidenceLine, ""
	return &Line{mem: &e}
}

// Evidence is the line as a hit carries it: what LineOf gave for the event. A line the spool can no
// longer read (an I/O error) keeps the spool as its source and no text.
func (l *Line) Evidence() Evidence {
	if l.seg == nil {
		return *l.mem
	}
	e, err := l.seg.read(l.off)
	if err != nil {
		return Evidence{Kind: EvidenceLine, Source: l.seg.name, Offset: l.off}
	}
	e.Time = e.Time.In(l.loc)
	return e
}

// Evidences are the lines as a hit carries them.
func Evidences(lines []*Line) []Evidence {
	out := make([]Evidence, len(lines))
	for i, l := range lines {
		out[i] = l.Evidence()
	}
	return out
}

// Lines hands out one Line per event to the detectors of an engine, so that the rules that keep the
// same event keep one copy of it, in the spool when it has one. Like Observe, it is used by one
// goroutine at a time, except between Share(true) and Share(false), when the detectors take
// batches of events each in its own goroutine; Compact is never called then. A nil Lines gives every
// caller its own Line in memory.
type Lines struct {
	spool *spool // nil: lines are kept in memory
	last  *Line  // the line handed out last, and the event it was for
	ev    Evidence
	// While shared, the detectors ask in any order: the lines handed out since Share(true), by the
	// address of their event (see sharedOf), stand in for last.
	mu     sync.Mutex
	shared bool
	batch  map[uintptr]keptLine
}

// sharedLines bounds the lines remembered while shared.
const sharedLines = 1 << 14

type keptLine struct {
	ev Evidence
	l  *Line
}

// Share makes Of and From safe to call from several goroutines at once (on), or forgets the lines
// handed out meanwhile and goes back to one goroutine (off). The lines are the same either way.
func (ls *Lines) Share(on bool) {
	if ls == nil {
		return
	}
	ls.mu.Lock()
	defer ls.mu.Unlock()
	ls.shared = on
	if on && ls.batch == nil {
		ls.batch = map[uintptr]keptLine{}
	}
	if !on {
		clear(ls.batch)
	}
}

// NewLines hands out lines kept in memory.
func NewLines() *Lines { return &Lines{} }

// Of is the line of ev: the one handed out for the previous call when that was the same line.
func (ls *Lines) Of(ev *event.Event) *Line {
	if ls == nil {
		return NewLine(ev)
	}
	if ls.shared {
		return ls.sharedOf(ev)
	}
	if ls.last != nil && sameLine(&ls.ev, ev) {
		return ls.last
	}
	ls.ev = LineOf(ev)
	ls.last = ls.keep(ls.ev)
	return ls.last
}

// sharedOf is Of while the lines are shared: the line handed out for the same event in this batch.
func (ls *Lines) sharedOf(ev *event.Event) *Line {
	// The event's address is the key (the detectors hand on the event they were given; it is a number,
	// not a pointer, so the map keeps no batch in memory), checked against the line in case the
	// memory now holds another event.
	at := uintptr(unsafe.Pointer(ev))
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if k, ok := ls.batch[at]; ok && sameLine(&k.ev, ev) {
		return k.l
	}
	e := LineOf(ev)
	l := ls.keep(e)
	if len(ls.batch) >= sharedLines {
		// The detectors are at most a few batches apart: older lines are not asked for again (were
		// one, it would be kept twice, the same).
		clear(ls.batch)
	}
	ls.batch[at] = keptLine{e, l}
	return l
}

// From keeps a line evidence item, as saved state holds it.
func (ls *Lines) From(e Evidence) *Line {
	if ls == nil || ls.spool == nil {
		return LineFrom(e)
	}
	e.Kind, e.File = EvidenceLine, ""
	ls.mu.Lock()
	defer ls.mu.Unlock()
	return ls.keep(e)
}

func (ls *Lines) keep(e Evidence) *Line {
	if ls.spool != nil {
		if l, ok := ls.spool.write(e); ok {
			return l
		}
	}
	return &Line{mem: &e}
}

func sameLine(e *Evidence, ev *event.Event) bool {
	return e.Offset == ev.Log.Offset && e.Line == ev.Log.Line && e.Time == ev.Time && e.Text == ev.Log.Original &&
		e.Source == ev.Log.Path && e.Input == ev.Log.Input
}
