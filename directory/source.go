package directory

import (
	"context"
	"log/slog"
	"path/filepath"
	"sync/atomic"

	"github.com/fsnotify/fsnotify"
)

// Source holds the current directory and reloads it when its file changes. A file that does not
// load leaves the last good directory in force.
type Source struct {
	path string
	cur  atomic.Pointer[Directory]
	log  *slog.Logger
	// Reloaded, when set, is called after each reload attempt with its error (nil: loaded).
	Reloaded func(error)
}

// Open loads the directory once; an error here stops start-up.
func Open(path string, log *slog.Logger) (*Source, error) {
	d, err := Load(path)
	if err != nil {
		return nil, err
	}
	s := &Source{path: path, log: log}
	s.cur.Store(d)
	return s, nil
}

// Current is the directory in force.
func (s *Source) Current() *Directory { return s.cur.Load() }

// Reload reads the file again (SIGHUP, or a change seen by Watch).
func (s *Source) Reload() error {
	d, err := Load(s.path)
	if err == nil {
		s.cur.Store(d)
		s.log.Info("directory reloaded", "people", d.Len())
	} else {
		s.log.Error("directory not reloaded: the previous one stays in force", "err", err)
	}
	if s.Reloaded != nil {
		s.Reloaded(err)
	}
	return err
}

// Watch reloads on every change of the file (watching its folder, so editors that replace the file
// and configuration management that renames a new one into place are seen) until ctx ends.
func (s *Source) Watch(ctx context.Context) error {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return err
	}
	defer w.Close()
	if err := w.Add(filepath.Dir(s.path)); err != nil {
		return err
	}
	name := filepath.Clean(s.path)
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-w.Events:
			if !ok {
				return nil
			}
			if filepath.Clean(ev.Name) == name && ev.Op&(fsnotify.Write|fsnotify.Create|fsnotify.Rename) != 0 {
				s.Reload()
			}
		case err, ok := <-w.Errors:
			if !ok {
				return nil
			}
			s.log.Error("directory watch", "err", err)
		}
	}
}
