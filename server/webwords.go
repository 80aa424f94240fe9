package server

// The page's Dutch for what the register stores as codes or as a detector wrote it: access-log
// actions, history entries, durations and field names in summaries, and dates as dd-mm-jjjj.
// Stored values stay as they are (the hash chain covers them); only what the page shows is worded.

import (
	"regexp"
	"strings"
	"time"

	"github.com/lekwacht/lekwacht/documents"
	"github.com/lekwacht/lekwacht/register"
)

// accessActions word the access log's actions: who read an incident, and how.
var accessActions = map[string]string{
	"show":                "bekeken (opdrachtregel)",
	"web show":            "bekeken op de pagina",
	"api show":            "opgevraagd via de API",
	"export evidence":     "bewijs geëxporteerd (opdrachtregel)",
	"evaluate":            "bekeken door de evaluatie (simulatie)",
	"web ap-melding":      "AP-melding bekeken op de pagina",
	"web ap-melding.md":   "AP-melding gedownload (Markdown)",
	"web ap-melding.json": "AP-melding gedownload (JSON)",
	"web brief":           "brief aan betrokkenen bekeken op de pagina",
	"web brief.md":        "brief aan betrokkenen gedownload",
	"web evidence.zip":    "bewijs gedownload (zip met SHA-256-sommen)",
	"web register.csv":    "datalekregister geëxporteerd (CSV)",
	"web register.xlsx":   "datalekregister geëxporteerd (Excel)",
	"person":              "opgezocht (opdrachtregel)",
	"web person":          "opgezocht op de pagina",
	"api person":          "opgezocht via de API",
}

// accessAction words one access-log action; an unknown one is shown as it was recorded.
func accessAction(a string) string {
	if n, ok := accessActions[a]; ok {
		return n
	}
	return documents.AccessNL(a)
}

// historyReason words a history entry's reason (documents.ReasonNL: older English reasons, Go
// durations and field names in Dutch).
func historyReason(s string) string { return documents.ReasonNL(s) }

// historyStep words what a history entry did: "aangemaakt als concept", "concept → open",
// "teruggedraaid: open → concept", "gegevens gecorrigeerd (status open)".
func historyStep(c register.Change) string {
	switch {
	case c.From == "":
		return "aangemaakt als " + statusName(c.To)
	case c.From == c.To:
		return "gegevens gewijzigd (status blijft " + statusName(c.To) + ")"
	case strings.HasPrefix(c.Reason, register.RevertPrefix):
		return "besluit teruggedraaid: " + statusName(c.From) + " → " + statusName(c.To)
	}
	return statusName(c.From) + " → " + statusName(c.To)
}

// byName words who made a change: lekwacht itself, or the person's token name.
func byName(by string) string {
	if by == "lekwacht" {
		return "lekwacht (automatisch)"
	}
	return by
}

var countedField = regexp.MustCompile(`verschillende waarden van (\S+)`)

// plainSummary is a detector's summary in plain Dutch for the page (documents.SummaryNL: Go
// durations and field names worded), "verschillende waarden van bestanden" said as "verschillende
// bestanden", and a field name documents does not know left out.
func plainSummary(s string) string {
	return countedField.ReplaceAllStringFunc(documents.SummaryNL(s), func(m string) string {
		w := countedField.FindStringSubmatch(m)[1]
		if strings.Contains(w, ".") {
			return "verschillende waarden"
		}
		return "verschillende " + w
	})
}

// dateNL turns a stored YYYY-MM-DD into dd-mm-jjjj; other text stays as it is.
func dateNL(s string) string { return documents.DayNL(strings.TrimSpace(s)) }

// parseDateNL reads a date the FG typed: dd-mm-jjjj (also with / or .), or jjjj-mm-dd. It returns
// the register's form, jjjj-mm-dd.
func parseDateNL(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t.Format(time.DateOnly), true
	}
	s = strings.NewReplacer("/", "-", ".", "-").Replace(s)
	for _, layout := range []string{"02-01-2006", "2-1-2006"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.Format(time.DateOnly), true
		}
	}
	return "", false
}
