package deploy

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/lekwacht/lekwacht/config"
	"go.yaml.in/yaml/v3"
)

// nfpmConfig is the part of nfpm.yaml these tests read.
type nfpmConfig struct {
	Contents []struct {
		Src, Dst, Type string
		FileInfo       struct{ Mode uint32 } `yaml:"file_info"`
	}
	Scripts map[string]string
}

func readNfpm(t *testing.T) nfpmConfig {
	t.Helper()
	b, err := os.ReadFile("nfpm.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var c nfpmConfig
	if err := yaml.Unmarshal(b, &c); err != nil {
		t.Fatalf("nfpm.yaml: %v", err)
	}
	return c
}

// TestPackageContents: the package installs the binary, the unit, sysusers, tmpfiles, logrotate and a
// config dpkg keeps when edited, from files that exist (make deb writes dist/pkg/).
func TestPackageContents(t *testing.T) {
	c := readNfpm(t)
	byDst := map[string]int{}
	for i, f := range c.Contents {
		byDst[f.Dst] = i
		if f.Src != "" && !strings.HasPrefix(f.Src, "dist/") {
			if _, err := os.Stat("../" + f.Src); err != nil {
				t.Errorf("%s: %v", f.Dst, err)
			}
		}
	}
	for _, dst := range []string{"/usr/bin/lekwacht", "/usr/lib/systemd/system/lekwacht.service", "/usr/lib/sysusers.d/lekwacht.conf",
		"/usr/lib/tmpfiles.d/lekwacht.conf", "/etc/logrotate.d/lekwacht", "/etc/lekwacht/lekwacht.yaml", "/etc/lekwacht/rules"} {
		if _, ok := byDst[dst]; !ok {
			t.Errorf("nfpm.yaml installs no %s", dst)
		}
	}
	if f := c.Contents[byDst["/etc/lekwacht/lekwacht.yaml"]]; f.Type != "config|noreplace" || f.FileInfo.Mode != 0o640 {
		t.Errorf("/etc/lekwacht/lekwacht.yaml: type %q mode %o, want config|noreplace 0640", f.Type, f.FileInfo.Mode)
	}
	for _, name := range []string{"postinstall", "preremove", "postremove"} {
		p := "../" + c.Scripts[name]
		if fi, err := os.Stat(p); err != nil || fi.Mode()&0o111 == 0 {
			t.Errorf("%s %s: %v, not executable", name, p, err)
			continue
		}
		if out, err := exec.Command("sh", "-n", p).CombinedOutput(); err != nil {
			t.Errorf("sh -n %s: %v\n%s", p, err, out)
		}
	}
}

// TestPackagedConfigLoads: the config the package installs is valid (config check, which also looks
// at the folders and files, runs on the installed package in scripts/deb-check.sh).
func TestPackagedConfigLoads(t *testing.T) {
	c, err := config.Load("debian/lekwacht.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Register.Dir != "/var/lib/lekwacht" || c.HTTP.TokensFile != "/etc/lekwacht/tokens.yaml" || c.Rules.Dir != "/etc/lekwacht/rules" {
		t.Errorf("register %q, tokens %q, rules %q", c.Register.Dir, c.HTTP.TokensFile, c.Rules.Dir)
	}
}

// TestTmpfilesAgreeWithTheUnit: tmpfiles.d makes the folders as the unit's StateDirectory and
// ConfigurationDirectory want them, so systemd finds nothing to change or warn about at start.
func TestTmpfilesAgreeWithTheUnit(t *testing.T) {
	unit := directives(t, "systemd/lekwacht.service")
	b, err := os.ReadFile("systemd/lekwacht.tmpfiles")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 5 && f[0] == "d" {
			got[f[1]] = strings.Join(f[2:5], " ")
		}
	}
	want := map[string]string{
		"/var/lib/lekwacht": unit["StateDirectoryMode"][0] + " lekwacht lekwacht",
		"/etc/lekwacht":     unit["ConfigurationDirectoryMode"][0] + " root lekwacht",
	}
	for p, w := range want {
		if got[p] != w {
			t.Errorf("tmpfiles %s: %q, want %q", p, got[p], w)
		}
	}
}
