package tail

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// harness runs a Tailer and pulls lines with a deadline: tests wait on lines, never on sleeps.
type harness struct {
	t      *testing.T
	tl     *Tailer
	cancel context.CancelFunc
	done   chan error
}

func start(t *testing.T, cfg Config, saved []Position) *harness {
	t.Helper()
	tl, err := New(cfg, saved)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	h := &harness{t: t, tl: tl, cancel: cancel, done: make(chan error, 1)}
	go func() { h.done <- tl.Run(ctx) }()
	t.Cleanup(h.stop)
	return h
}

func (h *harness) stop() {
	if h.cancel != nil {
		h.cancel()
		<-h.done
		h.cancel = nil
	}
}

// expect pulls exactly the wanted lines, in order, acking each.
func (h *harness) expect(want ...string) []Line {
	h.t.Helper()
	var got []Line
	for _, w := range want {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		l, err := h.tl.Next(ctx)
		cancel()
		if err != nil {
			h.t.Fatalf("waiting for %q: %v (got so far %d lines)", w, err, len(got))
		}
		if string(l.Text) != w {
			h.t.Fatalf("got line %q, want %q", l.Text, w)
		}
		h.tl.Ack(l)
		got = append(got, l)
	}
	return got
}

// expectNone checks that nothing more is delivered after a rescan has surely happened: it appends
// a marker line to a probe file in the same folder and waits for it.
func (h *harness) expectNoneBefore(probe string) {
	h.t.Helper()
	appendTo(h.t, probe, "probe")
	h.expect("probe")
}

func appendTo(t *testing.T, path string, lines ...string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, l := range lines {
		if _, err := f.WriteString(l + "\n"); err != nil {
			t.Fatal(err)
		}
	}
}

func seq(prefix string, from, to int) []string {
	var out []string
	for i := from; i <= to; i++ {
		// long enough that a file of a few lines passes the fingerprint length
		out = append(out, fmt.Sprintf("%s %04d %s", prefix, i, strings.Repeat("x", 60)))
	}
	return out
}

func TestMatrix(t *testing.T) {
	cases := []struct {
		name string
		poll time.Duration
		run  func(t *testing.T, h *harness, dir, log string)
	}{
		{"append", 0, func(t *testing.T, h *harness, dir, log string) {
			appendTo(t, log, seq("a", 1, 3)...)
			h.expect(seq("a", 1, 3)...)
			appendTo(t, log, seq("a", 4, 5)...)
			h.expect(seq("a", 4, 5)...)
		}},
		{"partial line waits for its newline", 0, func(t *testing.T, h *harness, dir, log string) {
			f, _ := os.OpenFile(log, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
			f.WriteString("first half ")
			f.Sync()
			appendTo(t, filepath.Join(dir, "other.log"), "other")
			h.expect("other") // the partial line was seen and held back
			f.WriteString("second half\n")
			f.Close()
			h.expect("first half second half")
		}},
		{"rename and create", 0, func(t *testing.T, h *harness, dir, log string) {
			appendTo(t, log, seq("r", 1, 20)...)
			h.expect(seq("r", 1, 20)...)
			os.Rename(log, filepath.Join(dir, "old.rotated"))
			appendTo(t, filepath.Join(dir, "old.rotated"), seq("r", 21, 22)...) // written after the rename
			appendTo(t, log, seq("r", 23, 24)...)
			h.expect(seq("r", 21, 24)...) // old file drained first
		}},
		{"glob matches the rotated name", 0, func(t *testing.T, h *harness, dir, log string) {
			appendTo(t, log, seq("g", 1, 20)...)
			h.expect(seq("g", 1, 20)...)
			os.Rename(log, log+".1") // test.log.1 matches test.log*
			appendTo(t, log, seq("g", 21, 22)...)
			h.expect(seq("g", 21, 22)...)
			h.expectNoneBefore(filepath.Join(dir, "probe.log"))
		}},
		{"copytruncate", 0, func(t *testing.T, h *harness, dir, log string) {
			appendTo(t, log, seq("c", 1, 20)...)
			h.expect(seq("c", 1, 20)...)
			data, _ := os.ReadFile(log)
			os.WriteFile(log+".1", data, 0o644) // the copy, matched by the glob
			os.Truncate(log, 0)
			appendTo(t, log, seq("c", 21, 22)...)
			h.expect(seq("c", 21, 22)...)
			h.expectNoneBefore(filepath.Join(dir, "probe.log"))
		}},
		{"delete and recreate", 0, func(t *testing.T, h *harness, dir, log string) {
			appendTo(t, log, seq("d", 1, 3)...)
			h.expect(seq("d", 1, 3)...)
			os.Remove(log)
			appendTo(t, log, seq("d", 4, 5)...)
			h.expect(seq("d", 4, 5)...)
		}},
		{"symlink retargeted", 0, func(t *testing.T, h *harness, dir, log string) {
			a, b := filepath.Join(dir, "a.data"), filepath.Join(dir, "b.data")
			appendTo(t, a, "in a")
			os.Symlink(a, log)
			h.expect("in a")
			appendTo(t, b, "in b")
			os.Remove(log)
			os.Symlink(b, log)
			h.expect("in b")
		}},
		{"long line cut, next intact", 0, func(t *testing.T, h *harness, dir, log string) {
			appendTo(t, log, strings.Repeat("L", 10<<20), "after")
			ls := h.expect(strings.Repeat("L", 4096), "after")
			if !ls[0].Truncated || ls[1].Truncated || ls[1].Offset != 10<<20+1 {
				t.Fatalf("truncated=%v/%v offset=%d", ls[0].Truncated, ls[1].Truncated, ls[1].Offset)
			}
			if h.tl.Stats().Truncated != 1 {
				t.Errorf("truncated count %d", h.tl.Stats().Truncated)
			}
		}},
		{"poll mode", 20 * time.Millisecond, func(t *testing.T, h *harness, dir, log string) {
			appendTo(t, log, seq("p", 1, 20)...)
			h.expect(seq("p", 1, 20)...)
			os.Rename(log, filepath.Join(dir, "old.rotated"))
			appendTo(t, log, "new file")
			h.expect("new file")
		}},
		{"file appearing later", 0, func(t *testing.T, h *harness, dir, log string) {
			appendTo(t, filepath.Join(dir, "later.log"), "late")
			h.expect("late")
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			h := start(t, Config{Paths: []string{filepath.Join(dir, "*.log*")}, MaxLineBytes: 4096, Poll: c.poll}, nil)
			c.run(t, h, dir, filepath.Join(dir, "test.log"))
		})
	}
}

// A restart resumes at the acknowledged offsets, also for a file renamed while down, and reads an
// inode-reused or truncated file from the start.
func TestRestartFromPositions(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "app.log")
	cfg := Config{Paths: []string{filepath.Join(dir, "app.log*")}}
	appendTo(t, log, seq("s", 1, 30)...)
	h := start(t, cfg, nil)
	h.expect(seq("s", 1, 20)...) // lines 21..30 are read but not acknowledged
	h.stop()
	saved := h.tl.Positions()
	path := filepath.Join(dir, "positions.json")
	if err := SaveCheckpoint(path, Checkpoint{Version: 1, Inputs: map[string][]Position{"app": saved}}); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Errorf("checkpoint mode %v", st.Mode().Perm())
	}
	cp, err := LoadCheckpoint(path)
	if err != nil {
		t.Fatal(err)
	}
	// While down: more lines, then a rotation by rename + create.
	appendTo(t, log, seq("s", 31, 32)...)
	os.Rename(log, log+".1")
	appendTo(t, log, seq("s", 33, 34)...)
	h = start(t, cfg, cp.Inputs["app"])
	got := map[string]bool{}
	for i := 0; i < 14; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		l, err := h.tl.Next(ctx)
		cancel()
		if err != nil {
			t.Fatalf("after restart, line %d: %v", i, err)
		}
		if got[string(l.Text)] {
			t.Fatalf("line %q twice", l.Text)
		}
		got[string(l.Text)] = true
		h.tl.Ack(l)
	}
	for _, w := range seq("s", 21, 34) {
		if !got[w] {
			t.Errorf("line %q lost", w)
		}
	}
	h.expectNoneBefore(filepath.Join(dir, "app.log.probe"))
}

func TestNoCheckpointFileIsEmpty(t *testing.T) {
	cp, err := LoadCheckpoint(filepath.Join(t.TempDir(), "none.json"))
	if err != nil || len(cp.Inputs) != 0 || cp.Sinks == nil {
		t.Fatalf("%+v %v", cp, err)
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	if _, err := New(Config{}, nil); err == nil {
		t.Error("no paths accepted")
	}
	if _, err := New(Config{Paths: []string{"/var/log/[x"}}, nil); err == nil {
		t.Error("bad glob accepted")
	}
}

// The real logrotate, as a gemeente's log server runs it: create (rename) and copytruncate.
func TestLogrotate(t *testing.T) {
	bin, err := exec.LookPath("logrotate")
	if err != nil {
		t.Skip("logrotate not installed (.ci/run installs it)")
	}
	for _, mode := range []string{"create", "copytruncate"} {
		t.Run(mode, func(t *testing.T) {
			dir := t.TempDir()
			log := filepath.Join(dir, "mail.log")
			conf := filepath.Join(dir, "logrotate.conf")
			os.WriteFile(conf, []byte(fmt.Sprintf("%s {\n  rotate 3\n  %s\n  missingok\n}\n", log, mode)), 0o644)
			h := start(t, Config{Paths: []string{log + "*"}}, nil)
			for round := 0; round < 3; round++ {
				lines := seq(fmt.Sprintf("%s-%d", mode, round), 1, 20)
				appendTo(t, log, lines...)
				h.expect(lines...)
				out, err := exec.Command(bin, "-f", "-s", filepath.Join(dir, "state"), conf).CombinedOutput()
				if err != nil {
					t.Fatalf("logrotate: %v\n%s", err, out)
				}
			}
			appendTo(t, log, "after rotations")
			h.expect("after rotations")
			h.expectNoneBefore(log + ".probe")
		})
	}
}

func BenchmarkAppendToLine(b *testing.B) {
	dir := b.TempDir()
	log := filepath.Join(dir, "b.log")
	os.WriteFile(log, nil, 0o644)
	tl, _ := New(Config{Paths: []string{log}}, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go tl.Run(ctx)
	f, _ := os.OpenFile(log, os.O_APPEND|os.O_WRONLY, 0)
	defer f.Close()
	for b.Loop() {
		f.WriteString("Nov 23 10:00:00 srv sshd[1]: Accepted password for x from 192.0.2.1 port 1 ssh2\n")
		l, err := tl.Next(ctx)
		if err != nil {
			b.Fatal(err)
		}
		tl.Ack(l)
	}
}

// logBuffer is a log a test reads while the tailer writes it.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}
func (l *logBuffer) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

// TestRotationsAreLogged: the tailer logs each file it starts following, a rename within its globs,
// a file rotated out of them, the rotated file let go once read and gone, and a copytruncate.
func TestRotationsAreLogged(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.log"), filepath.Join(dir, "b.log")
	appendTo(t, a, "a1")
	appendTo(t, b, "b1")
	logs := &logBuffer{}
	h := start(t, Config{Paths: []string{a + "*", b}, Logger: slog.New(slog.NewTextHandler(logs, nil))}, nil)
	got := map[string]bool{}
	for _, l := range h.expect2(2) {
		got[string(l.Text)] = true
	}
	if !got["a1"] || !got["b1"] {
		t.Fatalf("lines %v", got)
	}
	os.Rename(a, a+".1") // still matched by a.log*: renamed
	appendTo(t, a, "a2")
	h.expect("a2")
	os.Rename(b, b+".1") // no longer matched: rotated away
	appendTo(t, b, "b2")
	h.expect("b2")
	os.Remove(b + ".1") // read to its end and gone: let go
	f, _ := os.OpenFile(a, os.O_TRUNC|os.O_WRONLY, 0)
	f.WriteString("a3, after a copytruncate\n")
	f.Close()
	h.expect("a3, after a copytruncate")
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(logs.String(), "log file let go") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	for _, want := range []string{
		`msg="log file followed" file=` + a + " offset=0",
		`msg="log file followed" file=` + b + " offset=0",
		`msg="log file rotated: renamed, followed under its new name" file=` + a + " now=" + a + ".1",
		`msg="log file rotated away: read to its end, then let go" file=` + b,
		`msg="rotated-away log file let go: read to its end (file is the name it had)" file=` + b + " offset=3",
		`msg="log file truncated (copytruncate): read again from its start" file=` + a,
	} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %s:\n%s", want, logs.String())
		}
	}
}

// expect2 pulls n lines in any order, acking each.
func (h *harness) expect2(n int) []Line {
	h.t.Helper()
	var got []Line
	for range n {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		l, err := h.tl.Next(ctx)
		cancel()
		if err != nil {
			h.t.Fatalf("waiting for line %d of %d: %v", len(got)+1, n, err)
		}
		h.tl.Ack(l)
		got = append(got, l)
	}
	return got
}

// TestAWriteReadsOnlyTheFileWritten: with fsnotify, a wake by writes alone reads the files written
// without looking at every file (no glob, no stat of the others); a file created, a rename or a
// removal makes it look at every file again, and the rotation matrix above holds either way.
func TestAWriteReadsOnlyTheFileWritten(t *testing.T) {
	dir := t.TempDir()
	var paths []string
	for i := range 20 {
		p := filepath.Join(dir, fmt.Sprintf("f%02d.log", i))
		appendTo(t, p, fmt.Sprintf("first %d", i))
		paths = append(paths, p)
	}
	h := start(t, Config{Paths: []string{filepath.Join(dir, "*.log")}, Rescan: time.Hour}, nil)
	h.expect2(20)
	scans := h.tl.Stats().Scans
	for i := range 10 {
		line := fmt.Sprintf("appended %d", i)
		appendTo(t, paths[i*7%20], line)
		h.expect(line)
	}
	if got := h.tl.Stats().Scans; got != scans {
		t.Errorf("%d looks at every file for 10 appends: want none (each wake reads the file written)", got-scans)
	}
	appendTo(t, filepath.Join(dir, "new.log"), "a new file")
	h.expect("a new file")
	if got := h.tl.Stats().Scans; got == scans {
		t.Error("a new file was read without a look at every file")
	}
	scans = h.tl.Stats().Scans
	os.Rename(paths[3], paths[3]+".1") // rotated away: read to its end, then let go
	appendTo(t, paths[3], "after the rotation")
	h.expect("after the rotation")
	if got := h.tl.Stats().Scans; got == scans {
		t.Error("a rotation was followed without a look at every file")
	}
}
