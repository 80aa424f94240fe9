package config

import (
	"strings"
	"testing"
)

// TestUnknownKeySaysWhatWasMeant: a misspelt key, at the top, in a section or in an input, says the
// key meant and the keys allowed there, and points at no file the user does not have.
func TestUnknownKeySaysWhatWasMeant(t *testing.T) {
	p := write(t, "organisation:\n  timezone: Europe/Amsterdam\n  domians: [x.nl]\ninputs:\n  - {name: mail, fromat: postfix, format: postfix, paths: [/x]}\nregistr: {dir: /tmp/x}\n")
	_, err := Load(p, nil)
	if err == nil {
		t.Fatal("misspelt keys accepted")
	}
	for _, want := range []string{
		p + `:3:3: organisation.domians: unknown key: did you mean "domains"? (the keys of organisation are domains, fg,`,
		p + `:5:18: inputs.0 (mail).fromat: unknown key: did you mean "format"? (the keys of inputs.0 (mail) are exclude,`,
		p + `:6:1: registr: unknown key: did you mean "register"? (the keys at the top are`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not say %q:\n%v", want, err)
		}
	}
	if strings.Contains(err.Error(), "CONTRACT") {
		t.Errorf("error points at a file users do not have:\n%v", err)
	}
}
