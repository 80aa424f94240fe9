package server

// The melding bij de AP as a page: the draft notification laid out after the AP's form, section by
// section, each field with a copy button and a clear mark where the FG must fill in; printable to
// PDF from the browser. And the letter to betrokkenen as a page. Both are logged as reads.

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/lekwacht/lekwacht/assessment"
	"github.com/lekwacht/lekwacht/documents"
	"github.com/lekwacht/lekwacht/register"
)

// apField is one field of the AP's form: a stable id (for the copy button and tests), the form's
// label, the value to paste, and Missing when the FG must fill it in (Value then says what).
type apField struct {
	ID, Label, Value string
	Missing          bool
	Hint             string
}

type apSection struct {
	ID, Title string
	Fields    []apField
}

type apPageData struct {
	base
	In       *register.Incident
	Kind     string
	Sections []apSection
	Missing  int
}

// fieldOf is a field whose value is the placeholder (or empty) when the FG must still fill it in.
func fieldOf(id, label, value string) apField {
	v := strings.TrimSpace(value)
	if v == "" || strings.Contains(v, documents.Placeholder) {
		return apField{ID: id, Label: label, Value: documents.Placeholder, Missing: true}
	}
	return apField{ID: id, Label: label, Value: v}
}

// dataActions word what happened to the data per detector, as the AP's form asks it (lezen,
// kopiëren, wijzigen, verwijderen, diefstal).
var dataActions = map[string]string{
	"shared_credentials": "ingezien door een onbevoegde (toegang met de inloggegevens van een ander)",
	"bulk_bsn_export":    "gekopieerd (geëxporteerd)",
	"misdirected_mail":   "verstrekt aan een onbevoegde ontvanger",
	"private_mail":       "gekopieerd naar een privé-mailbox",
	"record_snooping":    "ingezien zonder aanleiding",
	"mass_deletion":      "verwijderd",
}

// answered is the FG's answer to a question of the flow: "yes", "no" or "".
func answered(in *register.Incident, q assessment.QuestionID) string {
	if in.Assessment == nil {
		return ""
	}
	for _, s := range in.Assessment.Questions {
		if s.ID == q {
			return s.Answer
		}
	}
	return ""
}

// apSections fills the AP's form from the draft melding and the incident: every field filled or
// marked, nothing internal (no detector or rule ids, no evidence).
func (wb *web) apSections(m documents.APMelding, in *register.Incident) []apSection {
	t := wb.formatTime
	detail := func(k string) string {
		if in.Assessment == nil {
			return ""
		}
		return in.Assessment.Details[k].Value
	}
	about := []apField{
		fieldOf("ap-kind", "Soort melding", m.Kind),
		fieldOf("ap-incident", "Intern kenmerk", m.IncidentID),
	}
	if m.APReference != "" {
		about = append(about, fieldOf("ap-reference", "Meldnummer van de AP", m.APReference))
	}
	reported := "nog niet gemeld"
	if m.APReported != "" {
		reported = dateNL(m.APReported)
	}
	about = append(about, apField{ID: "ap-reported", Label: "Datum melding bij de AP", Value: reported})

	timeline := []apField{
		fieldOf("ap-start", "Begin van het datalek", t(m.FirstSeen)),
		fieldOf("ap-end", "Einde van het datalek", t(m.LastSeen)),
		{ID: "ap-ongoing", Label: "Duurt het datalek nog voort?", Value: documents.Placeholder, Missing: true,
			Hint: "lekwacht zag het laatst op " + t(m.LastSeen) + "; of het voorbij is, weet de FG"},
		fieldOf("ap-discovered", "Ontdekt op", t(m.DiscoveredAt)),
		fieldOf("ap-deadline", "Uiterste meldtermijn (72 uur na ontdekking)", t(m.Deadline)),
	}
	if m.Late {
		timeline = append(timeline, fieldOf("ap-late-reason", "Reden van de melding na 72 uur", m.LateReason))
	}

	action, ok := dataActions[in.Detector]
	what := []apField{
		fieldOf("ap-summary", "Wat is er gebeurd", plainSummary(m.Summary)),
		fieldOf("ap-nature", "Aard van het datalek", m.Nature),
	}
	if ok {
		what = append(what, fieldOf("ap-data-action", "Wat is er met de gegevens gebeurd", action))
	} else {
		what = append(what, fieldOf("ap-data-action", "Wat is er met de gegevens gebeurd", ""))
	}

	var cats []string
	for _, c := range m.DataCategories {
		name := c.Name
		if c.Sensitive {
			name += " (gevoelig)"
		}
		cats = append(cats, name)
	}
	data := []apField{
		fieldOf("ap-categories", "Soorten persoonsgegevens", strings.Join(cats, "; ")),
		{ID: "ap-sensitive", Label: "Bijzondere of gevoelige persoonsgegevens", Value: yesNo(m.Sensitive)},
		fieldOf("ap-records", "Aantal records", ""),
	}

	subjects := ""
	if m.SubjectsEstimate > 0 {
		subjects = fmt.Sprintf("%s (schatting: %d)", m.SubjectsRange, m.SubjectsEstimate)
	}
	group := []apField{
		fieldOf("ap-group", "Om welke groep betrokkenen gaat het", ""),
		fieldOf("ap-subjects", "Aantal betrokkenen", subjects),
	}

	encrypted := ""
	switch {
	case answered(in, assessment.QReadable) == "yes":
		encrypted = "nee: de gegevens waren leesbaar of bruikbaar (beoordeling FG)"
	case answered(in, assessment.QReadable) == "no":
		encrypted = "ja: de gegevens waren niet leesbaar of bruikbaar (beoordeling FG)"
	case m.Encrypted != nil && *m.Encrypted:
		encrypted = "ja, passend versleuteld"
	case m.Encrypted != nil:
		encrypted = "nee"
	}
	before := []apField{fieldOf("ap-encrypted", "Waren de gegevens versleuteld of anderszins onleesbaar", encrypted)}

	severity := nameOr(severityNames, in.Severity, string(in.Severity))
	consequences := []apField{
		fieldOf("ap-consequences", "Mogelijke gevolgen voor de betrokkenen", m.Consequences),
		{ID: "ap-severity", Label: "Ernst (eerste inschatting)", Value: severity},
	}

	informed, ground := documents.Placeholder, ""
	if m.AssessmentComplete {
		switch {
		case m.Outcome.PublicNotice:
			informed = "nee, wel een openbare mededeling"
			ground = "art. 34 lid 3 sub c AVG: informeren kost onevenredig veel inspanning"
		case m.Outcome.NotifySubjects:
			informed = "ja, met een brief aan de betrokkenen"
		default:
			informed = "nee"
			switch {
			case answered(in, assessment.QReadable) == "no":
				ground = "art. 34 lid 3 sub a AVG: de gegevens waren onleesbaar voor onbevoegden"
			case answered(in, assessment.QRemedied) == "yes":
				ground = "art. 34 lid 3 sub b AVG: achteraf genomen maatregelen nemen het hoge risico weg"
			default:
				ground = "geen hoog risico voor de betrokkenen (art. 34 lid 1 AVG)"
			}
		}
	}
	followUp := []apField{fieldOf("ap-informed", "Worden de betrokkenen geïnformeerd", informed)}
	if informed != "nee" {
		followUp = append(followUp, fieldOf("ap-informed-on", "Datum (voorgenomen) informeren", dateNL(detail("subjects_informed_on"))))
	}
	if ground != "" {
		followUp = append(followUp, apField{ID: "ap-ground", Label: "Waarom (niet) informeren", Value: ground})
	}
	followUp = append(followUp,
		apField{ID: "ap-public-notice", Label: "Openbare mededeling", Value: yesNo(m.Outcome.PublicNotice && m.AssessmentComplete)},
		fieldOf("ap-measures-taken", "Genomen maatregelen", m.MeasuresTaken),
		fieldOf("ap-measures-planned", "Voorgenomen maatregelen", m.MeasuresPlanned))

	international := []apField{{ID: "ap-international", Label: "Betrokkenen in andere landen van de EU", Value: documents.Placeholder, Missing: true,
		Hint: "meestal nee bij een gemeente; de FG bevestigt het"}}

	outcome := "nog niet compleet"
	if m.AssessmentComplete {
		outcome = m.Outcome.Summary()
	} else if m.ProvisionalAdvice != nil {
		outcome = "nog niet compleet; voorlopig advies: " + m.ProvisionalAdvice.Summary()
	}
	other := []apField{
		{ID: "ap-outcome", Label: "Beoordeling door de FG (stroomschema)", Value: outcome},
		fieldOf("ap-motivation", "Motivering", m.Motivation),
	}
	return []apSection{
		{"about", "1. Over de melding", about},
		{"contact", "2. Contactgegevens", []apField{
			fieldOf("ap-org", "Organisatie (verwerkingsverantwoordelijke)", m.Contact.Organisation),
			fieldOf("ap-fg-name", "Functionaris Gegevensbescherming", m.Contact.Name),
			fieldOf("ap-fg-email", "E-mailadres", m.Contact.Email),
			fieldOf("ap-fg-phone", "Telefoonnummer", m.Contact.Phone)}},
		{"timeline", "3. Tijdlijn", timeline},
		{"what", "4. Wat er is gebeurd", what},
		{"data", "5. Persoonsgegevens", data},
		{"subjects", "6. Betrokkenen", group},
		{"before", "7. Maatregelen vóór het datalek", before},
		{"consequences", "8. Gevolgen en ernst", consequences},
		{"follow-up", "9. Vervolg", followUp},
		{"international", "10. Internationale aspecten", international},
		{"other", "11. Overig", other},
	}
}

func yesNo(b bool) string {
	if b {
		return "ja"
	}
	return "nee"
}

// apMelding is the draft melding bij de AP as a page.
func (wb *web) apMelding(w http.ResponseWriter, r *http.Request, v viewer) {
	in, ok := wb.readDocument(w, r, v, "web ap-melding")
	if !ok {
		return
	}
	m := documents.NewAPMelding(wb.o.Organisation, in, wb.o.Now().In(wb.loc))
	d := apPageData{base: wb.base(&v, "Melding bij de AP · "+in.ID), In: in, Kind: m.Kind, Sections: wb.apSections(m, in)}
	for _, s := range d.Sections {
		for _, f := range s.Fields {
			if f.Missing {
				d.Missing++
			}
		}
	}
	wb.render(w, http.StatusOK, "apmelding", d)
}

type briefData struct {
	base
	In   *register.Incident
	Text string
}

// brief is the draft letter to betrokkenen as a page.
func (wb *web) brief(w http.ResponseWriter, r *http.Request, v viewer) {
	in, ok := wb.readDocument(w, r, v, "web brief")
	if !ok {
		return
	}
	wb.render(w, http.StatusOK, "brief", briefData{base: wb.base(&v, "Brief aan betrokkenen · "+in.ID), In: in,
		Text: documents.Brief(wb.o.Organisation, in)})
}

// readDocument logs the read and returns the incident without evidence.
func (wb *web) readDocument(w http.ResponseWriter, r *http.Request, v viewer, action string) (*register.Incident, bool) {
	id := r.PathValue("id")
	if err := wb.o.Register.LogAccess(r.Context(), id, v.Name, action); err != nil {
		wb.fail(w, v, err)
		return nil, false
	}
	in, err := wb.o.Register.Summary(r.Context(), id)
	if err != nil {
		wb.fail(w, v, err)
		return nil, false
	}
	return in, true
}

