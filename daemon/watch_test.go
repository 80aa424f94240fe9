package daemon

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lekwacht/lekwacht/config"
	"github.com/lekwacht/lekwacht/register"
)

// TestWatchedFolderFileBecomesIncident: an export with BSNs saved in a subfolder of a watched folder
// (created after the watch started) is inspected once it settles, opens a draft with the file
// preserved as evidence; a file without BSNs opens nothing.
func TestWatchedFolderFileBecomesIncident(t *testing.T) {
	dir := t.TempDir()
	watched := filepath.Join(dir, "exports")
	os.MkdirAll(watched, 0o700)
	cfg := &config.Config{Organisation: config.Organisation{Timezone: "UTC"}, Register: config.Register{Dir: filepath.Join(dir, "reg")},
		Watch: []config.Watch{{Path: watched, Recursive: true}}}
	det, err := openDetection(context.Background(), cfg, slog.New(slog.DiscardHandler), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer det.close()
	files := make(chan watchedFile, 16)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go watchFolders(ctx, cfg.Watch, det.writers, slog.New(slog.DiscardHandler), func(f watchedFile) { files <- f }, nil)

	var b strings.Builder
	b.WriteString("bsn;naam\n")
	for _, n := range []string{"111222333", "123456782", "100000009", "100000010", "100000022"} {
		fmt.Fprintf(&b, "%s;Persoon\n", n)
	}
	// The watch may start after the first write: write until the file event is seen.
	sub := filepath.Join(watched, "team")
	var got watchedFile
	for i := 0; got.ev.File == nil; i++ {
		os.MkdirAll(sub, 0o700)
		os.WriteFile(filepath.Join(sub, "noise.txt"), []byte(fmt.Sprint("geen nummers ", i)), 0o600)
		os.WriteFile(filepath.Join(sub, "lijst.csv"), []byte(b.String()), 0o600)
		select {
		case f := <-files:
			if strings.HasSuffix(f.ev.File.Path, "lijst.csv") {
				got = f
			}
		case <-time.After(500 * time.Millisecond):
		}
	}
	det.observeFile(got)
	// the noise file is inspected too, and reports nothing
	noise, _ := statFile(filepath.Join(sub, "noise.txt"))
	det.observeFile(noise)
	if err := det.flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if det.Created != 1 {
		t.Fatalf("%d incidents opened, want 1", det.Created)
	}
	list, _ := det.reg.List(context.Background(), register.Filter{})
	in, err := det.reg.Show(context.Background(), list[0].ID, "test", "show")
	if err != nil {
		t.Fatal(err)
	}
	if in.Detector != "bulk_bsn_export" || in.Subjects != 5 || len(in.Evidence) != 1 || in.Evidence[0].Kind != "file" {
		t.Fatalf("incident %+v", in)
	}
	f, err := det.reg.EvidenceFile(in.Evidence[0])
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
}

// A folder watched without recursive: true is watched alone, not its subfolders.
func TestTreeWatchRecursion(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "flat", "sub"), 0o700)
	os.MkdirAll(filepath.Join(dir, "deep", "sub", "subsub"), 0o700)
	tw, err := newTreeWatch(slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer tw.w.Close()
	if err := tw.add(filepath.Join(dir, "flat"), false); err != nil {
		t.Fatal(err)
	}
	if err := tw.add(filepath.Join(dir, "deep"), true); err != nil {
		t.Fatal(err)
	}
	if err := tw.add(filepath.Join(dir, "missing"), true); err == nil {
		t.Error("a missing folder was accepted")
	}
	got := tw.w.WatchList()
	slices.Sort(got)
	want := []string{filepath.Join(dir, "deep"), filepath.Join(dir, "deep", "sub"), filepath.Join(dir, "deep", "sub", "subsub"), filepath.Join(dir, "flat")}
	if !slices.Equal(got, want) {
		t.Fatalf("watched %v, want %v", got, want)
	}
}

// The watched-folder tests wait 50 ms for a file to settle, set once for the package before any
// test runs: a test that set it would race with the watch goroutines an earlier test left ending.
func init() { WatchSettle = 50 * time.Millisecond }
