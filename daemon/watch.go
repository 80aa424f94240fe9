package daemon

import (
	"context"
	"log/slog"
	"os"
	"os/user"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/fsnotify/fsnotify"
	"github.com/lekwacht/lekwacht/config"
	"github.com/lekwacht/lekwacht/event"
)

// WatchSettle is how long a file in a watched folder must stay unchanged before it is inspected,
// so a file still being written is read once, whole.
var WatchSettle = 2 * time.Second

// watchFolders turns files that appear or change under the `watch:` folders into watched files, once
// each has settled, and hands them to emit (content inspection by bulk_bsn_export). A file on a share
// goes to whoever the audit lines say wrote it (ws), waiting for that line when it is not known yet.
// ready (when set) is called once the folders are watched, before any change is handed on: what
// changed before then is for ready to look at (the files already there at start); the files it
// returns are taken as changed, like those fsnotify reports.
func watchFolders(ctx context.Context, folders []config.Watch, ws *writers, log *slog.Logger, emit func(watchedFile), ready func() []string) error {
	t, err := newTreeWatch(log)
	if err != nil {
		return err
	}
	for _, f := range folders {
		if err := t.add(f.Path, f.Recursive); err != nil {
			log.Error("watch folder", "err", err) // the other folders are still watched
		}
	}
	var mu sync.Mutex
	timers := map[string]*time.Timer{}
	settle := func(p string) {
		mu.Lock()
		defer mu.Unlock()
		if t, ok := timers[p]; ok {
			t.Reset(WatchSettle)
			return
		}
		timers[p] = time.AfterFunc(WatchSettle, func() {
			mu.Lock()
			delete(timers, p)
			mu.Unlock()
			if ctx.Err() == nil {
				ws.inspect(p, emit)
			}
		})
	}
	if ready != nil {
		for _, p := range ready() {
			settle(p)
		}
	}
	defer func() {
		mu.Lock()
		for _, t := range timers {
			t.Stop()
		}
		mu.Unlock()
		ws.close()
	}()
	return t.run(ctx, "watch folders", func(ev fsnotify.Event) {
		if ev.Op&(fsnotify.Create|fsnotify.Write) == 0 {
			return
		}
		if st, err := os.Stat(ev.Name); err == nil && st.Mode().IsRegular() {
			settle(ev.Name)
		}
	})
}

// statFile describes a file in a watch folder as a file event of its owner (the writer, when the
// audit lines show one, comes later: writers.attribute), with when it last changed.
func statFile(p string) (watchedFile, bool) {
	st, err := os.Stat(p)
	if err != nil || !st.Mode().IsRegular() {
		return watchedFile{}, false
	}
	f := watchedFile{ev: fileEvent(p, st), changed: st.ModTime()}
	if sys, ok := st.Sys().(*syscall.Stat_t); ok {
		// ctime: a copy that keeps the original's modification time still changes it.
		if c := time.Unix(sys.Ctim.Sec, sys.Ctim.Nsec); c.After(f.changed) {
			f.changed = c
		}
	}
	return f, true
}

// fileEvent describes a settled file: its owner as the user, its modification time as the time.
func fileEvent(p string, st os.FileInfo) event.Event {
	ev := event.Event{Time: st.ModTime(), Event: event.Kind{Category: event.CategoryFile, Action: event.ActionCreate,
		Outcome: event.OutcomeSuccess, Dataset: "watch"}, File: &event.File{Path: p}, Log: event.Log{Input: "watch", Path: p}}
	if sys, ok := st.Sys().(*syscall.Stat_t); ok {
		uid := strconv.FormatUint(uint64(sys.Uid), 10)
		ev.User.ID = uid
		if u, err := user.LookupId(uid); err == nil {
			ev.User.Name = u.Username
		}
	}
	return ev
}
