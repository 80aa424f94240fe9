package sim

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/lekwacht/lekwacht/collectors"
	"github.com/lekwacht/lekwacht/collectors/windows"
)

// servers are the machines ICT staff log on to besides the workstations.
var servers = []string{"APP01", "APP02", "DC01", "DC02", "SQL01", "FS01", "EXCH01", "PRINT01", "WSUS01", "ZAAK01"}

// normal writes what the new normal adds to a day, on its own random source: locks and remote
// desktop reconnects in the day's sessions, USB sticks, ICT admins on many machines, evening
// shifts, presenters at the meeting-room PCs, weekend work and the web proxy's traffic.
func (s *Sim) normal(day time.Time, d int, work bool) {
	w := s.w
	w.using(w.norm, func() {
		for _, a := range s.present {
			if s.free(a.p, a.start, a.end) {
				s.pauses(a)
			}
			if st := a.p.Stick; st != nil && s.stickDay(st, day) {
				s.copyToStick(a.p, a.client, st.id, st.desc, st.drive, w.between(a.start.Add(30*time.Minute), a.end.Add(-time.Hour)),
					max(1, int(float64(st.files)*(0.5+w.rnd.Float64()))), pick(w.rnd, []string{"Werk", "Backup", "Overdracht", "Stukken"}))
			}
			if a.p.Admin {
				s.rounds(day, a)
			}
			if a.p.Late > 0 && w.rnd.Float64() < a.p.Late {
				start := w.between(w.at(day, 19, 0), w.at(day, 20, 0))
				s.shift(day, a.p, start, w.between(w.at(day, 21, 0), w.at(day, 22, 0)), 0.5)
			}
			s.browse(day, a)
		}
		if work {
			s.meetings(day)
			return
		}
		for _, p := range w.active {
			if p.Weekend > 0 && !s.away(p, day, d) && w.rnd.Float64() < p.Weekend {
				start := w.between(w.at(day, 9, 0), w.at(day, 14, 0))
				s.shift(day, p, start, start.Add(time.Duration(90+w.rnd.IntN(150))*time.Minute), 0.7)
			}
		}
	})
}

// away says whether p does not work on simulated day d: a part-timer's day off unless a story
// needs them, after their last day, or a story has them away.
func (s *Sim) away(p *person, day time.Time, d int) bool {
	if !p.until.IsZero() && !day.Before(p.until) {
		return true
	}
	for _, st := range s.stories {
		if slices.Contains(st.away[d], p) {
			return true
		}
	}
	return p.off(day) && !s.needed(p, d)
}

// needed says whether a story needs p at work on simulated day d.
func (s *Sim) needed(p *person, d int) bool {
	for _, st := range s.stories {
		if slices.Contains(st.needs[d], p) {
			return true
		}
	}
	return false
}

// attending is p's working day today, or nil.
func (s *Sim) attending(p *person) *attendance {
	for _, a := range s.present {
		if a.p == p {
			return a
		}
	}
	return nil
}

// window is a span in which someone's sessions must stay as a planted case or a story left them.
type window struct {
	user     string
	from, to time.Time
}

// hold keeps the new normal from locking or disconnecting p's sessions between from and to.
func (s *Sim) hold(p *person, from, to time.Time) {
	s.held = append(s.held, window{p.User, from, to})
}

// free says whether the new normal may lock p's sessions between from and to: no planted case or
// story holds them then.
func (s *Sim) free(p *person, from, to time.Time) bool {
	for _, h := range s.held {
		if h.user == p.User && h.from.Before(to) && from.Before(h.to) {
			return false
		}
	}
	return true
}

// pauses are the breaks in a session: a desk locked for lunch and meetings (4800/4801), a remote
// desktop session on a terminal server disconnected over lunch and reconnected (4779/4778).
func (s *Sim) pauses(a *attendance) {
	w := s.w
	switch {
	case s.locks && a.kind == 2:
		t := a.start.Add(time.Duration(30+w.rnd.IntN(120)) * time.Minute)
		for range 1 + w.rnd.IntN(3) {
			back := t.Add(time.Duration(5+w.rnd.IntN(55)) * time.Minute)
			if back.After(a.end.Add(-15 * time.Minute)) {
				break
			}
			s.lock(t, a.p.User, a.host, a.logon, true)
			s.lock(back, a.p.User, a.host, a.logon, false)
			t = back.Add(time.Duration(30+w.rnd.IntN(150)) * time.Minute)
		}
	case s.rdp && a.kind == 10 && w.rnd.Float64() < 0.5:
		t := w.between(w.at(a.start, 12, 0), w.at(a.start, 13, 0))
		s.station(t, a.p.User, a.host, a.logon, a.client, a.p.IP, false)
		s.station(t.Add(time.Duration(20+w.rnd.IntN(30))*time.Minute), a.p.User, a.host, a.logon, a.client, a.p.IP, true)
	}
}

// stickDay says whether a stick's owner uses it today: the weekly ones on their day, the others
// on most days.
func (s *Sim) stickDay(st *stick, day time.Time) bool {
	if st.weekly {
		return day.Weekday() == st.day && s.w.rnd.Float64() < 0.8
	}
	return s.w.rnd.Float64() < 0.75
}

// copyToStick attaches a USB stick at host (6416) and copies n files to it within minutes (4663,
// WriteData on the stick's drive).
func (s *Sim) copyToStick(p *person, host, id, desc, drive string, t time.Time, n int, folder string) time.Time {
	w := s.w
	s.device(t, p.User, host, id, desc, "DiskDrive")
	span := time.Duration(2+n/10) * time.Minute
	for i := range n {
		at := t.Add(30*time.Second + span*time.Duration(i)/time.Duration(n))
		name := fmt.Sprintf("%03d-%s", w.rnd.IntN(900), pick(w.rnd, docs))
		s.fileWrite(at, p.User, host, drive+`\`+folder+`\`+name)
	}
	return t.Add(30*time.Second + span)
}

// rounds are an ICT admin's machines of the day beyond the servers of admin(): network logons of the
// admin account to many workstations and hot desks (inventory, software, a remote registry), a few
// interactive logons at colleagues' desks with their own account and with the admin account, remote
// desktop sessions on servers, and their own account's network logons to servers.
func (s *Sim) rounds(day time.Time, a *attendance) {
	w := s.w
	p, adm := a.p, "adm_"+a.p.User
	from, to := a.start.Add(15*time.Minute), a.end.Add(-30*time.Minute)
	for range 5 + w.rnd.IntN(25) {
		t := w.between(from, to)
		h := pick(w.rnd, w.active).Desktop
		if len(w.hot) > 0 && w.rnd.Float64() < 0.2 {
			h = pick(w.rnd, w.hot).host
		}
		id := s.logon(t, adm, h, p.Desktop, p.IP, 3)
		s.logoff(t.Add(time.Duration(1+w.rnd.IntN(90))*time.Second), adm, h, id, 3)
	}
	for i := range w.rnd.IntN(4) {
		t := w.between(from, to)
		q := pick(w.rnd, w.active)
		who := p.User
		if i%2 == 1 {
			who = adm
		}
		id := s.logon(t, who, q.Desktop, q.Desktop, q.IP, 2)
		s.logoff(t.Add(time.Duration(4+w.rnd.IntN(25))*time.Minute), who, q.Desktop, id, 2)
	}
	s.deskVisit(a, adm, from, to)
	for range 1 + w.rnd.IntN(4) {
		t := w.between(from, to)
		srv := pick(w.rnd, servers)
		id := s.logon(t, adm, srv, p.Desktop, p.IP, 10)
		end := t.Add(time.Duration(5+w.rnd.IntN(80)) * time.Minute)
		if !s.logoff(end, adm, srv, id, 10) && s.rdp {
			s.station(end, adm, srv, id, p.Desktop, p.IP, false)
		}
	}
	for range 1 + w.rnd.IntN(3) {
		t := w.between(from, to)
		srv := pick(w.rnd, servers)
		id := s.logon(t, p.User, srv, p.Desktop, p.IP, 3)
		s.logoff(t.Add(time.Duration(1+w.rnd.IntN(30))*time.Minute), p.User, srv, id, 3)
	}
}

// remote is where p works outside the office: the laptop over the VPN, else their desktop through
// remote desktop from the PC at home. It gives the host, the client the logon names, its address,
// the logon type and the seat Samba, mail and the zaaksysteem see.
func (p *person) remote() (host, client, ip string, kind int, at seat) {
	if p.Laptop != "" {
		return p.Laptop, p.Laptop, p.IP, 2, seat{p.Laptop, p.IP}
	}
	return p.Desktop, p.Home, vpnAddress(p), 10, seat{p.Desktop, p.IP}
}

// vpnAddress is the address the VPN gives p at home.
func vpnAddress(p *person) string { return strings.Replace(p.IP, "10.20.", "10.98.", 1) }

// shift is work outside office hours, from home: an evening shift or a few hours at the weekend, on
// the shares, in mail and in the zaaksysteem (scale thins mail and applications).
func (s *Sim) shift(day time.Time, p *person, start, end time.Time, scale float64) {
	w := s.w
	h, client, ip, kind, at := p.remote()
	p.seat = at
	id := s.logon(start, p.User, h, client, ip, kind)
	if !s.logoff(end, p.User, h, id, kind) && s.rdp && kind == 10 {
		s.station(end, p.User, h, id, client, ip, false)
	}
	s.shares(day, p, h, start, end, 3+w.rnd.IntN(10))
	s.mails(day, p, start, end, scale*0.5)
	s.applications(day, p, h, start, end, scale)
}

// meetings: presenters at the meeting-room PCs (VERG-##, no one's), one after another, their own
// desk locked meanwhile or simply left on.
func (s *Sim) meetings(day time.Time) {
	w := s.w
	var desk []*attendance
	for _, a := range s.present {
		if a.kind == 2 && !a.p.TS {
			desk = append(desk, a)
		}
	}
	if len(desk) == 0 {
		return
	}
	for range 1 + len(desk)/25 {
		i := w.rnd.IntN(len(w.rooms))
		room, ip := w.rooms[i], fmt.Sprintf("10.40.0.%d", 10+i)
		t := w.between(w.at(day, 9, 0), w.at(day, 15, 30))
		n := 1
		if w.rnd.Float64() < 0.35 {
			n += 1 + w.rnd.IntN(2)
		}
		for range n {
			a := pick(w.rnd, desk)
			if t.Before(a.start) || t.After(a.end) {
				continue
			}
			d := time.Duration(15+w.rnd.IntN(35)) * time.Minute
			if s.locks && w.rnd.Float64() < 0.6 && s.free(a.p, a.start, a.end) {
				s.lock(t.Add(-2*time.Minute), a.p.User, a.host, a.logon, true)
				s.lock(t.Add(d+3*time.Minute), a.p.User, a.host, a.logon, false)
			}
			id := s.logon(t, a.p.User, room, room, ip, 2)
			s.logoff(t.Add(d), a.p.User, room, id, 2)
			t = t.Add(time.Duration(5+w.rnd.IntN(10)) * time.Minute)
		}
	}
}

// reads says whether this lekwacht reads every one of the Windows event ids.
func reads(ids ...int) bool {
	m := windows.NewMapper(1)
	for _, id := range ids {
		if _, err := m.Event(windows.Record{ID: id, Data: map[string]string{}}); err != nil {
			return false
		}
	}
	return true
}

// hasFormat says whether this lekwacht reads the log format.
func hasFormat(name string) bool {
	_, ok := collectors.Lookup(name)
	return ok
}

// deskVisit: on about half of their days an admin walks to a colleague's desk, his own locked
// meanwhile, works there with the admin account and has the colleague log on and off to test (a
// profile repaired); now and then the next visit is a follow-up at the same desk. The colleague's
// session lies within the admin's absence at a desk he worked at before: what the stand-in signal
// looks for, here in good faith. Drawn from the new normal's source (w.norm), so the rest of the
// simulation draws what it drew before.
func (s *Sim) deskVisit(a *attendance, adm string, from, to time.Time) {
	w := s.w
	if !s.locks || a.kind != 2 || w.norm.Float64() >= deskVisits {
		return
	}
	q := s.visited[a.p]
	if q == nil || w.norm.Float64() >= followUp {
		q = pick(w.norm, w.active)
	}
	span := to.Add(-time.Hour).Sub(from)
	if span <= 0 {
		return
	}
	t := from.Add(time.Duration(w.norm.Int64N(int64(span)))).Truncate(time.Second)
	mine := s.attending(q)
	if q == a.p || q.Desktop == "" || q.TS || !s.free(a.p, t, t.Add(time.Hour)) || !s.free(q, t, t.Add(time.Hour)) ||
		mine == nil || mine.host != q.Desktop || t.Before(mine.start) || t.Add(time.Hour).After(mine.end) {
		return
	}
	if s.visited == nil {
		s.visited = map[*person]*person{}
	}
	s.visited[a.p] = q
	s.lock(t, a.p.User, a.host, a.logon, true)
	at := t.Add(time.Duration(2+w.norm.IntN(3)) * time.Minute)
	id := s.logon(at, adm, q.Desktop, q.Desktop, q.IP, 2)
	at = at.Add(time.Duration(5+w.norm.IntN(10)) * time.Minute)
	s.logoff(at, adm, q.Desktop, id, 2)
	at = at.Add(time.Minute)
	test := s.logon(at, q.User, q.Desktop, q.Desktop, q.IP, 2)
	at = at.Add(time.Duration(2+w.norm.IntN(6)) * time.Minute)
	s.logoff(at, q.User, q.Desktop, test, 2)
	s.lock(at.Add(time.Duration(2+w.norm.IntN(4))*time.Minute), a.p.User, a.host, a.logon, false)
}
