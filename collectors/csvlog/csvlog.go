// Package csvlog reads any CSV export with a header line (a DLP agent's USB log, a proxy's or mail
// gateway's export, an application's audit export): the json format's mapping, with column names
// in place of paths. The separator (`;` as Dutch Excel writes it, `,` or a tab) is read from the header.
package csvlog

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/hashicorp/golang-lru/v2/simplelru"
	"github.com/lekwacht/lekwacht/collectors/mapped"
	"github.com/lekwacht/lekwacht/collectors/parse"
	"github.com/lekwacht/lekwacht/event"
)

// Name is the format's name in the config and on the command line.
const Name = "csv"

// ReasonHeader is the reject of a header that lacks columns the mapping names: rows are still read.
const ReasonHeader parse.Reason = "header_columns"

// Parser reads CSV rows by a mapping. The header is kept per file: the tailer interleaves files.
type Parser struct {
	m     *parse.Mapping
	mp    *mapped.Mapper
	names []string // the columns the mapping reads
	time  string   // the time column in lower case: a line without it is no header
	files *simplelru.LRU[string, *header]
	row   record   // the row being read, reused
	cells []string // its cells, reused
	last  *header  // the header read last: exports appended to one file repeat it
}

// record is a row as a mapped.Record: a value by column name.
type record struct {
	h     *header
	cells []string
}

// Get returns the trimmed cell of a column (the mapper reads rows by Slot).
func (r *record) Get(name string) (any, bool) {
	i, ok := r.h.columns[name]
	if !ok {
		return nil, false
	}
	v, ok := r.cell(i)
	if !ok {
		return nil, false
	}
	return v.Text, true
}

// Slot is the trimmed cell of the mapping's i-th name (mapped.Names).
func (r *record) Slot(i int) (mapped.Value, bool) {
	if i < 0 || i >= len(r.h.slots) {
		return mapped.Value{}, false
	}
	return r.cell(r.h.slots[i])
}

func (r *record) cell(i int) (mapped.Value, bool) {
	if i < 0 || i >= len(r.cells) {
		return mapped.Value{}, false
	}
	return mapped.Text(strings.TrimSpace(r.cells[i])), true
}

// header is what a file's header line said. It is not changed once read: files share it.
type header struct {
	sep     byte
	columns map[string]int // the mapping's names, to their column
	slots   []int          // the column of each of the mapping's names, -1 for none
	width   int            // columns in the header
	text    string         // the line
	forced  byte           // the separator a sep= line gave, 0 for none
}

// New builds a Parser; opts.Mapping is required.
func New(opts parse.Options) (parse.Parser, error) {
	if opts.Mapping == nil {
		return nil, errors.New("format csv needs a mapping (time, user, action, ... naming columns of the header)")
	}
	mp, err := mapped.New(opts.Mapping, opts, mapped.Columns)
	if err != nil {
		return nil, err
	}
	files, err := simplelru.NewLRU[string, *header](1024, nil)
	if err != nil {
		return nil, err
	}
	return &Parser{m: opts.Mapping, mp: mp, names: mapped.Names(opts.Mapping), time: strings.ToLower(strings.TrimSpace(opts.Mapping.Time)), files: files}, nil
}

// Validate reports every problem of a mapping at once.
func Validate(m *parse.Mapping) error { return mapped.Validate(m, mapped.Columns) }

// Parse reads the header line (state only), an Excel `sep=;` line, or a row.
func (p *Parser) Parse(l parse.Line) ([]event.Event, error) {
	text := strings.TrimSuffix(string(bytes.TrimPrefix(l.Text, []byte("\xef\xbb\xbf"))), "\r")
	if strings.TrimSpace(text) == "" {
		return nil, nil
	}
	h, known := p.files.Get(l.Path)
	if sep, ok := strings.CutPrefix(text, "sep="); ok && len(sep) == 1 { // Excel's hint line
		p.files.Add(l.Path, &header{sep: sep[0]})
		return nil, nil
	}
	if hdr, ok := p.header(text, h); ok && (h == nil || len(hdr.columns) >= len(h.columns)) {
		// a second header (exports appended to one file) names at least the columns the first did:
		// a row whose value happens to be the time column's name is no header
		p.files.Add(l.Path, hdr)
		if missing := p.missing(hdr); len(missing) > 0 {
			return nil, parse.Rejectf(ReasonHeader, "the header has no column %s", strings.Join(missing, ", "))
		}
		return nil, nil
	}
	if !known || h.columns == nil {
		if h = p.fileHeader(l); h == nil {
			return nil, parse.Rejectf(parse.ReasonNoHeader, "no header line naming the time column %q seen", p.m.Time)
		}
	}
	row, ok := splitInto(p.cells[:0], text, h.sep)
	p.cells = row
	if !ok {
		return nil, parse.Rejectf(parse.ReasonSyntax, "unterminated quoted field (a line break inside a field is not read)")
	}
	if len(row) > h.width && !blankTail(row[h.width:]) {
		return nil, parse.Rejectf(parse.ReasonColumns, "%d columns, the header has %d", len(row), h.width)
	}
	p.row = record{h: h, cells: row}
	evs, err := p.mp.Events(&p.row)
	if err != nil {
		return nil, err
	}
	parse.Stamp(&evs[0], l, Name)
	return evs, nil
}

// containsLower says whether strings.ToLower(s) contains lower (itself lower case), without making
// the lower-case copy of every row when both are ASCII.
func containsLower(s, lower string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return strings.Contains(strings.ToLower(s), lower)
		}
	}
	for i := 0; i < len(lower); i++ {
		if lower[i] >= utf8.RuneSelf {
			return strings.Contains(strings.ToLower(s), lower)
		}
	}
	if lower == "" {
		return true
	}
	first, other := lower[0], lower[0] // the first byte in either case (the same when no letter)
	if 'a' <= first && first <= 'z' {
		other = first - 'a' + 'A'
	}
	// candidates are where either byte stands next, each searched for again only once passed
	next := func(c byte, from int) int {
		if i := strings.IndexByte(s[from:], c); i >= 0 {
			return from + i
		}
		return len(s)
	}
	a, b := next(first, 0), next(other, 0)
	for {
		i := min(a, b)
		if i+len(lower) > len(s) {
			return false
		}
		if strings.EqualFold(s[i:i+len(lower)], lower) {
			return true
		}
		if a == i {
			a = next(first, i+1)
		}
		if b == i {
			b = next(other, i+1)
		}
	}
}

// header reads a line as the header when one of its cells is the time column, with the separator
// given by a sep= line or the most frequent of ; , and tab outside quotes (; on a tie: Dutch Excel).
func (p *Parser) header(text string, prev *header) (*header, bool) {
	if !containsLower(text, p.time) {
		return nil, false
	}
	forced := byte(0)
	if prev != nil && prev.columns == nil {
		forced = prev.sep
	}
	if l := p.last; l != nil && l.text == text && l.forced == forced {
		return l, true
	}
	sep := forced
	if sep == 0 {
		sep = separator(text)
	}
	cells, ok := split(text, sep)
	if !ok {
		return nil, false
	}
	h := &header{sep: sep, columns: map[string]int{}, slots: make([]int, len(p.names)), width: len(cells), text: text, forced: forced}
	for j, name := range p.names {
		i := column(cells, name)
		if i >= 0 {
			h.columns[name] = i
		}
		h.slots[j] = i
	}
	if _, ok := h.columns[p.m.Time]; !ok {
		return nil, false
	}
	p.last = h
	return h, true
}

// column finds a name among the header's cells: exactly, else ignoring case and spaces around it.
func column(cells []string, name string) int {
	if i := slices.Index(cells, name); i >= 0 {
		return i
	}
	for i, c := range cells {
		if strings.EqualFold(strings.TrimSpace(c), strings.TrimSpace(name)) {
			return i
		}
	}
	return -1
}

func (p *Parser) missing(h *header) []string {
	var out []string
	for _, name := range p.names {
		if _, ok := h.columns[name]; !ok {
			out = append(out, name)
		}
	}
	return out
}

// fileHeader reads the header from the start of the line's file, for a row seen first in the middle
// of a file (the tailer resumed at its position after a restart). Nil when the file cannot be read
// or starts with no header.
func (p *Parser) fileHeader(l parse.Line) *header {
	if l.Offset == 0 || l.Path == "" {
		return nil
	}
	f, err := os.Open(l.Path)
	if err != nil {
		return nil
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	var prev *header
	for range 2 { // a sep= line, then the header
		if !sc.Scan() {
			return nil
		}
		text := strings.TrimSuffix(string(bytes.TrimPrefix(sc.Bytes(), []byte("\xef\xbb\xbf"))), "\r")
		if sep, ok := strings.CutPrefix(text, "sep="); ok && len(sep) == 1 && prev == nil {
			prev = &header{sep: sep[0]}
			continue
		}
		h, ok := p.header(text, prev)
		if !ok {
			return nil
		}
		p.files.Add(l.Path, h)
		return h
	}
	return nil
}

// separator is the most frequent of ; , and tab outside quotes; ; on a tie.
func separator(s string) byte {
	counts := map[byte]int{}
	quoted := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"':
			quoted = !quoted
		case !quoted && (c == ';' || c == ',' || c == '\t'):
			counts[c]++
		}
	}
	best := byte(';')
	for _, c := range []byte{',', '\t'} {
		if counts[c] > counts[best] {
			best = c
		}
	}
	return best
}

// split cuts a CSV line at sep: fields may be quoted ("a;b", "say ""hi"""), spaces before a quote
// are allowed. It fails on an unterminated quote.
func split(s string, sep byte) ([]string, bool) { return splitInto(nil, s, sep) }

// splitInto is split appending to out.
func splitInto(out []string, s string, sep byte) ([]string, bool) {
	var b strings.Builder
	for i := 0; ; {
		j := i
		for j < len(s) && s[j] == ' ' {
			j++
		}
		if j < len(s) && s[j] == '"' {
			b.Reset()
			k := j + 1
			for {
				q := strings.IndexByte(s[k:], '"')
				if q < 0 {
					return nil, false
				}
				b.WriteString(s[k : k+q])
				k += q + 1
				if k < len(s) && s[k] == '"' {
					b.WriteByte('"')
					k++
					continue
				}
				break
			}
			end := strings.IndexByte(s[k:], sep)
			if end < 0 {
				b.WriteString(strings.TrimSpace(s[k:])) // text after the closing quote, kept as Excel does
				return append(out, b.String()), true
			}
			b.WriteString(strings.TrimSpace(s[k : k+end]))
			out = append(out, b.String())
			i = k + end + 1
			continue
		}
		end := strings.IndexByte(s[i:], sep)
		if end < 0 {
			return append(out, s[i:]), true
		}
		out = append(out, s[i:i+end])
		i += end + 1
	}
}

// blankTail says whether the cells past the header's width are all empty (Excel pads rows with
// separators).
func blankTail(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}
