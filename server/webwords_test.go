package server

import (
	"testing"

	"github.com/lekwacht/lekwacht/register"
)

func TestPlainSummary(t *testing.T) {
	for in, want := range map[string]string{
		"Veel bestanden: 40 verschillende waarden van file.path binnen 10m0s (drempel 30)": "Veel bestanden: 40 verschillende bestanden binnen 10 minuten (drempel 30)",
		"37 exports binnen 1h0m0s":           "37 exports binnen 1 uur",
		"binnen 1h30m0s":                     "binnen 1 uur en 30 minuten",
		"binnen 48h0m0s":                     "binnen 2 dagen",
		"binnen 45s":                         "binnen 45 seconden",
		"12 verschillende waarden van x.y_z": "12 verschillende waarden",
		"export van 250 records":             "export van 250 records",
		"mail van 120 kB, 3 ms":              "mail van 120 kB, 3 ms",
		"WS-0101 om 10:00":                   "WS-0101 om 10:00",
	} {
		if got := plainSummary(in); got != want {
			t.Errorf("plainSummary(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestHistoryAndAccessInDutch(t *testing.T) {
	if got := historyReason("draft opened by rule lw-bulk-bsn-export"); got != "concept geopend door regel lw-bulk-bsn-export" {
		t.Errorf("old creation reason: %q", got)
	}
	for c, want := range map[register.Change]string{
		{To: register.StatusDraft}:                                                                      "aangemaakt als concept",
		{From: register.StatusDraft, To: register.StatusOpen}:                                           "concept → open",
		{From: register.StatusOpen, To: register.StatusOpen}:                                            "gegevens gewijzigd (status blijft open)",
		{From: register.StatusDismissed, To: register.StatusDraft, Reason: register.RevertPrefix + "x"}: "besluit teruggedraaid: afgewezen → concept",
	} {
		if got := historyStep(c); got != want {
			t.Errorf("historyStep(%+v) = %q, want %q", c, got, want)
		}
	}
	for a, want := range map[string]string{"api show": "opgevraagd via de API", "web show": "bekeken op de pagina", "iets anders": "iets anders", "person": "opgezocht (opdrachtregel)"} {
		if got := accessAction(a); got != want {
			t.Errorf("accessAction(%q) = %q, want %q", a, got, want)
		}
	}
}

func TestDatesNL(t *testing.T) {
	if got := dateNL("2026-12-04"); got != "04-12-2026" {
		t.Errorf("dateNL: %q", got)
	}
	for in, want := range map[string]string{"04-12-2026": "2026-12-04", "4-12-2026": "2026-12-04", "04/12/2026": "2026-12-04",
		"2026-12-04": "2026-12-04", " 04.12.2026 ": "2026-12-04"} {
		if got, ok := parseDateNL(in); !ok || got != want {
			t.Errorf("parseDateNL(%q) = %q %v, want %q", in, got, ok, want)
		}
	}
	for _, bad := range []string{"31-02-2026", "morgen", "2026-13-01", ""} {
		if got, ok := parseDateNL(bad); ok {
			t.Errorf("parseDateNL(%q) = %q, want refused", bad, got)
		}
	}
}
