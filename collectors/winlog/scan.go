package winlog

import (
	"strconv"
	"unicode/utf8"

	"github.com/lekwacht/lekwacht/collectors/jsonscan"
	"github.com/lekwacht/lekwacht/collectors/windows"
)

// scanner reads the fields of a line as encoding/json would decode them into doc (last of
// duplicate members wins, objects met twice merge, null leaves a field as it was), keeping only
// the EventData names the Windows mapping reads. It gives up (ok false) where encoding/json would
// fail or where its rules get subtle, and decode reads the line instead.
//
// The texts it keeps are parts of the line's string (log.original), unless they hold escapes. The
// EventData map is reused from line to line (the Mapper keeps no Record).
type scanner struct {
	s    jsonscan.Scanner
	line string // the line as a string
	data map[string]string
}

func (sc *scanner) read(line []byte, text string) (f fields, ok bool) {
	if !utf8.Valid(line) {
		return f, false // encoding/json writes U+FFFD for what is not UTF-8
	}
	s := &sc.s
	s.Reset(line)
	if s.Peek() != jsonscan.Object {
		return f, false
	}
	sc.line = text
	if sc.data == nil {
		sc.data = make(map[string]string, 16)
	}
	clear(sc.data)
	s.Enter()
	ok = true
	for key := s.Member(); ok && key.Kind != jsonscan.Invalid; key = s.Member() {
		switch k := name(key, "@timestamp", "event", "user", "source", "host", "winlog"); k {
		case "@timestamp":
			ok = sc.text(&f.timestamp)
		case "event":
			ok = members(s, func(k string) bool {
				if k == "code" {
					f.code = s.Skip()
					return true
				}
				return skip(s, k)
			}, "code")
		case "user":
			ok = members(s, func(k string) bool {
				switch k {
				case "name":
					return sc.text(&f.fallback.UserName)
				case "domain":
					return sc.text(&f.fallback.UserDomain)
				case "id":
					return sc.text(&f.fallback.UserID)
				}
				return skip(s, k)
			}, "name", "domain", "id")
		case "source":
			ok = members(s, func(k string) bool {
				switch k {
				case "ip":
					return sc.text(&f.fallback.SourceIP)
				case "port":
					return integer(s, &f.fallback.SourcePort)
				}
				return skip(s, k)
			}, "ip", "port")
		case "host":
			ok = members(s, func(k string) bool {
				if k == "name" {
					return sc.text(&f.host)
				}
				return skip(s, k)
			}, "name")
		case "winlog":
			ok = sc.winlog(&f)
		default:
			ok = skip(s, k)
		}
	}
	if !ok || s.Failed() || !s.AtEnd() {
		return f, false
	}
	f.data = sc.data
	return f, true
}

func (sc *scanner) winlog(f *fields) bool {
	s := &sc.s
	return members(s, func(k string) bool {
		switch k {
		case "event_id":
			f.id = s.Skip()
			return true
		case "computer_name":
			return sc.text(&f.computer)
		case "time_created":
			return sc.text(&f.created)
		case "keywords":
			return keywords(s, &f.failure)
		case "event_data":
			return sc.eventData()
		}
		return skip(s, k)
	}, "event_id", "computer_name", "event_data", "keywords", "time_created")
}

// eventData merges an object's string members that the mapping reads into the map; a member of
// another kind removes the name (encoding/json's map[string]any holds it, and it is no string),
// null empties the map.
func (sc *scanner) eventData() bool {
	s := &sc.s
	switch s.Peek() {
	case jsonscan.Null:
		s.Scalar()
		clear(sc.data)
		return true
	case jsonscan.Object:
	default:
		return false
	}
	s.Enter()
	for key := s.Member(); key.Kind != jsonscan.Invalid; key = s.Member() {
		raw := key.Raw[1 : len(key.Raw)-1]
		if key.Escaped {
			raw = key.AppendText(nil)
		}
		k, wanted := windows.Field(raw)
		switch {
		case !wanted:
			s.Skip()
		case s.Peek() == jsonscan.String:
			sc.data[k] = s.Scalar().In(sc.line)
		default:
			s.Skip()
			delete(sc.data, k)
		}
	}
	return !s.Failed()
}

// keywords reads a list of strings; Audit Failure in it is a failure. A later list replaces an
// earlier one, null is no list.
func keywords(s *jsonscan.Scanner, failure *bool) bool {
	*failure = false
	switch s.Peek() {
	case jsonscan.Null:
		s.Scalar()
		return true
	case jsonscan.Array:
	default:
		return false
	}
	s.Enter()
	for s.Elem() {
		switch v := s.Scalar(); v.Kind {
		case jsonscan.String:
			if v.Is("Audit Failure") {
				*failure = true
			}
		case jsonscan.Null:
		default:
			return false
		}
	}
	return !s.Failed()
}

// members reads an object (null: nothing) member by member: each key is given to read as the
// field name it matches, or "" for a key matching none.
func members(s *jsonscan.Scanner, read func(key string) bool, names ...string) bool {
	switch s.Peek() {
	case jsonscan.Null:
		s.Scalar()
		return true
	case jsonscan.Object:
	default:
		return false
	}
	s.Enter()
	for key := s.Member(); key.Kind != jsonscan.Invalid; key = s.Member() {
		if !read(name(key, names...)) {
			return false
		}
	}
	return !s.Failed()
}

// name is the field name the key is, "" for none, or "?" when only encoding/json can tell: an
// escaped key, a key that differs from a name in case only (encoding/json matches it), a key
// that is not ASCII (Unicode case folding).
func name(key jsonscan.Value, names ...string) string {
	if key.Escaped {
		return "?"
	}
	raw := key.Raw[1 : len(key.Raw)-1]
	for _, n := range names {
		if string(raw) == n {
			return n
		}
	}
	for _, c := range raw {
		if c >= utf8.RuneSelf {
			return "?"
		}
	}
	for _, n := range names {
		if foldASCII(raw, n) {
			return "?"
		}
	}
	return ""
}

func foldASCII(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range b {
		if lower(b[i]) != lower(s[i]) {
			return false
		}
	}
	return true
}

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// skip reads the value of a member no field takes; "?" gives up.
func skip(s *jsonscan.Scanner, key string) bool {
	if key == "?" {
		return false
	}
	s.Skip()
	return true
}

// text reads a string into *dst; null leaves it; another kind gives up.
func (sc *scanner) text(dst *string) bool {
	switch v := sc.s.Scalar(); v.Kind {
	case jsonscan.String:
		*dst = v.In(sc.line)
	case jsonscan.Null:
	default:
		return false
	}
	return true
}

// integer reads a whole number into *dst; null leaves it; another kind gives up.
func integer(s *jsonscan.Scanner, dst *int) bool {
	switch v := s.Scalar(); v.Kind {
	case jsonscan.Number:
		n, err := strconv.ParseInt(string(v.Raw), 10, 64)
		if err != nil {
			return false
		}
		*dst = int(n)
	case jsonscan.Null:
	default:
		return false
	}
	return true
}
