package misdirected

import (
	"strings"
	"testing"

	"github.com/lekwacht/lekwacht/detectors/scenariotest"
	"github.com/lekwacht/lekwacht/event"
	"github.com/lekwacht/lekwacht/hit"
	"github.com/lekwacht/lekwacht/rules"
)

func TestResembles(t *testing.T) {
	for _, c := range []struct {
		d, k string
		want Likeness
	}{
		{"ggd-regoi.nl", "ggd-regio.nl", Typo},                         // swapped letters
		{"ggd-reggio.nl", "ggd-regio.nl", Typo},                        // doubled letter
		{"ggd-rgio.nl", "ggd-regio.nl", Typo},                          // dropped letter
		{"voorbeeld.com", "voorbeeld.nl", TLDSwap},                     // another TLD
		{"voorbeeld.nl.com", "voorbeeld.nl", TLDSwap},                  // one more TLD on top
		{"voorbee1d.nl", "voorbeeld.nl", Homoglyph},                    // 1 for l
		{"gemeente-amsterdarn.nl", "gemeente-amsterdam.nl", Homoglyph}, // rn for m
		{"belastingsamenwerklng.nl", "belastingsamenwerking.nl", Homoglyph},
		{"belastingsamenwrekingg.nl", "belastingsamenwerking.nl", Typo}, // two edits on a long name
	} {
		got, ok := Resembles(c.d, c.k)
		if !ok || got != c.want {
			t.Errorf("Resembles(%s, %s) = %q %v, want %q", c.d, c.k, got, ok, c.want)
		}
	}
	for _, c := range [][2]string{
		{"voorbeeld.nl", "voorbeeld.nl"}, // the domain itself
		{"gmail.com", "ggd-regio.nl"},
		{"ab.nl", "ac.nl"}, // short names: too many false alarms
		{"zeeland.nl", "zaanstad.nl"},
	} {
		if like, ok := Resembles(c[0], c[1]); ok {
			t.Errorf("Resembles(%s, %s) = %q, want no resemblance", c[0], c[1], like)
		}
	}
}

func TestScenarios(t *testing.T) {
	scenariotest.Run(t, func(r *rules.Rule, s *scenariotest.Scenario) (scenariotest.Observer, error) {
		return New(r, s.OwnDomains, 100)
	})
}

func TestBounceIsNotDelivered(t *testing.T) {
	r, err := rules.Parse([]byte("id: m\ntitle: M\nstatus: test\nlevel: high\ndetector: misdirected_mail\n"), "m.yaml")
	if err != nil {
		t.Fatal(err)
	}
	d, _ := New(r, []string{"ggd-regio.nl"}, 100)
	for status, delivered := range map[string]bool{"sent": true, "bounced": false} {
		hits := d.Observe(&event.Event{Event: event.Kind{Action: event.ActionDeliver},
			Mail: &event.Mail{From: "a@voorbeeld.nl", To: []string{"b@ggd-regoi.nl"}, Status: status}, Log: event.Log{Path: "/var/log/mail.log"}})
		if len(hits) != 1 || hits[0].Facts.Delivered == nil || *hits[0].Facts.Delivered != delivered {
			t.Errorf("%s: %+v", status, hits)
		}
		if strings.Contains(hits[0].Summary, "ggd-regoi") || strings.Contains(hits[0].Summary, "@") {
			t.Errorf("summary names the recipient: %s", hits[0].Summary)
		}
	}
}

func TestVisibleRecipients(t *testing.T) {
	r, _ := rules.Parse([]byte("id: m\ntitle: M\nstatus: test\nlevel: low\ndetector: misdirected_mail\nparams: {bcc_recipients: 4}\n"), "m.yaml")
	d, err := New(r, []string{"voorbeeld.nl"}, 100)
	if err != nil {
		t.Fatal(err)
	}
	send := func(id string, to ...string) []hit.Hit {
		return d.Observe(&event.Event{Event: event.Kind{Action: event.ActionDeliver}, Mail: &event.Mail{From: "a@voorbeeld.nl",
			To: to, Status: "sent", MessageID: id}, Log: event.Log{Path: "/var/log/mail.log", Original: "to=" + to[0]}})
	}
	// Postfix logs one delivery per recipient: the fourth external recipient of one message is reported once.
	var got []hit.Hit
	for _, to := range []string{"x@a.nl", "y@b.nl", "collega@voorbeeld.nl", "z@c.nl", "x@a.nl", "w@d.nl", "v@e.nl"} {
		got = append(got, send("<m1>", to)...)
	}
	if len(got) != 1 || got[0].Pattern != "visible-recipients" || got[0].Subjects != 4 || len(got[0].Evidence) != 4 || got[0].Severity != hit.SeverityMedium {
		t.Fatalf("hits %+v", got)
	}
	// Exchange logs the recipient list in one row; another message starts its own count.
	if got := send("<m2>", "a@x.nl", "b@y.nl", "c@z.nl"); len(got) != 0 {
		t.Fatalf("three recipients reported: %+v", got)
	}
	if got := send("<m3>", "a@x.nl", "b@y.nl", "c@z.nl", "d@q.nl"); len(got) != 1 {
		t.Fatalf("four recipients in one row: %+v", got)
	}
}

func TestLearnedDomains(t *testing.T) {
	r, _ := rules.Parse([]byte("id: m\ntitle: M\nstatus: test\nlevel: high\ndetector: misdirected_mail\nparams: {learn_after: 3}\n"), "m.yaml")
	d, err := New(r, []string{"voorbeeld.nl"}, 100)
	if err != nil {
		t.Fatal(err)
	}
	send := func(from, to string) []hit.Hit {
		return d.Observe(&event.Event{Event: event.Kind{Action: event.ActionDeliver}, Mail: &event.Mail{From: from, To: []string{to}, Status: "sent"},
			Log: event.Log{Path: "/var/log/mail.log", Original: "x"}})
	}
	// a.bakker mails the jeugdzorg provider often; one typo later her mail goes to a look-alike.
	for range 3 {
		if got := send("a.bakker@voorbeeld.nl", "team@jeugdzorg-west.nl"); len(got) != 0 {
			t.Fatalf("learning: %+v", got)
		}
	}
	got := send("a.bakker@voorbeeld.nl", "team@jeugdzorg-wset.nl")
	if len(got) != 1 || got[0].Pattern != "lookalike-learned" || strings.Contains(got[0].Summary, "jeugdzorg") {
		t.Fatalf("look-alike of a learned domain: %+v", got)
	}
	// Another sender has not learned that domain: nothing.
	if got := send("b.smit@voorbeeld.nl", "team@jeugdzorg-wset.nl"); len(got) != 0 {
		t.Fatalf("other sender: %+v", got)
	}
	// Twice is not often (learn_after 3).
	send("c.jong@voorbeeld.nl", "info@zorgpartner.nl")
	send("c.jong@voorbeeld.nl", "info@zorgpartner.nl")
	if got := send("c.jong@voorbeeld.nl", "info@zorgpatrner.nl"); len(got) != 0 {
		t.Fatalf("learned too soon: %+v", got)
	}
}
