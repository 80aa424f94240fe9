package tail

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// Checkpoint is what run saves atomically: the acknowledged positions of every input and the sizes
// of the outputs derived from the lines before them.
type Checkpoint struct {
	Version int                   `json:"version"`
	Inputs  map[string][]Position `json:"inputs"`
	Sinks   map[string]int64      `json:"sinks"`
}

// SaveCheckpoint writes cp to path atomically (WriteAtomic).
func SaveCheckpoint(path string, cp Checkpoint) error {
	data, err := json.MarshalIndent(cp, "", " ")
	if err != nil {
		return err
	}
	return WriteAtomic(path, data)
}

// WriteAtomic writes a file so that a crash leaves either the old or the new content (WriteAtomicFunc).
func WriteAtomic(path string, data []byte) error {
	return WriteAtomicFunc(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// WriteAtomicFunc writes a file through fn so that a crash leaves either the old or the new content: a
// temporary file in the same folder, fsync, rename, fsync of the folder. Mode 0600.
func WriteAtomicFunc(path string, fn func(io.Writer) error) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+"-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if err := fn(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// LoadCheckpoint reads a checkpoint; a missing file is an empty checkpoint.
func LoadCheckpoint(path string) (Checkpoint, error) {
	cp := Checkpoint{Version: 1, Inputs: map[string][]Position{}, Sinks: map[string]int64{}}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return cp, nil
	}
	if err != nil {
		return cp, err
	}
	if err := json.Unmarshal(data, &cp); err != nil {
		return cp, fmt.Errorf("%s: %w", path, err)
	}
	if cp.Inputs == nil {
		cp.Inputs = map[string][]Position{}
	}
	if cp.Sinks == nil {
		cp.Sinks = map[string]int64{}
	}
	return cp, nil
}
