package baseline

import (
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
)

// Window is how many days of amounts a key keeps.
const Window = 30

// Amounts keeps, per key, the daily totals of an amount (records viewed, bytes copied to removable
// media, mails to outside) over the last Window days. A peer group's key counts its members' days
// too, so its usual amount is per member per active day.
type Amounts struct {
	keys *lru.Cache[string, *series]
	loc  *time.Location
}

// series is one key's daily totals in a ring indexed by day % Window.
type series struct {
	Day     [Window]int32   `json:"day"`
	Sum     [Window]float64 `json:"sum"`
	Members [Window]int32   `json:"members,omitempty"` // contributors per day, for peer groups
}

// Usual is a key's amounts before today.
type Usual struct {
	ActiveDays int     // days with an amount within the window before today
	Mean       float64 // per active day (per member and active day for a peer group)
	Max        float64 // the largest day (the largest member-day average for a peer group)
	Today      float64 // today's total so far, this observation included
}

// NewAmounts keeps up to size keys.
func NewAmounts(size int, loc *time.Location) *Amounts {
	c, _ := lru.New[string, *series](max(size, 1))
	return &Amounts{keys: c, loc: loc}
}

// Add adds n to key's day of t and returns the key's usual amount before that day, with Today set.
// member > 0 counts a new contributor to the day (a person's first amount of the day, added to their
// peer group's key).
func (a *Amounts) Add(key string, t time.Time, n float64, member int) Usual {
	today := Day(t, a.loc)
	s, ok := a.keys.Get(key)
	if !ok {
		s = &series{}
		a.keys.Add(key, s)
	}
	u := s.usual(today)
	i := ring(today)
	if s.Day[i] != today {
		s.Day[i], s.Sum[i], s.Members[i] = today, 0, 0
	}
	s.Sum[i] += n
	s.Members[i] += int32(member)
	u.Today = s.Sum[i]
	return u
}

// Peek is key's usual amount before t's day, and today's so far, without adding.
func (a *Amounts) Peek(key string, t time.Time) Usual {
	s, ok := a.keys.Peek(key)
	if !ok {
		return Usual{}
	}
	today := Day(t, a.loc)
	u := s.usual(today)
	if i := ring(today); s.Day[i] == today {
		u.Today = s.Sum[i]
	}
	return u
}

func ring(day int32) int { return int((day%Window + Window) % Window) }

// usual is the mean and maximum over the days within the window before today.
func (s *series) usual(today int32) Usual {
	var u Usual
	var total float64
	var members int32
	for i := range Window {
		d := s.Day[i]
		if d >= today || d <= today-Window {
			continue
		}
		u.ActiveDays++
		m := max(s.Members[i], 1)
		total += s.Sum[i]
		members += m
		u.Max = max(u.Max, s.Sum[i]/float64(m))
	}
	if members > 0 {
		u.Mean = total / float64(members)
	}
	return u
}

// AmountsState is Amounts saved.
type AmountsState map[string]*series

// Save returns the state.
func (a *Amounts) Save() AmountsState { return save(a.keys) }

// Restore adds saved keys.
func (a *Amounts) Restore(s AmountsState) { restore(a.keys, s) }

// Hours keeps, per key, on how many days each hour of the day had activity, weekdays and weekend
// days apart: an hour a person never worked in is new for them.
type Hours struct {
	keys *lru.Cache[string, *hours]
	loc  *time.Location
}

type hours struct {
	Active [2]days     `json:"active"`  // days with any activity: weekday, weekend
	InHour [2][24]days `json:"in_hour"` // days with activity in this hour
}

// NearHours is how far HourUsual.DaysNear looks on either side of an hour.
const NearHours = 2

// HourUsual is how usual an hour is for a key, before the observation that asked.
type HourUsual struct {
	ActiveDays int // days of that kind (weekday or weekend) with activity before today, within WindowDays
	DaysInHour int // of which with activity in this hour
	// DaysNear is the most days of any hour within NearHours of this one (this one included): at
	// the weekend, rarer than weekdays, a person's hours vary more than an hour's width.
	DaysNear    int
	HistoryDays int // days of either kind with activity before today
	Weekend     bool
}

// Fraction is DaysInHour / ActiveDays (0 without history).
func (h HourUsual) Fraction() float64 {
	if h.ActiveDays == 0 {
		return 0
	}
	return float64(h.DaysInHour) / float64(h.ActiveDays)
}

// NewHours keeps up to size keys.
func NewHours(size int, loc *time.Location) *Hours {
	c, _ := lru.New[string, *hours](max(size, 1))
	return &Hours{keys: c, loc: loc}
}

// Observe says how usual t's hour is for key (the days before t's day), then learns it.
func (h *Hours) Observe(key string, t time.Time) HourUsual {
	loc := h.loc
	if loc == nil {
		loc = time.UTC
	}
	lt := t.In(loc)
	today, hour := Day(t, h.loc), lt.Hour()
	w := 0
	if wd := lt.Weekday(); wd == time.Saturday || wd == time.Sunday {
		w = 1
	}
	s, ok := h.keys.Get(key)
	if !ok {
		s = &hours{}
		h.keys.Add(key, s)
	}
	u := HourUsual{ActiveDays: s.Active[w].before(today), DaysInHour: s.InHour[w][hour].before(today), Weekend: w == 1,
		HistoryDays: s.Active[0].before(today) + s.Active[1].before(today)}
	for n := max(0, hour-NearHours); n <= min(23, hour+NearHours); n++ {
		u.DaysNear = max(u.DaysNear, s.InHour[w][n].before(today))
	}
	s.Active[w].add(today)
	s.InHour[w][hour].add(today)
	return u
}

// HoursState is Hours saved.
type HoursState map[string]*hours

// Save returns the state.
func (h *Hours) Save() HoursState { return save(h.keys) }

// Restore adds saved keys.
func (h *Hours) Restore(s HoursState) { restore(h.keys, s) }
