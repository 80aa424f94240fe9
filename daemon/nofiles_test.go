package daemon

import (
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lekwacht/lekwacht/config"
)

// TestInputWithoutFiles: run starts with an input whose path is mistyped, logs it, shows it in
// /healthz as degraded (still 200: the rest works) and as lekwacht_input_without_files 1; once the
// file appears, both clear.
func TestInputWithoutFiles(t *testing.T) {
	dir := t.TempDir()
	logDir := filepath.Join(dir, "log")
	os.MkdirAll(logDir, 0o755)
	appendLines(t, filepath.Join(logDir, "auth.log"), 1, 3)
	typo := filepath.Join(logDir, "auditt.log")
	cfg := testConfig(t, dir,
		config.Input{Name: "ssh", Format: "sshd", Paths: []string{filepath.Join(logDir, "auth.log")}},
		config.Input{Name: "shares", Format: "samba-audit", Paths: []string{typo}})
	cfg.HTTP = config.HTTP{Listen: "127.0.0.1:0"}
	logged := &syncBuffer{}
	d, _ := start(t, cfg, slog.New(slog.NewJSONHandler(logged, nil)))
	base := "http://" + d.Addr()
	if !strings.Contains(logged.String(), `"input has no file to follow`) || !strings.Contains(logged.String(), `"input":"shares"`) ||
		!strings.Contains(logged.String(), typo) {
		t.Errorf("start-up log does not name the input and its path:\n%s", logged.String())
	}
	for _, want := range []string{`"msg":"input started","input":"ssh","format":"sshd"`, `"msg":"input started","input":"shares","format":"samba-audit"`} {
		waitFor(t, "log line "+want, func() bool { return strings.Contains(logged.String(), want) }, logged.String)
	}
	code, body := get(t, base+"/healthz", "")
	if code != 200 || !strings.Contains(body, `"degraded"`) || !strings.Contains(body, "input shares: no file matches paths "+typo) {
		t.Errorf("healthz %d %s", code, body)
	}
	_, body = get(t, base+"/metrics", "")
	if !strings.Contains(body, `lekwacht_input_without_files{input="shares"} 1`) || !strings.Contains(body, `lekwacht_input_without_files{input="ssh"} 0`) {
		t.Errorf("metrics:\n%s", grepLines(body, "without_files"))
	}
	os.WriteFile(typo, nil, 0o600) // the log appears
	if code, body := get(t, base+"/healthz", ""); code != 200 || !strings.Contains(body, `"ok"`) {
		t.Errorf("healthz once the file is there: %d %s", code, body)
	}
	if _, body := get(t, base+"/metrics", ""); !strings.Contains(body, `lekwacht_input_without_files{input="shares"} 0`) {
		t.Errorf("metrics once the file is there:\n%s", grepLines(body, "without_files"))
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
