package directory

import (
	"context"
	"log/slog"
	"path/filepath"
	"sync/atomic"

	"github.com/fsnotify/fsnotify"
)

// Options are how the directory is put together: more files merged into it (identity.sources) and
// the patterns of admin accounts (identity.admin_accounts) whose users in an export are folded into
// their owners.
type Options struct {
	Sources       []string
	AdminPatterns []string
}

// Source holds the current directory and reloads it when one of its files changes: the directory
// file and the sources merged into it (identity.sources). Files that do not load leave the last good
// directory in force.
type Source struct {
	path string
	opts Options
	cur  atomic.Pointer[Directory]
	log  *slog.Logger
	// Reloaded, when set, is called after each reload attempt with its error (nil: loaded).
	Reloaded func(error)
}

// Open loads the directory once, with more merged into it (LoadAll); an error here stops start-up.
func Open(path string, log *slog.Logger, more ...string) (*Source, error) {
	return OpenWith(path, log, Options{Sources: more})
}

// OpenWith loads the directory once as opts say; an error here stops start-up.
func OpenWith(path string, log *slog.Logger, opts Options) (*Source, error) {
	d, err := LoadWith(path, opts)
	if err != nil {
		return nil, err
	}
	s := &Source{path: path, opts: opts, log: log}
	s.cur.Store(d)
	return s, nil
}

// LoadAll loads the directory file and merges each of more into it, in order, by account.
func LoadAll(path string, more ...string) (*Directory, error) {
	return LoadWith(path, Options{Sources: more})
}

// LoadWith loads the directory file, merges opts.Sources into it and folds admin accounts.
func LoadWith(path string, opts Options) (*Directory, error) {
	d, err := load(path, opts.AdminPatterns)
	if err != nil {
		return nil, err
	}
	for _, m := range opts.Sources {
		o, err := load(m, opts.AdminPatterns)
		if err != nil {
			return nil, err
		}
		if d, err = Merge(d, o, path+" + "+m); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// Current is the directory in force.
func (s *Source) Current() *Directory { return s.cur.Load() }

// Reload reads the file again (SIGHUP, or a change seen by Watch).
func (s *Source) Reload() error {
	d, err := LoadWith(s.path, s.opts)
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
	names := map[string]bool{}
	for _, p := range append([]string{s.path}, s.opts.Sources...) {
		names[filepath.Clean(p)] = true
		if err := w.Add(filepath.Dir(p)); err != nil {
			return err
		}
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-w.Events:
			if !ok {
				return nil
			}
			if names[filepath.Clean(ev.Name)] && ev.Op&(fsnotify.Write|fsnotify.Create|fsnotify.Rename) != 0 {
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
