package sim

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// The insider stories of issue 14, each told over several days and sources. They are cast and told
// on their own random source (w.plot), so that the new normal and the single cases stay where they
// are. truth.json names each as one case with its story, its cast, hosts and span, and the detector
// meant to find it: risk, the person risk score, which adds up the story's weak signals.
const (
	StoryLeaver    = "leaver-after-hours-usb-upload"
	StoryJobSearch = "job-search-usb-volume"
	StoryAdmin     = "admin-as-manager"
	riskDetector   = "risk"
)

// Stories are the stories planted, in the order they are cast.
var Stories = []string{StoryLeaver, StoryJobSearch, StoryAdmin, StoryColleaguePassword}

// story is one insider's story: what happens on which simulated day, who must be at work or away
// then, and the case it becomes.
type story struct {
	acts  map[int][]func(day time.Time)
	needs map[int][]*person
	away  map[int][]*person
	c     Case
}

func newStory(name, shape string, users ...*person) *story {
	st := &story{acts: map[int][]func(time.Time){}, needs: map[int][]*person{}, away: map[int][]*person{},
		c: Case{Story: name, Detector: riskDetector, Shape: shape}}
	for _, p := range users {
		p.story = name
		st.c.Users = append(st.c.Users, p.User)
	}
	return st
}

// on has f happen on simulated day d, with p at work that day.
func (st *story) on(d int, p *person, f func(day time.Time)) {
	st.acts[d] = append(st.acts[d], f)
	if !slices.Contains(st.needs[d], p) {
		st.needs[d] = append(st.needs[d], p)
	}
}

// seen widens the case's span to [from, to] and adds the hosts.
func (st *story) seen(from, to time.Time, hosts ...string) {
	if st.c.Start.IsZero() || from.Before(st.c.Start) {
		st.c.Start = from
	}
	if to.After(st.c.End) {
		st.c.End = to
	}
	for _, h := range hosts {
		if !slices.Contains(st.c.Hosts, h) {
			st.c.Hosts = append(st.c.Hosts, h)
		}
	}
}

// cast chooses the stories' people and days: each story once per 1,500 employees (at least once),
// toward the end of the span, after any learning period.
func (s *Sim) cast() []*story {
	days := s.plantable()
	s.managed = map[*person][]int{}
	var out []*story
	for range 1 + s.o.Employees/1500 {
		for _, tell := range []func([]int) *story{s.leaverStory, s.jobSearchStory, s.adminStory} {
			if st := tell(days); st != nil {
				out = append(out, st)
			}
		}
	}
	return out
}

// tell writes what the stories have happen on simulated day d.
func (s *Sim) tell(day time.Time, d int) {
	s.w.using(s.w.plot, func() {
		for _, st := range s.stories {
			for _, act := range st.acts[d] {
				act(day)
			}
		}
	})
}

// told are the stories as cases, numbered S001 on.
func (s *Sim) told() []Case {
	var out []Case
	for i, st := range s.stories {
		c := st.c
		c.ID = fmt.Sprintf("S%03d", i+1)
		out = append(out, c)
	}
	return out
}

// someoneFor picks an active person no story has yet who meets cond (nil when nobody does).
func (s *Sim) someoneFor(cond func(*person) bool) *person {
	var ok []*person
	for _, p := range s.w.active {
		if p.story == "" && cond(p) {
			ok = append(ok, p)
		}
	}
	if len(ok) == 0 {
		return nil
	}
	return pick(s.w.plot, ok)
}

// stretch is a run of up to k plantable days ending in the last quarter of days, after the first
// third: the person's own history comes before it.
func (s *Sim) stretch(days []int, k int) []int {
	r := s.w.plot
	end := len(days) - 1 - r.IntN(max(1, len(days)/4))
	return days[max(len(days)/3, end-k+1) : end+1]
}

// leaverStory: someone who never worked late nor used a USB stick starts working in the evening,
// collects documents from the share, copies hundreds of files to a stick of their own (their first
// ever 6416), uploads a large file to a file-sharing site, and leaves: their end date is the next
// working day.
func (s *Sim) leaverStory(days []int) *story {
	w := s.w
	l := s.someoneFor(func(p *person) bool {
		return !p.TS && !p.Admin && !p.Finance && !p.Flex && p.Stick == nil && p.Late == 0 && p.Weekend == 0 && p.Evening == 0 &&
			len(p.DaysOff) == 0 && p.Borrows == nil && p.EndDate == ""
	})
	if l == nil {
		return nil
	}
	st := newStory(StoryLeaver, "after-hours-then-usb-then-upload", l)
	span := s.stretch(days, 3+w.plot.IntN(3))
	usb, upload := span[len(span)/2], span[len(span)-1]
	site := pick(w.plot, sharingSites)
	m := stickModels[w.plot.IntN(len(stickModels))]
	id := fmt.Sprintf(`USBSTOR\Disk&Ven_%s&Prod_%s&Rev_1.00\%016X&0`, m.vendor, m.product, w.plot.Uint64())
	files := 150 + w.plot.IntN(450)
	for i, d := range span {
		if i > 0 && d != usb && d != upload && w.plot.Float64() < 0.2 {
			continue
		}
		st.on(d, l, func(day time.Time) {
			s.lateEvening(st, l, day, d == usb, d == upload, func(host string, t time.Time) time.Time {
				return s.copyToStick(l, host, id, m.desc, `E:`, t, files, "Mijn documenten")
			}, site)
		})
	}
	last := w.start.AddDate(0, 0, span[len(span)-1]+1)
	for !workday(last) {
		last = last.AddDate(0, 0, 1)
	}
	l.EndDate = last.Format(time.DateOnly)
	l.until = last
	st.c.Note = fmt.Sprintf("works after hours from %s (new for them), collects documents from the share, copies %d files to a USB stick "+
		"(their first), uploads to %s, and leaves: end date %s", w.start.AddDate(0, 0, span[0]).Format(time.DateOnly), files, site, l.EndDate)
	if s.web == nil {
		st.c.Note += " (no proxy log: this lekwacht reads no squid format)"
	}
	return st
}

// lateEvening is one evening of the leaver: from home, many documents opened on the share, a few
// records in the zaaksysteem, and on the day of it the USB stick (copy) and the upload.
func (s *Sim) lateEvening(st *story, p *person, day time.Time, usb, upload bool, toStick func(string, time.Time) time.Time, site string) {
	w := s.w
	start := w.between(w.at(day, 20, 0), w.at(day, 22, 30))
	end := start.Add(time.Duration(60+w.rnd.IntN(90)) * time.Minute)
	h, client, ip, kind, at := p.remote()
	p.seat = at
	id := s.logon(start, p.User, h, client, ip, kind)
	share, who := s.shareOf(p), s.smbUser(p.User)
	s.samba(start.Add(time.Minute), who, p.IP, h, share, "connect", share)
	for range 20 + w.rnd.IntN(40) {
		s.samba(w.between(start, end), who, p.IP, h, share, "openat", "r", s.docPath(p, day))
	}
	for range w.rnd.IntN(6) {
		s.zaak(w.between(start, end), p, h, p.IP, "dossier.view", s.record(), 0)
	}
	last := end
	if usb {
		if t := toStick(h, start.Add(time.Duration(20+w.rnd.IntN(20))*time.Minute)); t.After(last) {
			last = t
		}
	}
	if upload && s.web != nil {
		if t := s.upload(p, p.IP, start.Add(time.Duration(30+w.rnd.IntN(20))*time.Minute), site, 300_000_000+w.rnd.IntN(1_700_000_000)); t.After(last) {
			last = t
		}
	}
	if last.After(end) {
		end = last.Add(5 * time.Minute)
	}
	s.logoff(end, p.User, h, id, kind)
	st.seen(start, end, h)
}

// jobSearchStory: someone in their notice period who uses a USB stick as a matter of course visits
// job sites on several days, and then copies ten to twenty times their usual amount to the stick.
func (s *Sim) jobSearchStory(days []int) *story {
	w := s.w
	j := s.someoneFor(func(p *person) bool { return p.Stick != nil && !p.TS && len(p.DaysOff) == 0 })
	if j == nil {
		if j = s.someoneFor(func(p *person) bool { return !p.TS && len(p.DaysOff) == 0 && !p.Admin }); j == nil {
			return nil
		}
		w.using(w.plot, func() { w.giveStick(j, false) })
	}
	if j.EndDate == "" {
		j.EndDate = w.start.AddDate(0, 0, w.days+7+w.plot.IntN(28)).Format(time.DateOnly)
	}
	st := newStory(StoryJobSearch, "notice-period-job-sites-then-usb-volume", j)
	span := s.stretch(days, 3+w.plot.IntN(3))
	spike := span[len(span)-1-w.plot.IntN(min(2, len(span)))]
	n := max(120, j.Stick.files*(10+w.plot.IntN(11)))
	for _, d := range span {
		st.on(d, j, func(day time.Time) {
			a := s.attending(j)
			from, to := w.at(day, 9, 0), w.at(day, 16, 30)
			ip := j.IP
			if a != nil {
				from, to, ip = a.start.Add(30*time.Minute), a.end.Add(-30*time.Minute), j.seat.ip
			}
			if s.web != nil {
				t := w.between(w.at(day, 12, 0), w.at(day, 13, 30))
				for range 2 + w.rnd.IntN(4) {
					s.visit(j, ip, t, pick(w.rnd, jobSites), 50_000+w.rnd.IntN(900_000), 2_000+w.rnd.IntN(20_000))
					t = t.Add(time.Duration(1+w.rnd.IntN(8)) * time.Minute)
				}
				st.seen(t, t)
			}
			if d == spike {
				host := j.Desktop
				if a != nil {
					host = a.client
				}
				t := w.between(from, to)
				st.seen(t, s.copyToStick(j, host, j.Stick.id, j.Stick.desc, j.Stick.drive, t, n, "Overdracht"), host)
			}
		})
	}
	st.c.Note = fmt.Sprintf("end date %s (notice period); job sites on %d days; %d files to their own USB stick on %s, "+
		"about %d times their usual %d", j.EndDate, len(span), n, w.start.AddDate(0, 0, spike).Format(time.DateOnly), n/j.Stick.files, j.Stick.files)
	if s.web == nil {
		st.c.Note += " (no proxy log: this lekwacht reads no squid format)"
	}
	return st
}

// adminStory: an ICT admin who helped his manager at the manager's PC days before (a remote session
// of his admin account) logs on at that PC with the manager's account while the manager is away for
// the day or in a meeting, and sends mail as the manager.
func (s *Sim) adminStory(days []int) *story {
	w := s.w
	// Most admins have the same manager, the head of ICT: a manager may be in several of these
	// stories, each on a day of its own.
	a := s.someoneFor(func(p *person) bool {
		q := w.byUser[p.Manager]
		return p.Admin && q != nil && q != p && q.Status == "active" && (q.story == "" || q.story == StoryAdmin) && !q.TS && !q.Flex
	})
	if a == nil {
		return nil
	}
	m := w.byUser[a.Manager]
	var free []int // indexes into days, from the middle on, that m is in no other story
	for i := range days {
		if j := (len(days)/2 + i) % len(days); !slices.Contains(s.managed[m], days[j]) {
			free = append(free, j)
		}
	}
	if len(free) == 0 {
		return nil
	}
	i := free[w.plot.IntN(min(len(free), max(1, (len(days)+1)/2)))]
	d := days[i]
	s.managed[m] = append(s.managed[m], d)
	meeting := w.plot.Float64() < 0.4
	shape := "manager-away"
	if meeting {
		shape = "manager-in-a-meeting"
	}
	st := newStory(StoryAdmin, shape, a, m)
	if i > 0 {
		prep := days[max(0, i-1-w.plot.IntN(3))]
		st.on(prep, a, func(day time.Time) {
			t := w.between(w.at(day, 9, 30), w.at(day, 16, 0))
			id := s.logon(t, "adm_"+a.User, m.Desktop, a.Desktop, a.IP, 10)
			end := t.Add(time.Duration(8+w.rnd.IntN(12)) * time.Minute)
			s.logoff(end, "adm_"+a.User, m.Desktop, id, 10)
			st.seen(t, end, m.Desktop)
		})
	}
	if meeting {
		st.needs[d] = append(st.needs[d], m)
	} else {
		st.away[d] = append(st.away[d], m)
	}
	st.on(d, a, func(day time.Time) { s.asManager(st, a, m, day, meeting) })
	st.c.Note = fmt.Sprintf("an admin logs on at his manager's PC %s with the manager's account (the manager %s) on %s and sends mail as the manager",
		m.Desktop, map[bool]string{true: "in a meeting", false: "away that day"}[meeting], w.start.AddDate(0, 0, d).Format(time.DateOnly))
	return st
}

// asManager is the day of the admin story: the admin locks his own desk, logs on at the manager's
// (after a wrong password, now and then) as the manager, mails a colleague of P&O, a supplier and
// himself as the manager, logs off and goes back.
func (s *Sim) asManager(st *story, a, m *person, day time.Time, meeting bool) {
	w := s.w
	t := w.between(w.at(day, 10, 0), w.at(day, 15, 0))
	own := s.attending(a)
	if meeting {
		room := pick(w.rnd, w.rooms)
		id := s.logon(t, m.User, room, room, "10.40.0.200", 2)
		if mine := s.attending(m); mine != nil && s.locks && mine.kind == 2 {
			s.lock(t.Add(-2*time.Minute), m.User, mine.host, mine.logon, true)
		}
		s.logoff(t.Add(time.Duration(60+w.rnd.IntN(30))*time.Minute), m.User, room, id, 2)
		st.seen(t, t, room)
		t = t.Add(time.Duration(5+w.rnd.IntN(10)) * time.Minute)
	}
	if own != nil && s.locks && own.kind == 2 {
		s.lock(t.Add(-3*time.Minute), a.User, own.host, own.logon, true)
	}
	if w.rnd.Float64() < 0.5 {
		s.failedLogon(t.Add(-40*time.Second), m.User, m.Desktop, m.Desktop)
	}
	kind := 2
	if mine := s.attending(m); mine != nil && mine.host == m.Desktop {
		kind = 7 // the manager's locked session, unlocked with the manager's password
	}
	id := s.logon(t, m.User, m.Desktop, m.Desktop, "127.0.0.1", kind)
	if kind == 7 && s.locks {
		s.lock(t.Add(time.Second), m.User, m.Desktop, s.attending(m).logon, false)
	}
	as, mails := sender{m.From, m.IP, m.Desktop}, 2
	po := w.byDept["po"]
	to := a.Email
	if len(po) > 0 {
		to = pick(w.rnd, po).Email
	}
	at := t.Add(time.Duration(3+w.rnd.IntN(5)) * time.Minute)
	s.send(at, as, []string{to}, pick(w.rnd, []string{"Akkoord verlenging", "Akkoord", "Re: beoordeling", "Toestemming"}), s.mailSize(false), nil)
	at = at.Add(time.Duration(2+w.rnd.IntN(5)) * time.Minute)
	s.send(at, as, []string{s.externalAddress(supplierDomain)}, "Akkoord offerte", s.mailSize(true), nil)
	if w.rnd.Float64() < 0.5 {
		at = at.Add(time.Duration(1+w.rnd.IntN(4)) * time.Minute)
		s.send(at, as, []string{a.Email}, "Re: "+pick(w.rnd, []string{"beoordeling", "aanvraag opleiding", "toegang"}), s.mailSize(false), nil)
		mails++
	}
	end := at.Add(time.Duration(3+w.rnd.IntN(10)) * time.Minute)
	s.logoff(end, m.User, m.Desktop, id, kind)
	if own != nil && s.locks && own.kind == 2 {
		s.lock(end.Add(2*time.Minute), a.User, own.host, own.logon, false)
	}
	hosts := []string{m.Desktop}
	if own != nil {
		hosts = append(hosts, own.host)
	}
	s.hold(a, t.Add(-30*time.Minute), end.Add(30*time.Minute))
	s.hold(m, t.Add(-2*time.Hour), end.Add(30*time.Minute))
	st.seen(t.Add(-time.Minute), end, hosts...)
	st.c.Note = strings.Replace(st.c.Note, "sends mail", fmt.Sprintf("sends %d mails", mails), 1)
}
