package jsonscan

import (
	"bytes"
	"encoding/json"
	"testing"
	"unicode/utf8"
)

func valid(b []byte) bool {
	var s Scanner
	s.Reset(b)
	s.Skip()
	return !s.Failed() && s.AtEnd()
}

var seeds = []string{
	`{}`, `[]`, `{"a":1}`, `[1,2]`, `{"a":[1,{"b":null}],"c":"\u00e9\\x"}`, `"\ud83d\ude00"`, `"\ud83d"`, `-0.5e+3`,
	`01`, `1.`, `.5`, `-`, `1e`, `{"a":1,}`, `[1,]`, `{,}`, `[,1]`, `{"a" 1}`, `{"a":}`, `{1:2}`, `"a` + "\x01" + `"`,
	`"\x"`, `"\u12"`, `tru`, `truex`, `nul`, ` {"a" : [ true , false , null ] } `, `{}x`, `{"a":1}{"b":2}`, ``, ` `,
	`{"a":{"a":{"a":{}}}}`, `[[[[]]]]`, `[1 2]`, `{"a":1 "b":2}`, `"\/"`, `1E5`, `-01`, `2.5E-3`,
}

func TestValidAsEncodingJSON(t *testing.T) {
	for _, s := range seeds {
		if got, want := valid([]byte(s)), json.Valid([]byte(s)); got != want {
			t.Errorf("%q: valid %v, encoding/json says %v", s, got, want)
		}
	}
}

// Text resolves escapes as encoding/json does.
func TestTextAsEncodingJSON(t *testing.T) {
	for _, s := range []string{`"plain"`, `"DOMAIN\\user"`, `"caf\u00e9"`, `"\ud83d\ude00"`, `"\ud83d"`, `"\ud83dx"`,
		`"\ud83d\u0041"`, `"\ude00\ud83d"`, `"a\"b\/c\b\f\n\r\t"`, `"\u0000"`} {
		var sc Scanner
		sc.Reset([]byte(s))
		v := sc.Scalar()
		var want string
		if err := json.Unmarshal([]byte(s), &want); err != nil || sc.Failed() {
			t.Fatalf("%s: %v %v", s, err, sc.Failed())
		}
		if v.Text() != want || !v.Is(want) {
			t.Errorf("%s: %q, want %q", s, v.Text(), want)
		}
	}
}

// Any bytes: the Scanner and encoding/json agree on what is valid JSON.
func FuzzValid(f *testing.F) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if bytes.Count(b, []byte("["))+bytes.Count(b, []byte("{")) >= maxDepth {
			return
		}
		if got, want := valid(b), json.Valid(b); got != want {
			t.Fatalf("%q: valid %v, encoding/json says %v", b, got, want)
		}
		var s Scanner
		s.Reset(b)
		if v := s.Scalar(); !s.Failed() && v.Kind == String && s.AtEnd() && utf8.Valid(b) {
			var want string
			json.Unmarshal(b, &want)
			if v.Text() != want {
				t.Fatalf("%q: text %q, want %q", b, v.Text(), want)
			}
		}
	})
}
