package documents

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/lekwacht/lekwacht/assessment"
	"github.com/lekwacht/lekwacht/config"
	"github.com/lekwacht/lekwacht/hit"
	"github.com/lekwacht/lekwacht/register"
)

// APMelding is the draft notification to the Autoriteit Persoonsgegevens, section by section and
// field by field as the AP's meldformulier asks it, so the FG can copy each field into the form.
// Every field is filled from the incident, the FG's answers and corrections where they are known;
// where the FG must fill something in, the value starts with Placeholder and Missing is set. It
// holds nothing internal: no evidence, no detector or rule ids, no account or host names, no
// lifecycle, no English.
type APMelding struct {
	Title       string    `json:"title"`
	GeneratedAt time.Time `json:"generated_at"`
	IncidentID  string    `json:"incident_id"`
	// Followup is true for a vervolgmelding: the AP gave a meldnummer (ap_reference).
	Followup bool      `json:"followup"`
	Sections []Section `json:"sections"`
}

// Section is one part of the AP's form.
type Section struct {
	ID     string  `json:"id"` // stable: "contact", "tijdlijn", ...
	Title  string  `json:"title"`
	Fields []Field `json:"fields"`
}

// Field is one question of the AP's form with its answer.
type Field struct {
	ID    string `json:"id"` // stable, unique in the melding: "contact-fg-telefoon"
	Label string `json:"label"`
	Value string `json:"value"`
	// Missing: the FG must fill this in; Value is then Placeholder, with what to fill in after it.
	Missing bool `json:"missing"`
	// Source says where the value comes from, in Dutch: "incident", "correctie FG", "antwoord FG",
	// "instellingen", "voorstel lekwacht" (a proposal to check).
	Source string `json:"source,omitempty"`
}

// Field returns the field with the given id.
func (m APMelding) Field(id string) (Field, bool) {
	for _, s := range m.Sections {
		for _, f := range s.Fields {
			if f.ID == id {
				return f, true
			}
		}
	}
	return Field{}, false
}

// Missing lists the fields the FG still has to fill in.
func (m APMelding) Missing() []Field {
	var out []Field
	for _, s := range m.Sections {
		for _, f := range s.Fields {
			if f.Missing {
				out = append(out, f)
			}
		}
	}
	return out
}

// Sources of values.
const (
	srcIncident   = "incident"
	srcCorrection = "correctie FG"
	srcFG         = "antwoord FG"
	srcConfig     = "instellingen"
	srcProposal   = "voorstel lekwacht"
)

// fieldsBuilder collects the fields of one section.
type fieldsBuilder []Field

func (b *fieldsBuilder) value(id, label, value, source string) {
	*b = append(*b, Field{ID: id, Label: label, Value: value, Source: source})
}

// missing adds a field the FG must fill in; what says what to fill in.
func (b *fieldsBuilder) missing(id, label, what string) {
	v := Placeholder
	if what != "" {
		v = strings.TrimSuffix(Placeholder, "]") + ": " + what + "]"
	}
	*b = append(*b, Field{ID: id, Label: label, Value: v, Missing: true})
}

// valueOr adds value when it is not empty, else a field to fill in.
func (b *fieldsBuilder) valueOr(id, label, value, source, what string) {
	if strings.TrimSpace(value) == "" {
		b.missing(id, label, what)
		return
	}
	b.value(id, label, strings.TrimSpace(value), source)
}

// NewAPMelding builds the draft AP notification for an incident as (*register.Register).Summary
// returns it (with its assessment, corrections and history). now decides whether the 72 hours have
// run out.
func NewAPMelding(org config.Organisation, in *register.Incident, now time.Time) APMelding {
	m := APMelding{Title: "Melding datalek aan de Autoriteit Persoonsgegevens", GeneratedAt: now, IncidentID: in.ID,
		Followup: detail(in, "ap_reference") != ""}
	if m.Followup {
		m.Title = "Vervolgmelding datalek aan de Autoriteit Persoonsgegevens"
	}
	m.Sections = []Section{
		{"melding", "Over de melding", aboutReport(in, now)},
		{"contact", "Contactgegevens", contactFields(org)},
		{"tijdlijn", "Tijdlijn", timeline(in)},
		{"gebeurtenis", "Wat is er gebeurd", whatHappened(in)},
		{"gegevens", "Soorten persoonsgegevens", dataFields(in)},
		{"betrokkenen", "Betrokkenen", subjectsFields(in)},
		{"beveiliging", "Maatregelen vóór het datalek", securityFields(in)},
		{"gevolgen", "Gevolgen en ernst", consequenceFields(in)},
		{"vervolg", "Vervolgacties", followUpFields(in)},
		{"internationaal", "Internationale aspecten", internationalFields(in)},
		{"overig", "Overige informatie", otherFields(in)},
	}
	return m
}

func aboutReport(in *register.Incident, now time.Time) []Field {
	var b fieldsBuilder
	ref := detail(in, "ap_reference")
	if ref != "" {
		b.value("melding-soort", "Soort melding", "vervolgmelding (aanvulling op of wijziging van een eerdere melding)", srcFG)
		b.value("melding-meldnummer", "Meldnummer van de eerdere melding", ref, srcFG)
		b.valueOr("melding-datum-eerste", "Datum van de eerdere melding", DayNL(detail(in, "ap_reported_on")), srcFG, "datum van de eerste melding, dd-mm-jjjj")
		b.value("melding-wijzigingen", "Gewijzigd sinds de eerdere melding", changesSince(in), srcIncident)
	} else {
		b.value("melding-soort", "Soort melding", "nieuwe melding", srcIncident)
	}
	b.value("melding-kenmerk", "Eigen kenmerk", in.ID, srcIncident)
	c := in.Clock(now)
	reported := detail(in, "ap_reported_on")
	late := c.Overdue
	if reported != "" {
		if t, err := time.ParseInLocation("2006-01-02", reported, in.Deadline.Location()); err == nil {
			late = t.After(in.Deadline)
		}
	}
	if late {
		b.value("melding-tijdig", "Binnen 72 uur na ontdekking gemeld", "nee, de termijn van 72 uur is verstreken op "+DateTimeNL(in.Deadline), srcIncident)
		b.valueOr("melding-reden-laat", "Reden van de late melding", detail(in, "late_reason"), srcFG, "waarom de melding na 72 uur wordt gedaan (art. 33 lid 1 AVG)")
	} else {
		b.value("melding-tijdig", "Binnen 72 uur na ontdekking gemeld", "ja, uiterlijk "+DateTimeNL(in.Deadline), srcIncident)
	}
	return b
}

// changesSince lists the FG's corrections made after the first melding, from the history.
func changesSince(in *register.Incident) string {
	var since time.Time
	if t, err := time.ParseInLocation("2006-01-02", detail(in, "ap_reported_on"), in.DiscoveredAt.Location()); err == nil {
		since = t
	}
	var out []string
	for _, h := range in.History {
		if h.From == h.To && h.From != "" && !h.At.Before(since) {
			r := strings.TrimPrefix(h.Reason, "correctie: ")
			if i := strings.LastIndex(r, "; reden: "); i >= 0 {
				r = r[:i]
			}
			out = append(out, DateNL(h.At)+": "+r)
		}
	}
	if len(out) == 0 {
		return "geen correcties; zie de velden hieronder voor de stand van nu"
	}
	return strings.Join(out, "; ")
}

func contactFields(org config.Organisation) []Field {
	var b fieldsBuilder
	b.valueOr("contact-organisatie", "Naam organisatie (verwerkingsverantwoordelijke)", org.Name, srcConfig, "naam van de gemeente (organisation.name)")
	b.valueOr("contact-fg-naam", "Naam contactpersoon (FG)", org.FG.Name, srcConfig, "naam van de FG (organisation.fg.name)")
	b.valueOr("contact-fg-email", "E-mailadres contactpersoon", org.FG.Email, srcConfig, "e-mailadres van de FG (organisation.fg.email)")
	b.valueOr("contact-fg-telefoon", "Telefoonnummer contactpersoon", org.FG.Phone, srcConfig, "telefoonnummer van de FG (organisation.fg.phone)")
	return b
}

func timeline(in *register.Incident) []Field {
	var b fieldsBuilder
	start, end := in.LeakPeriod()
	c := in.Corrected
	src := func(corrected bool) string {
		if corrected {
			return srcCorrection
		}
		return srcIncident
	}
	if start.IsZero() {
		b.missing("tijdlijn-begin", "Begin van het datalek", "datum en tijd, dd-mm-jjjj uu:mm")
	} else {
		b.value("tijdlijn-begin", "Begin van het datalek", DateTimeNL(start), src(c != nil && c.LeakStart != nil))
	}
	if end.IsZero() {
		b.missing("tijdlijn-einde", "Einde van het datalek", "datum en tijd, dd-mm-jjjj uu:mm")
	} else {
		b.value("tijdlijn-einde", "Einde van het datalek", DateTimeNL(end), src(c != nil && c.LeakEnd != nil))
	}
	switch v := strings.ToLower(detail(in, "ongoing")); {
	case v == "":
		b.missing("tijdlijn-nog-gaande", "Is het datalek nog gaande?", "ja of nee")
	case v == "yes" || v == "ja" || v == "j":
		b.value("tijdlijn-nog-gaande", "Is het datalek nog gaande?", "ja", srcFG)
	case v == "no" || v == "nee" || v == "n":
		b.value("tijdlijn-nog-gaande", "Is het datalek nog gaande?", "nee", srcFG)
	default:
		b.value("tijdlijn-nog-gaande", "Is het datalek nog gaande?", detail(in, "ongoing"), srcFG)
	}
	b.value("tijdlijn-ontdekt", "Ontdekt op", DateTimeNL(in.DiscoveredAt), srcIncident)
	return b
}

// breachKinds are the AP form's kinds of breach per detector.
var breachKinds = map[string]string{
	"shared_credentials": "lezen (vertrouwelijkheid)",
	"bulk_bsn_export":    "kopiëren",
	"misdirected_mail":   "lezen (vertrouwelijkheid), kopiëren",
	"private_mail":       "kopiëren",
	"record_snooping":    "lezen (vertrouwelijkheid)",
	"mass_deletion":      "verwijderen of vernietigen (beschikbaarheid)",
}

func whatHappened(in *register.Incident) []Field {
	var b fieldsBuilder
	if d := detail(in, "description"); d != "" {
		b.value("gebeurtenis-omschrijving", "Omschrijving van het datalek", d, srcFG)
	} else {
		b.value("gebeurtenis-omschrijving", "Omschrijving van het datalek", Description(in), srcProposal)
	}
	b.value("gebeurtenis-soort", "Soort incident", Nature(in.Detector), srcIncident)
	if d := detail(in, "breach_kind"); d != "" {
		b.value("gebeurtenis-aard", "Aard van het datalek", d, srcFG)
	} else if k, ok := breachKinds[in.Detector]; ok {
		b.value("gebeurtenis-aard", "Aard van het datalek", k, srcProposal)
	} else {
		b.missing("gebeurtenis-aard", "Aard van het datalek", "lezen, kopiëren, veranderen, verwijderen of vernietigen, diefstal")
	}
	return b
}

// Description says in plain Dutch what happened, from what lekwacht knows: the kind of incident,
// when, and which data of how many people. No account, host, field name or rule id.
func Description(in *register.Incident) string {
	var b strings.Builder
	b.WriteString(capitalise(Nature(in.Detector)))
	start, end := in.LeakPeriod()
	switch {
	case start.IsZero():
	case DateNL(start) == DateNL(end) || end.IsZero():
		fmt.Fprintf(&b, " op %s", DateNL(start))
	default:
		fmt.Fprintf(&b, " tussen %s en %s", DateNL(start), DateNL(end))
	}
	b.WriteString(", vastgesteld in de logboeken van de gemeente.")
	if cats := in.EffectiveCategories(); len(cats) > 0 {
		fmt.Fprintf(&b, " Het gaat om %s", strings.Join(categoryNameList(cats), ", "))
		if lo, hi := in.SubjectsBounds(); hi > 0 {
			fmt.Fprintf(&b, " van %s personen", subjectsText(lo, hi))
		}
		b.WriteString(".")
	}
	return b.String()
}

func subjectsText(lo, hi int) string {
	if lo == hi || lo == 0 {
		return thousands(hi)
	}
	return thousands(lo) + " tot " + thousands(hi)
}

// thousands writes 2472 as 2.472.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "." + s[i:]
	}
	return s
}

func dataFields(in *register.Incident) []Field {
	var b fieldsBuilder
	cats := in.EffectiveCategories()
	src := srcIncident
	if in.Corrected != nil && in.Corrected.Categories != nil {
		src = srcCorrection
	}
	var ordinary, sensitive []string
	for _, c := range cats {
		if assessment.Sensitive(c) {
			sensitive = append(sensitive, CategoryName(c))
		} else {
			ordinary = append(ordinary, CategoryName(c))
		}
	}
	if len(cats) == 0 {
		b.missing("gegevens-soorten", "Soorten persoonsgegevens", "welke gegevens (naam, adres, BSN, ...)")
		b.missing("gegevens-bijzonder", "Bijzondere en gevoelige persoonsgegevens", "welke, of geen")
	} else {
		b.value("gegevens-soorten", "Soorten persoonsgegevens", orNone(strings.Join(ordinary, ", ")), src)
		b.value("gegevens-bijzonder", "Bijzondere en gevoelige persoonsgegevens", orNone(strings.Join(sensitive, ", ")), src)
	}
	if n, ok := in.RecordCount(); ok {
		b.value("gegevens-aantal-records", "Aantal records", thousands(n), srcCorrection)
	} else {
		b.missing("gegevens-aantal-records", "Aantal records", "aantal dossiers, rijen of bestanden")
	}
	return b
}

func orNone(s string) string {
	if s == "" {
		return "geen"
	}
	return s
}

func subjectsFields(in *register.Incident) []Field {
	var b fieldsBuilder
	b.valueOr("betrokkenen-groep", "Om welke groep personen gaat het", in.GroupKind(), srcCorrection,
		"bijvoorbeeld "+strings.Join(register.GroupKinds[:4], ", "))
	c := in.Corrected
	corrected := c != nil && (c.SubjectsMin != nil || c.SubjectsMax != nil)
	lo, hi := in.SubjectsBounds()
	switch {
	case corrected:
		b.value("betrokkenen-minimum", "Aantal betrokkenen, minimaal", thousands(lo), srcCorrection)
		b.value("betrokkenen-maximum", "Aantal betrokkenen, maximaal", thousands(hi), srcCorrection)
	case in.Subjects > 0:
		b.value("betrokkenen-minimum", "Aantal betrokkenen, minimaal", thousands(lo), "schatting lekwacht")
		b.value("betrokkenen-maximum", "Aantal betrokkenen, maximaal", thousands(hi), "schatting lekwacht")
	default:
		b.missing("betrokkenen-minimum", "Aantal betrokkenen, minimaal", "nog onbekend")
		b.missing("betrokkenen-maximum", "Aantal betrokkenen, maximaal", "nog onbekend")
	}
	return b
}

// answer is the FG's answer to a question of the flow: "yes", "no" or "".
func answer(in *register.Incident, id assessment.QuestionID) string {
	if in.Assessment == nil {
		return ""
	}
	for _, q := range in.Assessment.Questions {
		if q.ID == id {
			return q.Answer
		}
	}
	return ""
}

func securityFields(in *register.Incident) []Field {
	var b fieldsBuilder
	const label = "Waren de gegevens versleuteld of anderszins onleesbaar gemaakt?"
	readable := answer(in, assessment.QReadable)
	facts := in.AssessmentFacts()
	switch {
	case readable == "yes":
		b.value("beveiliging-versleuteld", label, "nee, de gegevens waren leesbaar of bruikbaar (niet of niet passend versleuteld)", srcFG)
	case readable == "no":
		b.value("beveiliging-versleuteld", label, "ja, de gegevens waren passend versleuteld of anderszins onleesbaar", srcFG)
	case facts.EncryptionUnknown:
		b.missing("beveiliging-versleuteld", label, "ja of nee")
	case facts.Encrypted:
		b.value("beveiliging-versleuteld", label, "ja, versleuteld", srcIncident)
	default:
		b.value("beveiliging-versleuteld", label, "nee, de gegevens waren leesbaar voor wie ze inzag of ontving", srcIncident)
	}
	switch how := detail(in, "encryption_how"); {
	case how != "":
		b.value("beveiliging-hoe", "Hoe waren de gegevens beveiligd?", how, srcFG)
	default:

		b.missing("beveiliging-hoe", "Hoe waren de gegevens beveiligd?", "versleuteling, toegangsrechten, andere maatregelen")
	}
	return b
}

// consequenceTexts are the likely consequences per category, for the AP (third person).
var consequenceTexts = []struct {
	cats []string
	text string
}{
	{[]string{"bsn", "id_document"}, "identiteitsfraude"},
	{[]string{"credentials"}, "misbruik van inloggegevens"},
	{[]string{"financial"}, "financiële schade of fraude"},
	{[]string{"health", "special", "criminal"}, "stigmatisering of uitsluiting, schade aan de gezondheid of reputatie"},
	{[]string{"name", "address", "contact", "location"}, "ongewenst contact, spam of phishing"},
}

func consequenceFields(in *register.Incident) []Field {
	var b fieldsBuilder
	if c := detail(in, "consequences"); c != "" {
		b.value("gevolgen-mogelijk", "Mogelijke gevolgen voor de betrokkenen", c, srcFG)
	} else {
		var parts []string
		for _, ct := range consequenceTexts {
			if slices.ContainsFunc(in.EffectiveCategories(), func(c hit.Category) bool { return slices.Contains(ct.cats, string(c)) }) {
				parts = append(parts, ct.text)
			}
		}
		if len(parts) == 0 {
			b.missing("gevolgen-mogelijk", "Mogelijke gevolgen voor de betrokkenen", "welke nadelige gevolgen de betrokkenen kunnen ondervinden")
		} else {
			b.value("gevolgen-mogelijk", "Mogelijke gevolgen voor de betrokkenen", "mogelijk "+strings.Join(parts, "; "), srcProposal)
		}
	}
	sensitive, readable, remedied := answer(in, assessment.QSensitive), answer(in, assessment.QReadable), answer(in, assessment.QRemedied)
	const label = "Inschatting van de ernst voor de betrokkenen"
	switch {
	case sensitive == "no":
		b.value("gevolgen-ernst", label, "geen of een laag risico", srcFG)
	case readable == "yes" && remedied == "no":
		b.value("gevolgen-ernst", label, "hoog risico", srcFG)
	case readable == "no" || remedied == "yes":
		b.value("gevolgen-ernst", label, "risico, maar geen hoog risico meer (versleuteld of weggenomen door maatregelen)", srcFG)
	case sensitive == "yes":
		b.value("gevolgen-ernst", label, "risico; of het een hoog risico is, is nog niet beoordeeld", srcFG)
	default:
		b.missing("gevolgen-ernst", label, "laag, risico of hoog risico")
	}
	return b
}

func followUpFields(in *register.Incident) []Field {
	var b fieldsBuilder
	var o assessment.Outcome
	if in.Assessment != nil {
		o = in.Assessment.Outcome
	}
	const informLabel = "Worden de betrokkenen geïnformeerd?"
	const groundLabel = "Grond om de betrokkenen niet te informeren"
	switch {
	case !o.Complete:
		what := "ja of nee; de beoordeling is nog niet compleet"
		if in.Assessment != nil {
			what += " (voorlopig advies: " + informedText(in.Assessment.Suggested) + ")"
		}
		b.missing("vervolg-informeren", informLabel, what)
		b.missing("vervolg-grond", groundLabel, "alleen bij nee")
	case o.PublicNotice:
		b.value("vervolg-informeren", informLabel, "ja, met een openbare mededeling (informeren van ieder afzonderlijk vergt een onevenredige inspanning)", srcFG)
		b.value("vervolg-grond", groundLabel, "art. 34 lid 3 sub c AVG: onevenredige inspanning, daarom een openbare mededeling", srcFG)
	case o.NotifySubjects:
		b.value("vervolg-informeren", informLabel, "ja, met een brief aan iedere betrokkene", srcFG)
		b.value("vervolg-grond", groundLabel, "niet van toepassing", srcFG)
	default:
		b.value("vervolg-informeren", informLabel, "nee", srcFG)
		b.value("vervolg-grond", groundLabel, notInformedGround(in), srcFG)
	}
	if o.Complete && (o.NotifySubjects || o.PublicNotice) || !o.Complete {
		b.valueOr("vervolg-datum-informeren", "Datum waarop de betrokkenen (worden) geïnformeerd", DayNL(detail(in, "subjects_informed_on")), srcFG, "dd-mm-jjjj")
	}
	if o.PublicNotice {
		b.valueOr("vervolg-openbare-mededeling", "Openbare mededeling", detail(in, "public_notice"), srcFG, "waar en wanneer de mededeling is of wordt gedaan")
	} else if o.Complete {
		b.value("vervolg-openbare-mededeling", "Openbare mededeling", "nee", srcFG)
	} else {
		b.missing("vervolg-openbare-mededeling", "Openbare mededeling", "ja (waar en wanneer) of nee")
	}
	b.valueOr("vervolg-maatregelen-genomen", "Genomen maatregelen", detail(in, "measures_taken"), srcFG, "wat is gedaan om het datalek te stoppen en de gevolgen te beperken")
	b.valueOr("vervolg-maatregelen-gepland", "Voorgenomen maatregelen", detail(in, "measures_planned"), srcFG, "wat nog wordt gedaan om herhaling te voorkomen")
	return b
}

// notInformedGround is the art. 34 ground the FG's answers give for not informing the betrokkenen.
func notInformedGround(in *register.Incident) string {
	switch {
	case answer(in, assessment.QReadable) == "no":
		return "art. 34 lid 3 sub a AVG: de gegevens waren passend versleuteld of anderszins onleesbaar"
	case answer(in, assessment.QRemedied) == "yes":
		return "art. 34 lid 3 sub b AVG: achteraf genomen maatregelen nemen het hoge risico voor de betrokkenen weg"
	}
	return "art. 34 lid 1 AVG: het datalek leidt niet tot een hoog risico voor de betrokkenen"
}

func internationalFields(in *register.Incident) []Field {
	var b fieldsBuilder
	b.valueOr("internationaal-grensoverschrijdend", "Zijn betrokkenen in andere landen van de EU/EER geraakt?", detail(in, "cross_border"), srcFG,
		"nee, of welke landen (en welke toezichthouders zijn of worden ingelicht)")
	return b
}

func otherFields(in *register.Incident) []Field {
	var b fieldsBuilder
	if o := detail(in, "other"); o != "" {
		b.value("overig-toelichting", "Overige informatie", o, srcFG)
	} else {
		b.value("overig-toelichting", "Overige informatie", "geen", srcIncident)
	}
	return b
}

// Markdown renders the melding as a Dutch Markdown document, one "- **label:** value" per field.
func (m APMelding) Markdown() string {
	var b strings.Builder
	// One fixed heading and intro, so nothing from crafted text can pass for them; whether it is a
	// vervolgmelding is the first field.
	b.WriteString("# Concept melding datalek aan de Autoriteit Persoonsgegevens\n\n")
	fmt.Fprintf(&b, "*Concept, opgesteld door lekwacht op %s voor de Functionaris Gegevensbescherming, per onderdeel van het meldformulier van de AP. Waar %s staat, vult de FG aan vóór indienen.*\n\n",
		DateTimeNL(m.GeneratedAt), Placeholder)
	for i, s := range m.Sections {
		fmt.Fprintf(&b, "## %d. %s\n\n", i+1, s.Title)
		for _, f := range s.Fields {
			fmt.Fprintf(&b, "- **%s:** %s\n", f.Label, mdInline(f.Value))
		}
		b.WriteString("\n")
	}
	return b.String()
}

// mdInline keeps free text on one line so it cannot break the document's structure, and escapes
// what a markdown renderer would turn into raw HTML, an autolink, code, emphasis, a table cell, or a
// link or image (a "]" followed by "(", "[" or ":"): text from log lines and forms (a triage reason,
// an FG's detail) must not plant a [klik hier](javascript:...) link or a <script> in the draft the FG
// opens. Brackets alone stay, so Placeholder reads as it is. A leading # + - = is escaped too, as the
// value may start a line (the late reason's quote).
func mdInline(s string) string {
	s = strings.ReplaceAll(s, "\r\n", " ")
	s = strings.TrimSpace(strings.NewReplacer("\r", " ", "\n", " ").Replace(s))
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		next := s[i+n:]
		if strings.ContainsRune("\\`*<>|", r) || i == 0 && strings.ContainsRune("#+-=", r) ||
			r == ']' && next != "" && strings.ContainsRune("([:", rune(next[0])) {
			b.WriteByte('\\')
		}
		b.WriteString(s[i : i+n])
		i += n
	}
	return b.String()
}
