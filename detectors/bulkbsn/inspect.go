package bulkbsn

import (
	"archive/zip"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/lekwacht/lekwacht/bsn"
)

// Inspectable are the file extensions content inspection reads: plain text, and the zipped Office
// and ODF formats whose text parts are XML.
var Inspectable = []string{".csv", ".txt", ".tsv", ".json", ".jsonl", ".xml", ".xlsx", ".docx", ".ods", ".odt"}

// xmlParts are the parts of a zipped document that hold its text and cells.
func xmlPart(name string) bool {
	switch {
	case name == "xl/sharedStrings.xml", strings.HasPrefix(name, "xl/worksheets/") && strings.HasSuffix(name, ".xml"):
		return true // XLSX
	case name == "word/document.xml", strings.HasPrefix(name, "word/header"), strings.HasPrefix(name, "word/footer"):
		return true // DOCX
	case name == "content.xml":
		return true // ODS, ODT
	}
	return false
}

// Inspect scans a file for BSNs: plain formats as they are, zipped formats part by part. The
// header check applies to plain files only (a spreadsheet's first row is not its first XML line).
func Inspect(file string, opts bsn.Options) (bsn.Result, error) {
	ext := strings.ToLower(filepath.Ext(file))
	switch ext {
	case ".xlsx", ".docx", ".ods", ".odt":
		return inspectZip(file, opts)
	}
	f, err := os.Open(file)
	if err != nil {
		return bsn.Result{}, err
	}
	defer f.Close()
	return bsn.Scan(f, opts)
}

// maxPart bounds how much of one zipped part is read (a zip bomb stops here).
const maxPart = 512 << 20

func inspectZip(file string, opts bsn.Options) (bsn.Result, error) {
	z, err := zip.OpenReader(file)
	if err != nil {
		return bsn.Result{}, fmt.Errorf("%s: not a readable %s file: %w", file, path.Ext(file), err)
	}
	defer z.Close()
	var total bsn.Result
	for _, part := range z.File {
		if !xmlPart(part.Name) {
			continue
		}
		rc, err := part.Open()
		if err != nil {
			return total, fmt.Errorf("%s: %s: %w", file, part.Name, err)
		}
		// Cell and run boundaries are tags: turn them into separators so numbers in adjacent cells
		// do not run together.
		r, err := bsn.Scan(&untag{r: io.LimitReader(rc, maxPart)}, opts)
		rc.Close()
		if err != nil {
			return total, fmt.Errorf("%s: %s: %w", file, part.Name, err)
		}
		total.Valid += r.Valid
		total.Invalid += r.Invalid
		total.Numbers = append(total.Numbers, r.Numbers...)
	}
	if opts.MaxNumbers > 0 && len(total.Numbers) > opts.MaxNumbers {
		total.Numbers = total.Numbers[:opts.MaxNumbers]
	}
	return total, nil
}

// untag replaces every XML tag by one space, so `<c>123456782</c><c>1</c>` reads `123456782 1`.
type untag struct {
	r     io.Reader
	inTag bool
}

func (u *untag) Read(p []byte) (int, error) {
	n, err := u.r.Read(p)
	w := 0
	for _, c := range p[:n] {
		switch {
		case c == '<':
			u.inTag = true
			p[w] = ' '
			w++
		case c == '>':
			u.inTag = false
		case !u.inTag:
			p[w] = c
			w++
		}
	}
	if w == 0 && err == nil && n > 0 {
		return u.Read(p)
	}
	return w, err
}
