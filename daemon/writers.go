package daemon

import (
	"fmt"
	"log/slog"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/golang-lru/v2/simplelru"
	"github.com/lekwacht/lekwacht/config"
	"github.com/lekwacht/lekwacht/event"
	"github.com/lekwacht/lekwacht/hit"
)

// AttributeWait is how long run waits, once a file on a watched share has settled and no audit line
// of its write is known yet, for that line to arrive before attributing the file to its owner.
var AttributeWait = 30 * time.Second

// Bounds of what writers remembers.
const (
	writersPaths = 100_000          // paths remembered (least recently written forgotten first)
	writersRuns  = 3                // people remembered per path, the last ones
	writeBefore  = 24 * time.Hour   // a write counts for a file changed at most this long after it
	writeSkew    = time.Minute      // or this long before it (clocks of two machines, stamps in seconds)
	runGap       = 10 * time.Minute // one person's writes of a path this close together are one run
	unplacedWarn = 100              // audit paths of a share outside its folder, none inside, before saying so
	// writeFresh: in run, a write known from longer before the file changed may be an earlier
	// version's (someone else's): the file waits for a fresher line, and takes the known one after.
	writeFresh = 2 * time.Minute
)

// writers remembers, for the watch folders that name their share, who last created, wrote or renamed
// each path of the share according to the audit lines, so that a file that appears in the folder is
// attributed to that person rather than to the file's owner (on a Samba server: root, or the share's
// force user). In run it also holds the files waiting for the audit line of their write.
type writers struct {
	log     *slog.Logger
	folders []*shareFolder // the watch folders with a share
	wait    time.Duration  // AttributeWait when made
	// ByWriter and ByOwner count the watched files inspected as the writer's (an audit line showed
	// who) and as the owner's (none did, or the folder names no share).
	ByWriter, ByOwner atomic.Int64

	mu      sync.Mutex
	paths   *simplelru.LRU[pathKey, []writeRun]
	waiting map[pathKey][]*waiter
	pending map[string]*waiter // by local path
	closed  bool
	// inflight are the inspections under way in run, which close waits for.
	inflight sync.WaitGroup
}

// shareFolder is a watch folder that names its share.
type shareFolder struct {
	index    int    // in watch:, for messages
	folder   string // the watched folder, absolute
	share    string // normShare of the share's name
	input    string // whose audit lines count; empty: any
	roots    []string
	placed   int // audit paths of the share found inside the folder
	unplaced int // and outside it
}

// pathKey is a path below a watch folder (normPath form).
type pathKey struct {
	folder int
	rel    string
}

// writeRun is one person's writes of a path, one after another: the first audit line is kept as the
// evidence of who put the file there.
type writeRun struct {
	user        event.User
	host        event.Host
	source      event.Endpoint
	first, last time.Time
	line        hit.Evidence // the first line, its input the audit log's
}

// watchedFile is a file in a watch folder to inspect, with whoever put it there.
type watchedFile struct {
	ev event.Event
	// changed is when the file last changed (ctime: a copy may set the modification time back).
	changed time.Time
	// shared says the folder names its share, so an audit line could have been found.
	shared bool
	// by is the write the audit lines show; nil: attributed to the file's owner.
	by *writeRun
}

// waiter is a settled file on a share waiting for the audit line of its write.
type waiter struct {
	path  string
	key   pathKey
	ref   time.Time
	timer *time.Timer
	emit  func(watchedFile)
}

func newWriters(watch []config.Watch, log *slog.Logger) *writers {
	ws := &writers{log: log, wait: AttributeWait, waiting: map[pathKey][]*waiter{}, pending: map[string]*waiter{}}
	ws.paths, _ = simplelru.NewLRU[pathKey, []writeRun](writersPaths, nil)
	for i, w := range watch {
		if w.Share == "" {
			continue
		}
		abs, err := filepath.Abs(w.Path)
		if err != nil {
			abs = w.Path
		}
		f := &shareFolder{index: i, folder: filepath.Clean(abs), share: normShare(w.Share), input: w.Input}
		if w.SharePath != "" {
			f.roots = append(f.roots, normPath(w.SharePath))
		}
		f.roots = append(f.roots, normPath(f.folder))
		ws.folders = append(ws.folders, f)
	}
	return ws
}

// normShare is a share's name to compare: Windows' \\*\Exports and Samba's exports are one share.
func normShare(s string) string {
	if i := strings.LastIndexByte(s, '\\'); i >= 0 {
		s = s[i+1:]
	}
	return strings.ToLower(strings.TrimSpace(s))
}

// normPath is a path to compare: / as separator, lower case (SMB names are case-insensitive), cleaned.
func normPath(p string) string {
	if p == "" {
		return ""
	}
	return path.Clean(strings.ToLower(strings.ReplaceAll(p, `\`, "/")))
}

// rel is an audit line's path below the folder: under one of its roots, or as written when Samba
// wrote it relative to the share (before Samba 4.5). False when it lies elsewhere.
func (f *shareFolder) rel(p string) (string, bool) {
	p = normPath(p)
	for _, root := range f.roots {
		if len(p) > len(root)+1 && strings.HasPrefix(p, root) && p[len(root)] == '/' {
			return p[len(root)+1:], true
		}
	}
	absolute := strings.HasPrefix(p, "/") || len(p) >= 2 && p[1] == ':'
	if p == "" || p == "." || absolute || p == ".." || strings.HasPrefix(p, "../") {
		return "", false
	}
	return p, true
}

// written is the path an audit event put a file at: created, written or renamed to, successfully, on a share.
func written(ev *event.Event) (string, bool) {
	f := ev.File
	if f == nil || f.Share == "" || ev.Event.Category != event.CategoryFile || ev.Event.Outcome == event.OutcomeFailure {
		return "", false
	}
	switch ev.Event.Action {
	case event.ActionCreate, event.ActionWrite:
		return f.Path, f.Path != ""
	case event.ActionRename:
		return f.Target, f.Target != ""
	}
	// A 5145 asking for DELETE with write access reads as a delete, but Explorer asks so for every
	// file it copies onto a share.
	if f.Operation == "5145" {
		m, err := strconv.ParseUint(strings.TrimPrefix(f.Mode, "0x"), 16, 32)
		return f.Path, err == nil && m&0x6 != 0 && f.Path != ""
	}
	return "", false
}

// note remembers the person an audit event names as the writer of its path, when the path is on a
// watched share, and wakes the files waiting for it. ev's user is already resolved.
func (ws *writers) note(ev *event.Event) {
	if len(ws.folders) == 0 {
		return
	}
	p, ok := written(ev)
	if !ok {
		return
	}
	share := normShare(ev.File.Share)
	ws.mu.Lock()
	defer ws.mu.Unlock()
	for _, f := range ws.folders {
		if f.share != share || f.input != "" && f.input != ev.Log.Input {
			continue
		}
		rel, ok := f.rel(p)
		if !ok {
			f.unplaced++
			if f.unplaced == unplacedWarn && f.placed == 0 {
				ws.log.Warn(fmt.Sprintf("the audit lines of this share name paths outside its watch folder: set watch.%d.share_path to the folder as the file server names it", f.index),
					"watch", f.index, "share", f.share)
			}
			continue
		}
		f.placed++
		key := pathKey{f.index, rel}
		runs, _ := ws.paths.Get(key)
		runs = addWrite(runs, ev)
		ws.paths.Add(key, runs)
		for _, w := range ws.waiting[key] {
			if freshWrite(runs, w.ref) && w.timer.Stop() {
				go ws.finish(w) // not here: the pipeline's lock is held, and finish inspects the file under it
			}
		}
	}
}

// addWrite adds ev to a path's runs: to the last one when the same person wrote it just before.
func addWrite(runs []writeRun, ev *event.Event) []writeRun {
	if n := len(runs); n > 0 {
		last := &runs[n-1]
		if last.user.Name == ev.User.Name && !ev.Time.Before(last.first) && ev.Time.Sub(last.last) <= runGap {
			last.last = ev.Time
			return runs
		}
	}
	runs = append(runs, writeRun{user: ev.User, host: ev.Host, source: ev.Source, first: ev.Time, last: ev.Time,
		line: hit.LineOf(ev)})
	if len(runs) > writersRuns {
		runs = append(runs[:0], runs[len(runs)-writersRuns:]...)
	}
	return runs
}

// lastWrite is the run that began last before ref (and did not end more than writeBefore before it).
func lastWrite(runs []writeRun, ref time.Time) (*writeRun, bool) {
	var best *writeRun
	for i := range runs {
		r := &runs[i]
		if r.first.After(ref.Add(writeSkew)) || r.last.Before(ref.Add(-writeBefore)) {
			continue
		}
		if best == nil || r.first.After(best.first) {
			best = r
		}
	}
	return best, best != nil
}

// freshWrite says whether the last write before ref is recent enough to be the one that made it.
func freshWrite(runs []writeRun, ref time.Time) bool {
	r, ok := lastWrite(runs, ref)
	return ok && !r.last.Before(ref.Add(-writeFresh))
}

// folderOf is the share folder a local file lies in (the deepest), and the file's key below it.
func (ws *writers) folderOf(p string) (*shareFolder, pathKey, bool) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return nil, pathKey{}, false
	}
	var best *shareFolder
	for _, f := range ws.folders {
		if strings.HasPrefix(abs, f.folder+string(filepath.Separator)) && (best == nil || len(f.folder) > len(best.folder)) {
			best = f
		}
	}
	if best == nil {
		return nil, pathKey{}, false
	}
	return best, pathKey{best.index, normPath(filepath.ToSlash(abs[len(best.folder)+1:]))}, true
}

// attribute says who put a watched file there: the writer the audit lines show, else its owner.
func (ws *writers) attribute(f watchedFile) watchedFile {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	f, _ = ws.attributeLocked(f)
	return f
}

func (ws *writers) attributeLocked(f watchedFile) (watchedFile, pathKey) {
	_, key, ok := ws.folderOf(f.ev.File.Path)
	f.shared, f.by = ok, nil
	if !ok {
		return f, key
	}
	runs, _ := ws.paths.Peek(key)
	if r, ok := lastWrite(runs, f.changed); ok {
		by := *r
		f.by = &by
	}
	return f, key
}

// inspect is run's inspection of a settled file: at once when its writer is known (or its folder
// names no share), else once the audit line of its write arrives, or AttributeWait has passed (then
// attributed as replay would: to the last writer within writeBefore, else the owner).
func (ws *writers) inspect(p string, emit func(watchedFile)) {
	if !ws.enter() {
		return
	}
	defer ws.inflight.Done()
	f, ok := statFile(p)
	if !ok {
		return
	}
	ws.mu.Lock()
	f, key := ws.attributeLocked(f)
	if f.by != nil && !f.by.last.Before(f.changed.Add(-writeFresh)) || !f.shared || ws.wait <= 0 {
		ws.mu.Unlock()
		emit(f)
		return
	}
	if w := ws.pending[p]; w != nil {
		w.ref = f.changed // changed again while waiting: the wait goes on for the new version
		ws.mu.Unlock()
		return
	}
	w := &waiter{path: p, key: key, ref: f.changed, emit: emit}
	ws.pending[p] = w
	ws.waiting[key] = append(ws.waiting[key], w)
	w.timer = time.AfterFunc(ws.wait, func() { ws.finish(w) })
	ws.mu.Unlock()
}

// finish ends a file's wait (its audit line arrived, or the time is up) and inspects it afresh.
func (ws *writers) finish(w *waiter) {
	ws.mu.Lock()
	if ws.closed || ws.pending[w.path] != w {
		ws.mu.Unlock()
		return
	}
	ws.drop(w)
	ws.inflight.Add(1)
	ws.mu.Unlock()
	defer ws.inflight.Done()
	if f, ok := statFile(w.path); ok {
		w.emit(ws.attribute(f))
	}
}

func (ws *writers) drop(w *waiter) {
	delete(ws.pending, w.path)
	ws.waiting[w.key] = deleteWaiter(ws.waiting[w.key], w)
	if len(ws.waiting[w.key]) == 0 {
		delete(ws.waiting, w.key)
	}
}

func deleteWaiter(ws []*waiter, w *waiter) []*waiter {
	for i, x := range ws {
		if x == w {
			return append(ws[:i], ws[i+1:]...)
		}
	}
	return ws
}

// waitingFor says whether the file at p waits for the audit line of its write; Waiting counts them.
func (ws *writers) waitingFor(p string) bool {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	return ws.pending[p] != nil
}

// Waiting is how many settled files wait for the audit line of their write.
func (ws *writers) Waiting() int {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	return len(ws.pending)
}

// enter counts an inspection in, unless run is ending.
func (ws *writers) enter() bool {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	if ws.closed {
		return false
	}
	ws.inflight.Add(1)
	return true
}

// close ends the waits, inspecting their files now with what is known (run is ending, and does not
// look at the folders again when it starts), and waits for the inspections under way.
func (ws *writers) close() {
	ws.mu.Lock()
	ws.closed = true
	var ended []*waiter
	for _, w := range ws.pending {
		if w.timer.Stop() {
			ended = append(ended, w)
		}
	}
	clear(ws.pending)
	clear(ws.waiting)
	ws.mu.Unlock()
	for _, w := range ended {
		if f, ok := statFile(w.path); ok {
			w.emit(ws.attribute(f))
		}
	}
	ws.inflight.Wait()
}

// annotate says in a hit on the watched file whom it is attributed to and why, with the audit line
// of the write as evidence.
func (f watchedFile) annotate(h *hit.Hit) {
	switch {
	case f.by != nil:
		h.Summary += fmt.Sprintf("; toegeschreven aan %s volgens de auditregel van %s", h.User, f.by.line.Input)
		h.Evidence = append(h.Evidence, f.by.line)
	case f.shared:
		h.Summary += "; toegeschreven aan de eigenaar van het bestand; geen auditregel gevonden"
	default:
		h.Summary += "; toegeschreven aan de eigenaar van het bestand"
	}
}
