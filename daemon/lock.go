package daemon

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// LockFile is the file in register.dir that the process writing the register's followers' files
// (run, replay, learn) holds an exclusive flock on for its whole life; it holds that process's pid.
const LockFile = "lekwacht.lock"

// RegisterInUseError says that another process holds the register's lock: two daemons on one
// register would read the same lines twice and overwrite each other's positions.
type RegisterInUseError struct {
	Dir   string
	PID   int       // 0 when the holder has not written it yet
	Since time.Time // zero when unknown
	What  string    // the holder's command (run, replay, learn), when known
}

func (e *RegisterInUseError) Error() string {
	who := "another process"
	if e.PID > 0 {
		who = "pid " + strconv.Itoa(e.PID)
		if e.What != "" {
			who = "lekwacht " + e.What + " (" + who + ")"
		}
	}
	since := ""
	if !e.Since.IsZero() {
		since = " since " + e.Since.Format(time.RFC3339)
	}
	return fmt.Sprintf("register %s in use by %s%s: one lekwacht run, replay or learn per register at a time; "+
		"stop that one first, or give this one another register.dir", e.Dir, who, since)
}

// RegisterLock is the held lock on a register folder; Release lets it go.
type RegisterLock struct{ f *os.File }

// LockRegister takes the register folder's lock for what (run, replay, learn) without waiting; a
// lock held elsewhere is a *RegisterInUseError naming the holder. The lock ends with the process, however
// it ends (the kernel releases a flock with its last file descriptor), so a SIGKILL leaves no stale lock.
func LockRegister(dir, what string) (*RegisterLock, error) {
	path := filepath.Join(dir, LockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("register lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, holder(dir, path)
		}
		return nil, fmt.Errorf("register lock %s: %w", path, err)
	}
	// Ours now: say who holds it, for the one refused.
	now := time.Now().UTC().Format(time.RFC3339)
	err = f.Truncate(0)
	if err == nil {
		_, err = f.WriteAt([]byte(fmt.Sprintf("%d\n%s\n%s\n", os.Getpid(), now, what)), 0)
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("register lock %s: %w", path, err)
	}
	return &RegisterLock{f: f}, nil
}

// holder reads who holds the lock at path; what it cannot read stays unknown.
func holder(dir, path string) *RegisterInUseError {
	e := &RegisterInUseError{Dir: dir}
	b, err := os.ReadFile(path)
	if err != nil {
		return e
	}
	lines := strings.Split(string(b), "\n")
	if pid, err := strconv.Atoi(strings.TrimSpace(lines[0])); err == nil {
		e.PID = pid
	}
	if len(lines) > 1 {
		e.Since, _ = time.Parse(time.RFC3339, strings.TrimSpace(lines[1]))
	}
	if len(lines) > 2 {
		e.What = strings.TrimSpace(lines[2])
	}
	return e
}

// Release lets the lock go; the file stays (removing it would race with the next taker).
func (l *RegisterLock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	return err
}
