// Command peers is make bench's comparison with the log tools already on a log server: per format,
// lekwacht parse, rsyslog (imfile; mmnormalize for the syslog envelope, mmjsonparse for JSON) and
// syslog-ng (file source; its syslog parser, json-parser for JSON) read the same generated file and
// write JSON lines to a file, each pinned to one core, timed until the last line is out. It prints
// MB/s and lines/s of each and lekwacht's ratio to each peer; it does not pass or fail.
//
// scripts/peers.sh brings the peers (Debian's packages, unpacked when not installed) and names
// their root with -root.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/lekwacht/lekwacht/bench/internal/corpus"
	"github.com/lekwacht/lekwacht/bench/internal/lwrun"
	"github.com/lekwacht/lekwacht/collectors"
)

var (
	sizeMB   = flag.Int("size", 64, "size of each generated file in MB")
	only     = flag.String("formats", "", "comma-separated formats (default all)")
	dir      = flag.String("dir", "", "work folder (default a temporary one, removed afterwards)")
	root     = flag.String("root", "", "where the peers' Debian packages are unpacked (empty: installed on the system)")
	cpu      = flag.String("cpu", "1", "the core every measured process is pinned to (taskset -c); empty: not pinned")
	bin      = flag.String("bin", "", "lekwacht binary (default: built from the current sources)")
	timeout  = flag.Duration("timeout", 10*time.Minute, "longest wait for one run's last line")
	stall    = flag.Duration("stall", 15*time.Second, "a run whose output has not grown for this long is given up")
	repoRoot = flag.String("repo", ".", "repository root (for collectors/*/testdata and mappings)")
)

// kind is what a peer parses of a format's lines.
type kind int

const (
	kindSyslog kind = iota // the syslog envelope: time, host, tag; the message as text
	kindJSON               // the whole JSON object
	kindLine               // nothing: the line becomes the message (the peers have no parser for it)
)

func (k kind) String() string {
	return [...]string{"syslog envelope", "JSON object", "line as message"}[k]
}

var kinds = map[string]kind{
	"postfix": kindSyslog, "samba-audit": kindSyslog, "sshd": kindSyslog, "snare": kindSyslog,
	"winlog-json": kindJSON, "json": kindJSON,
}

func main() {
	flag.Parse()
	work := *dir
	if work == "" {
		var err error
		if work, err = os.MkdirTemp("", "lekwacht-peers-"); err != nil {
			fail(err)
		}
		defer os.RemoveAll(work)
	}
	work, _ = filepath.Abs(work)
	lw, err := lwrun.Build(*bin, work)
	if err != nil {
		fail(err)
	}
	peers := []peer{rsyslog{root: *root}, syslogNG{root: *root}}
	fmt.Printf("lekwacht vs rsyslog and syslog-ng: %d MB per format, every process pinned to core %q (GOMAXPROCS=1 for lekwacht), %s/%s, %s\n",
		*sizeMB, *cpu, runtime.GOOS, runtime.GOARCH, time.Now().Format(time.RFC3339))
	for _, p := range peers {
		fmt.Printf("  %s: %s\n", p.name(), p.version())
	}
	fmt.Println("Each writes one JSON line per input line (lekwacht: per event) to a file; a peer's time runs from its start until its output has as many lines as the input.")
	fmt.Println()
	fmt.Printf("%-18s %-15s %9s | %8s %10s | %-9s %8s %10s %7s | %-9s %8s %10s %7s\n", "FORMAT", "PEERS PARSE", "LINES",
		"LW MB/s", "lines/s", "PEER", "MB/s", "lines/s", "LW/x", "PEER", "MB/s", "lines/s", "LW/x")
	for _, f := range collectors.Formats() {
		if *only != "" && !contains(strings.Split(*only, ","), f.Name) {
			continue
		}
		if err := benchFormat(work, lw, f, peers); err != nil {
			fmt.Printf("%-18s error: %v\n", f.Name, err)
		}
	}
}

// result is one measured run.
type result struct {
	d   time.Duration
	out int64 // output lines
	err error
}

func benchFormat(work, lw string, f collectors.Format, peers []peer) error {
	c, err := corpus.Make(*repoRoot, work, f, *sizeMB)
	if err != nil {
		return err
	}
	defer os.Remove(c.Path)
	in, n, mb := c.Path, c.Lines, c.MB
	k, ok := kinds[f.Name]
	if !ok {
		k = kindLine
	}

	own := runLekwacht(work, lw, f.Name, in)
	if own.err != nil {
		return fmt.Errorf("lekwacht parse: %w", own.err)
	}
	row := fmt.Sprintf("%-18s %-15s %9d | %8.1f %10.0f", f.Name, k, n, mb/own.d.Seconds(), float64(n)/own.d.Seconds())
	for _, p := range peers {
		r := runPeer(work, p, k, in, n)
		switch {
		case r.err != nil:
			row += fmt.Sprintf(" | %-9s %s", p.name(), oneLine(r.err))
		default:
			row += fmt.Sprintf(" | %-9s %8.1f %10.0f %6.2fx", p.name(), mb/r.d.Seconds(), float64(n)/r.d.Seconds(), r.d.Seconds()/own.d.Seconds())
		}
	}
	fmt.Println(row)
	return nil
}

// pinned prefixes a command with taskset when a core is chosen and taskset exists.
func pinned(name string, args ...string) *exec.Cmd {
	if *cpu != "" {
		if ts, err := exec.LookPath("taskset"); err == nil {
			return exec.Command(ts, append([]string{"-c", *cpu, name}, args...)...)
		}
	}
	return exec.Command(name, args...)
}

// runLekwacht times lekwacht parse from start to exit, its JSON lines in a file.
func runLekwacht(work, lw, format, in string) result {
	out := filepath.Join(work, "lekwacht.json")
	defer os.Remove(out)
	args := []string{"parse", "--format", format}
	if m := corpus.MappingFile(format); m != "" {
		args = append(args, "--mapping", filepath.Join(*repoRoot, m))
	}
	fh, err := os.Create(out)
	if err != nil {
		return result{err: err}
	}
	defer fh.Close()
	cmd := pinned(lw, append(args, in)...)
	cmd.Env = append(os.Environ(), "GOMAXPROCS=1")
	cmd.Stdout = fh
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return result{err: fmt.Errorf("%w: %s", err, lastLine(stderr.String()))}
	}
	d := time.Since(start)
	if summary := lastLine(stderr.String()); !strings.HasSuffix(summary, " 0 rejected") {
		return result{err: fmt.Errorf("lines rejected: %s", summary)}
	}
	lines, err := countLines(out)
	return result{d: d, out: lines, err: err}
}

// runPeer starts a peer on the file and waits until its output has want lines.
func runPeer(work string, p peer, k kind, in string, want int64) result {
	pd := filepath.Join(work, p.name())
	os.RemoveAll(pd)
	if err := os.MkdirAll(pd, 0o755); err != nil {
		return result{err: err}
	}
	defer os.RemoveAll(pd)
	out := filepath.Join(pd, "out.json")
	cmd, err := p.command(pd, k, in, out)
	if err != nil {
		return result{err: err}
	}
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	if os.Getenv("PEERS_DEBUG") != "" {
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return result{err: err}
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	var c counter
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	grew, seen := time.Now(), int64(0)
	for {
		if err := c.update(out); err != nil {
			return result{err: err}
		}
		if c.lines >= want {
			return result{d: time.Since(start), out: c.lines}
		}
		if c.lines != seen {
			grew, seen = time.Now(), c.lines
		} else if time.Since(grew) > *stall {
			return result{err: fmt.Errorf("stopped at %d of %d lines", c.lines, want)}
		}
		select {
		case err := <-exited:
			exited <- err
			return result{err: fmt.Errorf("exited after %d of %d lines (%v): %s", c.lines, want, err, lastLine(stderr.String()))}
		case <-ctx.Done():
			return result{err: fmt.Errorf("%d of %d lines after %v", c.lines, want, *timeout)}
		case <-tick.C:
		}
	}
}

// counter counts the lines of a growing file, reading only what was added since the last call.
type counter struct {
	off   int64
	lines int64
	buf   []byte
}

func (c *counter) update(path string) error {
	fh, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer fh.Close()
	if c.buf == nil {
		c.buf = make([]byte, 1<<20)
	}
	for {
		n, err := fh.ReadAt(c.buf, c.off)
		c.off += int64(n)
		c.lines += int64(bytes.Count(c.buf[:n], []byte{'\n'}))
		if err == io.EOF || n == 0 {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

func countLines(path string) (int64, error) {
	var c counter
	err := c.update(path)
	return c.lines, err
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	return s
}

func oneLine(err error) string { return strings.ReplaceAll(err.Error(), "\n", " ") }

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "peers:", err)
	os.Exit(1)
}
