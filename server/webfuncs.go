package server

import (
	"fmt"
	"html/template"
	"net/url"
	"time"

	"github.com/lekwacht/lekwacht/directory"
	"github.com/lekwacht/lekwacht/hit"
	"github.com/lekwacht/lekwacht/register"
)

// The page's Dutch words for the register's codes.
var (
	statusNames = map[register.Status]string{
		register.StatusDraft:     "concept",
		register.StatusOpen:      "open",
		register.StatusDismissed: "afgewezen",
		register.StatusAssessed:  "beoordeeld",
		register.StatusClosed:    "afgesloten",
	}
	severityNames = map[hit.Severity]string{
		hit.SeverityLow: "laag", hit.SeverityMedium: "midden", hit.SeverityHigh: "hoog", hit.SeverityCritical: "kritiek",
	}
	roleNames = map[Role]string{RoleAnalyst: "securityteam", RoleFG: "FG", RoleAdmin: "beheerder"}
	// personStatusNames word a person's status in the directory.
	personStatusNames = map[directory.Status]string{
		directory.StatusActive: "in dienst", directory.StatusLeave: "met verlof", directory.StatusLeft: "uit dienst",
	}
	// kindNames word the kinds of names a person goes by.
	kindNames = map[directory.Kind]string{
		directory.KindAccount: "account", directory.KindAlias: "alias", directory.KindEmail: "e-mailadres",
		directory.KindUPN: "UPN (userPrincipalName)", directory.KindSID: "SID", directory.KindEmployee: "personeelsnummer",
		directory.KindName: "naam", directory.KindAdmin: "beheeraccount",
	}
	// detectorNames are short; documents.Nature words them for the AP form.
	detectorNames = map[string]string{
		"shared_credentials": "gedeelde inloggegevens",
		"bulk_bsn_export":    "export met BSN's",
		"misdirected_mail":   "mail aan verkeerde ontvanger",
		"private_mail":       "mail naar privé-adres",
		"record_snooping":    "onbevoegde inzage",
		"mass_deletion":      "massaal verwijderd",
		"threshold":          "drempelregel",
	}
)

func nameOr[K comparable](names map[K]string, k K, fallback string) string {
	if n, ok := names[k]; ok {
		return n
	}
	return fallback
}

func statusName(s register.Status) string { return nameOr(statusNames, s, string(s)) }
func roleName(r Role) string              { return nameOr(roleNames, r, string(r)) }

// funcs are the templates' helpers. None of them returns template.HTML: everything the register
// holds is escaped by html/template.
func (wb *web) funcs() template.FuncMap {
	return template.FuncMap{
		"status":   statusName,
		"role":     roleName,
		"severity": func(s hit.Severity) string { return nameOr(severityNames, s, string(s)) },
		"detector": func(d string) string { return nameOr(detectorNames, d, d) },
		"answer": func(s string) string {
			return nameOr(map[string]string{"yes": "ja", "no": "nee", "": "nog niet beantwoord"}, s, s)
		},
		"time": wb.formatTime,
		"timep": func(t *time.Time) string {
			if t == nil {
				return ""
			}
			return wb.formatTime(*t)
		},
		"millis": func(t time.Time) int64 { return t.UnixMilli() },
		// The register's codes and a detector's text in the page's Dutch (webwords.go).
		"summary":       plainSummary,
		"access":        accessAction,
		"historyStep":   historyStep,
		"historyReason": historyReason,
		"by":            byName,
		"subjectsShort": subjectsShort,
		// pathseg escapes a name for one segment of a path (/persons/{{pathseg .}}): a '/', '?', '#'
		// or '\' in an account or address stays part of the name.
		"pathseg":      url.PathEscape,
		"personStatus": func(s directory.Status) string { return nameOr(personStatusNames, s, string(s)) },
		"kind":         func(k directory.Kind) string { return nameOr(kindNames, k, string(k)) },
		"date":         dateNL, // YYYY-MM-DD as 31-12-2026
		"short": func(s string, n int) string {
			if len(s) <= n {
				return s
			}
			return s[:n] + "…"
		},
	}
}

// formatTime is "20-11-2026 11:00" in the gemeente's time zone.
func (wb *web) formatTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(wb.loc).Format("02-01-2006 15:04")
}

// days words a period in whole days ("7 dagen"), else as Go writes durations.
func days(d time.Duration) string {
	if d > 0 && d%(24*time.Hour) == 0 {
		if n := d / (24 * time.Hour); n != 1 {
			return fmt.Sprintf("%d dagen", n)
		}
		return "1 dag"
	}
	return d.String()
}
