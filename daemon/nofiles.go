package daemon

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/lekwacht/lekwacht/config"
)

// InputWithoutFiles is an input none of whose paths matches a file now: a mistyped path, or a log
// that has not been written yet. run follows it anyway (the file may appear) and says so.
type InputWithoutFiles struct {
	Input string
	Paths []string
	// Hint is the nearest existing name, or that the folder does not exist ("" when neither helps).
	Hint string
}

func (e InputWithoutFiles) String() string {
	s := fmt.Sprintf("input %s: no file matches paths %s (a mistyped path? run follows it in case the log appears later)",
		e.Input, strings.Join(e.Paths, ", "))
	if e.Hint != "" {
		s += "; " + e.Hint
	}
	return s
}

// InputsWithoutFiles lists the inputs whose paths (less their exclude patterns) match no regular
// file now.
func InputsWithoutFiles(cfg *config.Config) []InputWithoutFiles {
	var out []InputWithoutFiles
	for _, in := range cfg.Inputs {
		if hasFiles(in) {
			continue
		}
		e := InputWithoutFiles{Input: in.Name, Paths: in.Paths}
		if len(in.Paths) > 0 {
			e.Hint = nearest(in.Paths[0])
		}
		out = append(out, e)
	}
	return out
}

func hasFiles(in config.Input) bool {
	for _, p := range in.Paths {
		matches, _ := filepath.Glob(p)
		for _, m := range matches {
			if st, err := os.Stat(m); err == nil && st.Mode().IsRegular() && !excluded(in, m) {
				return true
			}
		}
	}
	return false
}

// nearest names the existing file in pattern's folder whose name is closest to the pattern's last
// element, or says that the folder is missing.
func nearest(pattern string) string {
	dir, base := filepath.Split(pattern)
	if dir == "" {
		dir = "."
	}
	if strings.ContainsAny(dir, "*?[") {
		return ""
	}
	entries, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return "folder " + filepath.Clean(dir) + " does not exist"
	}
	if err != nil {
		return fmt.Sprintf("folder %s cannot be read: %v", filepath.Clean(dir), err)
	}
	want := strings.TrimRight(base, "*?")
	best, bestDist := "", len(want)/4+1 // only names a couple of edits away
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		if d := config.EditDistance(want, e.Name()); d < bestDist {
			best, bestDist = e.Name(), d
		}
	}
	if best == "" {
		return ""
	}
	return "did you mean " + filepath.Join(dir, best) + "?"
}
