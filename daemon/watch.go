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

// watchFolders turns files that appear or change under the `watch:` folders into file events, once
// each has settled, and hands them to emit (content inspection by bulk_bsn_export).
func watchFolders(ctx context.Context, folders []config.Watch, log *slog.Logger, emit func(event.Event)) error {
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
			if ev, ok := fileEvent(p); ok && ctx.Err() == nil {
				emit(ev)
			}
		})
	}
	defer func() {
		mu.Lock()
		for _, t := range timers {
			t.Stop()
		}
		mu.Unlock()
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

// fileEvent describes a settled file: its owner as the user, its modification time as the time.
func fileEvent(p string) (event.Event, bool) {
	st, err := os.Stat(p)
	if err != nil || !st.Mode().IsRegular() {
		return event.Event{}, false
	}
	ev := event.Event{Time: st.ModTime(), Event: event.Kind{Category: event.CategoryFile, Action: event.ActionCreate,
		Outcome: event.OutcomeSuccess, Dataset: "watch"}, File: &event.File{Path: p}, Log: event.Log{Input: "watch", Path: p}}
	if sys, ok := st.Sys().(*syscall.Stat_t); ok {
		uid := strconv.FormatUint(uint64(sys.Uid), 10)
		ev.User.ID = uid
		if u, err := user.LookupId(uid); err == nil {
			ev.User.Name = u.Username
		}
	}
	return ev, true
}
