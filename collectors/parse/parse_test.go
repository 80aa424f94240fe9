package parse

import "testing"

func TestCheck(t *testing.T) {
	for _, c := range []struct {
		text   string
		reason Reason
	}{
		{"plain line", ""},
		{"tab\tand\rcr", ""},
		{"Min. Password Age: \x01   Max. Password Age: \x01 and a long rendered message around it", ""},
		{"nul\x00byte", ReasonBinary},
		{"\x01\x02\x03\x04garbage", ReasonBinary},
		{"bad \xff utf8", ReasonInvalidUTF8},
	} {
		err := Check(Line{Text: []byte(c.text)})
		got := Reason("")
		if err != nil {
			got = ReasonOf(err)
		}
		if got != c.reason {
			t.Errorf("%q: %q, want %q", c.text, got, c.reason)
		}
	}
	if ReasonOf(Check(Line{Text: []byte("x"), Truncated: true})) != ReasonTooLong {
		t.Error("cut line not rejected")
	}
}
