package windows

import (
	"testing"
	"time"

	"github.com/lekwacht/lekwacht/collectors/parse"
	"github.com/lekwacht/lekwacht/event"
)

// Every id in Supported maps to an event with a category and an action; others are rejected.
func TestSupported(t *testing.T) {
	m := NewMapper(8)
	for _, id := range Supported {
		ev, err := m.Event(Record{ID: id, Time: time.Unix(0, 0), Data: map[string]string{}})
		if err != nil || ev.Event.Category == "" || ev.Event.Action == "" {
			t.Errorf("%d: %+v %v", id, ev.Event, err)
		}
	}
	if _, err := m.Event(Record{ID: 4688, Data: map[string]string{}}); parse.ReasonOf(err) != parse.ReasonUnsupported {
		t.Errorf("4688: %v", err)
	}
}

func TestPrincipal(t *testing.T) {
	for _, c := range []struct{ name, domain, wantName, wantDomain string }{
		{"dadmin@CONTOSO.LOCAL", "CONTOSO.LOCAL", "dadmin", "CONTOSO.LOCAL"},
		{"WS-0042$@voorbeeld.local", "VOORBEELD.LOCAL", "WS-0042$", "VOORBEELD.LOCAL"},
		{"j.devries@voorbeeld.nl", "VOORBEELD.LOCAL", "j.devries@voorbeeld.nl", "VOORBEELD.LOCAL"}, // a UPN: left whole
		{"dadmin@CONTOSO.LOCAL", "", "dadmin@CONTOSO.LOCAL", ""},
		{"dadmin", "CONTOSO", "dadmin", "CONTOSO"},
		{"@CONTOSO", "CONTOSO", "@CONTOSO", "CONTOSO"},
	} {
		if n, d := principal(c.name, c.domain); n != c.wantName || d != c.wantDomain {
			t.Errorf("principal(%q, %q) = %q, %q", c.name, c.domain, n, d)
		}
	}
}

func TestAddress(t *testing.T) {
	for in, want := range map[string]string{"::ffff:10.0.0.12": "10.0.0.12", "10.0.0.12": "10.0.0.12", "::1": "::1",
		"LOCAL": "", "Unknown": "", "": "", "-": ""} {
		if got := address(in); got != want {
			t.Errorf("address(%q) = %q, want %q", in, got, want)
		}
	}
	if got := unmapped("not an address"); got != "not an address" {
		t.Errorf("unmapped kept %q", got)
	}
}

// A status that is not zero fails the check even when the keywords say Audit Success; 4771 always fails.
func TestCredentialOutcome(t *testing.T) {
	m := NewMapper(8)
	for _, c := range []struct {
		id     int
		status string
		want   event.Outcome
	}{{4776, "0x0", event.OutcomeSuccess}, {4776, "0xc0000064", event.OutcomeFailure}, {4768, "0x00000000", event.OutcomeSuccess},
		{4768, "0x12", event.OutcomeFailure}, {4769, "", event.OutcomeSuccess}, {4771, "", event.OutcomeFailure}} {
		ev, _ := m.Event(Record{ID: c.id, Data: map[string]string{"Status": c.status, "TargetUserName": "x"}})
		if ev.Event.Outcome != c.want || ev.Event.Action != event.ActionAuthenticate {
			t.Errorf("%d %q: %+v", c.id, c.status, ev.Event)
		}
	}
}

// 4647 (user initiated logoff) names its user Target* in XML and "Subject:" in the rendered message
// that Snare forwards: either way the logoff ends that user's session, not an empty one.
func TestUserInitiatedLogoff(t *testing.T) {
	ev, err := NewMapper(8).Event(Record{ID: 4647, Data: map[string]string{"SubjectUserName": "jdevries", "SubjectDomainName": "VOORBEELD",
		"SubjectUserSid": "S-1-5-21-1-2-3-1104", "SubjectLogonId": "0x5e1a2"}})
	if err != nil {
		t.Fatal(err)
	}
	if ev.User.Name != "jdevries" || ev.User.Domain != "VOORBEELD" || ev.Event.Action != event.ActionLogoff || ev.Logon.ID != "0x5e1a2" {
		t.Errorf("4647: user %+v, action %s, logon %+v", ev.User, ev.Event.Action, ev.Logon)
	}
}
