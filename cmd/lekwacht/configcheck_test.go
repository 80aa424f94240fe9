package main

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// checkConfig writes a config with the given directory, rules, tokens and hook files into a folder
// and returns its path.
func checkConfig(t *testing.T, dir, extra string) string {
	t.Helper()
	cfg := filepath.Join(dir, "lekwacht.yaml")
	os.MkdirAll(filepath.Join(dir, "rules"), 0o755)
	os.MkdirAll(filepath.Join(dir, "log"), 0o755)
	os.WriteFile(filepath.Join(dir, "log", "audit.log"), nil, 0o600)
	os.WriteFile(cfg, []byte(fmt.Sprintf(`organisation: {timezone: Europe/Amsterdam}
register: {dir: %[1]s/register}
directory: %[1]s/directory.csv
rules: {dir: %[1]s/rules}
identity: {related_within: 240h}
http: {listen: "127.0.0.1:0", tokens_file: %[1]s/tokens.yaml}
hooks:
  - {name: block, command: [/bin/true], timeout: 10s}
inputs:
  - {name: shares, format: samba-audit, paths: ["%[1]s/log/audit.log"], poll: 5s}
%[2]s`, dir, extra)), 0o600)
	return cfg
}

// TestConfigCheckLoadsWhatRunLoads: a broken directory, rule, tokens file and hook secret each fail
// config check with exit 2, all in one run, each naming its file and line; fixed, the check passes
// and prints durations as the file writes them.
func TestConfigCheckLoadsWhatRunLoads(t *testing.T) {
	dir := t.TempDir()
	cfg := checkConfig(t, dir, `  - {name: mail, format: postfix, paths: ["`+dir+`/log/mail.log"]}
`)
	os.WriteFile(filepath.Join(dir, "directory.csv"), []byte("user,name,email,private_email,department,workstations,status,end_date\njdoe,John Doe,j@x.nl,,ICT,WS1,gone,\n"), 0o600)
	os.WriteFile(filepath.Join(dir, "rules", "mine.yaml"), []byte("id: mine\ntitle: mine\nbogus: 1\n"), 0o600)
	os.WriteFile(filepath.Join(dir, "tokens.yaml"), []byte("tokens:\n  - {name: a, rol: fg}\n"), 0o600)
	_, e, code := run(t, "", "config", "check", "--config", cfg)
	if code != 2 {
		t.Fatalf("broken files: exit %d, want 2\n%s", code, e)
	}
	for _, want := range []string{
		filepath.Join(dir, "directory.csv") + ":2:",      // status "gone"
		filepath.Join(dir, "rules", "mine.yaml") + ":3:", // unknown key
		filepath.Join(dir, "tokens.yaml") + `:2: unknown key "rol": did you mean "role"?`,
		"warning: input mail: no file matches paths " + dir + "/log/mail.log",
	} {
		if !strings.Contains(e, want) {
			t.Errorf("config check does not say %q:\n%s", want, e)
		}
	}

	os.WriteFile(filepath.Join(dir, "directory.csv"), []byte("user,name,email,private_email,department,workstations,status,end_date\njdoe,John Doe,j@x.nl,,ICT,WS1,active,\n"), 0o600)
	os.Remove(filepath.Join(dir, "rules", "mine.yaml"))
	os.WriteFile(filepath.Join(dir, "tokens.yaml"), []byte("tokens: []\n"), 0o600)
	out, e, code := run(t, "", "config", "check", "--config", cfg)
	if code != 0 {
		t.Fatalf("fixed: exit %d\n%s", code, e)
	}
	for _, want := range []string{`"poll": "5s"`, `"related_within": "240h0m0s"`, `"timeout": "10s"`} {
		if !strings.Contains(out, want) {
			t.Errorf("effective config lacks %s:\n%s", want, out)
		}
	}
	if strings.Contains(out, "5000000000") {
		t.Errorf("a duration printed in nanoseconds:\n%s", out)
	}
}

// TestConfigCheckMistypedPath: an input whose path matches no file is a warning naming the input,
// the path and the nearest existing name; the exit stays 0 (the log may appear later).
func TestConfigCheckMistypedPath(t *testing.T) {
	dir := t.TempDir()
	cfg := checkConfig(t, dir, `  - {name: typo, format: samba-audit, paths: ["`+dir+`/log/auditt.log"]}
  - {name: nofolder, format: sshd, paths: ["`+dir+`/nolog/auth.log*"]}
`)
	os.WriteFile(filepath.Join(dir, "directory.csv"), []byte("user,name,email,private_email,department,workstations,status,end_date\n"), 0o600)
	_, e, code := run(t, "", "config", "check", "--config", cfg)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, e)
	}
	for _, want := range []string{
		"warning: input typo: no file matches paths " + dir + "/log/auditt.log",
		"did you mean " + dir + "/log/audit.log?",
		"warning: input nofolder: no file matches paths " + dir + "/nolog/auth.log*",
		"folder " + dir + "/nolog does not exist",
	} {
		if !strings.Contains(e, want) {
			t.Errorf("config check does not say %q:\n%s", want, e)
		}
	}
	if strings.Contains(e, "input shares") {
		t.Errorf("an input with its file warned about:\n%s", e)
	}
	if _, e, code := run(t, "", "config", "check", "--strict", "--config", cfg); code != 1 || !strings.Contains(e, "warning(s) and --strict") {
		t.Errorf("--strict with warnings: exit %d, want 1\n%s", code, e)
	}
}

// TestConfigCheckUnreadableLog: a log the user running lekwacht may not read is an error naming the
// input, the file and the user (as root the test runs the check as nobody; otherwise as itself).
func TestConfigCheckUnreadableLog(t *testing.T) {
	dir, err := os.MkdirTemp("", "lekwacht-perm-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o755)
	logFile := filepath.Join(dir, "audit.log")
	os.WriteFile(logFile, []byte("x\n"), 0o600)
	cfg := filepath.Join(dir, "lekwacht.yaml")
	os.WriteFile(cfg, []byte(`organisation: {timezone: Europe/Amsterdam}
register: {dir: `+dir+`/register}
http: {listen: ""}
inputs:
  - {name: shares, format: samba-audit, paths: ["`+logFile+`"]}
`), 0o644)
	bin := filepath.Join(dir, "lekwacht")
	b, _ := os.ReadFile(binary)
	os.WriteFile(bin, b, 0o755)
	cmd := exec.Command(bin, "config", "check", "--config", cfg)
	user := "nobody"
	if os.Geteuid() == 0 {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	} else {
		os.Chmod(logFile, 0)
		user = ""
	}
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 2 {
		t.Fatalf("unreadable log: %v, want exit 2\n%s", err, out)
	}
	want := "input shares: " + logFile + ": user " + user
	if !strings.Contains(string(out), want) || !strings.Contains(string(out), "may not read it") {
		t.Errorf("config check does not say %q:\n%s", want, out)
	}
}

// TestConfigCheckWatchFolders: a watch: folder that does not exist, one the user may not list, and
// a file in one the user may not read are errors naming the folder or file, the user and the
// permission to give (as root the check runs as nobody).
func TestConfigCheckWatchFolders(t *testing.T) {
	dir, err := os.MkdirTemp("", "lekwacht-watch-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o755)
	closed, open := filepath.Join(dir, "closed"), filepath.Join(dir, "exports")
	os.Mkdir(closed, 0o700)
	os.Mkdir(open, 0o755)
	secret := filepath.Join(open, "bsn.csv")
	os.WriteFile(secret, []byte("x\n"), 0o600)
	os.WriteFile(filepath.Join(open, "ok.csv"), []byte("x\n"), 0o644)
	cfg := filepath.Join(dir, "lekwacht.yaml")
	os.WriteFile(cfg, []byte(`organisation: {timezone: Europe/Amsterdam}
register: {dir: `+dir+`/register}
http: {listen: ""}
watch:
  - {path: `+dir+`/exprots}
  - {path: `+closed+`}
  - {path: `+open+`, recursive: true}
`), 0o644)
	bin := filepath.Join(dir, "lekwacht")
	b, _ := os.ReadFile(binary)
	os.WriteFile(bin, b, 0o755)
	cmd := exec.Command(bin, "config", "check", "--config", cfg)
	user := "nobody"
	if os.Geteuid() == 0 {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	} else {
		os.Chmod(closed, 0)
		os.Chmod(secret, 0)
		user = ""
	}
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 2 {
		t.Fatalf("watch folders: %v, want exit 2\n%s", err, out)
	}
	for _, want := range []string{
		"watch.0.path: folder " + dir + "/exprots does not exist",
		"watch.1.path: " + closed + ": user " + user,
		"may not list it: give it read and search permission (r-x), e.g. setfacl -m u:" + user,
		"watch.2.path: " + secret + ": user " + user,
		"may not read it, so it cannot be inspected: give read permission, e.g. setfacl -R -m u:" + user,
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("config check does not say %q:\n%s", want, out)
		}
	}
	if strings.Contains(string(out), "ok.csv") {
		t.Errorf("a readable file named:\n%s", out)
	}
}

// fakeES is an Elasticsearch on 127.0.0.1 that knows one user and grants it the index privilege on
// the alias when grant is set.
func fakeES(t *testing.T, grant, read bool) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Elastic-Product", "Elasticsearch")
		w.Header().Set("Content-Type", "application/json")
		if u, p, ok := r.BasicAuth(); !ok || u != "lekwacht_writer" || p != "geheim" {
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"error":{"type":"security_exception","reason":"unable to authenticate user"},"status":401}`)
			return
		}
		switch r.URL.Path {
		case "/":
			fmt.Fprint(w, `{"cluster_name":"gemeente","version":{"number":"8.15.0","build_flavor":"default"}}`)
		case "/_security/user/_has_privileges":
			body, _ := io.ReadAll(r.Body)
			if !strings.Contains(string(body), `"names":["lekwacht-incidents"]`) {
				http.Error(w, `{"error":"unexpected request"}`, http.StatusBadRequest)
				return
			}
			fmt.Fprintf(w, `{"username":"lekwacht_writer","has_all_requested":%[3]t,"index":{"lekwacht-incidents":{"index":%[1]t,"read":%[2]t}}}`, grant, read, grant && read)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestConfigCheckConnect: --connect reaches Elasticsearch with the configured credentials: a
// cluster that does not answer, refused credentials and a missing privilege are each exit 2 with
// what to fix; with the privilege it says which cluster answered, and as whom.
func TestConfigCheckConnect(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "directory.csv"), []byte("user,name,email,private_email,department,workstations,status,end_date\n"), 0o600)
	os.WriteFile(filepath.Join(dir, "tokens.yaml"), []byte("tokens: []\n"), 0o600)
	down := httptest.NewServer(http.NotFoundHandler())
	downURL := down.URL
	down.Close()
	for _, c := range []struct {
		name, url, password string
		code                int
		want                string
	}{
		{"down", downURL, "geheim", 2, "no incident would reach Elasticsearch:\nelasticsearch " + downURL + ": GET /: "},
		{"refused", fakeES(t, true, true), "fout", 2, "401 Unauthorized: the credentials are refused: check elasticsearch.api_key, or elasticsearch.username and password"},
		{"no privilege", fakeES(t, false, true), "geheim", 2, "lekwacht_writer lacks the index privilege index on lekwacht-incidents, so no incident would be indexed: give its role index, read on lekwacht-incidents"},
		// A key made from the daemon's role of before (index alone): run works, the check warns.
		{"no read", fakeES(t, true, false), "geheim", 0, "lekwacht_writer lacks the index privilege read on lekwacht-incidents: run indexes, but cannot read the highest incident id at start"},
		{"ok", fakeES(t, true, true), "geheim", 0, `elasticsearch 8.15.0, cluster "gemeente", as lekwacht_writer; privileges index, read on lekwacht-incidents granted`},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := checkConfig(t, dir, "elasticsearch: {addresses: ["+c.url+"], username: lekwacht_writer, password: "+c.password+"}\n")
			if _, e, code := run(t, "", "config", "check", "--config", cfg); code != 0 {
				t.Fatalf("without --connect: exit %d\n%s", code, e)
			}
			_, e, code := run(t, "", "config", "check", "--connect", "--config", cfg)
			if code != c.code || !strings.Contains(e, c.want) {
				t.Errorf("exit %d, want %d, saying %q:\n%s", code, c.code, c.want, e)
			}
		})
	}
}
