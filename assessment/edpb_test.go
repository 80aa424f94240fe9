package assessment

import (
	"strings"
	"testing"

	"github.com/lekwacht/lekwacht/hit"
)

// The EDPB's Guidelines 01/2021 on examples regarding personal data breach notification, the
// mispostal cases 13 to 15, told as a gemeente would meet them, with the outcome the guidelines give
// (internal documentation, notification of the supervisory authority, communication to the data
// subjects). The reasons must say where the Dutch protocol and the EDPB part ways.
func TestEDPBMispostalCases(t *testing.T) {
	cases := []struct {
		name       string
		facts      Facts
		want       Outcome
		reasonHas  []string // in the suggestion for "sensitive"
		reasonLack []string
	}{
		{"case 13: two webshop orders swapped (name, address, what was bought): document only",
			Facts{SecurityIncident: yes(), PersonalData: yes(), Categories: []hit.Category{hit.CategoryName, hit.CategoryAddress, hit.CategoryOther}, Subjects: 2, Delivered: yes()},
			Outcome{Register: true}, []string{"laag risico", "EDPB"}, nil},
		{"case 14: a file with BSNs of 60,000 job seekers mailed to the wrong recipients: notify the AP and every betrokkene",
			Facts{SecurityIncident: yes(), PersonalData: yes(), Categories: []hit.Category{hit.CategoryName, hit.CategoryContact, hit.CategoryAddress, hit.CategoryBSN}, Subjects: 60000, Delivered: yes()},
			Outcome{Register: true, NotifyAP: true, NotifySubjects: true}, []string{"burgerservicenummer"}, []string{"bsn"}},
		{"case 15: a mailing with the recipients in CC instead of BCC (their mail addresses): document only",
			Facts{SecurityIncident: yes(), PersonalData: yes(), Categories: []hit.Category{hit.CategoryContact}, Subjects: 40, Delivered: yes()},
			Outcome{Register: true}, []string{"CC in plaats van BCC", "context"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := Decide(c.facts)
			if !got.Complete || got.Register != c.want.Register || got.NotifyAP != c.want.NotifyAP ||
				got.NotifySubjects != c.want.NotifySubjects || got.PublicNotice != c.want.PublicNotice {
				t.Errorf("got %s, want %s (%v)", got.Summary(), c.want.done("").Summary(), got.Reasons)
			}
			s := Suggest(c.facts)[QSensitive]
			for _, w := range c.reasonHas {
				if !strings.Contains(s.Reason, w) {
					t.Errorf("reason %q lacks %q", s.Reason, w)
				}
			}
			for _, w := range c.reasonLack {
				if strings.Contains(s.Reason, w) {
					t.Errorf("reason %q has %q", s.Reason, w)
				}
			}
			if len(s.Unknown) > 0 {
				t.Errorf("known facts, yet unknown %v", s.Unknown)
			}
		})
	}
}

// Where the protocol and the EDPB differ, the reason says so: the protocol takes 100 or more
// betrokkenen as reportable by size alone; the EDPB holds a CC-instead-of-BCC mailing low risk even
// with many recipients unless the context reveals something.
func TestProtocolAndEDPBDifferOnSize(t *testing.T) {
	f := Facts{SecurityIncident: yes(), PersonalData: yes(), Categories: []hit.Category{hit.CategoryContact}, Subjects: 500, Delivered: yes()}
	s := Suggest(f)[QSensitive]
	if !s.Answer || !strings.Contains(s.Reason, "verschillen protocol en EDPB") {
		t.Errorf("CC with 500 recipients: %+v", s)
	}
	f.Categories = []hit.Category{hit.CategoryName, hit.CategoryAddress}
	s = Suggest(f)[QSensitive]
	if !s.Answer || !strings.Contains(s.Reason, "hier verschillen ze") {
		t.Errorf("500 names and addresses: %+v", s)
	}
}

// No suggestion rests on an unknown: 0 or unknown betrokkenen, no categories, unknown encryption
// are named, asked for, and answered carefully.
func TestSuggestionsSayWhatIsUnknown(t *testing.T) {
	f := Facts{SecurityIncident: yes(), Categories: []hit.Category{hit.CategoryCredential}, EncryptionUnknown: true}
	f.PersonalData = yes()
	s := Suggest(f)
	e := s[QDisproportionateEffort]
	if e.Answer || len(e.Unknown) != 1 || e.Unknown[0] != UnknownSubjects || !strings.Contains(e.Reason, "nog onbekend") ||
		!strings.Contains(e.Reason, "?") || strings.Contains(e.Reason, "geschat 0") {
		t.Errorf("effort with 0 betrokkenen: %+v", e)
	}
	if r := s[QReadable]; !r.Answer || len(r.Unknown) != 1 || r.Unknown[0] != UnknownEncryption || strings.Contains(r.Reason, "waren niet versleuteld") {
		t.Errorf("readable with unknown encryption: %+v", r)
	}
	// Nothing known of the data at all: personal data not ruled out, sensitive carefully yes.
	f = Facts{SecurityIncident: yes()}
	s = Suggest(f)
	if p := s[QPersonalData]; !p.Answer || len(p.Unknown) != 2 || strings.Contains(p.Reason, "geen persoonsgegevens bij betrokken") {
		t.Errorf("personal data unknown: %+v", p)
	}
	if p := s[QSensitive]; !p.Answer || len(p.Unknown) != 2 || strings.Contains(p.Reason, "beperkt aantal") {
		t.Errorf("sensitive unknown: %+v", p)
	}
	// Ordinary categories but no number: the size rule cannot be applied, so it is asked.
	f = Facts{SecurityIncident: yes(), PersonalData: yes(), Categories: []hit.Category{hit.CategoryName}}
	if p := Suggest(f)[QSensitive]; !p.Answer || len(p.Unknown) != 1 || !strings.Contains(p.Reason, "Hoeveel personen") {
		t.Errorf("sensitive, size unknown: %+v", p)
	}
	// A known 0 is known.
	f = Facts{SecurityIncident: yes(), PersonalData: yes(), Categories: []hit.Category{hit.CategoryName}, SubjectsKnown: true}
	if p := Suggest(f)[QDisproportionateEffort]; len(p.Unknown) != 0 {
		t.Errorf("known 0: %+v", p)
	}
	// A facts file with everything known has no unknowns at all.
	f = Facts{SecurityIncident: yes(), PersonalData: yes(), Categories: []hit.Category{hit.CategoryBSN}, Subjects: 10}
	for id, s := range Suggest(f) {
		if len(s.Unknown) > 0 {
			t.Errorf("%s: unknown %v", id, s.Unknown)
		}
	}
}
