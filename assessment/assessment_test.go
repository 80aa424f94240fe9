package assessment

import (
	"strings"
	"testing"

	"github.com/lekwacht/lekwacht/hit"
)

func yes() *bool { b := true; return &b }
func no() *bool  { b := false; return &b }

// The protocol's own examples (DOMAIN.md), and the branches of art. 34 lid 3.
func TestDecideProtocolExamples(t *testing.T) {
	cases := []struct {
		name  string
		facts Facts
		want  Outcome
	}{
		{"letter returned unopened is not reportable",
			Facts{SecurityIncident: yes(), PersonalData: yes(), Categories: []hit.Category{hit.CategoryName, hit.CategoryAddress}, Subjects: 1, RetrievedUnopened: true},
			Outcome{}},
		{"bounced mail was not delivered, like a returned letter",
			Facts{SecurityIncident: yes(), PersonalData: yes(), Categories: []hit.Category{hit.CategoryBSN}, Subjects: 40, Delivered: no()},
			Outcome{}},
		{"a colleague's password used to reach personal data is reportable",
			Facts{SecurityIncident: yes(), PersonalData: yes(), Categories: []hit.Category{hit.CategoryCredential, hit.CategoryName}, Subjects: 12},
			Outcome{Register: true, NotifyAP: true, NotifySubjects: true}},
		{"unencrypted citizen data on a lost laptop",
			Facts{SecurityIncident: yes(), PersonalData: yes(), Categories: []hit.Category{hit.CategoryBSN}, Subjects: 800},
			Outcome{Register: true, NotifyAP: true, NotifySubjects: true}},
		{"encrypted laptop: report, but no letters (34(3)(a))",
			Facts{SecurityIncident: yes(), PersonalData: yes(), Categories: []hit.Category{hit.CategoryBSN}, Subjects: 800, Encrypted: true},
			Outcome{Register: true, NotifyAP: true}},
		{"remedied: report, no letters (34(3)(b))",
			Facts{SecurityIncident: yes(), PersonalData: yes(), Categories: []hit.Category{hit.CategoryHealth}, Subjects: 3, Remedied: true},
			Outcome{Register: true, NotifyAP: true}},
		{"disproportionate effort: public notice (34(3)(c))",
			Facts{SecurityIncident: yes(), PersonalData: yes(), Categories: []hit.Category{hit.CategoryIDDocument}, Subjects: 20000, DisproportionateEffort: true},
			Outcome{Register: true, NotifyAP: true, PublicNotice: true}},
		{"a name to a wrong colleague: register only",
			Facts{SecurityIncident: yes(), PersonalData: yes(), Categories: []hit.Category{hit.CategoryName}, Subjects: 1, Delivered: yes()},
			Outcome{Register: true}},
		{"many ordinary records: size alone makes it reportable",
			Facts{SecurityIncident: yes(), PersonalData: yes(), Categories: []hit.Category{hit.CategoryContact}, Subjects: 5000},
			Outcome{Register: true, NotifyAP: true, NotifySubjects: true}},
		{"no security incident: nothing",
			Facts{SecurityIncident: no(), PersonalData: yes(), Categories: []hit.Category{hit.CategoryBSN}},
			Outcome{}},
		{"no personal data: nothing",
			Facts{SecurityIncident: yes(), PersonalData: no()},
			Outcome{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := Decide(c.facts)
			if !got.Complete {
				t.Fatalf("flow incomplete on full facts, next %q", got.Next)
			}
			if got.Register != c.want.Register || got.NotifyAP != c.want.NotifyAP ||
				got.NotifySubjects != c.want.NotifySubjects || got.PublicNotice != c.want.PublicNotice {
				t.Errorf("got register=%v ap=%v subjects=%v public=%v, want %+v (reasons %q)",
					got.Register, got.NotifyAP, got.NotifySubjects, got.PublicNotice, c.want, got.Reasons)
			}
			if len(got.Reasons) == 0 {
				t.Error("no reasons given")
			}
		})
	}
}

func TestEvaluateStopsAtFirstMissingAnswer(t *testing.T) {
	o := Evaluate(map[QuestionID]bool{QSecurityIncident: true, QPersonalData: true})
	if o.Complete || o.Next != QSensitive || !o.Register || o.NotifyAP {
		t.Fatalf("got %+v, want incomplete at sensitive with register decided", o)
	}
	// Answers beyond the path taken do not matter.
	o = Evaluate(map[QuestionID]bool{QSecurityIncident: true, QPersonalData: true, QSensitive: false, QReadable: true})
	if !o.Complete || o.NotifyAP || o.NotifySubjects {
		t.Fatalf("register-only path: got %+v", o)
	}
	if !strings.Contains(o.Summary(), "registreren") {
		t.Errorf("summary %q", o.Summary())
	}
}

func TestReadFacts(t *testing.T) {
	f, err := ReadFacts(strings.NewReader(`{"security_incident": true, "personal_data": true, "categories": ["bsn"], "subjects": 120,
"encrypted": false, "delivered": true, "retrieved_unopened": false, "remedied": false, "disproportionate_effort": false}`), "f.json")
	if err != nil {
		t.Fatal(err)
	}
	if o := Decide(f); !o.NotifyAP || !o.NotifySubjects {
		t.Errorf("contract example: got %+v", o)
	}
	for in, want := range map[string]string{
		"{\n  \"security_incident\": true,\n  \"personal_data\": true,\n  \"colour\": 1}": "f.json:4:",
		"{\"security_incident\": \"yes\", \"personal_data\": true}":                       "f.json:1:",
		"{\"personal_data\": true}": "security_incident is required",
		"{\"security_incident\": true, \"personal_data\": true, \"categories\": [\"bsm\"]}": `category "bsm"`,
	} {
		_, err := ReadFacts(strings.NewReader(in), "f.json")
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ReadFacts(%q) = %v, want error containing %q", in, err, want)
		}
	}
}
