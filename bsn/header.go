package bsn

import "bytes"

// headerMax is how much of the input's start the header check looks at.
const headerMax = 8192

// headerNames are the column names, lowercased and without '_', '-', '.' or spaces, that mark a
// BSN column.
var headerNames = map[string]bool{
	"bsn": true, "burgerservicenummer": true, "sofinummer": true, "bsnnummer": true,
	"bsnnr": true, "sofinr": true,
}

// detectHeader reports whether the first line in p, the first bytes of the input, is a delimited
// header with a BSN column. complete says the input ends within p; otherwise a first line that
// fills p is cut, and its last field is not trusted.
func detectHeader(p []byte, complete bool) bool {
	p = bytes.TrimPrefix(p, []byte("\xef\xbb\xbf"))
	line, _, found := bytes.Cut(p, []byte{'\n'})
	cut := !found && !complete
	for len(line) > 0 {
		i := bytes.IndexAny(line, ",;\t|")
		if i < 0 {
			return !cut && bsnColumn(line)
		}
		if bsnColumn(line[:i]) {
			return true
		}
		line = line[i+1:]
	}
	return false
}

// bsnColumn reports whether a header field names a BSN column.
func bsnColumn(f []byte) bool {
	f = bytes.Trim(f, " \r\"'")
	if len(f) < 3 || len(f) > 32 {
		return false
	}
	var b [32]byte
	n := 0
	for _, c := range f {
		switch {
		case c == '_' || c == '-' || c == '.' || c == ' ':
			continue
		case c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
		}
		b[n] = c
		n++
	}
	return headerNames[string(b[:n])]
}
