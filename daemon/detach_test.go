package daemon

import (
	"strings"
	"testing"
	"unsafe"

	"github.com/lekwacht/lekwacht/event"
)

// TestDetachKeepsNoPartOfTheLine: after detach, no text a detector may keep shares memory with the
// line it was cut from, and equal texts of two events share one copy.
func TestDetachKeepsNoPartOfTheLine(t *testing.T) {
	line := strings.Repeat("x", 4096) + `VOORBEELD\jdevries WS-0042 10.20.1.15 burgerzaken /srv/a.docx zaak/123 ext.example 0x8d3a2f`
	cut := func(s string) string { i := strings.Index(line, s); return line[i : i+len(s)] }
	mk := func() event.Event {
		return event.Event{
			User:        event.User{Name: cut("jdevries"), Domain: cut("VOORBEELD"), Original: cut(`VOORBEELD\jdevries`)},
			Host:        event.Host{Name: cut("WS-0042"), Workstation: cut("WS-0042")},
			Source:      event.Endpoint{IP: cut("10.20.1.15")},
			Destination: event.Endpoint{Domain: cut("ext.example")},
			Mail:        &event.Mail{From: cut("jdevries"), To: []string{cut("ext.example")}},
			File:        &event.File{Path: cut("/srv/a.docx"), Share: cut("burgerzaken")},
			App:         &event.App{Object: cut("zaak/123")},
			Logon:       &event.Logon{ID: cut("0x8d3a2f")},
			Log:         event.Log{Original: line},
		}
	}
	evs := []event.Event{mk(), mk()}
	var d detacher
	d.detach(evs)
	start := uintptr(unsafe.Pointer(unsafe.StringData(line)))
	inLine := func(s string) bool {
		p := uintptr(unsafe.Pointer(unsafe.StringData(s)))
		return s != "" && p >= start && p < start+uintptr(len(line))
	}
	for i, ev := range evs {
		for name, s := range map[string]string{"user.name": ev.User.Name, "user.domain": ev.User.Domain, "user.original": ev.User.Original,
			"host.name": ev.Host.Name, "host.workstation": ev.Host.Workstation, "source.ip": ev.Source.IP, "destination.domain": ev.Destination.Domain,
			"email.from": ev.Mail.From, "email.to": ev.Mail.To[0], "file.path": ev.File.Path, "file.share": ev.File.Share,
			"app.object": ev.App.Object, "logon.id": ev.Logon.ID} {
			if inLine(s) {
				t.Errorf("event %d: %s %q is still part of the line", i, name, s)
			}
			if s == "" {
				t.Errorf("event %d: %s lost", i, name)
			}
		}
		if ev.User.Name != "jdevries" || ev.File.Path != "/srv/a.docx" || ev.Log.Original != line {
			t.Errorf("event %d changed: %+v", i, ev.User)
		}
	}
	if unsafe.StringData(evs[0].Host.Name) != unsafe.StringData(evs[1].Host.Name) {
		t.Error("the same host name of two events is kept twice")
	}
	// Full, it starts afresh and still copies.
	for i := range detachKeep + 10 {
		n := strings.Repeat("y", 10) + string(rune('a'+i%26)) + strings.Repeat("z", i%1000)
		ev := []event.Event{{User: event.User{Name: n}}}
		d.detach(ev)
	}
	if len(d.seen) > detachKeep {
		t.Errorf("%d texts kept: more than %d", len(d.seen), detachKeep)
	}
	again := []event.Event{mk()}
	d.detach(again)
	if inLine(again[0].Host.Name) || again[0].Host.Name != "WS-0042" {
		t.Error("after starting afresh a text is still part of the line")
	}
}

func BenchmarkDetach(b *testing.B) {
	line := `{"@timestamp":"2026-11-17T13:06:09Z","winlog":{"computer_name":"LT-0021.voorbeeld.local","event_data":{"SubjectUserName":"thendriks","SubjectDomainName":"VOORBEELD","ObjectName":"E:\\Overdracht\\051-besluit.docx"}}}`
	cut := func(s string) string { i := strings.Index(line, s); return line[i : i+len(s)] }
	evs := []event.Event{{User: event.User{Name: cut("thendriks"), Domain: cut("VOORBEELD")}, Host: event.Host{Name: cut("LT-0021.voorbeeld.local")},
		File: &event.File{Path: cut(`E:\\Overdracht\\051-besluit.docx`)}, Log: event.Log{Original: line}}}
	var d detacher
	for b.Loop() {
		evs[0].User.Name, evs[0].Host.Name = cut("thendriks"), cut("LT-0021.voorbeeld.local")
		d.detach(evs)
	}
}
