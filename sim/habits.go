package sim

import (
	"fmt"
	"slices"
	"time"
)

// The new normal (issue 14): the ordinary work of a real gemeente that broke the conventions the
// detectors were first tuned on (one PC per person, a tidy logoff, no USB sticks, admins only on
// servers). Every habit is drawn from the world's own source for it (w.norm), so the rest of the
// simulation, and the planted cases, draw what they drew before.

// habits are how one person's work departs from nine-to-five at their own desk.
type habits struct {
	Flex    bool           // no desk of their own: a hot desk (FLEX-###) on most days
	DaysOff []time.Weekday // a part-timer's fixed days off
	// Borrows is the part-timer whose desktop this person uses on the part-timer's days off.
	Borrows *person
	Stick   *stick  // their own USB stick, used every day or every week
	Late    float64 // chance of an evening shift (19:00-22:00) on a day at work
	Weekend float64 // chance of a few hours' work on a Saturday or Sunday
	Home    string  // the home PC an evening or weekend session on the desktop comes from
	// until is the first day they no longer work (an end date within the simulated span).
	until time.Time
	story string // the insider story they are cast in, if any
}

// stick is a person's own USB stick and how much they usually copy to it.
type stick struct {
	id, desc, drive string
	weekly          bool         // once a week, on day; else most days at work
	day             time.Weekday // the weekly day
	files           int          // files copied on a usual day
}

// The shares of staff with each habit.
const (
	flexDepartments = 0.35 // of the departments (ICT never): they work at hot desks
	flexStaff       = 0.8  // of a flex department's staff (not on the terminal servers)
	partTimers      = 0.15 // of the others with a desk of their own
	deskSharers     = 0.5  // of the part-timers: a colleague uses their desk on their days off
	stickUsers      = 0.05 // a USB stick every day or week
	lateWorkers     = 0.04 // evening shifts 19:00-22:00 as a rule
	weekendWorkers  = 0.03 // a few hours on Saturday or Sunday
	deskVisits      = 0.5  // an admin's day with a visit at a colleague's desk (deskVisit)
	followUp        = 0.4  // of which a follow-up at the desk of the last visit
	noticePerMille  = 4    // staff per 1,000 with an end date in the coming weeks (at least one)
)

var stickModels = []struct{ vendor, product, desc string }{
	{"Kingston", "DataTraveler_3.0", "Kingston DataTraveler 3.0 USB Device"},
	{"SanDisk", "Cruzer_Blade", "SanDisk Cruzer Blade USB Device"},
	{"SanDisk", "Ultra", "SanDisk Ultra USB Device"},
	{"Intenso", "Speed_Line", "Intenso Speed Line USB Device"},
	{"Verbatim", "STORE_N_GO", "Verbatim STORE N GO USB Device"},
	{"WD", "Elements_25A2", "WD Elements 25A2 USB Device"},
}

// habits gives the staff the habits of the new normal.
func (w *world) habits() {
	r := w.norm
	w.flex = map[string][]seat{}
	var candidates []string
	for _, d := range departments {
		if d.Share != "ict" {
			candidates = append(candidates, d.Share)
		}
	}
	r.Shuffle(len(candidates), func(i, j int) { candidates[i], candidates[j] = candidates[j], candidates[i] })
	flexDepts := candidates[:int(float64(len(candidates))*flexDepartments+0.5)]
	desks := 0
	for i, share := range flexDepts {
		n := 0
		for _, p := range w.byDept[share] {
			if p.Status == "active" && !p.TS && r.Float64() < flexStaff {
				p.Flex = true
				n++
			}
		}
		for j := range 1 + n*3/4 {
			desks++
			w.flex[share] = append(w.flex[share], seat{fmt.Sprintf("FLEX-%03d", desks), fmt.Sprintf("10.30.%d.%d", 1+i, 10+j)})
		}
		w.hot = append(w.hot, w.flex[share]...)
	}
	for i := range 2 + len(w.people)/100 {
		w.rooms = append(w.rooms, fmt.Sprintf("VERG-%02d", i+1))
	}
	for i, p := range w.people {
		if p.Status != "active" {
			continue
		}
		p.Home = fmt.Sprintf("DESKTOP-%07X", 0x1000000+(i*7919)%0xefffff)
		settled := !p.Flex && !p.TS && !p.Admin
		if settled && r.Float64() < partTimers {
			p.DaysOff = []time.Weekday{time.Weekday(1 + r.IntN(5))}
			if r.Float64() < 0.4 {
				if d := time.Weekday(1 + r.IntN(5)); d != p.DaysOff[0] {
					p.DaysOff = append(p.DaysOff, d)
				}
			}
		}
		if !p.TS && r.Float64() < stickUsers {
			w.giveStick(p, r.Float64() < 0.4)
		}
		if r.Float64() < lateWorkers {
			p.Late = 0.4 + 0.5*r.Float64()
		}
		if r.Float64() < weekendWorkers {
			p.Weekend = 0.3 + 0.4*r.Float64()
		}
	}
	w.shareDesks()
	w.notice()
}

// giveStick gives p a USB stick of their own, used weekly or on most days, with their usual amount.
func (w *world) giveStick(p *person, weekly bool) {
	r := w.norm
	m := stickModels[r.IntN(len(stickModels))]
	p.Stick = &stick{id: fmt.Sprintf(`USBSTOR\Disk&Ven_%s&Prod_%s&Rev_1.00\%016X&0`, m.vendor, m.product, r.Uint64()),
		desc: m.desc, drive: []string{`E:`, `E:`, `E:`, `F:`, `D:`}[r.IntN(5)], weekly: weekly,
		day: time.Weekday(1 + r.IntN(5)), files: 2 + r.IntN(25)}
}

// shareDesks gives about half the part-timers a colleague of their department who uses their desk
// on their days off.
func (w *world) shareDesks() {
	r := w.norm
	for _, p := range w.people {
		if len(p.DaysOff) == 0 || r.Float64() >= deskSharers {
			continue
		}
		var ok []*person
		for _, q := range w.byDept[p.Dept.Share] {
			if q != p && q.Status == "active" && !q.TS && !q.Admin && q.Borrows == nil && len(q.DaysOff) == 0 {
				ok = append(ok, q)
			}
		}
		// A colleague at a hot desk takes a free desk first.
		if flex := slices.DeleteFunc(slices.Clone(ok), func(q *person) bool { return !q.Flex }); len(flex) > 0 {
			ok = flex
		}
		if len(ok) > 0 {
			ok[r.IntN(len(ok))].Borrows = p
		}
	}
}

// notice gives a few staff an end date in the coming weeks: they work normally until then.
func (w *world) notice() {
	r := w.norm
	n := max(1, len(w.people)*noticePerMille/1000)
	end := w.start.AddDate(0, 0, w.days)
	for range n {
		p := w.active[r.IntN(len(w.active))]
		if p.EndDate == "" {
			p.EndDate = end.AddDate(0, 0, 7+r.IntN(36)).Format(time.DateOnly)
		}
	}
}

// off says whether p does not work on day: a part-timer's day off, or after their last day.
func (p *person) off(day time.Time) bool {
	return slices.Contains(p.DaysOff, day.Weekday()) || (!p.until.IsZero() && !day.Before(p.until))
}

// desk is where p sits on a day at the office unless on a laptop or a terminal server: a part-timer
// colleague's desk on their day off, a hot desk of the department (each taken by one person a day as
// far as there are), or their own desktop. taken holds the hot desks in use today.
func (w *world) desk(day time.Time, p *person, taken map[string]bool) seat {
	if b := p.Borrows; b != nil && b.off(day) {
		return seat{b.Desktop, b.IP}
	}
	if p.Flex {
		desks := w.flex[p.Dept.Share]
		start := w.norm.IntN(len(desks))
		for i := range desks {
			if d := desks[(start+i)%len(desks)]; !taken[d.host] {
				taken[d.host] = true
				return d
			}
		}
		return desks[start] // all taken: someone else's desk of the morning, in the afternoon
	}
	return seat{p.Desktop, p.IP}
}
