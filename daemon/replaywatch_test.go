package daemon

import (
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
