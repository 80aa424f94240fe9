// Package documents renders the Dutch documents for the FG from the datalekregister: the draft
// notification to the Autoriteit Persoonsgegevens (AP), the letter to betrokkenen, the register export
// (CSV and XLSX) and the evidence bundle (zip with manifest and SHA-256 sums).
//
// The AP melding, the letter and the register export never contain evidence text: they work from the
// incident's summary (redacted by the register), its categories and the FG's assessment.
package documents

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/lekwacht/lekwacht/assessment"
	"github.com/lekwacht/lekwacht/hit"
	"github.com/lekwacht/lekwacht/register"
)

// Placeholder marks a value the FG still has to fill in.
const Placeholder = "[in te vullen door FG]"

// natures are the kinds of breach per detector, as the AP form asks them ("aard van het incident").
var natures = map[string]string{
	"shared_credentials": "onbevoegde toegang met inloggegevens van een ander",
	"bulk_bsn_export":    "kopiëren/exporteren van persoonsgegevens",
	"misdirected_mail":   "persoonsgegevens verstuurd naar een verkeerde ontvanger",
	"private_mail":       "persoonsgegevens verstuurd naar een privé-mailbox",
	"record_snooping":    "onbevoegd inzien van persoonsgegevens",
	"mass_deletion":      "verwijderen van persoonsgegevens",
}

const genericNature = "inbreuk op de beveiliging van persoonsgegevens (zie omschrijving)"

// Nature is the kind of breach ("aard") derived from the detector that found the incident.
func Nature(detector string) string {
	if n, ok := natures[detector]; ok {
		return n
	}
	return genericNature
}

// CategoryName is the Dutch name of a data category (the code itself when unknown).
func CategoryName(c hit.Category) string { return assessment.CategoryName(c) }

func categoryNameList(cs []hit.Category) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = CategoryName(c)
	}
	return out
}

func anySensitive(cs []hit.Category) bool {
	return slices.ContainsFunc(cs, assessment.Sensitive)
}

// SubjectsRange is the AP form's range for a number of betrokkenen.
func SubjectsRange(n int) string {
	switch {
	case n <= 0:
		return "0"
	case n == 1:
		return "1"
	case n <= 10:
		return "2-10"
	case n <= 100:
		return "11-100"
	case n <= 1000:
		return "101-1.000"
	case n <= 10000:
		return "1.001-10.000"
	case n <= 100000:
		return "10.001-100.000"
	}
	return "meer dan 100.000"
}

func statusName(s register.Status) string { return StatusNL(s) }

var severityNames = map[hit.Severity]string{
	hit.SeverityLow:      "laag",
	hit.SeverityMedium:   "midden",
	hit.SeverityHigh:     "hoog",
	hit.SeverityCritical: "kritiek",
}

func severityName(s hit.Severity) string {
	if n, ok := severityNames[s]; ok {
		return n
	}
	return string(s)
}

// detail returns a free-text detail of the assessment, or "" when not given.
func detail(in *register.Incident, key string) string {
	if in.Assessment == nil {
		return ""
	}
	return strings.TrimSpace(in.Assessment.Details[key].Value)
}

func orPlaceholder(s string) string {
	if strings.TrimSpace(s) == "" {
		return Placeholder
	}
	return s
}

// cellTime formats a time for the register export; empty when unset.
func cellTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return DateTimeNL(t)
}

var months = [...]string{"januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
	"september", "oktober", "november", "december"}

// dutchDate is "23 november 2026".
func dutchDate(t time.Time) string {
	if t.IsZero() {
		return "[datum]"
	}
	return fmt.Sprintf("%d %s %d", t.Day(), months[t.Month()-1], t.Year())
}

func yesNo(b bool) string {
	if b {
		return "ja"
	}
	return "nee"
}

// informedText says whether betrokkenen are (to be) informed according to an outcome.
func informedText(o assessment.Outcome) string {
	switch {
	case o.PublicNotice:
		return "openbare mededeling"
	case o.NotifySubjects:
		return "ja"
	}
	return "nee"
}

// assessedBy lists who answered the flow's questions and when the latest answer was given.
func assessedBy(in *register.Incident) (by []string, at time.Time) {
	if in.Assessment == nil {
		return nil, time.Time{}
	}
	for _, q := range in.Assessment.Questions {
		if q.Answer == "" {
			continue
		}
		if q.By != "" && !slices.Contains(by, q.By) {
			by = append(by, q.By)
		}
		if q.At != nil && q.At.After(at) {
			at = *q.At
		}
	}
	return by, at
}
