package sim

import (
	"testing"
	"time"
)

func TestHolidays(t *testing.T) {
	ams, _ := time.LoadLocation("Europe/Amsterdam")
	for _, tc := range []struct {
		day  string
		want bool
	}{
		{"2026-04-05", true}, // Easter Sunday is a Sunday anyway; Tweede Paasdag:
		{"2026-04-06", true},
		{"2026-04-27", true}, // Koningsdag
		{"2026-05-14", true}, // Hemelvaart
		{"2026-05-25", true}, // Tweede Pinksterdag
		{"2026-12-25", true},
		{"2025-05-05", true}, // Bevrijdingsdag in a lustrum year
		{"2026-05-05", false},
		{"2027-03-29", true}, // Tweede Paasdag 2027
		{"2026-11-17", false},
	} {
		d, _ := time.ParseInLocation(time.DateOnly, tc.day, ams)
		if got := holiday(d) || d.Weekday() == time.Sunday; got != tc.want {
			t.Errorf("%s: holiday %v, want %v", tc.day, got, tc.want)
		}
	}
	if workday(time.Date(2026, 11, 21, 0, 0, 0, 0, ams)) {
		t.Error("a Saturday is a workday")
	}
}
