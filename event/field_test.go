package event

import (
	"slices"
	"testing"
)

func TestFieldReadsEveryListedField(t *testing.T) {
	e := Event{Event: Kind{Category: CategoryEmail, Action: ActionDeliver, Outcome: OutcomeSuccess, Code: "c", Dataset: "d"},
		User: User{Name: "u", Domain: "dom", ID: "id", Account: "acc", Original: "orig", Identity: IdentityAdmin}, Host: Host{Name: "h", Workstation: "ws"}, Source: Endpoint{IP: "ip", Domain: "sd"},
		Destination: Endpoint{IP: "dip", Domain: "dd"},
		Logon:       &Logon{Type: "lt", Method: "lm"}, Mail: &Mail{From: "f", To: []string{"t1", "t2"}, Status: "s", Direction: "dir", Hop: "hop"},
		File: &File{Path: "p", Share: "sh", Operation: "op"}, Device: &Device{Class: "dc"}, HTTP: &HTTP{Method: "m", Path: "hp", Status: 404},
		App: &App{Name: "an", Action: "aa", Object: "ao"}, Log: Log{Input: "in", Path: "lf"}}
	seen := map[string]bool{}
	for _, f := range Fields {
		v := e.Field(f)
		if len(v) == 0 {
			t.Errorf("%s: no value", f)
		}
		for _, x := range v {
			if seen[x] {
				t.Errorf("%s: value %q also returned for another field", f, x)
			}
			seen[x] = true
		}
	}
	if got := e.Field("email.to"); !slices.Equal(got, []string{"t1", "t2"}) {
		t.Errorf("email.to = %v", got)
	}
	if (&Event{}).Field("file.path") != nil || e.Field("no.such") != nil {
		t.Error("missing group or unknown field gave a value")
	}
}

func TestAddressDomain(t *testing.T) {
	for in, want := range map[string]string{"<A.Bakker@Voorbeeld.NL>": "voorbeeld.nl", " x@gmail.com ": "gmail.com", "postmaster": ""} {
		if got := AddressDomain(in); got != want {
			t.Errorf("AddressDomain(%q) = %q, want %q", in, got, want)
		}
	}
}
