package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"syscall"
	"time"
)

// startTimeout bounds the daemon's start.
const startTimeout = 30 * time.Second

// daemon is a lekwacht run subprocess whose log goes to a file (as bench/e2e's).
type daemon struct {
	cmd     *exec.Cmd
	logPath string
	addr    string        // where /metrics is served
	done    chan struct{} // closed when the process has exited
	err     error         // from Wait, once done is closed
	stopped bool
}

// listening is the daemon's log line naming the address its HTTP server took.
var listening = regexp.MustCompile(`"http listening","addr":"([^"]+)"`)

// startDaemon starts lekwacht run and waits until its HTTP server listens.
func startDaemon(exe, cfg, logPath string) (*daemon, error) {
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	d := &daemon{cmd: exec.Command(exe, "run", "--config", cfg), logPath: logPath, done: make(chan struct{})}
	stderr, err := d.cmd.StderrPipe()
	if err != nil {
		logFile.Close()
		return nil, err
	}
	if err := d.cmd.Start(); err != nil {
		logFile.Close()
		return nil, err
	}
	addr := make(chan string, 1)
	go func() {
		defer logFile.Close()
		s := bufio.NewScanner(io.TeeReader(stderr, logFile))
		for found := false; s.Scan(); {
			if m := listening.FindStringSubmatch(s.Text()); m != nil && !found {
				addr <- m[1]
				found = true
			}
		}
		io.Copy(io.Discard, stderr)
		d.err = d.cmd.Wait()
		close(d.done)
	}()
	select {
	case d.addr = <-addr:
		return d, nil
	case <-d.done:
		return nil, fmt.Errorf("lekwacht run exited at start: %v: %s", d.err, d.log())
	case <-time.After(startTimeout):
		d.stop()
		return nil, fmt.Errorf("lekwacht run not listening after %v: %s", startTimeout, d.log())
	}
}

// exited returns an error once the daemon has exited on its own.
func (d *daemon) exited() error {
	select {
	case <-d.done:
		return fmt.Errorf("lekwacht run exited: %v: %s", d.err, d.log())
	default:
		return nil
	}
}

// stop sends SIGTERM and waits for the daemon to save its state and exit; SIGKILL after a minute.
func (d *daemon) stop() error {
	if d.stopped {
		return nil
	}
	d.stopped = true
	if err := d.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return err
	}
	select {
	case <-d.done:
	case <-time.After(time.Minute):
		d.cmd.Process.Kill()
		<-d.done
		return fmt.Errorf("lekwacht run did not stop within a minute of SIGTERM: %s", d.log())
	}
	if d.err != nil {
		return fmt.Errorf("lekwacht run after SIGTERM: %w: %s", d.err, d.log())
	}
	return nil
}

// log is the end of what the daemon logged, for an error message (the work folder may be removed).
func (d *daemon) log() []byte {
	data, _ := os.ReadFile(d.logPath)
	return tail(data, 2000)
}
