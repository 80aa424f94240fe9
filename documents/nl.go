package documents

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/lekwacht/lekwacht/register"
)

// The words every reader of lekwacht's Dutch output sees, in one place: the documents, the CLI's
// history for the FG and the FG's page use these, so a status, a date or a history entry reads the
// same everywhere.

var statusNL = map[register.Status]string{
	register.StatusDraft:     "concept",
	register.StatusOpen:      "open",
	register.StatusDismissed: "afgewezen",
	register.StatusAssessed:  "beoordeeld",
	register.StatusClosed:    "afgesloten",
}

// StatusNL is a status in Dutch: concept, open, afgewezen, beoordeeld, afgesloten.
func StatusNL(s register.Status) string {
	if n, ok := statusNL[s]; ok {
		return n
	}
	return string(s)
}

// DateNL is a date as dd-mm-jjjj ("" for the zero time).
func DateNL(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format("02-01-2006")
}

// DateTimeNL is a moment as dd-mm-jjjj hh:mm in the time's own zone ("" for the zero time).
func DateTimeNL(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format("02-01-2006 15:04")
}

// DayNL turns a stored date (YYYY-MM-DD, as the FG's date details are kept) into dd-mm-jjjj;
// anything else is returned as it is.
func DayNL(s string) string {
	s = strings.TrimSpace(s)
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t.Format("02-01-2006")
	}
	return s
}

// DurationNL words a duration for people: "45 seconden", "10 minuten", "1 uur", "3 uur en 5 minuten", "2 dagen".
func DurationNL(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	plural := func(n int64, one, many string) string {
		if n == 1 {
			return "1 " + one
		}
		return fmt.Sprintf("%d %s", n, many)
	}
	switch {
	case d < time.Minute:
		return plural(int64(d/time.Second), "seconde", "seconden")
	case d < time.Hour:
		return plural(int64(d/time.Minute), "minuut", "minuten")
	case d < 48*time.Hour:
		h, m := int64(d/time.Hour), int64(d%time.Hour/time.Minute)
		if m == 0 {
			return fmt.Sprintf("%d uur", h)
		}
		return fmt.Sprintf("%d uur en %s", h, plural(m, "minuut", "minuten"))
	}
	return plural(int64(d/(24*time.Hour)), "dag", "dagen")
}

// ClockNL words an incident's 72-hour clock: "nog 41 uur", "nog 12 minuten", "termijn verstreken
// (5 uur geleden)", or why it stopped ("gemeld bij de AP op 25-11-2026").
func ClockNL(c register.Clock) string {
	switch {
	case !c.Running && c.Stopped != "":
		return c.Stopped
	case !c.Running:
		return "geen termijn"
	case c.Overdue:
		return "termijn verstreken (" + DurationNL(-c.Left) + " geleden)"
	case c.Left < time.Hour:
		return "nog " + DurationNL(c.Left)
	}
	return fmt.Sprintf("nog %d uur", int64(c.Left/time.Hour))
}

// englishReasons are the history reasons older lekwacht versions wrote in English.
var englishReasons = []struct {
	re *regexp.Regexp
	nl string
}{
	{regexp.MustCompile(`^draft opened by rule (.+)$`), "concept geopend door regel $1"},
}

// ReasonNL is a history reason in Dutch: older English reasons translated, Go durations and field
// names of the logs worded for people.
func ReasonNL(s string) string {
	for _, e := range englishReasons {
		if e.re.MatchString(s) {
			return e.re.ReplaceAllString(s, e.nl)
		}
	}
	return SummaryNL(s)
}

// StepNL says what a history entry did: "aangemaakt als concept", "van concept naar open", or
// "correctie" for an entry that left the status as it was.
func StepNL(c register.Change) string {
	switch {
	case c.From == "":
		return "aangemaakt als " + StatusNL(c.To)
	case c.From == c.To:
		return "correctie"
	}
	return "van " + StatusNL(c.From) + " naar " + StatusNL(c.To)
}

// ChangeNL is one history entry as a line for the FG: "23-11-2026 09:00, lekwacht: aangemaakt als
// concept (concept geopend door regel lw-shared-001)".
func ChangeNL(c register.Change) string {
	reason := ReasonNL(c.Reason)
	if c.From == c.To && c.From != "" {
		reason = strings.TrimPrefix(reason, "correctie: ")
	}
	return fmt.Sprintf("%s, %s: %s (%s)", DateTimeNL(c.At), c.By, StepNL(c), reason)
}

var accessNL = map[string]string{
	"show":            "bewijs ingezien (opdrachtregel)",
	"api show":        "bewijs ingezien via de API",
	"web show":        "bewijs ingezien op de webpagina",
	"export evidence": "bewijsbundel geëxporteerd",
	"person":          "persoon bekeken (opdrachtregel)",
	"api person":      "persoon bekeken via de API",
	"web person":      "persoon bekeken op de webpagina",
	"evaluate":        "bewijs gelezen voor de evaluatie",
}

// AccessNL words an access-log action ("api show") for the FG ("bewijs ingezien via de API").
func AccessNL(action string) string {
	if n, ok := accessNL[action]; ok {
		return n
	}
	for k, n := range accessNL {
		if strings.HasPrefix(action, k+" ") {
			return n + " (" + strings.TrimSpace(strings.TrimPrefix(action, k)) + ")"
		}
	}
	return action
}

// fieldNL are the names of the log fields (rules' match fields) in words.
var fieldNL = map[string]string{
	"host.workstation":   "werkplekken",
	"source.ip":          "IP-adressen",
	"source.domain":      "domeinen van herkomst",
	"destination.domain": "bestemmingsdomeinen",
	"destination.ip":     "bestemmingsadressen",
	"log.input":          "logbronnen",
	"log.file":           "logbestanden",
	"email.to":           "ontvangers",
	"email.from":         "afzenders",
	"email.status":       "afleverstatussen",
	"email.direction":    "richtingen",
	"email.hop":          "mailservers",
	"file.path":          "bestanden",
	"file.share":         "netwerkschijven",
	"file.operation":     "bestandshandelingen",
	"app.name":           "applicaties",
	"app.action":         "handelingen",
	"app.object":         "dossiers",
	"logon.type":         "soorten aanmelding",
	"logon.method":       "aanmeldmethoden",
	"device.class":       "soorten apparaten",
	"http.method":        "soorten verzoeken",
	"http.path":          "webadressen",
	"http.status":        "antwoordcodes",
	"user.name":          "accounts",
}

var (
	goDuration = regexp.MustCompile(`\b\d+h(\d+m)?(\d+(\.\d+)?s)?\b|\b\d+m(\d+(\.\d+)?s)?\b|\b\d+(\.\d+)?s\b`)
	fieldName  = regexp.MustCompile(`\b[a-z]+\.[a-z_]+\b`)
)

// SummaryNL words a detector's summary for people: Go durations ("10m0s", "1h30m0s") become
// "10 minuten", "1 uur en 30 minuten"; log field names ("file.path") become what they count
// ("bestanden").
func SummaryNL(s string) string {
	s = goDuration.ReplaceAllStringFunc(s, func(m string) string {
		d, err := time.ParseDuration(m)
		if err != nil {
			return m
		}
		return DurationNL(d)
	})
	return fieldName.ReplaceAllStringFunc(s, func(m string) string {
		if n, ok := fieldNL[m]; ok {
			return n
		}
		return m
	})
}
