// Package tail follows log files given as globs through rotation and restarts. It is pull-based:
// Next hands out lines, Ack tells which are processed, Positions gives the acknowledged offsets to
// checkpoint together with whatever was derived from those lines.
package tail

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/fsnotify/fsnotify"
	"github.com/lekwacht/lekwacht/collectors/parse"
)

// FingerprintBytes is how much of a file's start identifies it besides device and inode.
const FingerprintBytes = 1024

// DefaultMaxLineBytes is the longest line delivered whole.
const DefaultMaxLineBytes = 1 << 20

// Config says what to follow.
type Config struct {
	Paths        []string      // globs; files that appear later and match are followed too
	Exclude      []string      // globs to skip; compressed rotations are always skipped
	MaxLineBytes int           // longer lines are cut and flagged Truncated
	Poll         time.Duration // 0: fsnotify on the folders (plus a rescan every Rescan); >0: stat polling only
	Rescan       time.Duration // with fsnotify, how often every file is looked at anyway (0: every second)
	FromEnd      bool          // files found at the first start with no saved position begin at their end
	Logger       *slog.Logger
}

// Line is one line of a followed file.
type Line struct {
	parse.Line
	End int64 // offset just past the line's newline

	file *file
	gen  int
}

// Position is where a file was acknowledged up to.
type Position struct {
	Path           string `json:"path"`
	Device         uint64 `json:"device"`
	Inode          uint64 `json:"inode"`
	Fingerprint    string `json:"fingerprint"`
	FingerprintLen int    `json:"fingerprint_len"`
	Offset         int64  `json:"offset"`
}

// Stats count what the tailer did.
type Stats struct {
	Lines, Bytes, Truncated, Rotations, Truncations int64
	Files                                           int
	// Scans counts the looks at every file (globs, stats, reads); a wake by writes alone reads only
	// the files written.
	Scans int64
	Lag   map[string]int64 // bytes not yet acknowledged, per path
}

type identity struct{ dev, ino uint64 }

type retiredFile struct {
	id   identity
	head []byte
	read int64
}

// GoneGrace is how long a rotated-away file that still exists under another name is read after it
// last grew: the writer keeps appending to it until it reopens its log.
var GoneGrace = 5 * time.Second

// maxRetired bounds the memory of truncated files.
const maxRetired = 64

type file struct {
	path    string
	id      identity
	f       *os.File
	fp      string
	fpLen   int
	readOff int64 // next byte to read
	ackOff  int64
	gen     int // bumped on truncation: acks of older lines are ignored
	partial []byte
	skip    bool // inside a cut line: drop bytes until the newline
	gone    bool // no longer found under a matching path: drain, then drop
	size    int64
	grown   time.Time // when the file last grew (or was found)
	head    []byte    // the first bytes (up to FingerprintBytes), to recognise copies
	pending bool      // found empty after the first start: copy or new file is decided on its first bytes
}

// Tailer follows the files of one input.
type Tailer struct {
	cfg   Config
	lines chan Line
	wake  chan struct{}

	mu    sync.Mutex
	files map[identity]*file
	saved []Position
	// retired remembers the first bytes of files truncated under us (copytruncate) and how far
	// they had been read, so the copy that logrotate made is not read again.
	retired []retiredFile
	// dropped remembers files stopped being followed, so one that was only between two names
	// during a rotation (listed, then renamed before the stat) resumes where it was.
	dropped []retiredFile
	first   bool
	stats   Stats
	// written are the files fsnotify said were written since the last look, and rescan whether it
	// said anything else (a file created, renamed, removed; an overflow): a wake with writes only
	// reads the files written, any other looks at every file.
	written map[string]bool
	rescan  bool
}

// New validates the config; saved are positions from an earlier run.
func New(cfg Config, saved []Position) (*Tailer, error) {
	var errs []error
	if len(cfg.Paths) == 0 {
		errs = append(errs, errors.New("no paths"))
	}
	for _, p := range append(append([]string{}, cfg.Paths...), cfg.Exclude...) {
		if _, err := filepath.Match(p, ""); err != nil {
			errs = append(errs, fmt.Errorf("bad glob %q: %w", p, err))
		}
	}
	if cfg.MaxLineBytes < 0 || cfg.Poll < 0 {
		errs = append(errs, errors.New("negative max_line_bytes or poll"))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if cfg.MaxLineBytes == 0 {
		cfg.MaxLineBytes = DefaultMaxLineBytes
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Tailer{cfg: cfg, lines: make(chan Line, 1024), wake: make(chan struct{}, 1),
		files: map[identity]*file{}, saved: saved, first: len(saved) == 0}, nil
}

// Next returns the next line; it blocks until there is one or ctx ends.
func (t *Tailer) Next(ctx context.Context) (Line, error) {
	select {
	case l := <-t.lines:
		return l, nil
	case <-ctx.Done():
		return Line{}, ctx.Err()
	}
}

// Ack marks l processed: its file is done up to l.End.
func (t *Tailer) Ack(l Line) {
	if l.file == nil {
		return
	}
	t.mu.Lock()
	if l.file.gen == l.gen && l.End > l.file.ackOff {
		l.file.ackOff = l.End
	}
	t.mu.Unlock()
}

// Positions returns the acknowledged position of every followed file.
func (t *Tailer) Positions() []Position {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]Position, 0, len(t.files))
	for _, f := range t.files {
		out = append(out, Position{Path: f.path, Device: f.id.dev, Inode: f.id.ino, Fingerprint: f.fp, FingerprintLen: f.fpLen, Offset: f.ackOff})
	}
	// Saved positions of files not found yet stay, so a checkpoint before the first scan loses nothing.
	out = append(out, t.saved...)
	return out
}

// Stats returns counters and lag.
func (t *Tailer) Stats() Stats {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := t.stats
	s.Files = len(t.files)
	s.Lag = map[string]int64{}
	for _, f := range t.files {
		s.Lag[f.path] = f.size - f.ackOff
	}
	return s
}

// Run follows the files until ctx ends.
func (t *Tailer) Run(ctx context.Context) error {
	defer t.closeAll()
	interval := t.cfg.Poll
	if interval == 0 {
		interval = cmp.Or(t.cfg.Rescan, time.Second)
		w, err := fsnotify.NewWatcher()
		if err != nil {
			return fmt.Errorf("fsnotify: %w", err)
		}
		defer w.Close()
		for _, d := range t.dirs() {
			if err := w.Add(d); err != nil {
				t.cfg.Logger.Warn("cannot watch folder; relying on the rescan", "error", err)
			}
		}
		go func() {
			for {
				select {
				case ev, ok := <-w.Events:
					if !ok {
						return
					}
					t.noteEvent(ev)
				case _, ok := <-w.Errors:
					if !ok {
						return
					}
					t.noteEvent(fsnotify.Event{}) // overflow: rescan everything
				}
			}
		}()
	}
	tick := time.NewTicker(interval)
	defer tick.Stop()
	look := t.scan
	for {
		if err := look(ctx); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.wake:
			look = t.readWritten
		case <-tick.C:
			look = t.scan
		}
	}
}

// noteEvent remembers what fsnotify said and wakes Run: a write by the file's name, anything else as
// a rescan.
func (t *Tailer) noteEvent(ev fsnotify.Event) {
	t.mu.Lock()
	if ev.Op == fsnotify.Write && ev.Name != "" {
		if t.written == nil {
			t.written = map[string]bool{}
		}
		t.written[ev.Name] = true
	} else {
		t.rescan = true
	}
	t.mu.Unlock()
	t.poke()
}

// readWritten reads the files fsnotify said were written, when that is all it said and each is a
// file followed under that name; otherwise (and while a rotated-away file is still drained first, or
// a new empty file waits for its first bytes) it scans everything.
func (t *Tailer) readWritten(ctx context.Context) error {
	t.mu.Lock()
	written, rescan := t.written, t.rescan
	t.written, t.rescan = nil, false
	var files []*file
	for _, f := range t.files {
		if f.gone || f.pending {
			rescan = true
			break
		}
		if written[f.path] {
			files = append(files, f)
		}
	}
	t.mu.Unlock()
	if rescan || len(files) != len(written) {
		return t.scan(ctx)
	}
	for _, f := range files {
		if err := t.read(ctx, f); err != nil {
			return err
		}
	}
	return ctx.Err()
}

func (t *Tailer) poke() {
	select {
	case t.wake <- struct{}{}:
	default:
	}
}

func (t *Tailer) dirs() []string {
	seen := map[string]bool{}
	var out []string
	for _, p := range t.cfg.Paths {
		d := filepath.Dir(p)
		if !seen[d] && !strings.ContainsAny(d, "*?[") {
			seen[d] = true
			out = append(out, d)
		}
	}
	return out
}

var compressed = []string{".gz", ".bz2", ".xz", ".zst", ".zip"}

func (t *Tailer) excluded(path string) bool {
	for _, s := range compressed {
		if strings.HasSuffix(path, s) {
			return true
		}
	}
	for _, g := range t.cfg.Exclude {
		if ok, _ := filepath.Match(g, path); ok {
			return true
		}
		if ok, _ := filepath.Match(g, filepath.Base(path)); ok {
			return true
		}
	}
	return false
}

// scan finds the files, notices rotations, and reads what is new.
func (t *Tailer) scan(ctx context.Context) error {
	t.mu.Lock()
	t.stats.Scans++
	t.mu.Unlock()
	found := map[identity]string{}
	for _, g := range t.cfg.Paths {
		matches, _ := filepath.Glob(g)
		for _, m := range matches {
			if t.excluded(m) {
				continue
			}
			st, err := os.Stat(m) // follows symlinks: a retargeted link is a new identity
			if err != nil || !st.Mode().IsRegular() {
				continue
			}
			found[idOf(st)] = m
		}
	}
	t.mu.Lock()
	for id, f := range t.files {
		if p, ok := found[id]; ok {
			if p != f.path {
				t.stats.Rotations++
				t.cfg.Logger.Info("log file rotated: renamed, followed under its new name", "file", f.path, "now", p)
			}
			f.path = p
			f.gone = false
		} else if !f.gone {
			f.gone = true
			t.stats.Rotations++
			t.cfg.Logger.Info("log file rotated away: read to its end, then let go", "file", f.path)
		}
	}
	t.mu.Unlock()
	for id, p := range found {
		t.mu.Lock()
		_, known := t.files[id]
		t.mu.Unlock()
		if !known {
			if err := t.open(id, p); err != nil {
				t.cfg.Logger.Warn("cannot open log file", "error", err)
			}
		}
	}
	t.first = false
	t.mu.Lock()
	files := make([]*file, 0, len(t.files))
	for _, f := range t.files {
		files = append(files, f)
	}
	t.mu.Unlock()
	// Rotated-away files first: drain them before their successors.
	for _, pass := range []bool{true, false} {
		for _, f := range files {
			if f.gone != pass {
				continue
			}
			if err := t.read(ctx, f); err != nil {
				return err
			}
			if f.gone && t.finished(f) {
				t.drop(ctx, f)
			}
		}
	}
	return ctx.Err()
}

func idOf(st os.FileInfo) identity {
	s, ok := st.Sys().(*syscall.Stat_t)
	if !ok {
		return identity{}
	}
	return identity{dev: uint64(s.Dev), ino: uint64(s.Ino)}
}

func fingerprint(f *os.File, n int) (string, int) {
	buf := make([]byte, n)
	m, _ := f.ReadAt(buf, 0)
	sum := sha256.Sum256(buf[:m])
	return hex.EncodeToString(sum[:]), m
}

// open starts following a newly found file at its saved position, its end (FromEnd at the first
// start), or its beginning.
func (t *Tailer) open(id identity, path string) error {
	fh, err := os.Open(path)
	if err != nil {
		return err
	}
	st, err := fh.Stat()
	if err != nil {
		fh.Close()
		return err
	}
	f := &file{path: path, id: id, f: fh, size: st.Size(), grown: time.Now()}
	f.fp, f.fpLen = fingerprint(fh, FingerprintBytes)
	t.mu.Lock()
	defer t.mu.Unlock()
	for i, p := range t.saved {
		if p.Device != id.dev || p.Inode != id.ino {
			continue
		}
		t.saved = append(t.saved[:i], t.saved[i+1:]...)
		if fp, _ := fingerprint(fh, p.FingerprintLen); fp == p.Fingerprint && p.Offset <= st.Size() {
			f.readOff, f.ackOff = p.Offset, p.Offset
		}
		// else: inode reused by another file, or truncated while we were down: read from 0.
		break
	}
	for i, d := range t.dropped {
		if d.id == id && len(d.head) > 0 {
			head := make([]byte, len(d.head))
			n, _ := fh.ReadAt(head, 0)
			if n == len(head) && bytes.Equal(head, d.head) && d.read <= st.Size() {
				f.readOff, f.ackOff, f.head = d.read, d.read, d.head
			}
			t.dropped = append(t.dropped[:i], t.dropped[i+1:]...)
			break
		}
	}
	if f.readOff == 0 && !t.first {
		f.pending = true // decided in read, once it has bytes
	}
	if f.readOff == 0 && t.first && t.cfg.FromEnd {
		f.readOff, f.ackOff = st.Size(), st.Size()
	}
	t.files[id] = f
	t.cfg.Logger.Info("log file followed", "file", path, "offset", f.readOff)
	return nil
}

// sameHead tells whether the file still starts with the bytes it started with: a file truncated
// and refilled to the same size between two looks does not.
func (t *Tailer) sameHead(f *file) bool {
	if len(f.head) == 0 || f.readOff == 0 {
		return true
	}
	buf := make([]byte, len(f.head))
	n, _ := f.f.ReadAt(buf, 0)
	return bytes.Equal(buf[:n], f.head)
}

// decideCopy settles a file that appeared after the first start: when its first bytes are those of
// a followed or recently truncated file, it is a copy (copytruncate's mail.log.1 matched by
// mail.log*) and what was read of the original is skipped. t.mu is held.
func (t *Tailer) decideCopy(f *file) {
	f.pending = false
	n := f.head
	var done int64 = -1
	for _, o := range t.files {
		if o != f && len(o.head) >= len(n) && bytes.Equal(o.head[:len(n)], n) {
			done = max(done, o.readOff)
		}
	}
	for _, r := range t.retired {
		if len(r.head) >= len(n) && bytes.Equal(r.head[:len(n)], n) {
			done = max(done, r.read)
		}
	}
	if done > 0 {
		f.readOff, f.ackOff = done, done
	}
}

// read delivers every complete line from f's read offset to its end.
func (t *Tailer) read(ctx context.Context, f *file) error {
	st, err := f.f.Stat()
	if err != nil {
		return nil
	}
	if st.Size() < f.readOff || !t.sameHead(f) { // copytruncate: start over
		t.mu.Lock()
		t.retired = append(t.retired, retiredFile{head: f.head, read: f.readOff})
		if len(t.retired) > maxRetired {
			t.retired = t.retired[1:]
		}
		f.head = nil
		f.gen++
		f.readOff, f.ackOff, f.partial, f.skip = 0, 0, nil, false
		t.stats.Truncations++
		t.cfg.Logger.Info("log file truncated (copytruncate): read again from its start", "file", f.path)
		f.fp, f.fpLen = fingerprint(f.f, FingerprintBytes)
		t.mu.Unlock()
	}
	t.mu.Lock()
	if st.Size() != f.size {
		f.grown = time.Now()
	}
	f.size = st.Size()
	if f.fpLen < FingerprintBytes && st.Size() > int64(f.fpLen) {
		f.fp, f.fpLen = fingerprint(f.f, FingerprintBytes)
	}
	if len(f.head) < FingerprintBytes && st.Size() > int64(len(f.head)) {
		f.head = make([]byte, FingerprintBytes)
		n, _ := f.f.ReadAt(f.head, 0)
		f.head = f.head[:n]
	}
	if f.pending {
		if len(f.head) == 0 {
			t.mu.Unlock()
			return nil
		}
		t.decideCopy(f)
	}
	t.mu.Unlock()
	buf := make([]byte, 64<<10)
	for f.readOff < st.Size() {
		n, err := f.f.ReadAt(buf, f.readOff)
		if n == 0 {
			if err != nil && !errors.Is(err, io.EOF) {
				return nil
			}
			break
		}
		if err := t.split(ctx, f, buf[:n]); err != nil {
			return err
		}
		if n < len(buf) {
			// re-stat: the file may have grown while we read
			if st2, err := f.f.Stat(); err == nil {
				st = st2
			}
		}
	}
	return nil
}

// split turns read bytes into lines, keeping a partial last line for later.
func (t *Tailer) split(ctx context.Context, f *file, b []byte) error {
	start := f.readOff - int64(len(f.partial))
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			t.keepPartial(f, b)
			f.readOff += int64(len(b))
			return nil
		}
		chunk := b[:i]
		f.readOff += int64(i + 1)
		var text []byte
		truncated := f.skip
		if f.skip {
			text = f.partial
		} else if len(f.partial) > 0 {
			text = append(f.partial, chunk...)
		} else {
			text = append([]byte(nil), chunk...)
		}
		if len(text) > t.cfg.MaxLineBytes {
			text, truncated = text[:t.cfg.MaxLineBytes], true
		}
		f.partial, f.skip = nil, false
		if err := t.emit(ctx, f, text, start, f.readOff, truncated); err != nil {
			return err
		}
		start = f.readOff
		b = b[i+1:]
	}
	return nil
}

func (t *Tailer) keepPartial(f *file, b []byte) {
	if f.skip {
		return
	}
	room := t.cfg.MaxLineBytes + 1 - len(f.partial)
	if room > len(b) {
		room = len(b)
	}
	f.partial = append(f.partial, b[:room]...)
	if len(f.partial) > t.cfg.MaxLineBytes {
		f.partial = f.partial[:t.cfg.MaxLineBytes]
		f.skip = true
	}
}

func (t *Tailer) emit(ctx context.Context, f *file, text []byte, off, end int64, truncated bool) error {
	text = bytes.TrimSuffix(text, []byte("\r"))
	l := Line{Line: parse.Line{Text: text, Path: f.path, Offset: off, Truncated: truncated}, End: end, file: f, gen: f.gen}
	t.mu.Lock()
	t.stats.Lines++
	t.stats.Bytes += end - off
	if truncated {
		t.stats.Truncated++
	}
	t.mu.Unlock()
	select {
	case t.lines <- l:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// finished tells whether a rotated-away file can be let go: deleted, or idle for GoneGrace.
func (t *Tailer) finished(f *file) bool {
	st, err := f.f.Stat()
	if err != nil {
		return true
	}
	if s, ok := st.Sys().(*syscall.Stat_t); ok && s.Nlink == 0 {
		return true
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return time.Since(f.grown) >= GoneGrace
}

// drop stops following a rotated-away file once it is drained: a partial last line is delivered
// (nobody will finish it), and the file is forgotten when every line is acknowledged.
func (t *Tailer) drop(ctx context.Context, f *file) {
	if len(f.partial) > 0 {
		start := f.readOff - int64(len(f.partial))
		text := f.partial
		f.partial = nil
		if t.emit(ctx, f, text, start, f.readOff, f.skip) != nil {
			return
		}
		f.skip = false
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if f.ackOff >= f.readOff {
		f.f.Close()
		delete(t.files, f.id)
		t.cfg.Logger.Info("rotated-away log file let go: read to its end (file is the name it had)", "file", f.path, "offset", f.readOff)
		t.dropped = append(t.dropped, retiredFile{id: f.id, head: f.head, read: f.readOff})
		if len(t.dropped) > maxRetired {
			t.dropped = t.dropped[1:]
		}
	}
}

func (t *Tailer) closeAll() {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, f := range t.files {
		f.f.Close()
	}
}
