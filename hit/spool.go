package hit

import (
	"bufio"
	"cmp"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"slices"
	"sync"
	"time"
)

// DefaultSpoolSegment is the size from which the evidence spool is compacted: the lines the detectors
// still keep are copied to a new segment and the old one is removed.
const DefaultSpoolSegment = 64 << 20

// spool is the evidence spool: an append-only file of line records, read back when a hit needs a
// line. The file is removed from its folder as soon as it is open (where the system allows), so that
// nothing is left behind and no other process finds the personal data in it.
type spool struct {
	dir         string
	segment     int64    // size from which the segment in use is compacted
	cur         *segment // the segment written to
	live        int64    // bytes of the lines kept at the last compaction
	compactions int64
}

// segment is one spool file.
type segment struct {
	// mu makes writes and reads of the segment one at a time: the detectors of an engine keep and read
	// lines from several goroutines while a batch is spread over them (see Lines.Share).
	mu   sync.Mutex
	name string
	f    *os.File
	w    *bufio.Writer
	size int64 // bytes written, buffered ones included
	buf  []byte
}

// NewSpooledLines hands out lines kept in an evidence spool in dir (the temporary folder when
// empty); segment is the size from which the spool is compacted (DefaultSpoolSegment when 0).
func NewSpooledLines(dir string, segment int64) (*Lines, error) {
	if dir == "" {
		dir = os.TempDir()
	}
	if segment <= 0 {
		segment = DefaultSpoolSegment
	}
	s := &spool{dir: dir, segment: segment}
	var err error
	if s.cur, err = s.newSegment(); err != nil {
		return nil, err
	}
	return &Lines{spool: s}, nil
}

func (s *spool) newSegment() (*segment, error) {
	f, err := os.CreateTemp(s.dir, "lekwacht-evidence-*.spool")
	if err != nil {
		return nil, fmt.Errorf("evidence spool: %w", err)
	}
	seg := &segment{name: f.Name(), f: f, w: bufio.NewWriterSize(f, 64<<10)}
	if os.Remove(f.Name()) == nil {
		seg.name += " (removed)"
	}
	return seg, nil
}

// write appends a line to the segment in use; false when it cannot (the line is then kept in memory).
func (s *spool) write(e Evidence) (*Line, bool) {
	off, err := s.cur.write(e)
	if err != nil {
		return nil, false
	}
	return &Line{seg: s.cur, off: off, loc: e.Time.Location()}, true
}

// Full says whether the spool is due for compaction: the segment in use is past the segment size and
// twice what was kept at the last compaction.
func (ls *Lines) Full() bool {
	if ls == nil || ls.spool == nil {
		return false
	}
	s := ls.spool
	s.cur.mu.Lock() // the detectors may be writing lines
	defer s.cur.mu.Unlock()
	return s.cur.size >= max(s.segment, 2*s.live)
}

// Compactions counts the spool's compactions.
func (ls *Lines) Compactions() int64 {
	if ls == nil || ls.spool == nil {
		return 0
	}
	return ls.spool.compactions
}

// Compact copies the lines still kept to a new segment and removes the old one. kept must yield every
// Line the detectors keep (a line it leaves out can no longer be read afterwards); it may yield a
// line more than once.
func (ls *Lines) Compact(kept func(yield func(*Line))) error {
	if ls == nil || ls.spool == nil {
		return nil
	}
	s := ls.spool
	old := s.cur
	seg, err := s.newSegment()
	if err != nil {
		s.live = s.cur.size // try again when the segment has doubled
		return err
	}
	if err := old.w.Flush(); err != nil {
		seg.close()
		s.live = s.cur.size
		return fmt.Errorf("evidence spool: %w", err)
	}
	// Gather the lines to move (each once: it is marked with the new segment), then copy their records
	// in the order of the old file, reading it through once.
	var moving []*Line
	gather := func(l *Line) {
		if l != nil && l.seg == old {
			l.seg = seg
			moving = append(moving, l)
		}
	}
	gather(ls.last)
	kept(gather)
	slices.SortFunc(moving, func(a, b *Line) int { return cmp.Compare(a.off, b.off) })
	r := bufio.NewReaderSize(io.NewSectionReader(old.f, 0, old.size), 1<<20)
	var pos int64
	var lost error
	for _, l := range moving {
		off, err := seg.copyRecord(r, &pos, l.off)
		if err != nil {
			lost = err
			l.seg, l.mem = nil, &Evidence{Kind: EvidenceLine, Source: old.name, Offset: l.off}
			continue
		}
		l.off = off
	}
	s.cur, s.live = seg, seg.size
	s.compactions++
	old.close()
	if lost != nil {
		return fmt.Errorf("evidence spool: lines lost in compaction: %w", lost)
	}
	return nil
}

// copyRecord copies the record at off of the segment r reads (now at *pos, before off) to seg.
func (seg *segment) copyRecord(r *bufio.Reader, pos *int64, off int64) (int64, error) {
	if off < *pos {
		return 0, fmt.Errorf("record at %d: out of order", off)
	}
	if _, err := r.Discard(int(off - *pos)); err != nil {
		return 0, err
	}
	*pos = off
	var head [4]byte
	if _, err := io.ReadFull(r, head[:]); err != nil {
		return 0, err
	}
	n := int64(binary.LittleEndian.Uint32(head[:]))
	*pos += 4
	newOff := seg.size
	if _, err := seg.w.Write(head[:]); err != nil {
		return 0, err
	}
	copied, err := io.CopyN(seg.w, r, n)
	*pos += copied
	seg.size += 4 + copied
	return newOff, err
}

func (seg *segment) close() {
	seg.f.Close()
	os.Remove(seg.f.Name()) // where it could not be removed at once
}

// A record is a little-endian uint32 length and: input, source (uvarint length and bytes), offset and
// line (varints), the time (varint Unix seconds and uvarint nanoseconds), the text (uvarint length
// and bytes).
func (seg *segment) write(e Evidence) (int64, error) {
	seg.mu.Lock()
	defer seg.mu.Unlock()
	b := append(seg.buf[:0], 0, 0, 0, 0)
	b = appendString(b, e.Input)
	b = appendString(b, e.Source)
	b = binary.AppendVarint(b, e.Offset)
	b = binary.AppendVarint(b, e.Line)
	b = binary.AppendVarint(b, e.Time.Unix())
	b = binary.AppendUvarint(b, uint64(e.Time.Nanosecond()))
	b = appendString(b, e.Text)
	binary.LittleEndian.PutUint32(b, uint32(len(b)-4))
	seg.buf = b[:0]
	if cap(seg.buf) > 64<<10 {
		seg.buf = nil // a rare long line does not stay
	}
	off := seg.size
	n, err := seg.w.Write(b)
	seg.size += int64(n)
	return off, err
}

func appendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

// read reads back the record at off.
func (seg *segment) read(off int64) (Evidence, error) {
	seg.mu.Lock()
	defer seg.mu.Unlock()
	var head [4]byte
	if err := seg.readAt(head[:], off); err != nil {
		return Evidence{}, err
	}
	body := make([]byte, binary.LittleEndian.Uint32(head[:]))
	if err := seg.readAt(body, off+4); err != nil {
		return Evidence{}, err
	}
	r := record{b: body}
	e := Evidence{Kind: EvidenceLine, Input: r.string(), Source: r.string(), Offset: r.varint(), Line: r.varint()}
	sec := r.varint()
	e.Time = time.Unix(sec, int64(r.uvarint()))
	e.Text = r.string()
	if r.err {
		return Evidence{}, fmt.Errorf("evidence spool %s: bad record at %d", seg.name, off)
	}
	return e, nil
}

// readAt reads len(b) bytes at off, flushing first when some of them are still in the write buffer (a
// record can be half written out: the buffer flushes when it is full, in the middle of a record).
func (seg *segment) readAt(b []byte, off int64) error {
	if off+int64(len(b)) > seg.size-int64(seg.w.Buffered()) {
		if err := seg.w.Flush(); err != nil {
			return err
		}
	}
	_, err := seg.f.ReadAt(b, off)
	return err
}

// record decodes a record's fields; err is set at the first that does not fit.
type record struct {
	b   []byte
	err bool
}

func (r *record) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = true
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *record) varint() int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.err = true
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *record) string() string {
	n := r.uvarint()
	if r.err || n > uint64(len(r.b)) {
		r.err = true
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}
