// Package assessment is the stroomschema of the "Protocol datalek melden" (DOMAIN.md) as code: the
// questions in order, suggested answers with their reasons, and the outcome the FG's answers lead to.
package assessment

import (
	"fmt"
	"slices"
	"strings"

	"github.com/lekwacht/lekwacht/hit"
)

// QuestionID names a question of the flow; `lekwacht incidents assess --answer ID=yes|no` uses it.
type QuestionID string

// The questions, in the order the stroomschema asks them.
const (
	QSecurityIncident       QuestionID = "security_incident"
	QPersonalData           QuestionID = "personal_data"
	QSensitive              QuestionID = "sensitive"
	QReadable               QuestionID = "readable"
	QRemedied               QuestionID = "remedied"
	QDisproportionateEffort QuestionID = "disproportionate_effort"
)

// Question is one step of the flow, worded for the FG.
type Question struct {
	ID   QuestionID `json:"id"`
	Text string     `json:"question"`
}

// Questions lists the flow's questions in order.
var Questions = []Question{
	{QSecurityIncident, "Is er sprake van een beveiligingsincident (een inbreuk op de beveiliging)?"},
	{QPersonalData, "Zijn er persoonsgegevens verloren gegaan, of is onrechtmatige verwerking niet redelijkerwijs uit te sluiten?"},
	{QSensitive, "Gaat het om gevoelige persoonsgegevens, of is er anderszins (een aanzienlijke kans op) nadelige gevolgen voor de betrokkenen?"},
	{QReadable, "Zijn de gelekte gegevens leesbaar of bruikbaar (geen of zwakke versleuteling), of zijn er andere waarschijnlijke nadelige gevolgen voor de persoonlijke levenssfeer (hoog risico)?"},
	{QRemedied, "Zijn er achteraf maatregelen genomen die het hoge risico voor de betrokkenen wegnemen (art. 34 lid 3 sub b AVG)?"},
	{QDisproportionateEffort, "Vergt het informeren van iedere betrokkene afzonderlijk een onevenredige inspanning (art. 34 lid 3 sub c AVG)?"},
}

// Lookup returns the question with the given id.
func Lookup(id QuestionID) (Question, bool) {
	i := slices.IndexFunc(Questions, func(q Question) bool { return q.ID == id })
	if i < 0 {
		return Question{}, false
	}
	return Questions[i], true
}

// IDs lists the question ids in order, for messages.
func IDs() []string {
	ids := make([]string, len(Questions))
	for i, q := range Questions {
		ids[i] = string(q.ID)
	}
	return ids
}

// Sensitive says whether a data category is sensitive in the protocol's sense: special categories
// (art. 9), criminal data (art. 10), financial data, login data and data open to identity fraud.
func Sensitive(c hit.Category) bool {
	switch c {
	case hit.CategoryBSN, hit.CategoryIDDocument, hit.CategoryFinancial, hit.CategoryHealth,
		hit.CategorySpecial, hit.CategoryCriminal, hit.CategoryCredential:
		return true
	}
	return false
}

// categoryNames are the Dutch names of the data categories.
var categoryNames = map[hit.Category]string{
	hit.CategoryName:       "naam",
	hit.CategoryAddress:    "adres",
	hit.CategoryContact:    "contactgegevens",
	hit.CategoryBSN:        "burgerservicenummer (BSN)",
	hit.CategoryIDDocument: "kopie identiteitsbewijs",
	hit.CategoryFinancial:  "financiële gegevens",
	hit.CategoryHealth:     "gezondheidsgegevens",
	hit.CategorySpecial:    "bijzondere persoonsgegevens (art. 9 AVG)",
	hit.CategoryCriminal:   "strafrechtelijke gegevens (art. 10 AVG)",
	hit.CategoryCredential: "inloggegevens",
	hit.CategoryMinors:     "gegevens van minderjarigen",
	hit.CategoryLocation:   "locatiegegevens",
	hit.CategoryOther:      "overige",
}

// CategoryName is the Dutch name of a data category (the code itself when unknown).
func CategoryName(c hit.Category) string {
	if n, ok := categoryNames[c]; ok {
		return n
	}
	return string(c)
}

// ManySubjects is the number of betrokkenen from which a leak of ordinary personal data is suggested
// as having a significant chance of adverse consequences by its size alone.
const ManySubjects = 100

// Outcome is where the answers lead.
type Outcome struct {
	Register       bool     `json:"register"`        // record in the datalekregister (art. 33 lid 5)
	NotifyAP       bool     `json:"notify_ap"`       // report to the Autoriteit Persoonsgegevens within 72 hours
	NotifySubjects bool     `json:"notify_subjects"` // inform the betrokkenen (art. 34)
	PublicNotice   bool     `json:"public_notice"`   // a public notice instead of letters (art. 34 lid 3 sub c)
	Reasons        []string `json:"reasons"`
	// Complete is false while a question the flow needs has no answer; Next is that question.
	Complete bool       `json:"complete"`
	Next     QuestionID `json:"next,omitempty"`
}

// Evaluate walks the flow with the given answers and stops at the first question without one.
func Evaluate(answers map[QuestionID]bool) Outcome {
	o := Outcome{Reasons: []string{}}
	ask := func(id QuestionID) (bool, bool) {
		a, ok := answers[id]
		if !ok {
			o.Next = id
		}
		return a, ok
	}
	yes, ok := ask(QSecurityIncident)
	switch {
	case !ok:
		return o
	case !yes:
		return o.done("Geen beveiligingsincident: geen datalek, verder geen actie.")
	}
	if yes, ok = ask(QPersonalData); !ok {
		return o
	} else if !yes {
		return o.done("Geen persoonsgegevens verloren en onrechtmatige verwerking redelijkerwijs uit te sluiten: geen datalek, verder geen actie.")
	}
	o.Register = true
	o.Reasons = append(o.Reasons, "Datalek: vastleggen in het datalekregister (art. 33 lid 5 AVG).")
	if yes, ok = ask(QSensitive); !ok {
		return o
	} else if !yes {
		return o.done("Geen gevoelige gegevens en geen aanzienlijke kans op nadelige gevolgen: alleen registreren, niet melden bij de AP.")
	}
	o.NotifyAP = true
	o.Reasons = append(o.Reasons, "Gevoelige gegevens of (kans op) nadelige gevolgen: zonder onredelijke vertraging en binnen 72 uur na ontdekking melden bij de Autoriteit Persoonsgegevens (art. 33 AVG).")
	if yes, ok = ask(QReadable); !ok {
		return o
	} else if !yes {
		return o.done("Gegevens niet leesbaar of bruikbaar (passend versleuteld) en geen hoog risico: betrokkenen hoeven niet geïnformeerd te worden (art. 34 lid 3 sub a AVG).")
	}
	if yes, ok = ask(QRemedied); !ok {
		return o
	} else if yes {
		return o.done("Het hoge risico is door achteraf genomen maatregelen weggenomen: betrokkenen hoeven niet geïnformeerd te worden (art. 34 lid 3 sub b AVG).")
	}
	if yes, ok = ask(QDisproportionateEffort); !ok {
		return o
	} else if yes {
		o.PublicNotice = true
		return o.done("Hoog risico, maar iedere betrokkene afzonderlijk informeren vergt onevenredige inspanning: een openbare mededeling die hen even doeltreffend informeert (art. 34 lid 3 sub c AVG).")
	}
	o.NotifySubjects = true
	return o.done("Hoog risico voor de betrokkenen: hen informeren met de brief datalek aan betrokkene (art. 34 AVG).")
}

func (o Outcome) done(reason string) Outcome {
	o.Reasons = append(o.Reasons, reason)
	o.Complete = true
	o.Next = ""
	return o
}

// Summary is the outcome in one Dutch line.
func (o Outcome) Summary() string {
	if !o.Complete {
		if q, ok := Lookup(o.Next); ok {
			return fmt.Sprintf("nog niet compleet (volgende vraag: %s)", q.Text)
		}
		return "nog niet compleet"
	}
	if !o.Register {
		return "geen datalek"
	}
	parts := []string{"registreren"}
	if o.NotifyAP {
		parts = append(parts, "melden bij de AP")
	}
	if o.NotifySubjects {
		parts = append(parts, "betrokkenen informeren")
	}
	if o.PublicNotice {
		parts = append(parts, "openbare mededeling")
	}
	return strings.Join(parts, ", ")
}
