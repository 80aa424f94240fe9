package deploy

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"os/user"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// directives reads a unit file into key -> values (a key may repeat).
func directives(t *testing.T, path string) map[string][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string][]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		l := strings.TrimSpace(sc.Text())
		if l == "" || l[0] == '#' || l[0] == '[' {
			continue
		}
		k, v, ok := strings.Cut(l, "=")
		if !ok {
			t.Fatalf("%s: %q is no directive", path, l)
		}
		out[k] = append(out[k], v)
	}
	return out
}

func TestUnitIsHardened(t *testing.T) {
	d := directives(t, "systemd/lekwacht.service")
	want := map[string]string{
		"Type": "notify", "User": "lekwacht", "Group": "lekwacht", "SupplementaryGroups": "adm", "NoNewPrivileges": "yes",
		"ProtectSystem": "strict", "ReadWritePaths": "/var/lib/lekwacht", "StateDirectory": "lekwacht", "PrivateTmp": "yes",
		"ProtectHome": "yes", "CapabilityBoundingSet": "", "AmbientCapabilities": "", "UMask": "0077",
		"ExecReload": "/bin/kill -HUP $MAINPID", "WatchdogSec": "60s", "RestrictSUIDSGID": "yes", "MemoryDenyWriteExecute": "yes",
	}
	for k, v := range want {
		if got := d[k]; len(got) != 1 || got[0] != v {
			t.Errorf("%s=%q, want %q", k, got, v)
		}
	}
	if !strings.Contains(strings.Join(d["ExecStart"], ""), "lekwacht run --config /etc/lekwacht/lekwacht.yaml") {
		t.Errorf("ExecStart=%q", d["ExecStart"])
	}
}

// TestSystemdAnalyzeVerify runs systemd-analyze verify on the unit (where systemd is installed),
// with the binary's path pointed at an executable that exists here.
func TestSystemdAnalyzeVerify(t *testing.T) {
	tool, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze not installed")
	}
	unit, err := os.ReadFile("systemd/lekwacht.service")
	if err != nil {
		t.Fatal(err)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "lekwacht.service")
	os.WriteFile(p, []byte(strings.ReplaceAll(string(unit), "/usr/local/bin/lekwacht", self)), 0o644)
	out, err := exec.Command(tool, "verify", p).CombinedOutput()
	// verify also complains about units it cannot find on a build machine (network-online.target in a
	// container); only complaints about our unit count.
	var ours []string
	for _, l := range strings.Split(string(out), "\n") {
		if strings.Contains(l, "lekwacht.service") {
			ours = append(ours, l)
		}
	}
	if len(ours) > 0 {
		t.Fatalf("systemd-analyze verify (%v):\n%s", err, strings.Join(ours, "\n"))
	}
	// A deliberately broken copy is caught, so the check above can fail.
	bad := filepath.Join(dir, "broken.service")
	os.WriteFile(bad, []byte(strings.Replace(string(unit), "ProtectSystem=strict", "ProtectSystem=sometimes", 1)), 0o644)
	out, _ = exec.Command(tool, "verify", bad).CombinedOutput()
	if !strings.Contains(string(out), "broken.service") {
		t.Fatalf("systemd-analyze verify did not notice a bad value:\n%s", out)
	}
}

func TestSysusersAndLogrotate(t *testing.T) {
	b, err := os.ReadFile("systemd/lekwacht.sysusers")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "u lekwacht ") || !strings.Contains(string(b), "m lekwacht adm") {
		t.Fatalf("sysusers: %s", b)
	}
	tool, err := exec.LookPath("logrotate")
	if err != nil {
		t.Skip("logrotate not installed")
	}
	// logrotate -d parses the file and says what it would do, touching nothing; the service user does
	// not exist on a build machine, so the copy names the user running the test.
	conf, err := os.ReadFile("systemd/lekwacht.logrotate")
	if err != nil {
		t.Fatal(err)
	}
	me, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	grp, err := user.LookupGroupId(me.Gid)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "lekwacht")
	os.WriteFile(p, []byte(strings.ReplaceAll(string(conf), "lekwacht lekwacht", me.Username+" "+grp.Name)), 0o644)
	out, err := exec.Command(tool, "-d", "-s", filepath.Join(dir, "state"), p).CombinedOutput()
	if err != nil || strings.Contains(string(out), "error") {
		t.Fatalf("logrotate -d: %v\n%s", err, out)
	}
}

// TestEmbeddedFiles: `lekwacht setup` gets the Elasticsearch and Kibana files from Files; each is JSON
// (the saved objects one object a line, as Kibana's import API takes them).
func TestEmbeddedFiles(t *testing.T) {
	want := []string{"elasticsearch/ilm-policy.json", "elasticsearch/index-template.json", "kibana/lekwacht.ndjson"}
	var got []string
	fs.WalkDir(Files, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			got = append(got, p)
		}
		return err
	})
	if !slices.Equal(got, want) {
		t.Fatalf("embedded %v, want %v", got, want)
	}
	for _, p := range want {
		b, _ := Files.ReadFile(p)
		lines := [][]byte{b}
		if path.Ext(p) == ".ndjson" {
			lines = bytes.Split(bytes.TrimSuffix(b, []byte("\n")), []byte("\n"))
		}
		for i, l := range lines {
			var v map[string]any
			if err := json.Unmarshal(l, &v); err != nil {
				t.Errorf("%s:%d: %v", p, i+1, err)
			}
		}
	}
}
