package daemon

import (
	"context"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/fsnotify/fsnotify"
)

// treeWatch watches folders with fsnotify, recursively where asked: a folder created inside a
// recursively watched one is watched too. The rules folder and the `watch:` folders use it.
type treeWatch struct {
	w         *fsnotify.Watcher
	log       *slog.Logger
	recursive map[string]bool // watched folder -> its subfolders are watched too
}

func newTreeWatch(log *slog.Logger) (*treeWatch, error) {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, err
	}
	return &treeWatch{w: w, log: log, recursive: map[string]bool{}}, nil
}

// add watches root, and with recursive its subfolders; it returns the first folder that could not
// be watched.
func (t *treeWatch) add(root string, recursive bool) error {
	root = filepath.Clean(root)
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		if p != root && !recursive {
			return fs.SkipDir
		}
		if err := t.w.Add(p); err != nil {
			return err
		}
		t.recursive[p] = recursive
		return nil
	})
}

// run hands every event to on until ctx ends; folders created in a recursively watched folder are
// added first.
func (t *treeWatch) run(ctx context.Context, what string, on func(fsnotify.Event)) error {
	defer t.w.Close()
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-t.w.Events:
			if !ok {
				return nil
			}
			if ev.Op&fsnotify.Create != 0 && t.recursive[filepath.Dir(ev.Name)] {
				if st, err := os.Stat(ev.Name); err == nil && st.IsDir() {
					if err := t.add(ev.Name, true); err != nil {
						t.log.Error(what, "err", err)
					}
				}
			}
			on(ev)
		case err, ok := <-t.w.Errors:
			if !ok {
				return nil
			}
			t.log.Error(what, "err", err)
		}
	}
}
