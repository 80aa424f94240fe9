package documents

import (
	"context"
	"encoding/json"
	"html/template"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/lekwacht/lekwacht/assessment"
	"github.com/lekwacht/lekwacht/config"
	"github.com/lekwacht/lekwacht/hit"
	"github.com/lekwacht/lekwacht/register"
)

func ptr[T any](v T) *T { return &v }

// fieldsOf maps field id to field, failing on a duplicate id.
func fieldsOf(t *testing.T, m APMelding) map[string]Field {
	t.Helper()
	out := map[string]Field{}
	for _, s := range m.Sections {
		if len(s.Fields) == 0 {
			t.Errorf("section %s has no fields", s.ID)
		}
		for _, f := range s.Fields {
			if _, dup := out[f.ID]; dup {
				t.Errorf("field id %s twice", f.ID)
			}
			out[f.ID] = f
		}
	}
	return out
}

// TestAPMeldingEverySection checks each section of the AP form against the incident, the FG's
// answers and corrections: first as lekwacht knows it, then after the FG corrected and answered.
func TestAPMeldingEverySection(t *testing.T) {
	ctx := context.Background()
	f := setup(t)
	in := f.summary(t, f.bsn)
	now := in.DiscoveredAt.Add(10 * time.Hour)
	m := NewAPMelding(org, in, now)
	wantSections := []string{"melding", "contact", "tijdlijn", "gebeurtenis", "gegevens", "betrokkenen", "beveiliging", "gevolgen", "vervolg", "internationaal", "overig"}
	if len(m.Sections) != len(wantSections) {
		t.Fatalf("sections %d, want %d", len(m.Sections), len(wantSections))
	}
	for i, s := range m.Sections {
		if s.ID != wantSections[i] {
			t.Errorf("section %d is %s, want %s", i, s.ID, wantSections[i])
		}
	}
	fs := fieldsOf(t, m)
	want := map[string]string{
		"melding-soort":               "nieuwe melding",
		"melding-kenmerk":             in.ID,
		"melding-tijdig":              "ja, uiterlijk 26-11-2026 09:00",
		"contact-organisatie":         "Gemeente Voorbeeld",
		"contact-fg-naam":             "Mr. A. de Vries",
		"contact-fg-email":            "fg@voorbeeld.nl",
		"contact-fg-telefoon":         "14 0123",
		"tijdlijn-begin":              "23-11-2026 08:00",
		"tijdlijn-einde":              "23-11-2026 08:00",
		"tijdlijn-ontdekt":            "23-11-2026 09:00",
		"gebeurtenis-soort":           "kopiëren/exporteren van persoonsgegevens",
		"gebeurtenis-aard":            "kopiëren",
		"gegevens-soorten":            "naam",
		"gegevens-bijzonder":          "burgerservicenummer (BSN)",
		"betrokkenen-minimum":         "120",
		"betrokkenen-maximum":         "120",
		"beveiliging-versleuteld":     "nee, de gegevens waren leesbaar of bruikbaar (niet of niet passend versleuteld)",
		"gevolgen-mogelijk":           "Kans op identiteitsfraude.",
		"gevolgen-ernst":              "hoog risico",
		"vervolg-informeren":          "ja, met een brief aan iedere betrokkene",
		"vervolg-grond":               "niet van toepassing",
		"vervolg-datum-informeren":    "27-11-2026",
		"vervolg-openbare-mededeling": "nee",
		"vervolg-maatregelen-genomen": "Account van de medewerker direct geblokkeerd; USB-poorten afgesloten.",
		"vervolg-maatregelen-gepland": "Exportrechten in het zaaksysteem beperken.",
		"overig-toelichting":          "geen",
	}
	for id, v := range want {
		if got := fs[id]; got.Value != v || got.Missing {
			t.Errorf("%s = %q (missing %v), want %q", id, got.Value, got.Missing, v)
		}
	}
	for _, id := range []string{"tijdlijn-nog-gaande", "gegevens-aantal-records", "betrokkenen-groep", "beveiliging-hoe", "internationaal-grensoverschrijdend"} {
		if got := fs[id]; !got.Missing || !strings.HasPrefix(got.Value, "[in te vullen door FG") {
			t.Errorf("%s = %+v, want marked for the FG", id, got)
		}
	}
	if _, ok := fs["melding-meldnummer"]; ok {
		t.Error("a new melding has no meldnummer field")
	}
	if d := fs["gebeurtenis-omschrijving"].Value; !strings.Contains(d, "op 23-11-2026") || !strings.Contains(d, "van 120 personen") || fs["gebeurtenis-omschrijving"].Source != srcProposal {
		t.Errorf("description %+v", fs["gebeurtenis-omschrijving"])
	}

	// The FG corrects and answers the rest; a meldnummer makes it a vervolgmelding.
	f.clk.add(time.Hour)
	if _, err := f.r.Assess(ctx, f.bsn, "fg", register.Answers{Details: map[string]string{
		"ap_reported_on": "2026-11-24", "ap_reference": "M-2026-4711", "ongoing": "nee", "encryption_how": "alleen toegangsrechten in het zaaksysteem",
		"cross_border": "nee", "other": "De medewerker is gehoord.", "description": "Een medewerker exporteerde een lijst met BSN's.",
	}}); err != nil {
		t.Fatal(err)
	}
	f.clk.add(24 * time.Hour)
	if _, err := f.r.Correct(ctx, f.bsn, "fg", "telling in het zaaksysteem", register.Correction{
		Categories: []hit.Category{hit.CategoryName, hit.CategoryAddress, hit.CategoryBSN, hit.CategoryHealth}, SubjectsMin: ptr(2400), SubjectsMax: ptr(2472),
		Group: ptr("inwoners"), LeakStart: ptr(t0.Add(-50 * time.Hour)), LeakEnd: ptr(t0.Add(-30 * time.Minute)), Records: ptr(2472),
	}); err != nil {
		t.Fatal(err)
	}
	in = f.summary(t, f.bsn)
	m = NewAPMelding(org, in, now.Add(48*time.Hour))
	if !m.Followup || !strings.HasPrefix(m.Title, "Vervolgmelding") {
		t.Errorf("not a vervolgmelding: %q", m.Title)
	}
	fs = fieldsOf(t, m)
	want = map[string]string{
		"melding-soort":                      "vervolgmelding (aanvulling op of wijziging van een eerdere melding)",
		"melding-meldnummer":                 "M-2026-4711",
		"melding-datum-eerste":               "24-11-2026",
		"melding-tijdig":                     "ja, uiterlijk 26-11-2026 09:00",
		"tijdlijn-begin":                     "21-11-2026 07:00",
		"tijdlijn-einde":                     "23-11-2026 08:30",
		"tijdlijn-nog-gaande":                "nee",
		"gebeurtenis-omschrijving":           "Een medewerker exporteerde een lijst met BSN's.",
		"gegevens-soorten":                   "naam, adres",
		"gegevens-bijzonder":                 "burgerservicenummer (BSN), gezondheidsgegevens",
		"gegevens-aantal-records":            "2.472",
		"betrokkenen-groep":                  "inwoners",
		"betrokkenen-minimum":                "2.400",
		"betrokkenen-maximum":                "2.472",
		"beveiliging-hoe":                    "alleen toegangsrechten in het zaaksysteem",
		"internationaal-grensoverschrijdend": "nee",
		"overig-toelichting":                 "De medewerker is gehoord.",
	}
	for id, v := range want {
		if got := fs[id]; got.Value != v || got.Missing {
			t.Errorf("after corrections %s = %q (missing %v), want %q", id, got.Value, got.Missing, v)
		}
	}
	if fs["betrokkenen-maximum"].Source != srcCorrection || fs["tijdlijn-begin"].Source != srcCorrection {
		t.Errorf("sources %q %q", fs["betrokkenen-maximum"].Source, fs["tijdlijn-begin"].Source)
	}
	if w := fs["melding-wijzigingen"].Value; !strings.Contains(w, "aantal betrokkenen 2400 tot 2472 (was: geschat 120)") || strings.Contains(w, "reden") {
		t.Errorf("changes since the first melding: %q", w)
	}
	if miss := m.Missing(); len(miss) != 0 {
		t.Errorf("still to fill in: %+v", miss)
	}
	assertNothingInternal(t, in, m)
}

// assertNothingInternal: no English lifecycle, no detector or rule ids, no account or host names,
// no Go durations, no log field names, in any rendering.
func assertNothingInternal(t *testing.T, in *register.Incident, m APMelding) {
	t.Helper()
	js, _ := json.Marshal(m.Sections)
	page, err := m.HTML()
	if err != nil {
		t.Fatal(err)
	}
	goDur := regexp.MustCompile(`\b\d+m\d+s\b|\b\d+h\d+m`)
	for name, doc := range map[string]string{"markdown": m.Markdown(), "json": string(js), "html": string(page)} {
		for _, bad := range []string{in.Detector, in.Rule, in.User, "draft", "assessed", "->", "file.path", "Detector", "yes", " no "} {
			if bad != "" && strings.Contains(doc, bad) {
				t.Errorf("%s contains internal %q", name, bad)
			}
		}
		for _, h := range in.Hosts {
			if strings.Contains(doc, h) {
				t.Errorf("%s contains host %q", name, h)
			}
		}
		if goDur.MatchString(doc) {
			t.Errorf("%s contains a Go duration: %s", name, goDur.FindString(doc))
		}
	}
}

func TestAPMeldingLateAndIncomplete(t *testing.T) {
	f := setup(t)
	in := f.summary(t, f.opn)
	m := NewAPMelding(org, in, in.Deadline.Add(8*time.Hour))
	fs := fieldsOf(t, m)
	if got := fs["melding-tijdig"].Value; got != "nee, de termijn van 72 uur is verstreken op 26-11-2026 09:00" {
		t.Errorf("tijdig %q", got)
	}
	if got := fs["melding-reden-laat"]; !got.Missing || !strings.Contains(got.Value, "art. 33 lid 1") {
		t.Errorf("late reason %+v", got)
	}
	if got := fs["vervolg-informeren"]; !got.Missing || !strings.Contains(got.Value, "voorlopig advies") {
		t.Errorf("informing while incomplete %+v", got)
	}
	if got := fs["beveiliging-versleuteld"]; got.Missing {
		t.Errorf("record snooping's evidence says not encrypted: %+v", got)
	}
	for _, id := range []string{"vervolg-maatregelen-genomen", "gevolgen-ernst"} {
		if !fs[id].Missing {
			t.Errorf("%s not marked: %+v", id, fs[id])
		}
	}
	assertNothingInternal(t, in, m)
	// Every marker reads the same way.
	for _, f := range m.Missing() {
		if !strings.HasPrefix(f.Value, strings.TrimSuffix(Placeholder, "]")) {
			t.Errorf("%s: marker %q", f.ID, f.Value)
		}
	}
}

// The FG's answer to the encryption question fills the field (it stayed a placeholder before).
func TestAPMeldingEncryptionFromTheFGsAnswer(t *testing.T) {
	in := &register.Incident{ID: "LW-2026-000009", Status: register.StatusAssessed, Detector: "misdirected_mail", DiscoveredAt: t0,
		Deadline: t0.Add(72 * time.Hour), FirstSeen: t0, LastSeen: t0, DataCategories: []hit.Category{hit.CategoryBSN}, Subjects: 4,
		Assessment: &register.Assessment{Questions: []register.QuestionState{{ID: assessment.QReadable, Answer: "no"}},
			Outcome: assessment.Outcome{Complete: true, Register: true, NotifyAP: true}}}
	fs := fieldsOf(t, NewAPMelding(org, in, t0))
	if got := fs["beveiliging-versleuteld"]; got.Missing || got.Value != "ja, de gegevens waren passend versleuteld of anderszins onleesbaar" || got.Source != srcFG {
		t.Errorf("encrypted per the FG: %+v", got)
	}
	if got := fs["vervolg-grond"].Value; !strings.Contains(got, "art. 34 lid 3 sub a") {
		t.Errorf("ground %q", got)
	}
}

func TestAPMeldingHTML(t *testing.T) {
	f := setup(t)
	in := f.summary(t, f.bsn)
	m := NewAPMelding(config.Organisation{Name: `<script>alert(1)</script>`}, in, t0)
	h, err := m.HTML()
	if err != nil {
		t.Fatal(err)
	}
	s := string(h)
	if strings.Contains(s, "<script>") || !strings.Contains(s, "&lt;script&gt;") {
		t.Error("HTML does not escape a value")
	}
	for _, sec := range m.Sections {
		for _, fl := range sec.Fields {
			if !strings.Contains(s, `id="ap-`+fl.ID+`"`) || !strings.Contains(s, `data-copy="`+fl.ID+`"`) {
				t.Errorf("field %s has no stable id or copy hook", fl.ID)
			}
			if fl.Missing && !strings.Contains(s, `class="ap-field ap-missing" id="ap-`+fl.ID+`"`) {
				t.Errorf("missing field %s not marked", fl.ID)
			}
		}
	}
	var b strings.Builder
	if err := m.HTMLPage(&b); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(b.String(), "<!DOCTYPE html>") || !strings.Contains(b.String(), "@media print") || !strings.Contains(b.String(), string(template.HTML(s))) {
		t.Error("standalone page")
	}
}

// The letter to betrokkenen never carries what was written for the AP, the register or the team:
// a note full of internal words, account and host names, the summary of the logs.
func TestLetterLeaksNothingInternal(t *testing.T) {
	ctx := context.Background()
	f := setup(t)
	internal := map[string]string{
		"measures_taken":   "Account bvos2 geblokkeerd; WS-0231 in beslag genomen; medewerker gehoord door teamleider",
		"measures_planned": "Disciplinaire maatregel tegen bvos2; tuchtdossier P&O; Splunk-regel aanscherpen",
		"motivation":       "bvos2 heeft eerder een waarschuwing gehad; CISO geïnformeerd; aangifte overwegen",
		"consequences":     "Intern: reputatieschade voor de afdeling Burgerzaken; gehoord op 24-11",
		"other":            "Ticket INC-4711 in TOPdesk; logregel op fs01.voorbeeld.local",
		"description":      "bvos2 exporteerde via WS-0231 een lijst uit Key2Burgerzaken",
	}
	if _, err := f.r.Assess(ctx, f.bsn, "fg", register.Answers{Details: internal}); err != nil {
		t.Fatal(err)
	}
	in := f.summary(t, f.bsn)
	in.User, in.Hosts = "bvos2", []string{"WS-0231"}
	letter := Brief(org, in)
	words := []string{"bvos2", "WS-0231", "geblokkeerd", "gehoord", "beslag", "Disciplinaire", "tuchtdossier", "Splunk", "waarschuwing",
		"CISO", "aangifte overwegen", "Intern", "Burgerzaken", "INC-4711", "TOPdesk", "fs01", "Key2", "lw-bsn-001", "bulk_bsn_export",
		"jdevries", "WS-12", "export van 120 BSN's uit het zaaksysteem", "Export met veel BSN's"}
	mustNotContain(t, letter, words...)
	mustContain(t, letter, "Wat is er gebeurd?", "Wat betekent dit voor u?", "Wat hebben wij gedaan?", "Wat kunt u zelf doen?", "Heeft u vragen?",
		"Op 23 november 2026 is een bestand", "burgerservicenummer (BSN)", "identiteitsfraude", "Centraal Meldpunt Identiteitsfraude",
		"Mr. A. de Vries", "fg@voorbeeld.nl", "14 0123", in.ID, "klacht in te dienen bij de Autoriteit Persoonsgegevens")
	mustNotContain(t, letter, "Wijzig zo snel mogelijk uw wachtwoord", Placeholder)

	// The FG's own letter text replaces the default, field by field.
	if _, err := f.r.Assess(ctx, f.bsn, "fg", register.Answers{Details: map[string]string{
		"letter_what_we_did": "Wij hebben de toegang van de betrokken medewerker direct ingetrokken.",
	}}); err != nil {
		t.Fatal(err)
	}
	l := NewLetter(org, f.summary(t, f.bsn))
	if got := l.Field("wat-wij-deden"); got != "Wij hebben de toegang van de betrokken medewerker direct ingetrokken." {
		t.Errorf("FG's text: %q", got)
	}
	for _, fl := range l.Fields {
		if fl.FromFG != (fl.ID == "wat-wij-deden") {
			t.Errorf("%s from FG %v", fl.ID, fl.FromFG)
		}
	}
}

// The letter uses the FG's corrections: categories and the leak's period.
func TestLetterUsesCorrections(t *testing.T) {
	ctx := context.Background()
	f := setup(t)
	if _, err := f.r.Correct(ctx, f.opn, "fg", "nagekeken", register.Correction{Categories: []hit.Category{hit.CategoryFinancial},
		LeakStart: ptr(t0.Add(-72 * time.Hour)), LeakEnd: ptr(t0.Add(-24 * time.Hour))}); err != nil {
		t.Fatal(err)
	}
	b := Brief(org, f.summary(t, f.opn))
	mustContain(t, b, "financiële gegevens", "bankafschriften", "Tussen 20 november 2026 en 22 november 2026")
	mustNotContain(t, b, "gezondheidsgegevens")
}
