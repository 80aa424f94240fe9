package detectors

import (
	"runtime"
	"sync/atomic"

	"github.com/lekwacht/lekwacht/event"
	"github.com/lekwacht/lekwacht/hit"
)

// Spreading a stream of batches over the cores.
//
// Submit hands a batch of events to the detectors and returns at once; Collect returns the hits of
// the batches done so far, or of all (wait), in the order Observe would have returned them one event
// after the other. With more than one core (GOMAXPROCS) and a batch of at least SpreadFrom events,
// each rule's detector takes the batches in its own goroutine, up to spreadAhead batches behind the
// caller: a detector sees every event it takes in the order of the stream and keeps its state to
// itself, so each rule's state and hits are what they would be one event at a time, while the rules
// of a batch of Samba lines and those of the next batch of logons run at the same time. The hits are
// put back in the order of the events and, per event, of the rules; the weak signals then go to the
// risk rules, whose state follows the other rules' hits, in the caller's goroutine.
//
// Detection is spread by rule, not by person: the baselines of a department (files to USB per
// department, records per department) and of a desk (who logs on at a workstation) cross persons,
// so a split by person would give each part its own, different, baseline.

// SpreadFrom is the smallest batch Submit spreads over the cores; a smaller one (what run hands over
// for a line) goes through the detectors in the caller's goroutine, after the batches before it.
var SpreadFrom = 64

// spreadAhead is how many batches the detectors' goroutines may be behind Submit: each holds its
// events a little longer (a simulated 5,000-employee day: about 2.5 MB of peak RSS per batch).
const spreadAhead = 4

// maxLanes is how many detectors a batch can be spread over (a bit per detector per event).
const maxLanes = 64

// batch is a run of events on its way through the detectors.
type batch struct {
	evs []event.Event
	// lanes is a bit per rule that takes each event; out are each rule's hits.
	lanes []uint64
	out   [][]laneHits
	// left counts the detectors not through the batch yet; the last one closes done.
	left atomic.Int32
	done chan struct{}
}

// laneHits are the hits a detector returned for the i-th event of a batch.
type laneHits struct {
	i    int
	hits []hit.Hit
}

// lane is the goroutine of one rule's detector while batches are spread.
type lane struct {
	d  Detector
	in chan *batch
}

// Submit hands the events to the detectors (see above). The events must stay as they are until
// Collect has returned their hits; they may be read meanwhile.
func (e *Engine) Submit(evs []event.Event) {
	if len(evs) == 0 {
		return
	}
	if len(evs) < SpreadFrom || runtime.GOMAXPROCS(0) < 2 || !e.spreadable() {
		e.collect(true) // spread batches still under way: their hits first
		e.ready = append(e.ready, e.observeAll(evs)...)
		return
	}
	if len(e.queue) >= spreadAhead {
		e.collectHead()
	}
	if e.lanes == nil {
		e.startLanes()
	}
	b := &batch{evs: evs, lanes: make([]uint64, len(evs)), out: make([][]laneHits, len(e.detectors)), done: make(chan struct{})}
	for i := range evs {
		b.lanes[i] = e.laneMask(&evs[i])
	}
	b.left.Store(int32(e.laneCount()))
	e.share(true)
	for _, l := range e.lanes {
		if l != nil {
			l.in <- b
		}
	}
	e.queue = append(e.queue, b)
	e.spread.Add(1)
}

// Collect returns the hits of the batches submitted so far whose detectors are done (all of them
// when wait), in order; the hits of a batch come only once every batch before it is collected.
func (e *Engine) Collect(wait bool) []hit.Hit {
	e.collect(wait)
	hits := e.ready
	e.ready = nil
	return hits
}

// ObserveBatch feeds the events to the detectors and returns their hits with those of the batches
// submitted before, as Observe one event after the other would have.
func (e *Engine) ObserveBatch(evs []event.Event) []hit.Hit {
	e.Submit(evs)
	return e.Collect(true)
}

func (e *Engine) observeAll(evs []event.Event) []hit.Hit {
	var hits []hit.Hit
	for i := range evs {
		hits = append(hits, e.observe(&evs[i])...)
	}
	return hits
}

func (e *Engine) collect(wait bool) {
	for len(e.queue) > 0 {
		if !wait {
			select {
			case <-e.queue[0].done:
			default:
				return
			}
		}
		e.collectHead()
	}
	// No detector runs: Observe may hand out lines again.
	e.share(false)
}

// share turns the sharing of the lines on before a batch goes to the detectors' goroutines (they
// read whether it is on without a lock: it changes only while none of them runs), and off after.
func (e *Engine) share(on bool) {
	if e.sharing != on {
		e.lines.Share(on)
		e.sharing = on
	}
}

// collectHead collects the oldest batch, and compacts the spool when it is due, which it is only
// while no detector runs: after the batches under way.
func (e *Engine) collectHead() {
	e.collectOne()
	if e.lines.Full() {
		for len(e.queue) > 0 {
			e.collectOne()
		}
		e.share(false)
		_ = e.lines.Compact(e.keptLines)
	}
}

// collectOne waits for the oldest batch and puts its hits in order.
func (e *Engine) collectOne() {
	b := e.queue[0]
	<-b.done
	e.queue[0] = nil
	e.queue = e.queue[1:]
	var hits []hit.Hit
	next := make([]int, len(b.out))
	for i := range b.evs {
		ev := &b.evs[i]
		hits = hits[:0]
		for j, d := range e.detectors {
			if e.lanes[j] == nil {
				// A risk rule: its own events (none of the shipped one's) in this goroutine.
				if b.lanes[i]&(1<<j) != 0 {
					hits = append(hits, d.Observe(ev)...)
				}
				continue
			}
			if out := b.out[j]; next[j] < len(out) && out[next[j]].i == i {
				hits = append(hits, out[next[j]].hits...)
				next[j]++
			}
		}
		scored := e.score(hits)
		for k := range scored {
			e.raise(&scored[k])
		}
		e.ready = append(e.ready, scored...)
	}
}

// laneCount is how many detectors take batches in goroutines of their own: all but the risk rules.
func (e *Engine) laneCount() int { return len(e.detectors) - len(e.scorers) }

// spreadable says whether the detectors can be spread: two or more besides the risk rules, and no
// more than there are bits for.
func (e *Engine) spreadable() bool { return len(e.detectors) <= maxLanes && e.laneCount() >= 2 }

// laneMask is a bit per detector that takes events of ev's kind.
func (e *Engine) laneMask(ev *event.Event) uint64 {
	k := kind{ev.Event.Category, ev.Event.Action}
	if m, ok := e.masks[k]; ok {
		return m
	}
	var m uint64
	for j, d := range e.detectors {
		if s, ok := d.(Selective); !ok || s.Accepts(k.c, k.a) {
			m |= 1 << j
		}
	}
	if len(e.masks) < maxRoutes {
		e.masks[k] = m
	}
	return m
}

// startLanes starts a goroutine per detector, except the risk rules'.
func (e *Engine) startLanes() {
	e.lanes = make([]*lane, len(e.detectors))
	e.masks = map[kind]uint64{}
	for j, d := range e.detectors {
		if _, scorer := d.(SignalScorer); scorer {
			continue
		}
		l := &lane{d: d, in: make(chan *batch, spreadAhead)}
		e.lanes[j] = l
		go l.run(j)
	}
}

func (l *lane) run(j int) {
	bit := uint64(1) << j
	for b := range l.in {
		var out []laneHits
		for i := range b.evs {
			if b.lanes[i]&bit == 0 {
				continue
			}
			if hs := l.d.Observe(&b.evs[i]); len(hs) > 0 {
				out = append(out, laneHits{i, hs})
			}
		}
		b.out[j] = out
		if b.left.Add(-1) == 0 {
			close(b.done)
		}
	}
}

// Stop waits for the batches under way and ends the detectors' goroutines; their hits are kept for
// Collect. The engine may be used after it (a spread batch starts them again).
func (e *Engine) Stop() {
	e.collect(true)
	for _, l := range e.lanes {
		if l != nil {
			close(l.in)
		}
	}
	e.lanes = nil
}
