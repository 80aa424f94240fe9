package collectors

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/lekwacht/lekwacht/collectors/parse"
)

// Reject is one line kept aside, as a JSON line in the rejects file. The original bytes are kept:
// as text when they are valid UTF-8, else base64.
type Reject struct {
	At         time.Time `json:"at"`
	Input      string    `json:"input"`
	File       string    `json:"file"`
	Line       int64     `json:"line,omitempty"`
	Offset     int64     `json:"offset"`
	Reason     string    `json:"reason"`
	Detail     string    `json:"detail,omitempty"`
	Truncated  bool      `json:"truncated,omitempty"`
	Text       string    `json:"text,omitempty"`
	TextBase64 string    `json:"text_base64,omitempty"`
}

// Rejects appends rejected lines to a file (mode 0600: the lines hold personal data). Its size is
// part of the checkpoint, so a restart cuts off what was written after the last one.
type Rejects struct {
	mu   sync.Mutex
	f    *os.File
	path string
	size int64
	now  func() time.Time
}

// OpenRejects opens (creating) the rejects file at path and cuts it to size when size >= 0, the
// length recorded in the last checkpoint.
func OpenRejects(path string, size int64) (*Rejects, error) {
	f, cur, err := OpenOutput(path, size)
	if err != nil {
		return nil, fmt.Errorf("rejects: %w", err)
	}
	return &Rejects{f: f, path: path, size: cur, now: time.Now}, nil
}

// OpenOutput opens an output file derived from log lines (mode 0600, folder 0700), cut back to size
// when size >= 0 (the length the last checkpoint recorded). Writes append (O_APPEND), so logrotate's
// copytruncate leaves no hole of zeros where the old end was. It returns the file and its length.
func OpenOutput(path string, size int64) (*os.File, int64, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, 0, err
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, 0, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	cur := st.Size()
	if size >= 0 && size < cur {
		if err := f.Truncate(size); err != nil {
			f.Close()
			return nil, 0, fmt.Errorf("cut %s to its checkpoint: %w", path, err)
		}
		cur = size
	}
	if _, err := f.Seek(cur, 0); err != nil {
		f.Close()
		return nil, 0, err
	}
	return f, cur, nil
}

// Write keeps one line aside with its reason.
func (r *Rejects) Write(input string, l parse.Line, reason parse.Reason, detail string) error {
	rec := Reject{At: r.now().UTC(), Input: input, File: l.Path, Line: l.Number, Offset: l.Offset,
		Reason: string(reason), Detail: detail, Truncated: l.Truncated}
	if utf8.Valid(l.Text) {
		rec.Text = string(l.Text)
	} else {
		rec.TextBase64 = base64.StdEncoding.EncodeToString(l.Text)
	}
	b, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	b = append(b, '\n')
	r.mu.Lock()
	defer r.mu.Unlock()
	n, err := r.f.Write(b)
	if err != nil {
		// A part of the record may be written (a full disk): cut it off, so the file holds whole
		// lines and a retry appends the record once.
		if n > 0 {
			r.f.Truncate(r.size)
		}
		return fmt.Errorf("write rejects %s: %w", r.path, err)
	}
	r.size += int64(n)
	return nil
}

// Sync flushes the file to disk and returns its size, for the checkpoint.
func (r *Rejects) Sync() (int64, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.size, r.f.Sync()
}

// Size is the file's length: every record written so far.
func (r *Rejects) Size() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.size
}

// Path is where the rejects go.
func (r *Rejects) Path() string { return r.path }

// Close closes the file.
func (r *Rejects) Close() error { return r.f.Close() }
