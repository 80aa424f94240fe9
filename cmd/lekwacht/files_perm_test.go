package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// The commands that write registers, exports and tokens leave them readable by their own account
// only, also when started with umask 0 (the binary inherits the test's umask).
func TestCommandsWritePrivateFilesUnderUmaskZero(t *testing.T) {
	old := syscall.Umask(0)
	t.Cleanup(func() { syscall.Umask(old) })
	cfg, dir := registerConfig(t)
	mustRun(t, hitLine+"\n", "--config", cfg, "incidents", "import")
	id := "LW-" + strings.Split(strings.Split(mustRun(t, "", "--config", cfg, "incidents", "list"), "LW-")[1], " ")[0]
	out := filepath.Join(dir, "out")
	if err := os.Mkdir(out, 0o777); err != nil { // the FG's own folder, open: the files must not be
		t.Fatal(err)
	}
	mustRun(t, "", "--config", cfg, "export", "register", "--out", filepath.Join(out, "register.csv"))
	mustRun(t, "", "--config", cfg, "export", "register", "--format", "xlsx", "--out", filepath.Join(out, "register.xlsx"))
	mustRun(t, "", "--config", cfg, "export", "evidence", id, "--out", filepath.Join(out, "bewijs.zip"), "--by", "recherche")
	mustRun(t, "", "tokens", "add", "fg.gerritsen", "--role", "fg", "--file", filepath.Join(dir, "tokens.yaml"))

	for path, want := range map[string]os.FileMode{
		filepath.Join(dir, "reg"):                0o700,
		filepath.Join(dir, "reg", "evidence"):    0o700,
		filepath.Join(dir, "reg", "register.db"): 0o600,
		filepath.Join(out, "register.csv"):       0o600,
		filepath.Join(out, "register.xlsx"):      0o600,
		filepath.Join(out, "bewijs.zip"):         0o600,
		filepath.Join(dir, "tokens.yaml"):        0o600,
	} {
		st, err := os.Stat(path)
		if err != nil {
			t.Errorf("%s: %v", path, err)
			continue
		}
		if got := st.Mode().Perm(); got != want {
			t.Errorf("%s: mode %04o, want %04o", path, got, want)
		}
	}
}
