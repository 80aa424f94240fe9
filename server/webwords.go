package server

// The page's Dutch for what the register stores as codes or as a detector wrote it: access-log
// actions, history entries, durations and field names in summaries, and dates as dd-mm-jjjj.
// Stored values stay as they are (the hash chain covers them); only what the page shows is worded.

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

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
	return a
}

var openedByRule = regexp.MustCompile(`^draft opened by rule (\S+)$`)

// historyReason words a history entry's reason. Registers made before the reasons were Dutch hold
// "draft opened by rule X"; a revert is marked by register.RevertPrefix.
func historyReason(s string) string {
	if m := openedByRule.FindStringSubmatch(s); m != nil {
		return "concept geopend door regel " + m[1]
	}
	return s
}

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

// goDuration finds durations as Go prints them in a detector's text: 10m0s, 1h0m0s, 45s, 1h30m0s.
var goDuration = regexp.MustCompile(`\b(?:(\d+)h)?(?:(\d+)m)?(?:(\d+(?:\.\d+)?)s)?\b`)

// dutchDuration words a duration: "10 minuten", "1 uur", "2 uur en 30 minuten", "45 seconden".
func dutchDuration(d time.Duration) string {
	if d <= 0 {
		return "0 seconden"
	}
	var parts []string
	if h := int(d / time.Hour); h > 0 {
		if h%24 == 0 {
			return plural(h/24, "dag", "dagen")
		}
		parts = append(parts, strconv.Itoa(h)+" uur")
	}
	if m := int(d % time.Hour / time.Minute); m > 0 {
		parts = append(parts, plural(m, "minuut", "minuten"))
	}
	if s := int(d % time.Minute / time.Second); s > 0 {
		parts = append(parts, plural(s, "seconde", "seconden"))
	}
	if len(parts) == 0 {
		return "minder dan een seconde"
	}
	return strings.Join(parts, " en ")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// fieldWords word the event fields a threshold rule may count ("verschillende waarden van
// file.path") as what they are.
var fieldWords = map[string]string{
	"file.path":          "bestanden",
	"file.share":         "shares",
	"app.object":         "dossiers",
	"host.name":          "werkplekken",
	"host.workstation":   "werkplekken",
	"source.ip":          "IP-adressen",
	"destination.ip":     "bestemmingen",
	"destination.domain": "domeinen",
	"email.to":           "ontvangers",
	"email.from":         "afzenders",
	"user.name":          "accounts",
	"user.account":       "accounts",
	"log.file":           "logbestanden",
}

var fieldName = regexp.MustCompile(`verschillende waarden van ([a-z_]+(?:\.[a-z_]+)+)`)

// plainSummary is a detector's summary in plain Dutch for the page: Go durations worded, a counted
// field named as what it counts, never a dotted field name.
func plainSummary(s string) string {
	s = goDuration.ReplaceAllStringFunc(s, func(m string) string {
		if m == "" || !strings.ContainsAny(m, "hms") || strings.Trim(m, "0123456789.") == "" {
			return m
		}
		d, err := time.ParseDuration(m)
		if err != nil {
			return m
		}
		return dutchDuration(d)
	})
	return fieldName.ReplaceAllStringFunc(s, func(m string) string {
		f := fieldName.FindStringSubmatch(m)[1]
		if w, ok := fieldWords[f]; ok {
			return "verschillende " + w
		}
		return "verschillende waarden"
	})
}

// dateNL turns a stored YYYY-MM-DD into dd-mm-jjjj; other text stays as it is.
func dateNL(s string) string {
	if t, err := time.Parse(time.DateOnly, strings.TrimSpace(s)); err == nil {
		return t.Format("02-01-2006")
	}
	return s
}

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
