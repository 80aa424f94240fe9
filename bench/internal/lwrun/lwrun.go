// Package lwrun runs the lekwacht binary as a benchmark's subprocess: built from the current
// sources, `lekwacht run` started with its log in a file, stopped with SIGTERM.
package lwrun

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"
)

// StartTimeout bounds a daemon's start.
const StartTimeout = 30 * time.Second

// Build returns bin when given, or builds ./cmd/lekwacht from the current sources into work, so a
// benchmark never measures an old binary.
func Build(bin, work string) (string, error) {
	if bin != "" {
		if _, err := os.Stat(bin); err != nil {
			return "", fmt.Errorf("-bin: %w (build it with make build)", err)
		}
		return filepath.Abs(bin)
	}
	exe := filepath.Join(work, "lekwacht")
	cmd := exec.Command("go", "build", "-trimpath", "-o", exe, "./cmd/lekwacht")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go build ./cmd/lekwacht (run from the repository root): %w", err)
	}
	return exe, nil
}

// Daemon is a `lekwacht run` subprocess whose log goes to a file.
type Daemon struct {
	Cmd     *exec.Cmd
	LogPath string
	Addr    string        // where its HTTP server listens, when Start waited for it
	done    chan struct{} // closed when the process has exited
	err     error         // from Wait, once done is closed
	stopped bool
}

var listening = regexp.MustCompile(`"http listening","addr":"([^"]+)"`)

// Start starts `lekwacht run --config cfg` and waits until it logs that it runs, and, with
// waitHTTP, until its HTTP server listens (Addr).
func Start(exe, cfg, logPath string, waitHTTP bool) (*Daemon, error) {
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	d := &Daemon{Cmd: exec.Command(exe, "run", "--config", cfg), LogPath: logPath, done: make(chan struct{})}
	stderr, err := d.Cmd.StderrPipe()
	if err != nil {
		logFile.Close()
		return nil, err
	}
	if err := d.Cmd.Start(); err != nil {
		logFile.Close()
		return nil, err
	}
	ready := make(chan string, 1)
	go func() {
		defer logFile.Close()
		s := bufio.NewScanner(io.TeeReader(stderr, logFile))
		running, addr, sent := false, "", false
		for s.Scan() {
			line := s.Text()
			if strings.Contains(line, `"msg":"lekwacht running"`) {
				running = true
			}
			if m := listening.FindStringSubmatch(line); m != nil {
				addr = m[1]
			}
			if !sent && running && (!waitHTTP || addr != "") {
				ready <- addr
				sent = true
			}
		}
		io.Copy(io.Discard, stderr)
		d.err = d.Cmd.Wait()
		close(d.done)
	}()
	select {
	case d.Addr = <-ready:
		return d, nil
	case <-d.done:
		return nil, fmt.Errorf("lekwacht run exited at start: %v: %s", d.err, d.Log())
	case <-time.After(StartTimeout):
		d.Stop()
		return nil, fmt.Errorf("lekwacht run not ready after %v: %s", StartTimeout, d.Log())
	}
}

// Exited returns an error once the daemon has exited on its own.
func (d *Daemon) Exited() error {
	select {
	case <-d.done:
		return fmt.Errorf("lekwacht run exited: %v: %s", d.err, d.Log())
	default:
		return nil
	}
}

// Stop sends SIGTERM and waits for the daemon to save its state and exit; SIGKILL after a minute.
func (d *Daemon) Stop() error {
	if d.stopped {
		return nil
	}
	d.stopped = true
	if err := d.Cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return err
	}
	select {
	case <-d.done:
	case <-time.After(time.Minute):
		d.Cmd.Process.Kill()
		<-d.done
		return fmt.Errorf("lekwacht run did not stop within a minute of SIGTERM: %s", d.Log())
	}
	if d.err != nil {
		return fmt.Errorf("lekwacht run after SIGTERM: %w: %s", d.err, d.Log())
	}
	return nil
}

// Log is the end of what the daemon logged, for an error message.
func (d *Daemon) Log() []byte {
	data, _ := os.ReadFile(d.LogPath)
	return Tail(data, 2000)
}

// Tail is the last n bytes of b.
func Tail(b []byte, n int) []byte {
	if len(b) <= n {
		return b
	}
	return b[len(b)-n:]
}
