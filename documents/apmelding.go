package documents

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/lekwacht/lekwacht/assessment"
	"github.com/lekwacht/lekwacht/config"
	"github.com/lekwacht/lekwacht/register"
)

// APMelding is the draft notification to the Autoriteit Persoonsgegevens: everything the AP's
// notification form asks, filled from the register. Text values the FG still has to supply hold
// Placeholder. It never holds evidence text.
type APMelding struct {
	GeneratedAt  time.Time `json:"generated_at"`
	Organisation string    `json:"organisation"`
	Contact      Contact   `json:"contact"`

	// Kind is "nieuwe melding", or "vervolgmelding" once the AP gave a meldnummer.
	Kind        string `json:"kind"`
	APReference string `json:"ap_reference,omitempty"`
	APReported  string `json:"ap_reported_on,omitempty"`

	IncidentID string `json:"incident_id"`
	Status     string `json:"status"`
	Detector   string `json:"detector"`
	Rule       string `json:"rule"`
	RuleTitle  string `json:"rule_title,omitempty"`
	Severity   string `json:"severity"`
	Summary    string `json:"summary"`
	Nature     string `json:"nature"` // aard van het incident

	FirstSeen    time.Time `json:"first_seen"`    // begin van het incident
	LastSeen     time.Time `json:"last_seen"`     // einde (laatst gezien)
	DiscoveredAt time.Time `json:"discovered_at"` // ontdekt op: de 72 uur lopen vanaf hier
	Deadline     time.Time `json:"deadline"`      // discovered_at + 72 uur
	Late         bool      `json:"late"`          // now is after the deadline
	LateReason   string    `json:"late_reason,omitempty"`

	DataCategories   []DataCategory `json:"data_categories"`
	Sensitive        bool           `json:"sensitive"`
	SubjectsEstimate int            `json:"subjects_estimate"`
	SubjectsRange    string         `json:"subjects_range"` // the AP form's range

	Consequences    string `json:"consequences"`
	MeasuresTaken   string `json:"measures_taken"`
	MeasuresPlanned string `json:"measures_planned"`

	// SubjectsInformed is "ja", "nee", "openbare mededeling" or Placeholder while the flow is open.
	SubjectsInformed   string `json:"subjects_informed"`
	SubjectsInformedOn string `json:"subjects_informed_on,omitempty"`

	// Encrypted is nil when unknown.
	Encrypted *bool `json:"encrypted"`

	AssessmentComplete bool                `json:"assessment_complete"`
	Outcome            assessment.Outcome  `json:"outcome"`
	ProvisionalAdvice  *assessment.Outcome `json:"provisional_advice,omitempty"` // the suggested outcome while incomplete
	Motivation         string              `json:"motivation,omitempty"`
	Questions          []QuestionAnswer    `json:"questions"`
	History            []register.Change   `json:"history,omitempty"`
}

// Contact is who the AP can reach about the notification.
type Contact struct {
	Organisation string `json:"organisation"`
	Name         string `json:"name"`
	Email        string `json:"email"`
	Phone        string `json:"phone"`
}

// DataCategory is one kind of personal data involved.
type DataCategory struct {
	Code      string `json:"code"`
	Name      string `json:"name"`
	Sensitive bool   `json:"sensitive"`
}

// QuestionAnswer is one question of the stroomschema with the suggestion and the FG's answer.
type QuestionAnswer struct {
	ID              string     `json:"id"`
	Question        string     `json:"question"`
	Suggested       string     `json:"suggested"`
	SuggestedReason string     `json:"suggested_reason"`
	Answer          string     `json:"answer,omitempty"`
	By              string     `json:"by,omitempty"`
	At              *time.Time `json:"at,omitempty"`
}

// NewAPMelding builds the draft AP notification for an incident as (*register.Register).Summary
// returns it. now decides whether the 72 hours have run out.
func NewAPMelding(org config.Organisation, in *register.Incident, now time.Time) APMelding {
	m := APMelding{
		GeneratedAt:  now,
		Organisation: orPlaceholder(org.Name),
		Contact: Contact{
			Organisation: orPlaceholder(org.Name),
			Name:         orPlaceholder(org.FG.Name),
			Email:        orPlaceholder(org.FG.Email),
			Phone:        orPlaceholder(org.FG.Phone),
		},
		Kind:             "nieuwe melding",
		APReference:      detail(in, "ap_reference"),
		APReported:       detail(in, "ap_reported_on"),
		IncidentID:       in.ID,
		Status:           statusName(in.Status),
		Detector:         in.Detector,
		Rule:             in.Rule,
		RuleTitle:        in.RuleTitle,
		Severity:         severityName(in.Severity),
		Summary:          orPlaceholder(in.Summary),
		Nature:           Nature(in.Detector),
		FirstSeen:        in.FirstSeen,
		LastSeen:         in.LastSeen,
		DiscoveredAt:     in.DiscoveredAt,
		Deadline:         in.Deadline,
		Late:             !in.Deadline.IsZero() && now.After(in.Deadline),
		DataCategories:   []DataCategory{},
		Sensitive:        anySensitive(in.DataCategories),
		SubjectsEstimate: in.Subjects,
		SubjectsRange:    SubjectsRange(in.Subjects),
		Consequences:     orPlaceholder(detail(in, "consequences")),
		MeasuresTaken:    orPlaceholder(detail(in, "measures_taken")),
		MeasuresPlanned:  orPlaceholder(detail(in, "measures_planned")),
		SubjectsInformed: Placeholder,
		Encrypted:        in.Facts.Encrypted,
		Motivation:       detail(in, "motivation"),
		Questions:        []QuestionAnswer{},
		History:          in.History,
	}
	if m.APReference != "" {
		m.Kind = "vervolgmelding (aanvulling op meldnummer " + m.APReference + ")"
	}
	if m.generic() && in.RuleTitle != "" {
		m.Nature = "inbreuk op de beveiliging van persoonsgegevens: " + in.RuleTitle
	}
	if m.Late {
		m.LateReason = orPlaceholder(detail(in, "late_reason"))
	}
	for _, c := range in.DataCategories {
		m.DataCategories = append(m.DataCategories, DataCategory{Code: string(c), Name: CategoryName(c), Sensitive: assessment.Sensitive(c)})
	}
	if a := in.Assessment; a != nil {
		m.Outcome = a.Outcome
		m.AssessmentComplete = a.Outcome.Complete
		if !a.Outcome.Complete {
			s := a.Suggested
			m.ProvisionalAdvice = &s
		} else {
			m.SubjectsInformed = informedText(a.Outcome)
		}
		for _, q := range a.Questions {
			m.Questions = append(m.Questions, QuestionAnswer{ID: string(q.ID), Question: q.Question, Suggested: q.Suggested,
				SuggestedReason: q.Reason, Answer: q.Answer, By: q.By, At: q.At})
		}
	}
	if m.SubjectsInformed != "nee" {
		m.SubjectsInformedOn = orPlaceholder(detail(in, "subjects_informed_on"))
	}
	return m
}

// generic says whether the detector has no specific nature (a generic threshold rule).
func (m APMelding) generic() bool {
	_, ok := natures[m.Detector]
	return !ok
}

// Markdown renders the draft notification as a Dutch markdown document.
func (m APMelding) Markdown() string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	field := func(label, value string) { p("- **%s:** %s\n", label, mdInline(orPlaceholder(value))) }

	p("# Concept melding datalek aan de Autoriteit Persoonsgegevens\n\n")
	p("*Concept, opgesteld door lekwacht op %s voor de Functionaris Gegevensbescherming. Controleer en vul aan vóór indienen via het meldformulier van de AP. Waar %s staat, ontbreekt nog informatie.*\n\n",
		fmtTime(m.GeneratedAt), Placeholder)

	p("## 1. Soort melding\n\n")
	field("Soort melding", m.Kind)
	if m.APReported != "" {
		field("Datum melding AP", m.APReported)
	}
	field("Intern incidentnummer", m.IncidentID)
	field("Status in het datalekregister", m.Status)
	p("\n")

	p("## 2. Contactgegevens\n\n")
	field("Organisatie (verwerkingsverantwoordelijke)", m.Contact.Organisation)
	field("Functionaris Gegevensbescherming", m.Contact.Name)
	field("E-mailadres", m.Contact.Email)
	field("Telefoonnummer", m.Contact.Phone)
	p("\n")

	p("## 3. Gegevens over het datalek\n\n")
	field("Samenvatting", m.Summary)
	field("Aard van het incident", m.Nature)
	field("Gedetecteerd door", fmt.Sprintf("detector %s, regel %s%s", m.Detector, m.Rule, ruleTitle(m.RuleTitle)))
	field("Ernst (inschatting lekwacht)", m.Severity)
	field("Begin van het incident", fmtTime(m.FirstSeen))
	field("Einde van het incident (laatst waargenomen)", fmtTime(m.LastSeen))
	field("Ontdekt op", fmtTime(m.DiscoveredAt))
	field("Uiterste meldtermijn AP (72 uur na ontdekking)", fmtTime(m.Deadline))
	p("\n")

	if m.Late {
		p("## 4. Late melding\n\n")
		p("De melding wordt gedaan na afloop van de termijn van 72 uur (termijn verstreken op %s). ", fmtTime(m.Deadline))
		p("Reden van de vertraging (art. 33 lid 1 AVG):\n\n")
		p("> %s\n\n", mdInline(orPlaceholder(m.LateReason)))
	} else {
		p("## 4. Tijdigheid\n\n")
		p("De termijn van 72 uur is nog niet verstreken (uiterlijk %s). Is niet alle informatie bekend, meld dan wat bekend is en vul later aan of trek de melding in.\n\n", fmtTime(m.Deadline))
	}

	p("## 5. Persoonsgegevens en betrokkenen\n\n")
	if len(m.DataCategories) == 0 {
		field("Soorten persoonsgegevens", Placeholder)
	} else {
		p("Soorten persoonsgegevens:\n\n")
		for _, c := range m.DataCategories {
			if c.Sensitive {
				p("- %s (gevoelig)\n", c.Name)
			} else {
				p("- %s\n", c.Name)
			}
		}
		p("\n")
	}
	field("Gevoelige persoonsgegevens", yesNo(m.Sensitive))
	if m.SubjectsEstimate > 0 {
		field("Aantal betrokkenen", fmt.Sprintf("%s (schatting: %d)", m.SubjectsRange, m.SubjectsEstimate))
	} else {
		field("Aantal betrokkenen", Placeholder+" (geen schatting beschikbaar)")
	}
	p("\n")

	p("## 6. Gevolgen\n\n")
	field("Mogelijke gevolgen voor de betrokkenen", m.Consequences)
	p("\n")

	p("## 7. Maatregelen\n\n")
	field("Genomen maatregelen", m.MeasuresTaken)
	field("Voorgenomen maatregelen", m.MeasuresPlanned)
	p("\n")

	p("## 8. Informeren van betrokkenen\n\n")
	field("Worden de betrokkenen geïnformeerd", m.informedLabel())
	if m.SubjectsInformedOn != "" {
		field("Datum (voorgenomen) informeren", m.SubjectsInformedOn)
	}
	p("\n")

	p("## 9. Technische beschermingsmaatregelen\n\n")
	field("Waren de gegevens versleuteld of anderszins onleesbaar", encryptedText(m.Encrypted))
	p("\n")

	p("## 10. Beoordeling door de FG (stroomschema)\n\n")
	if m.AssessmentComplete {
		p("Uitkomst: **%s**\n\n", m.Outcome.Summary())
		for _, r := range m.Outcome.Reasons {
			p("- %s\n", mdInline(r))
		}
		p("\n")
	} else {
		p("De beoordeling is **nog niet compleet**")
		if m.Outcome.Next != "" {
			p(" (volgende vraag: %s)", m.Outcome.Next)
		}
		p(".\n\n")
		if m.ProvisionalAdvice != nil {
			p("Voorlopig advies op basis van de voorgestelde antwoorden: **%s**\n\n", m.ProvisionalAdvice.Summary())
			for _, r := range m.ProvisionalAdvice.Reasons {
				p("- %s\n", mdInline(r))
			}
			p("\n")
		}
	}
	if m.Motivation != "" {
		field("Motivering FG", m.Motivation)
		p("\n")
	}
	for i, q := range m.Questions {
		p("### Vraag %d: %s\n\n", i+1, mdInline(q.Question))
		field("Voorgesteld", fmt.Sprintf("%s — %s", answerText(q.Suggested), q.SuggestedReason))
		p("- **Antwoord FG:** %s\n", answerText(q.Answer))
		if q.Answer != "" {
			field("Door", q.By)
			if q.At != nil {
				field("Op", fmtTime(*q.At))
			}
		}
		p("\n")
	}

	if len(m.History) > 0 {
		p("## 11. Verloop in het datalekregister\n\n")
		for _, c := range m.History {
			from := string(c.From)
			if from == "" {
				from = "nieuw"
			}
			p("- %s — %s: %s → %s (%s)\n", fmtTime(c.At), mdInline(c.By), from, c.To, mdInline(c.Reason))
		}
		p("\n")
	}
	return b.String()
}

func (m APMelding) informedLabel() string {
	switch m.SubjectsInformed {
	case "ja":
		return "ja, met de brief datalek aan betrokkene"
	case "openbare mededeling":
		return "ja, met een openbare mededeling (art. 34 lid 3 sub c AVG)"
	case "nee":
		return "nee (zie de beoordeling hieronder)"
	}
	if m.ProvisionalAdvice != nil {
		return fmt.Sprintf("%s (voorlopig advies: %s)", Placeholder, informedText(*m.ProvisionalAdvice))
	}
	return Placeholder
}

func ruleTitle(t string) string {
	if t == "" {
		return ""
	}
	return " (" + t + ")"
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
