// Package corpus writes the generated log files the benchmark programs read: per format, the lines of
// its golden inputs that its parser accepts, repeated until the file has the size asked for.
package corpus

import (
	"bufio"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/lekwacht/lekwacht/collectors"
	"github.com/lekwacht/lekwacht/collectors/csvlog"
	"github.com/lekwacht/lekwacht/collectors/jsonlog"
	"github.com/lekwacht/lekwacht/collectors/parse"
)

// MappingFile is the mapping a format needs to read the generated lines (json, csv), relative to
// the repository root, or "".
func MappingFile(format string) string {
	return map[string]string{jsonlog.Name: "collectors/jsonlog/mappings/zaaksysteem.yaml", csvlog.Name: "collectors/csvlog/testdata/dlp/mapping.yaml"}[format]
}

// Options gives a format what it needs to read the generated lines.
func Options(repo string, f collectors.Format) (parse.Options, error) {
	opts := parse.Options{Input: "bench", Reference: func() time.Time { return time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC) }}
	if mapping := MappingFile(f.Name); mapping != "" {
		m, err := jsonlog.LoadMapping(filepath.Join(repo, mapping))
		if err != nil {
			return opts, err
		}
		opts.Mapping = m
	}
	return opts, nil
}

// GoodLines are the lines of a format's golden inputs that its parser accepts when they repeat as in
// the generated file: one parser over two cycles (an Exchange header applies to every row after it,
// also in the next cycle), until no line is rejected.
func GoodLines(repo string, f collectors.Format, opts parse.Options) ([][]byte, error) {
	inputs, _ := filepath.Glob(filepath.Join(repo, "collectors", PkgDir(f.Name), "testdata", "*", "input.log"))
	var lines [][]byte
	for _, in := range inputs {
		data, err := os.ReadFile(in)
		if err != nil {
			return nil, err
		}
		for _, l := range strings.Split(string(data), "\n") {
			if l != "" {
				lines = append(lines, []byte(l))
			}
		}
	}
	for round := 0; round < 5; round++ {
		p, err := f.New(opts)
		if err != nil {
			return nil, err
		}
		var kept [][]byte
		for cycle := 0; cycle < 2; cycle++ {
			kept = kept[:0]
			for _, l := range lines {
				line := parse.Line{Text: l}
				if parse.Check(line) != nil {
					continue
				}
				if _, err := p.Parse(line); err == nil {
					kept = append(kept, l)
				}
			}
		}
		if len(kept) == len(lines) {
			break
		}
		lines = append([][]byte(nil), kept...)
	}
	if len(lines) == 0 {
		return nil, errors.New("no good lines in testdata")
	}
	return lines, nil
}

// PkgDir is the folder under collectors/ of a format.
func PkgDir(format string) string {
	switch format {
	case "exchange-tracking":
		return "exchange"
	case "samba-audit":
		return "samba"
	case "winlog-json":
		return "winlog"
	case "winlog-xml":
		return "winxml"
	case "json":
		return "jsonlog"
	case "csv":
		return "csvlog"
	}
	return format
}

// Generate writes the lines over and over until the file holds size bytes, and returns how many
// lines it wrote.
func Generate(path string, lines [][]byte, size int64) (int64, error) {
	fh, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	w := bufio.NewWriterSize(fh, 1<<20)
	var written, n int64
	for written < size {
		for _, l := range lines {
			w.Write(l)
			w.WriteByte('\n')
			written += int64(len(l)) + 1
			n++
		}
	}
	if err := w.Flush(); err != nil {
		fh.Close()
		return 0, err
	}
	return n, fh.Close()
}

// File is a generated corpus of one format: where it is, how it parses, its lines and megabytes.
type File struct {
	Path  string
	Opts  parse.Options
	Lines int64
	MB    float64
}

// Make writes the corpus of format f (the good lines of its samples, over and over) to
// work/<package>.log until it holds sizeMB megabytes. The caller removes File.Path.
func Make(repo, work string, f collectors.Format, sizeMB int) (File, error) {
	opts, err := Options(repo, f)
	if err != nil {
		return File{}, err
	}
	lines, err := GoodLines(repo, f, opts)
	if err != nil {
		return File{}, err
	}
	path := filepath.Join(work, PkgDir(f.Name)+".log")
	n, err := Generate(path, lines, int64(sizeMB)<<20)
	if err != nil {
		return File{}, err
	}
	st, err := os.Stat(path)
	if err != nil {
		return File{}, err
	}
	return File{Path: path, Opts: opts, Lines: n, MB: float64(st.Size()) / (1 << 20)}, nil
}
