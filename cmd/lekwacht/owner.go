package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/lekwacht/lekwacht/config"
)

// registerBefore is register.dir as it was before a command ran: whether it existed, and whose.
type registerBefore struct {
	dir    string
	at     time.Time
	exists bool
	uid    uint32
}

func lookRegister(dir string) registerBefore {
	b := registerBefore{dir: dir, at: time.Now()}
	if st, err := os.Stat(dir); err == nil {
		b.exists = true
		if sys, ok := st.Sys().(*syscall.Stat_t); ok {
			b.uid = sys.Uid
		}
	}
	return b
}

// serviceAccount is the uid and gid of the service user; ok is false when there is no such user on
// this machine (everything runs as root then) or it is root.
func serviceAccount(name string) (uid, gid int, ok bool) {
	u, err := user.Lookup(name)
	if err != nil {
		return 0, 0, false
	}
	uid, _ = strconv.Atoi(u.Uid)
	gid, _ = strconv.Atoi(u.Gid)
	return uid, gid, uid != 0
}

// wroteIn says whether a file in dir changed since t (the command wrote there).
func wroteIn(dir string, t time.Time) bool {
	errWrote := errors.New("wrote")
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		// Files only: opening the register makes and removes its -wal and -shm, which touches the folder.
		if info, err := d.Info(); err == nil && info.Mode().IsRegular() && !info.ModTime().Before(t) {
			return errWrote
		}
		return nil
	})
	return errors.Is(err, errWrote)
}

// giveRegisterToServiceUser runs after a command run as root: the files and folders it made in
// register.dir are given to the service user (owner and group), so that `lekwacht run` as that user
// can go on writing there (sudo lekwacht learn, replay or incidents import would otherwise leave
// root's evidence folders, state and positions behind, and the service would not start or not
// write). Only a register.dir the command created, or one the service user owns, is touched; a
// register.dir that belongs to someone else, or a chown that fails, gets the command to run.
func giveRegisterToServiceUser(w io.Writer, cfg *config.Config, before registerBefore) {
	if os.Geteuid() != 0 || cfg == nil {
		return
	}
	name := cfg.RunAs()
	uid, gid, ok := serviceAccount(name)
	if !ok {
		return
	}
	now := lookRegister(before.dir)
	if !now.exists {
		return
	}
	hint := fmt.Sprintf("chown -R %s: %s", name, before.dir)
	if before.exists && before.uid != uint32(uid) {
		if before.uid == 0 && wroteIn(before.dir, before.at) {
			fmt.Fprintf(w, "register.dir %s belongs to root: the service user %s cannot write there and lekwacht run as %s would fail; run: %s\n",
				before.dir, name, name, hint)
		}
		return // someone else's folder: not ours to give away
	}
	n := 0
	err := filepath.WalkDir(before.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return nil
		}
		if sys, ok := info.Sys().(*syscall.Stat_t); !ok || sys.Uid != 0 {
			return nil
		}
		if err := os.Lchown(p, uid, gid); err != nil {
			return err
		}
		n++
		return nil
	})
	var pe *fs.PathError
	switch {
	case errors.As(err, &pe):
		fmt.Fprintf(w, "could not give %s, made as root, to the service user %s (%v): lekwacht run as %s would fail there; run: %s\n",
			pe.Path, name, pe.Err, name, hint)
	case err != nil:
		fmt.Fprintf(w, "could not give %s to the service user %s (%v); run: %s\n", before.dir, name, err, hint)
	case n > 0:
		fmt.Fprintf(w, "%d file(s) and folder(s) made as root in %s given to the service user %s\n", n, before.dir, name)
	}
}
