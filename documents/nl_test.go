package documents

import (
	"testing"
	"time"

	"github.com/lekwacht/lekwacht/register"
)

func TestDutchWording(t *testing.T) {
	at := time.Date(2026, 12, 4, 16, 39, 0, 0, time.UTC)
	for got, want := range map[string]string{
		StatusNL(register.StatusDraft):    "concept",
		StatusNL(register.StatusAssessed): "beoordeeld",
		DateNL(at):                        "04-12-2026",
		DateTimeNL(at):                    "04-12-2026 16:39",
		DayNL("2026-12-04"):               "04-12-2026",
		DayNL("volgende week"):            "volgende week",
		DurationNL(10 * time.Minute):      "10 minuten",
		DurationNL(90 * time.Minute):      "1 uur en 30 minuten",
		DurationNL(72 * time.Hour):        "3 dagen",
		AccessNL("api show"):              "bewijs ingezien via de API",
		AccessNL("web person LW-1"):       "persoon bekeken op de webpagina (LW-1)",
		SummaryNL("Massaal verwijderen: 60 verschillende waarden van file.path binnen 10m0s (drempel 50)"):                                                         "Massaal verwijderen: 60 verschillende waarden van bestanden binnen 10 minuten (drempel 50)",
		SummaryNL("mail van 40 kB, 2s later; 1h30m0s"):                                                                                                             "mail van 40 kB, 2 seconden later; 1 uur en 30 minuten",
		ReasonNL("draft opened by rule lw-shared-001"):                                                                                                             "concept geopend door regel lw-shared-001",
		ChangeNL(register.Change{At: at, By: "lekwacht", To: register.StatusDraft, Reason: "draft opened by rule lw-x"}):                                           "04-12-2026 16:39, lekwacht: aangemaakt als concept (concept geopend door regel lw-x)",
		ChangeNL(register.Change{At: at, By: "fg", From: register.StatusOpen, To: register.StatusAssessed, Reason: "beoordeling compleet: registreren"}):           "04-12-2026 16:39, fg: van open naar beoordeeld (beoordeling compleet: registreren)",
		ChangeNL(register.Change{At: at, By: "fg", From: register.StatusOpen, To: register.StatusOpen, Reason: "correctie: aantal betrokkenen 3 (was: onbekend)"}): "04-12-2026 16:39, fg: correctie (aantal betrokkenen 3 (was: onbekend))",
		ClockNL(register.Clock{Running: true, Left: 41*time.Hour + 20*time.Minute}):                                                                                "nog 41 uur",
		ClockNL(register.Clock{Running: true, Left: 12 * time.Minute}):                                                                                             "nog 12 minuten",
		ClockNL(register.Clock{Running: true, Overdue: true, Left: -8 * time.Hour}):                                                                                "termijn verstreken (8 uur geleden)",
		ClockNL(register.Clock{Stopped: "gemeld bij de AP op 24-11-2026"}):                                                                                         "gemeld bij de AP op 24-11-2026",
	} {
		if got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
}
