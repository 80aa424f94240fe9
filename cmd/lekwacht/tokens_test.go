package main

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"os/user"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// TestTokensListRevoke: tokens list shows name, role and when made; revoke removes one entry and
// keeps the file's mode (and, as root, its owner); a name not in the file is exit 2.
func TestTokensListRevoke(t *testing.T) {
	file := filepath.Join(t.TempDir(), "tokens.yaml")
	for _, a := range [][]string{{"security.team", "analyst"}, {"fg.gerritsen", "fg"}} {
		if _, e, code := run(t, "", "tokens", "add", a[0], "--role", a[1], "--file", file); code != 0 {
			t.Fatalf("add %s: exit %d %s", a[0], code, e)
		}
	}
	out, e, code := run(t, "", "tokens", "list", "--file", file)
	if code != 0 || !strings.Contains(out, "security.team") || !strings.Contains(out, "fg.gerritsen") || !strings.Contains(out, "analyst") ||
		strings.Count(out, "T") < 3 /* header and two RFC 3339 times */ || strings.Contains(out, "lw_") {
		t.Fatalf("list: exit %d\n%s%s", code, out, e)
	}
	root := os.Geteuid() == 0
	if root {
		os.Chown(file, 65534, 65534) // the service user's, say
	}
	if _, e, code := run(t, "", "tokens", "revoke", "security.team", "--file", file); code != 0 {
		t.Fatalf("revoke: exit %d %s", code, e)
	}
	out, _, _ = run(t, "", "tokens", "list", "--file", file)
	if strings.Contains(out, "security.team") || !strings.Contains(out, "fg.gerritsen") {
		t.Errorf("after revoke:\n%s", out)
	}
	st, _ := os.Stat(file)
	if st.Mode().Perm() != 0o600 {
		t.Errorf("mode %04o after revoke, want 0600", st.Mode().Perm())
	}
	if sys := st.Sys().(*syscall.Stat_t); root && (sys.Uid != 65534 || sys.Gid != 65534) {
		t.Errorf("owner %d:%d after revoke, want 65534:65534 as before", sys.Uid, sys.Gid)
	}
	if _, e, code := run(t, "", "tokens", "revoke", "nobody.here", "--file", file); code != 2 || !strings.Contains(e, `no such token "nobody.here"`) {
		t.Errorf("revoke of an unknown name: exit %d %s", code, e)
	}
	if _, e, code := run(t, "", "tokens", "revoke", "fg.gerritsen", "--file", file); code != 0 {
		t.Fatalf("revoke the last: exit %d %s", code, e)
	}
	if out, e, code := run(t, "", "tokens", "list", "--file", file); code != 0 || strings.Contains(out, "fg.gerritsen") {
		t.Errorf("list of an emptied file: exit %d\n%s%s", code, out, e)
	}
}

// TestTokensFileForTheServiceUser: a tokens file the service user cannot read gets a hint naming
// the user and the chown to run; as root, a file tokens add makes is given to the service user.
func TestTokensFileForTheServiceUser(t *testing.T) {
	svc, err := user.Lookup("nobody")
	if err != nil || svc.Uid == strconv.Itoa(os.Geteuid()) {
		t.Skip("no user nobody to stand for the service user")
	}
	file := filepath.Join(t.TempDir(), "tokens.yaml")
	os.WriteFile(file, []byte("tokens: []\n"), 0o600)
	var hint bytes.Buffer
	readableHint(&hint, file, "nobody")
	if !strings.Contains(hint.String(), "the service user nobody cannot read it") || !strings.Contains(hint.String(), "chown nobody: "+file) {
		t.Errorf("hint: %q", hint.String())
	}
	if os.Geteuid() != 0 {
		return
	}
	var said bytes.Buffer
	giveServiceUser(&said, file, "nobody")
	st, _ := os.Stat(file)
	if sys := st.Sys().(*syscall.Stat_t); sys.Uid != 65534 {
		t.Errorf("owner %d, want nobody's (%s)", sys.Uid, said.String())
	}
	hint.Reset()
	readableHint(&hint, file, "nobody")
	if hint.Len() != 0 {
		t.Errorf("hint for a file the user can read: %q", hint.String())
	}
}

// TestTokensLastUsedAndRevokeWithoutSignal: with a real daemon, a request with a token shows in
// tokens list as its last use (a token never used shows -); tokens revoke takes effect without a
// reload: the daemon refuses the token once the file changes.
func TestTokensLastUsedAndRevokeWithoutSignal(t *testing.T) {
	dir := t.TempDir()
	addr := freeAddr(t)
	tokens := filepath.Join(dir, "tokens.yaml")
	cfg := filepath.Join(dir, "lekwacht.yaml")
	os.WriteFile(cfg, []byte(fmt.Sprintf(`organisation: {timezone: Europe/Amsterdam}
register: {dir: %s/register}
http: {listen: "%s", tokens_file: %s}
`, dir, addr, tokens)), 0o600)
	secret, e, code := run(t, "", "--config", cfg, "tokens", "add", "fg.gerritsen", "--role", "fg")
	if code != 0 {
		t.Fatalf("add: %d %s", code, e)
	}
	run(t, "", "--config", cfg, "tokens", "add", "nooit.gebruikt", "--role", "analyst")
	startRun(t, cfg, filepath.Join(dir, "run.log"))
	ask := func() int {
		req, _ := http.NewRequest("GET", "http://"+addr+"/api/v1/incidents", nil)
		req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(secret))
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if code := ask(); code != http.StatusOK {
		t.Fatalf("request with the token: %d", code)
	}
	used := regexp.MustCompile(`fg\.gerritsen\s+fg\s+\S+\s+20\d\d-\d\d-\d\dT`)
	var out string
	waitFor(t, func() bool { out, _, _ = run(t, "", "--config", cfg, "tokens", "list"); return used.MatchString(out) })
	if !strings.Contains(out, "LAST USED") || !regexp.MustCompile(`nooit\.gebruikt\s+analyst\s+\S+\s+-\n`).MatchString(out) {
		t.Errorf("tokens list:\n%s", out)
	}
	if _, e, code := run(t, "", "--config", cfg, "tokens", "revoke", "fg.gerritsen"); code != 0 {
		t.Fatalf("revoke: %d %s", code, e)
	}
	waitFor(t, func() bool { return ask() == http.StatusUnauthorized })
}
