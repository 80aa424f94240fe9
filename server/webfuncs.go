package server

import (
	"html/template"
	"time"

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
