package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// owners lists the uid of everything under dir.
func owners(t *testing.T, dir string) map[string]uint32 {
	t.Helper()
	out := map[string]uint32{}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, _ := d.Info()
		out[p] = info.Sys().(*syscall.Stat_t).Uid
		return nil
	})
	return out
}

// TestRootMadeFilesGoToTheServiceUser: run as root, a command that writes the register (here
// incidents import) gives what it made in register.dir to service_user (nobody stands for it), in a
// register.dir it created as in one the service user owns, leaving other owners' files be; a
// tokens file tokens add creates goes to service_user too. A register.dir root owns gets the chown
// to run when the command wrote there; with no such user on the machine, nothing changes.
func TestRootMadeFilesGoToTheServiceUser(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	dir := t.TempDir()
	cfg := filepath.Join(dir, "lekwacht.yaml")
	write := func(reg, svc string) {
		os.WriteFile(cfg, []byte("organisation: {timezone: Europe/Amsterdam}\nregister: {dir: "+reg+"}\n"+
			"http: {listen: \"127.0.0.1:0\", tokens_file: "+dir+"/tokens.yaml}\nservice_user: "+svc+"\n"), 0o600)
	}
	reg := filepath.Join(dir, "reg")
	write(reg, "nobody")
	_, e, code := run(t, hitLine+"\n", "--config", cfg, "incidents", "import")
	if code != 0 || !strings.Contains(e, "made as root in "+reg+" given to the service user nobody") {
		t.Fatalf("import into a new register: exit %d, %s", code, e)
	}
	for p, uid := range owners(t, reg) {
		if uid != 65534 {
			t.Errorf("%s: uid %d, want nobody's", p, uid)
		}
	}

	theirs := filepath.Join(reg, "someone-elses")
	os.WriteFile(theirs, nil, 0o600)
	os.Chown(theirs, 1234, 1234)
	second := strings.Replace(hitLine, `"pattern":"export"`, `"pattern":"export-2"`, 1)
	if _, e, code := run(t, second+"\n", "--config", cfg, "incidents", "import"); code != 0 {
		t.Fatalf("second import: %d %s", code, e)
	}
	for p, uid := range owners(t, reg) {
		if want := uint32(65534); p != theirs && uid != want || p == theirs && uid != 1234 {
			t.Errorf("%s: uid %d after an import into nobody's register", p, uid)
		}
	}

	mustRun(t, "", "--config", cfg, "tokens", "add", "fg.gerritsen", "--role", "fg")
	if st, _ := os.Stat(filepath.Join(dir, "tokens.yaml")); st.Sys().(*syscall.Stat_t).Uid != 65534 {
		t.Errorf("tokens file made by tokens add is not service_user's")
	}

	rootReg := filepath.Join(dir, "rootreg")
	os.Mkdir(rootReg, 0o700)
	write(rootReg, "nobody")
	_, e, _ = run(t, hitLine+"\n", "--config", cfg, "incidents", "import")
	if !strings.Contains(e, "register.dir "+rootReg+" belongs to root: the service user nobody cannot write there") ||
		!strings.Contains(e, "run: chown -R nobody: "+rootReg) {
		t.Errorf("root's register.dir: %s", e)
	}
	if _, e, _ := run(t, "", "--config", cfg, "incidents", "list"); strings.Contains(e, "belongs to root") {
		t.Errorf("a command that wrote nothing there is told to chown: %s", e)
	}
	for p, uid := range owners(t, rootReg) {
		if uid != 0 {
			t.Errorf("%s in root's register.dir given away: uid %d", p, uid)
		}
	}

	noUser := filepath.Join(dir, "nouser")
	write(noUser, "geen-zulke-gebruiker")
	if _, e, _ := run(t, hitLine+"\n", "--config", cfg, "incidents", "import"); strings.Contains(e, "service user") {
		t.Errorf("no service user on the machine, yet: %s", e)
	}
	for p, uid := range owners(t, noUser) {
		if uid != 0 {
			t.Errorf("%s: uid %d with no service user", p, uid)
		}
	}
}
