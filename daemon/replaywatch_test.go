package daemon

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lekwacht/lekwacht/config"
)

// TestReplayOfWatchedFilesAlone: with no log file to read but files in a watch: folder, replay
// inspects those files instead of stopping with "no files to replay"; with neither, it stops.
func TestReplayOfWatchedFilesAlone(t *testing.T) {
	dir := t.TempDir()
	watchDir := filepath.Join(dir, "exports")
	os.MkdirAll(watchDir, 0o755)
	cfg := testConfig(t, dir, config.Input{Name: "ssh", Format: "sshd", Paths: []string{filepath.Join(dir, "auth.log")}})
	cfg.Watch = []config.Watch{{Path: watchDir}}
	if _, err := Replay(t.Context(), cfg, ReplayOptions{}); err == nil || !strings.Contains(err.Error(), "no files to replay") {
		t.Fatalf("no logs, no watched files: %v", err)
	}
	os.WriteFile(filepath.Join(watchDir, "lijst.csv"), []byte("bsn;naam\n"+strings.Join(injBSNs(30, 1), ";x\n")+";x\n"), 0o644)
	sum, err := Replay(t.Context(), cfg, ReplayOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Incidents != 1 {
		t.Errorf("replay of a watched folder alone: %s, want the file's incident", sum)
	}
}

// TestRunInspectsFilesPresentAtStart: a file already in a watch: folder when run starts is inspected
// (its incident opened), and so is one that appears while run starts (after New, before the folders
// are watched); after a restart neither is inspected again (their content hashes are remembered in
// register.dir/inspected.json), and neither is a copy under another name.
func TestRunInspectsFilesPresentAtStart(t *testing.T) {
	dir := t.TempDir()
	watchDir := filepath.Join(dir, "exports")
	os.MkdirAll(watchDir, 0o755)
	list := []byte("bsn;naam\n" + strings.Join(injBSNs(30, 1), ";x\n") + ";x\n")
	os.WriteFile(filepath.Join(watchDir, "lijst.csv"), list, 0o644)
	cfg := testConfig(t, dir, config.Input{Name: "ssh", Format: "sshd", Paths: []string{filepath.Join(dir, "auth.log")}})
	cfg.Watch = []config.Watch{{Path: watchDir}}
	created := func(d *Daemon) int64 { d.mu.Lock(); defer d.mu.Unlock(); return d.det.Created }

	inspected := func(d *Daemon) int64 { return d.det.writers.ByOwner.Load() + d.det.writers.ByWriter.Load() }
	list2 := []byte("bsn;naam\n" + strings.Join(injBSNs(30, 2), ";x\n") + ";x\n")
	d, stop := startWith(t, cfg, nil, func(*Daemon) { os.WriteFile(filepath.Join(watchDir, "tijdens-start.csv"), list2, 0o644) })
	waitFor(t, "the files present at start inspected", func() bool { return d.presentInspected.Load() && inspected(d) == 2 },
		func() string { return fmt.Sprint(inspected(d), " inspected") })
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	d.Close()
	if _, err := os.Stat(filepath.Join(cfg.Register.Dir, InspectedFile)); err != nil {
		t.Fatal(err)
	}

	os.WriteFile(filepath.Join(watchDir, "kopie.csv"), list, 0o644)
	d2, stop2 := start(t, cfg, nil)
	waitFor(t, "the start-up inspection", d2.presentInspected.Load, nil)
	if err := stop2(); err != nil {
		t.Fatal(err)
	}
	if n := created(d2); n != 0 {
		t.Errorf("a restart opened %d incidents for files inspected before", n)
	}
	if n := inspected(d2); n != 0 {
		t.Errorf("a restart inspected %d files again", n)
	}
}

// TestReplayRemembersInspectedFiles: a second replay of the same watch: folder inspects nothing again.
func TestReplayRemembersInspectedFiles(t *testing.T) {
	dir := t.TempDir()
	watchDir := filepath.Join(dir, "exports")
	os.MkdirAll(watchDir, 0o755)
	os.WriteFile(filepath.Join(watchDir, "lijst.csv"), []byte("bsn;naam\n"+strings.Join(injBSNs(30, 1), ";x\n")+";x\n"), 0o644)
	cfg := testConfig(t, dir, config.Input{Name: "ssh", Format: "sshd", Paths: []string{filepath.Join(dir, "auth.log")}})
	cfg.Watch = []config.Watch{{Path: watchDir}}
	if sum, err := Replay(t.Context(), cfg, ReplayOptions{}); err != nil || sum.Incidents != 1 {
		t.Fatalf("first replay: %s %v", sum, err)
	}
	sum, err := Replay(t.Context(), cfg, ReplayOptions{})
	if err != nil || sum.Incidents != 0 || sum.Hits != 0 {
		t.Errorf("second replay: %s %v, want nothing inspected", sum, err)
	}
}
