package sim

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// line is one log line waiting to be written in time order.
type line struct {
	at   time.Time
	seq  int
	text string
}

// stream is one log file (or a file per day for Exchange) filled a day at a time.
type stream struct {
	path    func(day time.Time) string // where a day's lines go
	header  func(day time.Time) string // written once at the top of a new file
	pending []line
	n       int
	lines   map[string]int64 // lines written per file, headers included
	muted   *bool            // while true, lines are dropped (a day drawn and not written)
}

func (s *stream) add(at time.Time, text string) {
	if s.muted != nil && *s.muted {
		return
	}
	s.n++
	s.pending = append(s.pending, line{at: at, seq: s.n, text: text})
}

// flush writes the pending lines of day sorted by time (ties in the order they were made).
func (s *stream) flush(day time.Time) error {
	sort.SliceStable(s.pending, func(i, j int) bool {
		if !s.pending[i].at.Equal(s.pending[j].at) {
			return s.pending[i].at.Before(s.pending[j].at)
		}
		return s.pending[i].seq < s.pending[j].seq
	})
	p := s.path(day)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	_, statErr := os.Stat(p)
	f, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	if s.lines == nil {
		s.lines = map[string]int64{}
	}
	if os.IsNotExist(statErr) && s.header != nil {
		h := s.header(day)
		bw.WriteString(h)
		s.lines[p] += int64(strings.Count(h, "\n"))
	}
	for _, l := range s.pending {
		bw.WriteString(l.text)
		bw.WriteByte('\n')
	}
	s.lines[p] += int64(len(s.pending))
	s.pending = s.pending[:0]
	if err := bw.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// syslogStamp is rsyslog's RFC 3339 high-precision timestamp (Debian's default since bookworm).
func syslogStamp(t time.Time) string { return t.Format("2006-01-02T15:04:05.000000-07:00") }

// jsonLine marshals v as one line; the values are ours, so an error is a bug.
func jsonLine(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("sim: %v", err))
	}
	return string(b)
}

// csvRow quotes a row the way Exchange does (RFC 4180).
func csvRow(fields []string) string {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write(fields)
	w.Flush()
	return string(bytes.TrimRight(b.Bytes(), "\r\n"))
}
