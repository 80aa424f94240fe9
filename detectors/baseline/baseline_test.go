package baseline

import (
	"encoding/json"
	"testing"
	"time"
)

var ams = func() *time.Location { l, _ := time.LoadLocation("Europe/Amsterdam"); return l }()

func at(day, hour int) time.Time { return time.Date(2026, 11, day, hour, 0, 0, 0, ams) }

func TestDayIsTheGemeentesDay(t *testing.T) {
	// 23:30 UTC on the 1st is 00:30 on the 2nd in Amsterdam.
	utc := time.Date(2026, 11, 1, 23, 30, 0, 0, time.UTC)
	if Day(utc, ams) != Day(at(2, 9), ams) || Day(utc, time.UTC) == Day(at(2, 9), ams) {
		t.Error("day boundaries follow the zone")
	}
	if !DayStart(Day(at(5, 15), ams), ams).Equal(at(5, 0)) {
		t.Errorf("DayStart %v", DayStart(Day(at(5, 15), ams), ams))
	}
}

func TestFamiliarLearnsAHotDesk(t *testing.T) {
	f := NewFamiliar(10, 8, ams)
	if fam := f.Observe("anna", "WS-0042", at(2, 9)); !fam.New || fam.HistoryDays != 0 {
		t.Fatalf("first sight: %+v", fam)
	}
	if fam := f.Observe("anna", "WS-0042", at(2, 14)); fam.New || fam.DaysUsed != 0 || fam.HistoryDays != 0 {
		t.Fatalf("same day again is not history yet: %+v", fam)
	}
	for d := 3; d <= 6; d++ {
		f.Observe("anna", "FLEX-12", at(d, 9))
	}
	fam := f.Observe("anna", "FLEX-12", at(9, 9))
	if fam.New || fam.DaysUsed != 4 || fam.HistoryDays != 5 || fam.SinceLast != 3 {
		t.Errorf("after four days at the flex desk: %+v", fam)
	}
	if p := f.Peek("anna", "WS-0099", at(9, 10)); !p.New || p.HistoryDays != 5 {
		t.Errorf("peek of a new desk: %+v", p)
	}
	if p := f.Peek("anna", "WS-0099", at(9, 11)); !p.New {
		t.Error("peek learned")
	}
}

func TestFamiliarIsBounded(t *testing.T) {
	f := NewFamiliar(2, 3, ams)
	for i, v := range []string{"a", "b", "c", "d"} {
		f.Observe("p", v, at(2+i, 9))
	}
	if !f.Peek("p", "a", at(9, 9)).New || f.Peek("p", "d", at(9, 9)).New {
		t.Error("the least recently used value is forgotten first")
	}
	f.Observe("q", "x", at(9, 9))
	f.Observe("r", "x", at(9, 9))
	if f.Len() != 2 || !f.Peek("p", "d", at(9, 9)).New {
		t.Errorf("keys kept %d; the least recent key goes", f.Len())
	}
}

func TestAmountsUsualAndPeers(t *testing.T) {
	a := NewAmounts(10, ams)
	for d := 2; d <= 6; d++ { // 100 MB a day for five days
		a.Add("kees", at(d, 10), 60, 1)
		a.Add("kees", at(d, 15), 40, 0)
	}
	u := a.Add("kees", at(9, 10), 1200, 1)
	if u.ActiveDays != 5 || u.Mean != 100 || u.Max != 100 || u.Today != 1200 {
		t.Errorf("usual %+v", u)
	}
	// A team of two: one copies 10 a day, the other 30: 20 per member per day.
	for d := 2; d <= 4; d++ {
		a.Add("team", at(d, 9), 10, 1)
		a.Add("team", at(d, 9), 30, 1)
	}
	if p := a.Peek("team", at(5, 9)); p.ActiveDays != 3 || p.Mean != 20 || p.Max != 20 || p.Today != 0 {
		t.Errorf("peer usual %+v", p)
	}
	// Days older than the window drop out.
	if old := a.Peek("kees", at(2, 9).AddDate(0, 0, Window+1)); old.ActiveDays != 4 || old.Mean != 375 {
		t.Errorf("window: the 2nd and 3rd are out of it: %+v", old)
	}
	if old := a.Peek("kees", at(9, 9).AddDate(0, 0, Window)); old.ActiveDays != 0 {
		t.Errorf("window: every day is out of it: %+v", old)
	}
}

func TestHours(t *testing.T) {
	h := NewHours(10, ams)
	for d := 2; d <= 6; d++ { // Mon-Fri 2-6 November 2026, 9 and 14 o'clock
		h.Observe("sanne", at(d, 9))
		h.Observe("sanne", at(d, 14))
	}
	if u := h.Observe("sanne", at(9, 9)); u.ActiveDays != 5 || u.DaysInHour != 5 || u.Fraction() != 1 || u.Weekend {
		t.Errorf("usual hour: %+v", u)
	}
	if u := h.Observe("sanne", at(9, 22)); u.ActiveDays != 5 || u.DaysInHour != 0 || u.Fraction() != 0 {
		t.Errorf("a new evening hour: %+v", u)
	}
	if u := h.Observe("sanne", at(7, 11)); !u.Weekend || u.ActiveDays != 0 || u.HistoryDays != 5 {
		t.Errorf("a Saturday has its own history, her five weekdays still count as days: %+v", u)
	}
	if u := h.Observe("sanne", at(8, 13)); !u.Weekend || u.ActiveDays != 1 || u.DaysInHour != 0 || u.DaysNear != 1 {
		t.Errorf("Sunday 13 o'clock: Saturday's 11 o'clock is near, 13 o'clock itself new: %+v", u)
	}
	if u := h.Observe("sanne", at(14, 17)); u.DaysNear != 0 {
		t.Errorf("Saturday 17 o'clock: no weekend hour within %d: %+v", NearHours, u)
	}
	// the weekend of the 7th and 8th and the weekdays before the 10th (Monday the 9th counted once)
	if u := h.Observe("sanne", at(10, 9)); u.HistoryDays != 8 || u.ActiveDays != 6 {
		t.Errorf("history of both kinds: %+v", u)
	}
}

func TestStateSurvivesARestart(t *testing.T) {
	f, a, h := NewFamiliar(10, 8, ams), NewAmounts(10, ams), NewHours(10, ams)
	for d := 2; d <= 4; d++ {
		f.Observe("p", "WS-1", at(d, 9))
		a.Add("p", at(d, 9), 5, 1)
		h.Observe("p", at(d, 9))
	}
	type saved struct {
		F FamiliarState
		A AmountsState
		H HoursState
	}
	b, err := json.Marshal(saved{f.Save(), a.Save(), h.Save()})
	if err != nil {
		t.Fatal(err)
	}
	var s saved
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	f2, a2, h2 := NewFamiliar(10, 8, ams), NewAmounts(10, ams), NewHours(10, ams)
	f2.Restore(s.F)
	a2.Restore(s.A)
	h2.Restore(s.H)
	if fam := f2.Observe("p", "WS-1", at(5, 9)); fam.New || fam.DaysUsed != 3 {
		t.Errorf("familiar after restore: %+v", fam)
	}
	if u := a2.Peek("p", at(5, 9)); u.ActiveDays != 3 || u.Mean != 5 {
		t.Errorf("amounts after restore: %+v", u)
	}
	if u := h2.Observe("p", at(5, 9)); u.DaysInHour != 3 {
		t.Errorf("hours after restore: %+v", u)
	}
}

// A replay reads one log after another over the same days: a day is counted once, in any order.
func TestDaysInAnyOrder(t *testing.T) {
	h := NewHours(10, ams)
	f := NewFamiliar(10, 8, ams)
	for _, d := range []int{2, 3, 4, 5, 6, 2, 3, 4, 5, 6} { // Monday to Friday, twice over
		h.Observe("anna", at(d, 9))
		f.Observe("anna", "WS-1", at(d, 9))
	}
	if u := h.Observe("anna", at(9, 9)); u.ActiveDays != 5 || u.DaysInHour != 5 {
		t.Errorf("hours counted a day twice: %+v", u)
	}
	if fam := f.Observe("anna", "WS-1", at(9, 9)); fam.DaysUsed != 5 || fam.HistoryDays != 5 {
		t.Errorf("familiar counted a day twice: %+v", fam)
	}
	// an earlier day seen after later ones: no history before it, and counted for later days
	if fam := f.Observe("anna", "WS-2", at(1, 9)); fam.HistoryDays != 0 || !fam.New {
		t.Errorf("a day before all others has no history before it: %+v", fam)
	}
	if fam := f.Observe("anna", "WS-1", at(10, 9)); fam.HistoryDays != 7 || fam.DaysUsed != 6 {
		t.Errorf("the 1st, 2-6 and 9th before the 10th: %+v", fam)
	}
}

func TestDaysWindow(t *testing.T) {
	var w days
	w.add(100)
	w.add(100 + WindowDays - 1)
	if !w.has(100) || w.before(200) != 2 {
		t.Errorf("within the window: %+v", w)
	}
	w.add(100 + WindowDays) // day 100 falls out
	if w.has(100) || !w.has(100+WindowDays) || w.before(100+WindowDays) != 1 {
		t.Errorf("sliding: %+v", w)
	}
	w.add(50) // older than the window: let go
	if w.has(50) {
		t.Error("a day older than the window was kept")
	}
	w.add(1000) // far ahead: a new window
	if w.before(1001) != 1 {
		t.Errorf("a jump ahead keeps only the new day: %+v", w)
	}
}

// Novelty tells a person at a fixed desk from one who takes up new desks: the first day (all new)
// does not count, nor does today.
func TestNovelty(t *testing.T) {
	f := NewFamiliar(10, 64, ams)
	for d := 2; d <= 9; d++ {
		f.Observe("fixed", "WS-0042", at(d, 9))
		f.Observe("flex", "WS-0042", at(d, 9))
		if d%2 == 0 {
			f.Observe("flex", "FLEX-"+string(rune('A'+d)), at(d, 10)) // a desk new to her every other day
		}
	}
	if n, h := f.Novelty("fixed", at(10, 9)); n != 0 || h != 8 {
		t.Errorf("fixed desk: %d new of %d days", n, h)
	}
	// days 4, 6, 8 (day 2 is her first day)
	if n, h := f.Novelty("flex", at(10, 9)); n != 3 || h != 8 {
		t.Errorf("flex worker: %d new of %d days", n, h)
	}
	f.Observe("flex", "FLEX-Z", at(10, 9))
	if n, _ := f.Novelty("flex", at(10, 11)); n != 3 {
		t.Errorf("today counted: %d", n)
	}
	if n, h := f.Novelty("nobody", at(10, 9)); n != 0 || h != 0 {
		t.Errorf("unknown key: %d %d", n, h)
	}
	// the first days survive a restart
	g := NewFamiliar(10, 64, ams)
	b, _ := json.Marshal(f.Save())
	var s FamiliarState
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	g.Restore(s)
	if n, _ := g.Novelty("flex", at(11, 9)); n != 4 {
		t.Errorf("after a restart: %d new days, want 4", n)
	}
}
