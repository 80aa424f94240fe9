package winxml

import (
	"bytes"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/lekwacht/lekwacht/collectors/windows"
)

// fields are what the parser reads of an event.
type fields struct {
	eventID, keywords, systemTime, computer string
	data                                    map[string]string
}

// maxDepth is the deepest nesting the scanner reads; deeper lines go to encoding/xml.
const maxDepth = 64

// scanner reads the fields of an event as xml.Unmarshal into xmlEvent reads them (the last of
// repeated elements or attributes wins, System elements met twice merge), keeping only the
// EventData names the Windows mapping reads. It reads a plain subset of XML, checked as strictly as
// encoding/xml checks it: tags, attributes in quotes, text, the predefined entities and character
// references. Anything else (other references, comments, CDATA, processing instructions, namespace
// prefixes, names or characters it does not check, an element inside a text field) makes it give
// up (ok false), and the line is read by encoding/xml. Texts are parts of the line's string
// (log.original) unless they hold references. The EventData map is reused from line to line (the
// Mapper keeps no Record).
type scanner struct {
	b    []byte
	pos  int
	line string
	data map[string]string
}

func (x *scanner) read(line []byte, text string) (f fields, ok bool) {
	if len(line) == 0 || line[0] != '<' || !plain(line) {
		return f, false
	}
	x.b, x.pos, x.line = line, 0, text
	if x.data == nil {
		x.data = make(map[string]string, 16)
	}
	clear(x.data)
	f.data = x.data
	name, _, empty, ok := x.startTag()
	if !ok || string(name) != "Event" {
		return f, false
	}
	if empty {
		return f, true
	}
	ok = x.content(name, 1, func(child []byte, attrs span, empty bool) bool {
		switch string(child) {
		case "System":
			return x.system(&f, empty)
		case "EventData":
			return x.eventData(empty)
		}
		return x.skip(child, empty, 2)
	})
	return f, ok
}

func (x *scanner) system(f *fields, empty bool) bool {
	if empty {
		return true
	}
	return x.content([]byte("System"), 2, func(child []byte, attrs span, empty bool) bool {
		var dst *string
		switch string(child) {
		case "EventID":
			dst = &f.eventID
		case "Keywords":
			dst = &f.keywords
		case "Computer":
			dst = &f.computer
		case "TimeCreated":
			if v, ok := x.attr(attrs, "SystemTime"); ok {
				f.systemTime = v
			}
			return x.skip(child, empty, 3)
		default:
			return x.skip(child, empty, 3)
		}
		v, ok := x.text(child, empty)
		*dst = v
		return ok
	})
}

func (x *scanner) eventData(empty bool) bool {
	if empty {
		return true
	}
	return x.content([]byte("EventData"), 2, func(child []byte, attrs span, empty bool) bool {
		if string(child) != "Data" {
			return x.skip(child, empty, 3)
		}
		name, _ := x.attr(attrs, "Name")
		v, ok := x.text(child, empty)
		if k, wanted := windows.Field([]byte(name)); wanted {
			x.data[k] = v
		}
		return ok
	})
}

// content reads an element's content after its start tag, through its end tag: text is passed
// over, each child's start tag given to child, which reads the child through its end.
func (x *scanner) content(name []byte, depth int, child func(name []byte, attrs span, empty bool) bool) bool {
	if depth > maxDepth {
		return false
	}
	for {
		i := bytes.IndexByte(x.b[x.pos:], '<')
		if i < 0 {
			return false
		}
		x.pos += i
		if x.pos+1 < len(x.b) && x.b[x.pos+1] == '/' {
			return x.endTag(name)
		}
		n, attrs, empty, ok := x.startTag()
		if !ok || !child(n, attrs, empty) {
			return false
		}
	}
}

// skip reads an element no field takes.
func (x *scanner) skip(name []byte, empty bool, depth int) bool {
	if empty {
		return true
	}
	return x.content(name, depth, func(n []byte, _ span, empty bool) bool { return x.skip(n, empty, depth+1) })
}

// text reads the content of an element that is text only, through its end tag.
func (x *scanner) text(name []byte, empty bool) (string, bool) {
	if empty {
		return "", true
	}
	start := x.pos
	i := bytes.IndexByte(x.b[x.pos:], '<')
	if i < 0 {
		return "", false
	}
	x.pos += i
	return x.value(start, x.pos), x.endTag(name)
}

// span is where a start tag's attributes are in the line.
type span struct{ start, end int }

// startTag reads <name attributes> or <name attributes/> at pos, checking the attributes.
func (x *scanner) startTag() (name []byte, attrs span, empty, ok bool) {
	x.pos++ // <
	if name = x.name(); name == nil {
		return nil, attrs, false, false
	}
	attrs.start = x.pos
	for {
		x.space()
		if x.pos == len(x.b) {
			return nil, attrs, false, false
		}
		switch x.b[x.pos] {
		case '>':
			attrs.end = x.pos
			x.pos++
			return name, attrs, false, true
		case '/':
			if x.pos+1 == len(x.b) || x.b[x.pos+1] != '>' {
				return nil, attrs, false, false
			}
			attrs.end = x.pos
			x.pos += 2
			return name, attrs, true, true
		}
		if x.name() == nil {
			return nil, attrs, false, false
		}
		x.space()
		if x.pos == len(x.b) || x.b[x.pos] != '=' {
			return nil, attrs, false, false
		}
		x.pos++
		x.space()
		if x.pos == len(x.b) || x.b[x.pos] != '"' && x.b[x.pos] != '\'' {
			return nil, attrs, false, false
		}
		q := x.b[x.pos]
		end := bytes.IndexByte(x.b[x.pos+1:], q)
		if end < 0 || bytes.IndexByte(x.b[x.pos+1:x.pos+1+end], '<') >= 0 {
			return nil, attrs, false, false // encoding/xml: unescaped < inside quoted string
		}
		x.pos += end + 2
	}
}

// attr is the value of the last attribute called name in a start tag's attributes, which
// startTag checked.
func (x *scanner) attr(attrs span, name string) (string, bool) {
	var v string
	found := false
	b := x.b
	for i := attrs.start; i < attrs.end; {
		for i < attrs.end && isSpace(b[i]) {
			i++
		}
		if i == attrs.end {
			break
		}
		eq := bytes.IndexByte(b[i:attrs.end], '=') + i
		n := b[i:eq]
		for isSpace(n[len(n)-1]) {
			n = n[:len(n)-1]
		}
		j := eq + 1
		for isSpace(b[j]) {
			j++
		}
		end := bytes.IndexByte(b[j+1:attrs.end], b[j]) + j + 1
		if string(n) == name {
			v, found = x.value(j+1, end), true
		}
		i = end + 1
	}
	return v, found
}

// value is the text between start and end in the line: a part of the line's string, or with
// references resolved.
func (x *scanner) value(start, end int) string {
	if bytes.IndexByte(x.b[start:end], '&') >= 0 {
		return resolve(x.b[start:end])
	}
	return x.line[start:end]
}

// endTag reads </name> at pos, with the name of the element it ends.
func (x *scanner) endTag(name []byte) bool {
	if x.pos+1 >= len(x.b) || x.b[x.pos+1] != '/' {
		return false
	}
	x.pos += 2
	n := x.name()
	if n == nil || !bytes.Equal(n, name) {
		return false
	}
	x.space()
	if x.pos == len(x.b) || x.b[x.pos] != '>' {
		return false
	}
	x.pos++
	return true
}

// name reads an ASCII XML name without a namespace prefix at pos; nil when there is none, or
// the name is one the scanner leaves to encoding/xml.
func (x *scanner) name() []byte {
	start := x.pos
	if x.pos == len(x.b) || !nameStart(x.b[x.pos]) {
		return nil
	}
	for x.pos < len(x.b) && nameByte(x.b[x.pos]) {
		x.pos++
	}
	if x.pos < len(x.b) && (x.b[x.pos] == ':' || x.b[x.pos] >= utf8.RuneSelf) {
		return nil
	}
	return x.b[start:x.pos]
}

func (x *scanner) space() {
	for x.pos < len(x.b) && isSpace(x.b[x.pos]) {
		x.pos++
	}
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' }

func nameStart(c byte) bool { return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == '_' }

func nameByte(c byte) bool {
	return nameStart(c) || c >= '0' && c <= '9' || c == '.' || c == '-'
}

// plain says whether a line holds only what the scanner reads: valid UTF-8 of characters XML
// allows, no carriage return (encoding/xml turns it into a newline), only entities the scanner
// resolves (entity), no <! or <? (comments, CDATA, declarations, processing instructions), no ]]>.
func plain(b []byte) bool {
	ascii := true
	for i := 0; i < len(b); i++ {
		for i < len(b) && !notable[b[i]] {
			i++
		}
		if i == len(b) {
			break
		}
		switch c := b[i]; {
		case c >= utf8.RuneSelf:
			ascii = false
		case c == '&':
			if _, n := entity(b[i:]); n == 0 {
				return false
			}
		case c < 0x20 && c != '\t' && c != '\n':
			return false
		case c == '<' && i+1 < len(b) && (b[i+1] == '!' || b[i+1] == '?'):
			return false
		case c == '>' && i >= 2 && b[i-1] == ']' && b[i-2] == ']':
			return false
		}
	}
	if ascii {
		return true
	}
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r == utf8.RuneError && size == 1 || !inRange(r) {
			return false
		}
		b = b[size:]
	}
	return true
}

// notable are the bytes plain looks at: all but plain ASCII text.
var notable = func() (t [256]bool) {
	for c := range 256 {
		t[c] = c >= utf8.RuneSelf || c < 0x20 || c == '&' || c == '<' || c == '>'
	}
	return t
}()

// entity reads a reference at the front of b (&lt; &gt; &amp; &apos; &quot; &#N; &#xH;), and says
// its character and length; length 0 for one the scanner leaves to encoding/xml (which rejects
// most of them).
func entity(b []byte) (rune, int) {
	end := bytes.IndexByte(b, ';')
	if end < 2 {
		return 0, 0
	}
	switch name := string(b[1:end]); name {
	case "lt":
		return '<', end + 1
	case "gt":
		return '>', end + 1
	case "amp":
		return '&', end + 1
	case "apos":
		return '\'', end + 1
	case "quot":
		return '"', end + 1
	}
	if b[1] != '#' {
		return 0, 0
	}
	digits, base := b[2:end], 10
	if len(digits) > 0 && digits[0] == 'x' {
		digits, base = digits[1:], 16
	}
	if len(digits) == 0 || len(digits) > 8 {
		return 0, 0
	}
	var n rune
	for _, c := range digits {
		var d rune
		switch {
		case c >= '0' && c <= '9':
			d = rune(c - '0')
		case base == 16 && c >= 'a' && c <= 'f':
			d = rune(c-'a') + 10
		case base == 16 && c >= 'A' && c <= 'F':
			d = rune(c-'A') + 10
		default:
			return 0, 0
		}
		n = n*rune(base) + d
	}
	if n > unicode.MaxRune || utf16.IsSurrogate(n) || !inRange(n) {
		return 0, 0
	}
	return n, end + 1
}

// inRange is encoding/xml's test of the characters XML allows.
func inRange(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D || r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD ||
		r >= 0x10000 && r <= 0x10FFFF
}

// resolve is a text or attribute value with its references resolved (plain checked them).
func resolve(b []byte) string {
	out := make([]byte, 0, len(b))
	for len(b) > 0 {
		i := bytes.IndexByte(b, '&')
		if i < 0 {
			out = append(out, b...)
			break
		}
		out = append(out, b[:i]...)
		r, n := entity(b[i:])
		out = utf8.AppendRune(out, r)
		b = b[i+n:]
	}
	return string(out)
}
