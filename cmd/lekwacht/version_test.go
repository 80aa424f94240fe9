package main

import (
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"
	"testing"
)

// versionLine is `lekwacht version`'s output: the version, the commit, the build (or commit) date.
var versionLine = regexp.MustCompile(`^lekwacht (\S+) \(commit (\S+), (?:built|committed) (\S+), go\S+ \S+/\S+\)\n$`)

func TestVersionHasThreeParts(t *testing.T) {
	out, errOut, code := run(t, "", "version")
	if code != 0 || !versionLine.MatchString(out) {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

// TestVersionFromLinkerFlags builds the binary as the Makefile does and finds what -X set.
func TestVersionFromLinkerFlags(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "lekwacht")
	ldflags := "-X main.version=1.2.3+4.gabc1234 -X main.commit=abc1234def -X main.date=2026-12-04T10:00:00Z"
	if out, err := exec.Command("go", "build", "-ldflags", ldflags, "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "version").Output()
	m := versionLine.FindStringSubmatch(string(out))
	if err != nil || m == nil {
		t.Fatalf("%v: %q", err, out)
	}
	if got := strings.Join(m[1:], " "); got != "1.2.3+4.gabc1234 abc1234def 2026-12-04T10:00:00Z" || !strings.Contains(string(out), "built") {
		t.Errorf("version, commit, date: %q in %q", got, out)
	}
}

// TestVersionRecorded: without linker flags, the toolchain's record of a checkout (go build) or of a
// module version (go install ...@v1.2.3) fills in; the date is then the commit's.
func TestVersionRecorded(t *testing.T) {
	info := &debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261204195943-29c3727c6fb0+dirty"}, Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "29c3727c6fb0"}, {Key: "vcs.time", Value: "2026-12-04T19:59:43Z"}, {Key: "vcs.modified", Value: "true"},
	}}
	got := build{}.orRecorded(info).orUnknown().String()
	want := "lekwacht v0.0.0-20261204195943-29c3727c6fb0+dirty (commit 29c3727c6fb0-dirty, committed 2026-12-04T19:59:43Z, "
	if !strings.HasPrefix(got, want) {
		t.Errorf("recorded:\n got %q\nwant %q...", got, want)
	}
	// What the linker set wins; the dirty mark belongs to a recorded commit only.
	got = build{Version: "1.0.0", Commit: "abc", Date: "2026-12-05T08:00:00Z"}.orRecorded(info).String()
	if !strings.HasPrefix(got, "lekwacht 1.0.0 (commit abc, built 2026-12-05T08:00:00Z, ") {
		t.Errorf("set by -X: %q", got)
	}
	got = build{}.orRecorded(&debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}).orUnknown().String()
	if !strings.HasPrefix(got, "lekwacht unknown (commit unknown, built unknown, ") {
		t.Errorf("nothing recorded: %q", got)
	}
}
