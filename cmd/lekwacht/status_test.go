package main

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/lekwacht/lekwacht/server"
)

// freeAddr is a 127.0.0.1 address no one listens on now.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestStatus asks a real running daemon: an input whose path matches nothing and a tokens file that
// did not reload make it degraded (exit 1) with both reasons, the inputs' table and the reload's
// error; fixed and reloaded, status is ok (exit 0). Without a daemon, exit 1 saying no one answers.
func TestStatus(t *testing.T) {
	dir := t.TempDir()
	logFile, typo, tokens := filepath.Join(dir, "auth.log"), filepath.Join(dir, "auditt.log"), filepath.Join(dir, "tokens.yaml")
	os.WriteFile(logFile, []byte("Nov 23 10:00:00 srv sshd[1]: Accepted password for u1 from 192.0.2.1 port 1 ssh2\n"), 0o600)
	os.WriteFile(tokens, []byte("tokens: []\n"), 0o600)
	addr := freeAddr(t)
	cfg := filepath.Join(dir, "lekwacht.yaml")
	os.WriteFile(cfg, []byte(fmt.Sprintf(`organisation: {timezone: Europe/Amsterdam}
register: {dir: %[1]s/register}
http: {listen: "%[2]s", tokens_file: %[3]s}
inputs:
  - {name: ssh, format: sshd, paths: ["%[4]s"], expect_every: 1h}
  - {name: shares, format: samba-audit, paths: ["%[5]s"]}
`, dir, addr, tokens, logFile, typo)), 0o600)

	if _, e, code := run(t, "", "status", "--config", cfg); code != 1 || !strings.Contains(e, "no lekwacht answers at http://"+addr) {
		t.Errorf("no daemon: exit %d, %q", code, e)
	}
	daemon := startRun(t, cfg, filepath.Join(dir, "run.log"))
	waitFor(t, func() bool {
		o, _, _ := run(t, "", "status", "--json", "--config", cfg)
		var r server.HealthReport
		return json.Unmarshal([]byte(o), &r) == nil && len(r.Inputs) == 2 && r.Inputs[0].Lines == 1
	})
	os.WriteFile(tokens, []byte("tokens:\n  - {name: a, rol: fg}\n"), 0o600) // reloaded as it changes
	waitFor(t, func() bool {
		o, _, _ := run(t, "", "status", "--config", cfg)
		return strings.Contains(o, "tokens reload failed")
	})

	out, e, code := run(t, "", "status", "--config", cfg)
	if code != 1 || !strings.Contains(e, "status: degraded") {
		t.Errorf("degraded: exit %d, %q", code, e)
	}
	for _, want := range []string{
		"at http://" + addr + ", running since ",
		": degraded\n",
		"  input shares: no file matches paths " + typo,
		"  tokens reload failed at ",
		"INPUT   FORMAT       FILES  LINES  LAST LINE",
		"ssh     sshd         1      1      20",
		"1h0m0s        ok",
		"shares  samba-audit  0      0      -                     -             degraded",
		"tokens     1         20",
		"tokens.yaml",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("status does not say %q:\n%s", want, out)
		}
	}

	os.WriteFile(typo, nil, 0o600)
	os.WriteFile(tokens, []byte("tokens: []\n"), 0o600)
	daemon.Process.Signal(syscall.SIGHUP) // as systemctl reload does: the config, rules and directory too
	waitFor(t, func() bool { _, _, code := run(t, "", "status", "--config", cfg); return code == 0 })
	if out, _, _ := run(t, "", "status", "--config", cfg); !strings.Contains(out, ": ok\n") || !strings.Contains(out, "tokens     1         -") {
		t.Errorf("fixed:\n%s", out)
	}
}

// TestStatusErrorOfSeveralLines: a reload error of several lines stays under its reason, indented,
// and the reloads' table shows its first line and how many more there are.
func TestStatusErrorOfSeveralLines(t *testing.T) {
	var b strings.Builder
	printStatus(&b, "http://127.0.0.1:8470", server.HealthReport{Status: "degraded",
		Details: []string{"rules reload failed at 2026-12-07T09:00:00Z, what was in force before stays: a.yaml:3:1: one\na.yaml:4:1: two"},
		Reloads: []server.ReloadStatus{{What: "rules", Failures: 1, FailedAt: "2026-12-07T09:00:00Z", LastError: "a.yaml:3:1: one\na.yaml:4:1: two"}}})
	for _, want := range []string{"stays: a.yaml:3:1: one\n    a.yaml:4:1: two\n", "rules   1         2026-12-07T09:00:00Z  a.yaml:3:1: one (and 1 more lines, above)\n"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("status does not say %q:\n%s", want, b.String())
		}
	}
}
