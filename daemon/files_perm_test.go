package daemon

// The files lekwacht writes hold personal data (evidence, events, rejected lines) or secrets' hashes:
// only its own account may read them, whatever the umask of the process that starts it.

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/lekwacht/lekwacht/config"
	"github.com/lekwacht/lekwacht/register"
	"github.com/lekwacht/lekwacht/server"
)

// permMode fails the test unless path exists with exactly mode.
func permMode(t *testing.T, path string, want fs.FileMode) {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Errorf("%s: %v", path, err)
		return
	}
	if got := st.Mode().Perm(); got != want {
		t.Errorf("%s: mode %04o, want %04o", path, got, want)
	}
}

func TestFilesArePrivateUnderUmaskZero(t *testing.T) {
	old := syscall.Umask(0) // the loosest umask: every mode below is lekwacht's own choice
	t.Cleanup(func() { syscall.Umask(old) })

	dir := t.TempDir()
	logDir, watchDir := filepath.Join(dir, "log"), filepath.Join(dir, "watch")
	for _, d := range []string{logDir, watchDir} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	logFile := filepath.Join(logDir, "audit.log")
	var b strings.Builder
	for i := range 3 {
		b.WriteString(permAuditLine(i))
	}
	b.WriteString("garbage that is no Samba audit line\n") // a rejects file
	if err := os.WriteFile(logFile, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	// A watched file with BSNs: preserved as evidence under evidence/.
	if err := os.WriteFile(filepath.Join(watchDir, "lijst.csv"), []byte("bsn;naam\n"+strings.Join(injBSNs(30, 1), ";x\n")+";x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := testConfig(t, dir, config.Input{Name: "shares", Format: "samba-audit", Paths: []string{logFile}})
	cfg.Watch = []config.Watch{{Path: watchDir}}
	cfg.Register.Dir = filepath.Join(dir, "var", "reg") // parents made too

	sum, err := Replay(t.Context(), cfg, ReplayOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Incidents == 0 || sum.Rejected == 0 {
		t.Fatalf("replay %s: want an incident (the watched file) and a rejected line", sum)
	}
	reg := cfg.Register.Dir
	permMode(t, reg, 0o700)
	permMode(t, filepath.Join(reg, register.EvidenceDir), 0o700)
	permMode(t, filepath.Join(reg, register.DBFile), 0o600)
	permMode(t, filepath.Join(reg, "rejects"), 0o700)
	permMode(t, rejectsPath(cfg, "shares"), 0o600)
	permMode(t, cfg.Events.File, 0o600)
	evidence, _ := os.ReadDir(filepath.Join(reg, register.EvidenceDir))
	if len(evidence) != 1 {
		t.Fatalf("evidence/ holds %d files, want the preserved watched file", len(evidence))
	}
	for _, e := range evidence {
		// register/add.go preserveFile: written once, then read-only, never modified.
		permMode(t, filepath.Join(reg, register.EvidenceDir, e.Name()), 0o400)
	}

	// A run: it reads on, checkpoints and keeps the detectors' state on a clean stop.
	f, err := os.OpenFile(logFile, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(permAuditLine(3))
	f.Close()
	before := countLines(cfg.Events.File)
	runUntil(t, cfg, func() bool { return countLines(cfg.Events.File) > before })
	permMode(t, filepath.Join(reg, "positions.json"), 0o600)
	permMode(t, filepath.Join(reg, StateFile), 0o600)
	permMode(t, cfg.Events.File, 0o600)

	// The tokens file `lekwacht tokens add` writes.
	tokens := filepath.Join(dir, "etc", "tokens.yaml")
	os.MkdirAll(filepath.Dir(tokens), 0o700)
	if _, err := server.AddToken(tokens, "fg", server.RoleFG); err != nil {
		t.Fatal(err)
	}
	if _, err := server.AddToken(tokens, "beheer", server.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	permMode(t, tokens, 0o600)

	// While the register is open, SQLite's -wal and -shm files take the database file's mode.
	r, err := register.Open(t.Context(), reg, register.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := r.List(t.Context(), register.Filter{}); err != nil {
		t.Fatal(err)
	}
	for _, side := range []string{"-wal", "-shm"} {
		permMode(t, filepath.Join(reg, register.DBFile+side), 0o600)
	}

	// Nothing under the register is open to the group or others; no temporary file is left.
	filepath.WalkDir(reg, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			t.Error(err)
			return nil
		}
		st, err := os.Lstat(p)
		if err != nil {
			return nil // gone while walking
		}
		if st.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s: mode %04o is open to the group or others", p, st.Mode().Perm())
		}
		if strings.HasPrefix(d.Name(), ".incoming-") || strings.HasPrefix(d.Name(), ".positions.json-") {
			t.Errorf("%s: a temporary file is left", p)
		}
		return nil
	})
}

func permAuditLine(i int) string {
	return "Nov 20 09:0" + string(rune('0'+i)) + ":00 fs01 smbd_audit[4121]: VOORBEELD\\jdevries|10.20.1.15|WS-0042|burgerzaken|unlinkat|ok|/srv/f" +
		string(rune('0'+i)) + ".docx\n"
}
