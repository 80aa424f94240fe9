package rules

import (
	"bytes"
	"strconv"
	"strings"
	"testing"

	"github.com/lekwacht/lekwacht/event"
)

// eventFrom builds an event from fuzz bytes: NUL-separated values for event.Fields in order (email.to
// split on ','); a group (mail, file, ...) exists when one of its fields was given, so events with
// and without each group are both made.
func eventFrom(b []byte) *event.Event {
	e := &event.Event{}
	for i, part := range bytes.Split(b, []byte{0}) {
		if i >= len(event.Fields) {
			break
		}
		setField(e, event.Fields[i], string(part))
	}
	return e
}

func setField(e *event.Event, field, s string) {
	group, _, _ := strings.Cut(field, ".")
	switch group {
	case "logon":
		if e.Logon == nil {
			e.Logon = &event.Logon{}
		}
	case "email":
		if e.Mail == nil {
			e.Mail = &event.Mail{}
		}
	case "file":
		if e.File == nil {
			e.File = &event.File{}
		}
	case "device":
		if e.Device == nil {
			e.Device = &event.Device{}
		}
	case "http":
		if e.HTTP == nil {
			e.HTTP = &event.HTTP{}
		}
	case "app":
		if e.App == nil {
			e.App = &event.App{}
		}
	}
	ptr := map[string]*string{
		"event.code": &e.Event.Code, "event.dataset": &e.Event.Dataset,
		"user.name": &e.User.Name, "user.domain": &e.User.Domain, "user.id": &e.User.ID,
		"host.name": &e.Host.Name, "host.workstation": &e.Host.Workstation,
		"source.ip": &e.Source.IP, "source.domain": &e.Source.Domain,
		"destination.domain": &e.Destination.Domain, "destination.ip": &e.Destination.IP,
		"log.input": &e.Log.Input, "log.file": &e.Log.Path,
	}
	if e.Logon != nil {
		ptr["logon.type"], ptr["logon.method"] = &e.Logon.Type, &e.Logon.Method
	}
	if e.Mail != nil {
		ptr["email.from"], ptr["email.status"], ptr["email.direction"], ptr["email.hop"] = &e.Mail.From, &e.Mail.Status, &e.Mail.Direction, &e.Mail.Hop
	}
	if e.File != nil {
		ptr["file.path"], ptr["file.share"], ptr["file.operation"] = &e.File.Path, &e.File.Share, &e.File.Operation
	}
	if e.Device != nil {
		ptr["device.class"] = &e.Device.Class
	}
	if e.HTTP != nil {
		ptr["http.method"], ptr["http.path"] = &e.HTTP.Method, &e.HTTP.Path
	}
	if e.App != nil {
		ptr["app.name"], ptr["app.action"], ptr["app.object"] = &e.App.Name, &e.App.Action, &e.App.Object
	}
	switch field {
	case "event.category":
		e.Event.Category = event.Category(s)
	case "event.action":
		e.Event.Action = event.Action(s)
	case "event.outcome":
		e.Event.Outcome = event.Outcome(s)
	case "email.to":
		e.Mail.To = strings.Split(s, ",")
	case "http.status":
		n, err := strconv.Atoi(s)
		if err != nil {
			n = len(s) // 0 for "": no status
		}
		e.HTTP.Status = n
	default:
		if p := ptr[field]; p != nil {
			*p = s
		}
	}
}

// checkMatcher fails when the compiled Matcher answers otherwise than Rule.Matches, or rules out by
// category and action an event the rule matches.
func checkMatcher(t *testing.T, r *Rule, e *event.Event) {
	t.Helper()
	m := r.Matcher()
	want := r.Matches(e)
	if got := m.Matches(e); got != want {
		t.Fatalf("Matcher.Matches = %v, Rule.Matches = %v\nmatch %q allow %q\nevent %+v", got, want, r.Match, r.Allow, e)
	}
	if want && !m.Accepts(e.Event.Category, e.Event.Action) {
		t.Fatalf("the rule matches, but Accepts(%q, %q) rules the event out\nmatch %q allow %q", e.Event.Category, e.Event.Action, r.Match, r.Allow)
	}
}

// ruleFrom builds a rule in code (values as given, not lower-cased as YAML would) from fuzz bytes:
// one condition per line, its first byte choosing the field (and, with the high bit, allow rather
// than match), the rest '|'-separated values.
func ruleFrom(b []byte) *Rule {
	r := &Rule{Match: map[string]Values{}, Allow: map[string]Values{}}
	for _, line := range bytes.Split(b, []byte{'\n'}) {
		if len(line) == 0 {
			continue
		}
		field := event.Fields[int(line[0]&0x7f)%len(event.Fields)]
		m := r.Match
		if line[0]&0x80 != 0 {
			m = r.Allow
		}
		for _, v := range strings.Split(string(line[1:]), "|") {
			m[field] = append(m[field], v)
		}
	}
	return r
}

// FuzzMatcher: for rules built in code and any event, the compiled Matcher agrees with Rule.Matches.
func FuzzMatcher(f *testing.F) {
	ev := func(parts ...string) []byte { return []byte(strings.Join(parts, "\x00")) }
	fileDelete := ev("file", "delete", "success", "4660", "windows", "A.Bakker", "GEMEENTE", "S-1-5", "fs01", "WS-0042",
		"10.0.0.1", "", "3", "kerberos", "", "", "", "", "", "/srv/Burgerzaken/x.docx", "Burgerzaken", "delete")
	mail := ev("email", "send", "", "", "postfix", "j.devries", "", "", "mx1", "", "", "",
		"", "", "J.deVries@voorbeeld.nl", "a@gmail.com,,B@Example.NL", "sent", "outbound", "relay")
	web := ev("web", "view", "failure", "", "", "K", "", "", "www", "", "", "", "", "", "", "", "", "", "",
		"", "", "", "usb", "GET", "/zaak/1", "404", "Zaaksysteem", "export", "zaak 1")
	for _, c := range []struct{ rule, event []byte }{
		{[]byte("\x00file\n\x01delete|rename\n\x85svc_*\n\x94archief"), fileDelete},
		{[]byte("\x0f*@gmail.com|b@example.nl\n\x8e*@voorbeeld.nl"), mail},
		{[]byte("\x1940?\n\x08w*\n\x05\u212a"), web},
		{[]byte("\x05ÅSA|a.bakker\n\x13/srv/*|[\n\x01d?lete|\\*"), fileDelete},
		{[]byte("\x05A.*\n\x13/SRV/*/x.docx"), fileDelete},
		{[]byte("\x00\n\x80"), ev("")},
	} {
		f.Add(c.rule, c.event)
	}
	f.Fuzz(func(t *testing.T, rule, ev []byte) {
		checkMatcher(t, ruleFrom(rule), eventFrom(ev))
	})
}
