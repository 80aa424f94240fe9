package hit

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lekwacht/lekwacht/event"
)

func lineEvent(i int, text string, at time.Time) *event.Event {
	return &event.Event{Time: at, Log: event.Log{Input: "samba", Path: fmt.Sprintf("/var/log/samba/audit-%d.log", i%3),
		Offset: int64(i) * 1000, Line: int64(i + 1), Original: text}}
}

// Every line read back from the spool is what LineOf gives: text byte for byte, input, source,
// offset, line number and time, in its location.
func TestSpoolReadsLinesBackExactly(t *testing.T) {
	ls, err := NewSpooledLines(t.TempDir(), 0)
	if err != nil {
		t.Fatal(err)
	}
	ams := time.FixedZone("CET", 3600)
	texts := []string{"", "a.bakker|10.0.0.1|unlinkat|ok|/srv/shares/x.docx", "zaak ingezien: Ærø — ü\x00\n\r\t",
		strings.Repeat("lang ", 50_000), "\xff\xfe not utf-8"}
	times := []time.Time{time.Date(2026, 11, 23, 9, 0, 0, 123456789, time.UTC), time.Date(2026, 11, 23, 9, 0, 1, 0, time.Local),
		time.Date(2026, 11, 23, 9, 0, 2, 5, ams), {}}
	var evs []*event.Event
	var lines []*Line
	for i := range 500 {
		ev := lineEvent(i, texts[i%len(texts)], times[i%len(times)])
		evs = append(evs, ev)
		lines = append(lines, ls.Of(ev))
		if i%97 == 0 { // read back while later lines are still buffered
			if got, want := lines[i].Evidence(), LineOf(ev); got != want {
				t.Fatalf("line %d: got %+v, want %+v", i, got, want)
			}
		}
	}
	for i, l := range lines {
		if l.seg == nil {
			t.Fatalf("line %d kept in memory, not spooled", i)
		}
		if got, want := l.Evidence(), LineOf(evs[i]); got != want {
			t.Fatalf("line %d: got %+v, want %+v", i, got, want)
		}
	}
}

// A record the write buffer cut in two (its head written out when the buffer filled, the rest still
// buffered) reads back whole: every line so cut is read at once, the others at the end.
func TestSpoolReadsARecordTheBufferCut(t *testing.T) {
	ls, err := NewSpooledLines(t.TempDir(), 0)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	var evs []*event.Event
	var lines []*Line
	cut := 0
	for i := range 3000 {
		ev := lineEvent(i, strings.Repeat("x", 100+i*7%1500), at)
		l := ls.Of(ev)
		evs, lines = append(evs, ev), append(lines, l)
		if written := l.seg.size - int64(l.seg.w.Buffered()); written > l.off && written < l.seg.size {
			cut++
			if got, want := l.Evidence(), LineOf(ev); got != want {
				t.Fatalf("line %d, cut by the buffer at %d of its record: got %+v", i, written-l.off, got)
			}
		}
	}
	if cut < 10 {
		t.Fatalf("%d records cut by the buffer: the test tests too little", cut)
	}
	for i, l := range lines {
		if got, want := l.Evidence(), LineOf(evs[i]); got != want {
			t.Fatalf("line %d: got %+v", i, got)
		}
	}
}

// The rules that keep the same event share one Line; another event gets another.
func TestLinesShareOneLinePerEvent(t *testing.T) {
	for _, ls := range []*Lines{NewLines(), spooled(t, 0)} {
		at := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
		a, b := lineEvent(1, "een", at), lineEvent(2, "twee", at)
		if first := ls.Of(a); ls.Of(a) != first {
			t.Error("one event, two lines")
		}
		copyOfA := *a
		if ls.Of(&copyOfA) != ls.Of(a) {
			t.Error("the same line in another Event value, two lines")
		}
		if la, lb := ls.Of(a), ls.Of(b); la == lb || la.Evidence().Text != "een" || lb.Evidence().Text != "twee" {
			t.Errorf("two events: %+v %+v", la.Evidence(), lb.Evidence())
		}
	}
	var none *Lines
	ev := lineEvent(1, "x", time.Now())
	if l := none.Of(ev); l.Evidence() != LineOf(ev) {
		t.Error("nil Lines")
	}
}

// Shared (the detectors of a batch in goroutines of their own), every goroutine asking for the same
// event gets the same Line, read back exactly while the others write; an event whose memory now holds
// another line gets a Line of its own; after sharing, Of works as before.
func TestSharedLinesOneLinePerEvent(t *testing.T) {
	ls := spooled(t, 0)
	at := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	evs := make([]event.Event, 2000)
	for i := range evs {
		evs[i] = *lineEvent(i, fmt.Sprintf("regel %d", i), at)
	}
	ls.Share(true)
	got := make([][]*Line, 4)
	var wg sync.WaitGroup
	for g := range got {
		wg.Go(func() {
			got[g] = make([]*Line, len(evs))
			for k := range evs {
				i := k
				if g%2 == 1 {
					i = len(evs) - 1 - k // from the other end
				}
				got[g][i] = ls.Of(&evs[i])
				if e := got[g][i].Evidence(); e != LineOf(&evs[i]) {
					t.Errorf("goroutine %d, event %d: %+v", g, i, e)
					return
				}
			}
		})
	}
	wg.Wait()
	for i := range evs {
		for g := range got {
			if got[g][i] != got[0][i] {
				t.Fatalf("event %d: goroutines 0 and %d got two lines", i, g)
			}
		}
	}
	first := ls.Of(&evs[7])
	evs[7].Log.Original, evs[7].Log.Offset = "een andere regel", 99
	if again := ls.Of(&evs[7]); again == first || again.Evidence() != LineOf(&evs[7]) {
		t.Errorf("other line at the same address: %+v", again.Evidence())
	}
	ls.Share(false)
	ev := lineEvent(5000, "daarna", at)
	if l := ls.Of(ev); ls.Of(ev) != l || l.Evidence() != LineOf(ev) {
		t.Errorf("after sharing: %+v", l.Evidence())
	}
}

func spooled(t *testing.T, segment int64) *Lines {
	t.Helper()
	ls, err := NewSpooledLines(t.TempDir(), segment)
	if err != nil {
		t.Fatal(err)
	}
	return ls
}

// Compaction copies the lines still kept to a new segment, exactly, and drops the others; the spool
// is due again only when it has doubled what was kept.
func TestSpoolCompaction(t *testing.T) {
	ls := spooled(t, 4096)
	at := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	var kept []*Line
	var want []Evidence
	for i := 0; !ls.Full(); i++ {
		ev := lineEvent(i, fmt.Sprintf("regel %d %s", i, strings.Repeat("x", i%50)), at.Add(time.Duration(i)*time.Second))
		l := ls.Of(ev)
		if i%3 == 0 {
			kept = append(kept, l)
			want = append(want, LineOf(ev))
		}
	}
	old := ls.spool.cur
	before := old.size
	err := ls.Compact(func(yield func(*Line)) {
		for _, l := range kept {
			yield(l)
			yield(l) // shared by two rules
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if ls.spool.cur == old || ls.spool.cur.size >= before/2 {
		t.Fatalf("after compaction %d bytes of %d", ls.spool.cur.size, before)
	}
	for i, l := range kept {
		if l.seg != ls.spool.cur {
			t.Fatalf("kept line %d not moved", i)
		}
		if got := l.Evidence(); got != want[i] {
			t.Fatalf("kept line %d: got %+v, want %+v", i, got, want[i])
		}
	}
	if ls.Full() {
		t.Error("due again at once")
	}
	if _, err := old.f.Stat(); err == nil {
		t.Error("the old segment is still open")
	}
}

// The spool leaves no file in its folder, and a folder it cannot write to is an error.
func TestSpoolFiles(t *testing.T) {
	dir := t.TempDir()
	ls := spooled(t, 0)
	ls2, err := NewSpooledLines(dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	ls2.Of(lineEvent(1, "x", time.Now()))
	if files, _ := os.ReadDir(dir); len(files) != 0 {
		t.Errorf("left in the spool folder: %v", files)
	}
	if _, err := NewSpooledLines(filepath.Join(dir, "missing"), 0); err == nil {
		t.Error("a spool in a missing folder")
	}
	_ = ls
}

func TestLineFromKeepsALineItem(t *testing.T) {
	e := LineOf(lineEvent(3, "regel", time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)))
	for _, ls := range []*Lines{nil, NewLines(), spooled(t, 0)} {
		if got := ls.From(e).Evidence(); got != e {
			t.Errorf("got %+v, want %+v", got, e)
		}
	}
}
