package main

import (
	"errors"
	"fmt"
	"github.com/lekwacht/lekwacht/bench/internal/lwrun"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// simulate writes one simulated day of the gemeente into sim.
func simulate(exe, sim string) error {
	start := time.Now()
	out, err := exec.Command(exe, "simulate", "--out", sim, "--employees", strconv.Itoa(*employees),
		"--days", "1", "--seed", strconv.FormatUint(*seed, 10)).CombinedOutput()
	if err != nil {
		return exitErr("lekwacht simulate", err, out)
	}
	fmt.Printf("simulated a %d-employee day, seed %d, in %.1f s\n", *employees, *seed, time.Since(start).Seconds())
	return nil
}

// httpLine is the simulation's http setting, replaced by a free port and the live tokens file.
var httpLine = regexp.MustCompile(`(?m)^http:.*$`)

// liveSetup writes live/lekwacht.yaml: the simulation's config with the inputs, the watched folder
// and the register moved under live (as scripts/demo.sh does with sed) and HTTP on a free port. The
// input paths stay the live names only: a rotated x.log.1 is not matched, the tailer drains it as a
// file gone from its name. The export files are copied into the watched folder at once.
func liveSetup(sim, live string) (string, error) {
	data, err := os.ReadFile(filepath.Join(sim, "lekwacht.yaml"))
	if err != nil {
		return "", err
	}
	text := string(data)
	for _, sub := range []string{"logs", "exports", "lekwacht-data"} {
		text = strings.ReplaceAll(text, filepath.Join(sim, sub), filepath.Join(live, sub))
	}
	if !httpLine.MatchString(text) {
		return "", fmt.Errorf("%s/lekwacht.yaml has no http: line to point at a free port", sim)
	}
	text = httpLine.ReplaceAllLiteralString(text,
		fmt.Sprintf("http: {listen: \"127.0.0.1:0\", tokens_file: %q}", filepath.Join(live, "tokens.yaml")))
	if err := os.MkdirAll(filepath.Join(live, "logs"), 0o700); err != nil {
		return "", err
	}
	if err := copyTree(filepath.Join(sim, "exports"), filepath.Join(live, "exports")); err != nil {
		return "", fmt.Errorf("copy the export files: %w", err)
	}
	cfg := filepath.Join(live, "lekwacht.yaml")
	return cfg, os.WriteFile(cfg, []byte(text), 0o600)
}

// copyTree copies the folder from into to, which it creates.
func copyTree(from, to string) error {
	return filepath.WalkDir(from, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(from, p)
		if err != nil {
			return err
		}
		if e.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o700)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), data, 0o600)
	})
}

// verify runs lekwacht verify on the live register: true when it exits 0.
func verify(exe, cfg string) (bool, string) {
	out, err := exec.Command(exe, "verify", "--config", cfg).CombinedOutput()
	return err == nil, strings.TrimSpace(string(out))
}

// exitErr adds what a failed command wrote.
func exitErr(name string, err error, out []byte) error {
	var ee *exec.ExitError
	if errors.As(err, &ee) && len(out) == 0 {
		out = ee.Stderr
	}
	if len(out) > 0 {
		return fmt.Errorf("%s: %w: %s", name, err, lwrun.Tail(out, 2000))
	}
	return fmt.Errorf("%s: %w", name, err)
}
