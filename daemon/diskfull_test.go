package daemon

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lekwacht/lekwacht/collectors/parse"
	"github.com/lekwacht/lekwacht/config"
	"github.com/lekwacht/lekwacht/register"
)

// tmpfs mounts a small tmpfs at dir (root and mount(8) needed; the test is skipped without them).
func tmpfs(t *testing.T, dir, size string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("mounting a small filesystem needs root")
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size+",mode=0700", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs here: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", dir).Run() })
}

// TestDiskFull: the register's filesystem fills up while lines come in. lekwacht keeps running,
// says why in /healthz and holds its positions; when space returns it goes on, and every line ends
// up registered exactly once with the hash chain intact.
func TestDiskFull(t *testing.T) {
	dir := t.TempDir()
	regDir := filepath.Join(dir, "register")
	os.MkdirAll(regDir, 0o700)
	tmpfs(t, regDir, "1m")
	logDir := filepath.Join(dir, "log")
	os.MkdirAll(logDir, 0o755)
	in := config.Input{Name: "zaak", Format: "json", Paths: []string{filepath.Join(logDir, "audit.jsonl")},
		Mapping: &parse.Mapping{Time: "ts", User: "actor", Action: "action", Count: "count", Actions: map[string][]string{"export": {"export.csv"}}}}
	cfg := testConfig(t, dir, in)
	cfg.Register.Dir = regDir
	cfg.Events.File = filepath.Join(regDir, "events.jsonl")
	const total = 300
	f, err := os.Create(filepath.Join(logDir, "audit.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	const broken = 30
	for i := range total {
		// Each an export of 500 records by another employee: a draft each (lw-bulk-bsn-export).
		fmt.Fprintf(f, `{"ts":"2026-11-20T10:%02d:%02d+01:00","actor":"medewerker%04d","action":"export.csv","count":500,"pad":"%s"}`+"\n",
			i/60%60, i%60, i, strings.Repeat("x", 200))
		if i%10 == 5 { // and now and then a broken line, whose reject record must be kept too
			fmt.Fprintf(f, "not json %04d %s\n", i, strings.Repeat("y", 300))
		}
	}
	f.Close()
	d, stop := start(t, cfg, nil)
	waitFor(t, "the disk to fill up", func() bool { return d.writeFailure.Load() != nil }, nil)
	if err := d.health(); err == nil || !strings.Contains(err.Error(), "positions held") {
		t.Fatalf("health while the disk is full: %v", err)
	}
	d.mu.Lock()
	held := d.det.Created
	d.mu.Unlock()
	if held >= total {
		t.Fatalf("the disk never filled: %d incidents", held)
	}
	// Space returns.
	if out, err := exec.Command("mount", "-o", "remount,size=64m", regDir).CombinedOutput(); err != nil {
		t.Fatalf("remount: %v %s", err, out)
	}
	waitFor(t, "every line registered after space returned", func() bool {
		d.mu.Lock()
		defer d.mu.Unlock()
		return d.det.Created == total && d.writeFailure.Load() == nil
	}, func() string {
		return fmt.Sprint(d.writeFailure.Load(), " created ", d.det.Created, " hits ", d.det.Hits, " lines ", d.inputs[0].Counters.Lines.Load(), " events ", d.inputs[0].Counters.Events.Load(), " rejected ", d.inputs[0].Counters.RejectedTotal())
	})
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	reg, err := register.Open(context.Background(), regDir, register.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Close()
	incs, _ := reg.List(context.Background(), register.Filter{})
	items := 0
	for _, in := range incs {
		items += in.EvidenceCount
	}
	rejects, _ := os.ReadFile(filepath.Join(regDir, "rejects", "zaak.jsonl"))
	if n := strings.Count(string(rejects), "\n"); n != broken || d.inputs[0].Counters.RejectedTotal() != broken {
		t.Fatalf("%d reject records and %d counted, want %d each", n, d.inputs[0].Counters.RejectedTotal(), broken)
	}
	for _, l := range strings.Split(strings.TrimSpace(string(rejects)), "\n") {
		if !strings.HasPrefix(l, "{") || !strings.HasSuffix(l, "}") {
			t.Fatalf("a broken reject record: %q", l)
		}
	}
	rep, err := reg.Verify(context.Background())
	if err != nil || !rep.OK() || len(incs) != total || items != total {
		t.Fatalf("after the disk was full: %d incidents, %d evidence items (want %d each), verify %v %v", len(incs), items, total, rep, err)
	}
	t.Logf("RELIABILITY | register's disk full | a 1 MB tmpfs filled after %d of %d drafts, then grown | positions held while full, lost 0, doubled 0, verify clean", held, total)
}

// TestRejectOnAFullDisk: a broken line comes in while the register's disk is full; its reject
// record waits (positions held) and is written once when space returns.
func TestRejectOnAFullDisk(t *testing.T) {
	dir := t.TempDir()
	regDir := filepath.Join(dir, "register")
	os.MkdirAll(regDir, 0o700)
	tmpfs(t, regDir, "2m")
	logDir := filepath.Join(dir, "log")
	os.MkdirAll(logDir, 0o755)
	cfg := testConfig(t, dir, config.Input{Name: "ssh", Format: "sshd", Paths: []string{filepath.Join(logDir, "auth.log")}})
	cfg.Register.Dir = regDir
	appendLines(t, filepath.Join(logDir, "auth.log"), 1, 5)
	d, stop := start(t, cfg, nil)
	waitFor(t, "the first lines", func() bool { return d.inputs[0].Counters.Lines.Load() == 5 }, nil)
	// Fill the disk to the last byte.
	filler := filepath.Join(regDir, "filler")
	f, _ := os.Create(filler)
	buf := make([]byte, 64<<10)
	for {
		if _, err := f.Write(buf); err != nil {
			break
		}
	}
	for {
		if _, err := f.Write(buf[:512]); err != nil {
			break
		}
	}
	f.Close()
	lf, _ := os.OpenFile(filepath.Join(logDir, "auth.log"), os.O_APPEND|os.O_WRONLY, 0o644)
	lf.WriteString(strings.Repeat("\x01broken line\x02 ", 400) + "\n")
	lf.Close()
	waitFor(t, "the reject held", func() bool { return d.writeFailure.Load() != nil }, nil)
	os.Remove(filler)
	waitFor(t, "the reject written once space returned", func() bool {
		b, _ := os.ReadFile(filepath.Join(regDir, "rejects", "ssh.jsonl"))
		return strings.Count(string(b), "\n") == 1 && d.writeFailure.Load() == nil
	}, nil)
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(filepath.Join(regDir, "rejects", "ssh.jsonl"))
	if !strings.HasPrefix(string(b), "{") || strings.Count(string(b), "\n") != 1 || d.inputs[0].Counters.RejectedTotal() != 1 {
		t.Fatalf("rejects file %q, %d counted", b, d.inputs[0].Counters.RejectedTotal())
	}
	t.Logf("RELIABILITY | a broken line while the disk is full | the register's tmpfs filled to the last byte, a malformed line appended | its reject record held, then written once; lost 0")
}
