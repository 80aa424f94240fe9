// Package jsonscan walks one JSON text in place, checking it as it goes: the JSON formats read the
// few members they need from a line without building maps of the rest.
package jsonscan

import (
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// Kind is the kind of a JSON value.
type Kind uint8

// The kinds; Invalid is what a failed read gives.
const (
	Invalid Kind = iota
	Null
	False
	True
	Number
	String
	Array
	Object
)

// maxDepth is the deepest nesting read; deeper texts fail (encoding/json allows 10000: its readers
// fall back to it when a Scanner fails).
const maxDepth = 1000

// Scanner reads one JSON text from the front, as encoding/json's grammar says (bytes above 0x7f in
// strings are not checked: see AppendText). Every read checks what it passes over; after the first
// fault every read fails and Failed says so. The zero Scanner holds an empty text.
type Scanner struct {
	data   []byte
	pos    int
	depth  int
	first  bool // Enter just read a bracket: no comma before the first element
	failed bool
}

// Reset starts reading data.
func (s *Scanner) Reset(data []byte) { *s = Scanner{data: data} }

// Failed says whether the text is not valid JSON as far as it was read.
func (s *Scanner) Failed() bool { return s.failed }

// AtEnd says whether only white space is left.
func (s *Scanner) AtEnd() bool {
	s.space()
	return s.pos == len(s.data)
}

func (s *Scanner) fail() bool {
	s.failed = true
	return false
}

func (s *Scanner) space() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

// Peek is the kind of the next value, without reading it (Invalid when none can start here).
func (s *Scanner) Peek() Kind {
	s.space()
	if s.failed || s.pos == len(s.data) {
		return Invalid
	}
	switch c := s.data[s.pos]; {
	case c == '{':
		return Object
	case c == '[':
		return Array
	case c == '"':
		return String
	case c == 't':
		return True
	case c == 'f':
		return False
	case c == 'n':
		return Null
	case c == '-' || c >= '0' && c <= '9':
		return Number
	}
	return Invalid
}

// Value is a scalar as it stands in the text: a string with its quotes, or a number or literal.
type Value struct {
	Kind  Kind
	Raw   []byte
	Start int // where Raw starts in the text
	// Escaped: the string holds backslash escapes; Text and AppendText resolve them.
	Escaped bool
}

// Text is a string value's text, or a number's or literal's bytes.
func (v Value) Text() string {
	if v.Kind != String {
		return string(v.Raw)
	}
	if !v.Escaped {
		return string(v.Raw[1 : len(v.Raw)-1])
	}
	return string(v.AppendText(nil))
}

// In is a string value's text as part of text, the string the scanner's bytes were copied from:
// without escapes it is text's own bytes, no copy.
func (v Value) In(text string) string {
	if v.Kind != String || v.Escaped {
		return v.Text()
	}
	return text[v.Start+1 : v.Start+len(v.Raw)-1]
}

// Is says whether a string value's text is s.
func (v Value) Is(s string) bool {
	if v.Kind != String {
		return false
	}
	if !v.Escaped {
		return string(v.Raw[1:len(v.Raw)-1]) == s
	}
	return string(v.AppendText(nil)) == s
}

// AppendText appends Text to dst: escapes resolved as encoding/json resolves them (a lone surrogate
// becomes U+FFFD). Invalid UTF-8 is kept as it is, where encoding/json writes U+FFFD: readers check
// the line with utf8.Valid first.
func (v Value) AppendText(dst []byte) []byte {
	if v.Kind != String {
		return append(dst, v.Raw...)
	}
	b := v.Raw[1 : len(v.Raw)-1]
	for i := 0; i < len(b); {
		c := b[i]
		if c != '\\' {
			j := i + 1
			for j < len(b) && b[j] != '\\' {
				j++
			}
			dst = append(dst, b[i:j]...)
			i = j
			continue
		}
		switch e := b[i+1]; e {
		case 'u':
			r := hex4(b[i+2:])
			i += 6
			if utf16.IsSurrogate(r) {
				if i+6 <= len(b) && b[i] == '\\' && b[i+1] == 'u' {
					if d := utf16.DecodeRune(r, hex4(b[i+2:])); d != unicode.ReplacementChar {
						r = d
						i += 6
						dst = utf8.AppendRune(dst, r)
						continue
					}
				}
				r = unicode.ReplacementChar
			}
			dst = utf8.AppendRune(dst, r)
		default:
			dst = append(dst, unescape[e])
			i += 2
		}
	}
	return dst
}

var unescape = [256]byte{'"': '"', '\\': '\\', '/': '/', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t'}

func hex4(b []byte) rune {
	var r rune
	for _, c := range b[:4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		default:
			c = c - 'A' + 10
		}
		r = r<<4 | rune(c)
	}
	return r
}

// Scalar reads a string, number or literal; an object or array fails.
func (s *Scanner) Scalar() Value {
	k := s.Peek()
	start := s.pos
	var escaped bool
	switch k {
	case String:
		escaped = s.str()
	case Number:
		s.number()
	case True:
		s.literal("true")
	case False:
		s.literal("false")
	case Null:
		s.literal("null")
	default:
		s.fail()
	}
	if s.failed {
		return Value{}
	}
	return Value{Kind: k, Raw: s.data[start:s.pos], Start: start, Escaped: escaped}
}

// Pos is where the scanner is in the text: after Peek, where the next value starts; after a read,
// just past what it read.
func (s *Scanner) Pos() int { return s.pos }

// Skip reads any value, and returns its bytes.
func (s *Scanner) Skip() []byte {
	k := s.Peek()
	start := s.pos
	switch k {
	case Object:
		s.Enter()
		for s.Member().Kind != Invalid {
			s.Skip()
		}
	case Array:
		s.Enter()
		for s.Elem() {
			s.Skip()
		}
	default:
		s.Scalar()
	}
	if s.failed {
		return nil
	}
	return s.data[start:s.pos]
}

// Enter reads the [ or { that opens an array or object; Elem or Member then read its contents.
func (s *Scanner) Enter() bool {
	k := s.Peek()
	if k != Object && k != Array || s.depth == maxDepth {
		return s.fail()
	}
	s.depth++
	s.pos++
	s.first = true
	return true
}

// Member reads the key of the next member of the object entered, and the colon after it, leaving
// the value to be read; the zero Value at the object's end (or on a fault).
func (s *Scanner) Member() Value {
	if !s.next('}') {
		return Value{}
	}
	if s.Peek() != String {
		s.fail()
		return Value{}
	}
	key := s.Scalar()
	s.space()
	if s.failed || s.pos == len(s.data) || s.data[s.pos] != ':' {
		s.fail()
		return Value{}
	}
	s.pos++
	return key
}

// Elem says whether the array entered has a next element, and leaves it to be read.
func (s *Scanner) Elem() bool { return s.next(']') }

// next steps over the comma before an element or member, or over the closing bracket.
func (s *Scanner) next(end byte) bool {
	if s.failed {
		return false
	}
	s.space()
	if s.pos == len(s.data) {
		return s.fail()
	}
	c := s.data[s.pos]
	if c == end {
		s.pos++
		s.depth--
		s.first = false
		return false
	}
	if s.first {
		s.first = false
		return true
	}
	if c != ',' {
		return s.fail()
	}
	s.pos++
	return true
}

// str reads a string at pos and says whether it holds escapes. Control bytes fail, as do escapes
// JSON does not have.
func (s *Scanner) str() (escaped bool) {
	b := s.data
	for i := s.pos + 1; i < len(b); i++ {
		for i < len(b) && !special[b[i]] {
			i++
		}
		if i == len(b) {
			break
		}
		switch c := b[i]; {
		case c == '"':
			s.pos = i + 1
			return escaped
		case c == '\\':
			escaped = true
			if i+1 == len(b) {
				return s.fail()
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i++
			case 'u':
				if i+6 > len(b) || !isHex(b[i+2]) || !isHex(b[i+3]) || !isHex(b[i+4]) || !isHex(b[i+5]) {
					return s.fail()
				}
				i += 5
			default:
				return s.fail()
			}
		default: // a control byte
			return s.fail()
		}
	}
	return s.fail()
}

// special are the bytes that end a run of plain string bytes: the quote, the backslash, control
// bytes.
var special = func() (t [256]bool) {
	for c := range 0x20 {
		t[c] = true
	}
	t['"'], t['\\'] = true, true
	return t
}()

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

// number reads -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? at pos.
func (s *Scanner) number() {
	b, i := s.data, s.pos
	if b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		i = digits(b, i)
	default:
		s.fail()
		return
	}
	if i < len(b) && b[i] == '.' {
		if j := digits(b, i+1); j > i+1 {
			i = j
		} else {
			s.fail()
			return
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if j := digits(b, i); j > i {
			i = j
		} else {
			s.fail()
			return
		}
	}
	s.pos = i
}

func digits(b []byte, i int) int {
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	return i
}

func (s *Scanner) literal(word string) {
	if len(s.data)-s.pos < len(word) || string(s.data[s.pos:s.pos+len(word)]) != word {
		s.fail()
		return
	}
	s.pos += len(word)
}
