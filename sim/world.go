// Package sim writes the logs of a simulated gemeente: N employees over D days in the real formats
// lekwacht reads (Postfix, Exchange message tracking, Samba audit, Winlogbeat JSON, sshd, a
// zaaksysteem's JSON audit log), a matching directory CSV, a config file, export files in a watched
// folder, and truth.json naming every planted leak. The same seed gives the same bytes.
package sim

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
	_ "time/tzdata" // Europe/Amsterdam on machines without zoneinfo
)

// Domain is the simulated gemeente's own mail domain; the others are the world it mails with.
const (
	Domain    = "voorbeeld.nl"
	ADDomain  = "VOORBEELD"
	localZone = "voorbeeld.local"
	// domainSID is the Active Directory domain's SID: an account's objectSid is it and a RID.
	domainSID = "S-1-5-21-1004336348-1177238915-682003330"
	// functionMailbox is a shared mailbox the KCC answers citizens from: no one in the directory.
	functionMailbox = "info@" + Domain
)

var (
	partnerDomains = []string{"ggd-regio.nl", "belastingsamenwerking.nl", "veiligheidsregio-vb.nl", "omgevingsdienst-vb.nl"}
	govDomains     = []string{"uwv.nl", "svb.nl", "belastingdienst.nl", "rvig.nl", "politie.nl", "kvk.nl", "vng.nl", "minbzk.nl"}
	supplierDomain = []string{"centric.eu", "pinkroccade.nl", "xxllnc.nl", "bouwbedrijf-jansen.nl", "advocatenkantoor-smit.nl", "architecten-devries.nl"}
	// providers are the consumer mailboxes citizens write from.
	providers = []string{"gmail.com", "hotmail.com", "outlook.com", "live.nl", "ziggo.nl", "kpnmail.nl", "xs4all.nl", "planet.nl", "hetnet.nl", "icloud.com"}
)

// department is a part of the gemeente with its share, its applications and how it works.
type department struct {
	Name   string
	Share  string  // share name on fs01
	Weight float64 // share of the staff
	Views  [2]int  // zaaksysteem records viewed per working day (min, max); 0 = does not use it
	Front  bool    // front office: mails citizens, looks up many persons
	TS     float64 // fraction working on the terminal servers
}

var departments = []department{
	{"Burgerzaken", "burgerzaken", 0.12, [2]int{15, 60}, true, 0.3},
	{"Klantcontactcentrum", "kcc", 0.10, [2]int{20, 70}, true, 0.5},
	{"Sociaal Domein", "sociaal-domein", 0.20, [2]int{8, 35}, true, 0.1},
	{"Financien", "financien", 0.08, [2]int{3, 15}, false, 0},
	{"Belastingen", "belastingen", 0.06, [2]int{10, 40}, false, 0},
	{"Vergunningen en Handhaving", "vth", 0.10, [2]int{5, 25}, true, 0},
	{"Openbare Ruimte", "openbare-ruimte", 0.14, [2]int{0, 0}, false, 0.2},
	{"P&O", "po", 0.04, [2]int{0, 0}, false, 0},
	{"ICT", "ict", 0.06, [2]int{0, 5}, false, 0},
	{"Bestuursondersteuning", "bestuur", 0.05, [2]int{0, 4}, false, 0},
	{"Documentaire Informatievoorziening", "div", 0.05, [2]int{5, 20}, false, 0},
}

var (
	firstNames = []string{"Jan", "Anna", "Pieter", "Maria", "Kees", "Sanne", "Mohamed", "Fatima", "Daan", "Lotte", "Bram", "Emma",
		"Thijs", "Julia", "Sem", "Sophie", "Ahmet", "Yasmina", "Ruben", "Eva", "Lucas", "Noor", "Henk", "Ingrid", "Wim", "Petra",
		"Gerrit", "Marieke", "Joost", "Linda", "Tim", "Femke", "Rik", "Anouk", "Koen", "Iris", "Bas", "Esther", "Jeroen", "Sarah"}
	lastNames = []string{"de Vries", "Jansen", "de Jong", "van den Berg", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder",
		"de Groot", "Bos", "Vos", "Peters", "Hendriks", "van Leeuwen", "Dekker", "Brouwer", "de Wit", "Dijkstra", "Smits", "de Graaf",
		"van der Meer", "van der Linden", "Kok", "Jacobs", "de Haan", "Vermeulen", "van den Heuvel", "van der Veen", "Yilmaz",
		"El Amrani", "Kaya", "Bouzid", "Janssen", "van Dijk", "Willems", "Schouten", "Hoekstra", "Koster"}
)

// person is one employee (or service account) of the simulated gemeente.
type person struct {
	User, Name, First, Last string
	Email, Private          string
	Dept                    *department
	Desktop, Laptop         string // workstation names; Laptop may be empty
	TS                      bool   // works on the terminal servers from a thin client
	IP                      string
	Status                  string // active, leave, left
	EndDate                 string
	Admin                   bool // ICT: has an admin account and uses the bastion
	Evening                 float64
	Finance                 bool // runs the legitimate large exports
	// The person's other identifiers, as the directory's optional columns give them.
	UPN, SID, EmployeeID string
	Manager              string   // the manager's account
	Alias                string   // a second mail address (firstname.lastname@), or empty
	AdminAccounts        []string // adm_<user> for the ICT admins
	// From is the sender address the person's mail client writes: the primary address, in the case
	// Exchange has it (J.deVries@Voorbeeld.nl) for some, or the alias.
	From string
	// Login is the SASL login of a mail app that sends through the gateway (the UPN or the account);
	// empty for the most, who send through Exchange only.
	Login string
	habits
	// seat is the machine the person sits at today (their desktop unless the day says otherwise):
	// what their mail client, Samba sessions and the zaaksysteem see.
	seat seat
}

// seat is a machine someone works at and its address.
type seat struct{ host, ip string }

// world is everything the simulation knows: people, hosts and the random source.
type world struct {
	rnd     *rand.Rand
	loc     *time.Location
	people  []*person
	active  []*person // status active, not service accounts
	byDept  map[string][]*person
	leavers []*person
	start   time.Time
	days    int
	seq     int // message ids, logon ids, ...
	// ids draws every choice of which name a log writes for a person, and the cases and events that
	// are about names, so the rest of the simulation (who works when, the other planted cases) is
	// the same as without them.
	ids  *rand.Rand
	sids map[string]string // account (lower case) -> objectSid, admin accounts included
	// ghost is the old account of someone who left and was removed from the directory.
	ghost string
	// norm draws the new normal (habits.go, normal.go) and plot the insider stories (stories.go), so
	// that neither changes what the rest of the simulation draws.
	norm, plot *rand.Rand
	// side is true while using one of them: what is drawn then must not be remembered where the
	// main flow would find it (a person's regular supplier address).
	side   bool
	byUser map[string]*person
	// flex are the hot desks of each flex department (by share), hot all of them, rooms the
	// meeting-room PCs.
	flex  map[string][]seat
	hot   []seat
	rooms []string
	// net draws the network side of each day and its story (network.go); addrs are the computers'
	// addresses.
	net   *rand.Rand
	addrs map[string]string
}

func newWorld(employees, days int, seed uint64, start time.Time) (*world, error) {
	loc, err := time.LoadLocation("Europe/Amsterdam")
	if err != nil {
		return nil, err
	}
	w := &world{rnd: rand.New(rand.NewPCG(seed, seed^0x6c656b7761636874)), ids: rand.New(rand.NewPCG(seed, seed^0x6964656e74697479)),
		norm: rand.New(rand.NewPCG(seed^uint64(employees)<<32, seed^0x6e6f726d616c0000)), plot: rand.New(rand.NewPCG(seed^uint64(employees)<<32, seed^0x73746f7269657300)),
		net: rand.New(rand.NewPCG(seed^uint64(employees)<<32, seed^0x6e6574776f726b00)),
		loc: loc, days: days, byDept: map[string][]*person{}, byUser: map[string]*person{}}
	w.start = time.Date(start.Year(), start.Month(), start.Day(), 0, 0, 0, 0, loc)
	users, privates := map[string]bool{}, map[string]bool{}
	for i := range employees {
		first, last := pick(w.rnd, firstNames), pick(w.rnd, lastNames)
		base := strings.ToLower(first[:1] + strings.ReplaceAll(last, " ", ""))
		user := base
		for n := 2; users[user]; n++ {
			user = fmt.Sprintf("%s%d", base, n)
		}
		users[user] = true
		d := w.department()
		p := &person{User: user, First: first, Last: last, Name: first + " " + last, Dept: d, Status: "active",
			Email:   strings.ToLower(first[:1]) + "." + strings.ReplaceAll(strings.ToLower(last), " ", "") + emailSuffix(user, base) + "@" + Domain,
			Desktop: fmt.Sprintf("WS-%04d", i+1), IP: fmt.Sprintf("10.20.%d.%d", 1+i/250, 1+i%250)}
		if w.rnd.Float64() < 0.6 {
			for p.Private == "" || privates[p.Private] {
				p.Private = fmt.Sprintf("%s.%s%d@%s", strings.ToLower(first), strings.ReplaceAll(strings.ToLower(last), " ", ""), 1960+w.rnd.IntN(45), pick(w.rnd, providers))
			}
			privates[p.Private] = true
		}
		if w.rnd.Float64() < 0.4 {
			p.Laptop = fmt.Sprintf("LT-%04d", i+1)
		}
		p.TS = w.rnd.Float64() < d.TS
		p.Admin = d.Share == "ict"
		p.Evening = []float64{0, 0, 0.05, 0.15, 0.3}[w.rnd.IntN(5)]
		switch r := w.rnd.Float64(); {
		case r < 0.015:
			p.Status = "left"
			p.EndDate = w.start.AddDate(0, 0, -1-w.rnd.IntN(120)).Format(time.DateOnly)
		case r < 0.035:
			p.Status = "leave"
		}
		w.people = append(w.people, p)
		w.byUser[p.User] = p
		w.byDept[d.Share] = append(w.byDept[d.Share], p)
		switch {
		case p.Status == "active":
			w.active = append(w.active, p)
		case p.Status == "left":
			w.leavers = append(w.leavers, p)
		}
	}
	// Every gemeente has a few people who left and whose accounts linger.
	for i := len(w.people) - 1; len(w.leavers) < 2 && i >= 0; i-- {
		if p := w.people[i]; p.Status == "active" && p.Dept.Share != "financien" {
			p.Status, p.EndDate = "left", w.start.AddDate(0, 0, -1-w.rnd.IntN(120)).Format(time.DateOnly)
			w.leavers = append(w.leavers, p)
			w.active = slices.DeleteFunc(w.active, func(q *person) bool { return q == p })
		}
	}
	// Two or three finance staff run the large debtor exports; allow-listed in the gemeente's rules.
	for _, p := range w.byDept["financien"] {
		if p.Status == "active" && len(w.financeStaff()) < 3 {
			p.Finance = true
		}
	}
	w.identify(users)
	w.habits()
	return w, nil
}

// identify gives everyone the other names a real directory has for them: a UPN, an objectSid (RIDs
// from 1100 up, admin accounts after the people), a medewerkernummer, a manager (the first active
// person of the department; theirs is the first of Bestuursondersteuning), for about a third a
// second address firstname.lastname@, and the address their mail client writes. users are the
// accounts taken.
func (w *world) identify(users map[string]bool) {
	w.sids = map[string]string{}
	aliases := map[string]bool{}
	heads := map[string]string{}
	for _, d := range departments {
		for _, p := range w.byDept[d.Share] {
			if p.Status == "active" {
				heads[d.Share] = p.User
				break
			}
		}
	}
	number := 1000
	for i, p := range w.people {
		p.UPN = p.User + "@" + localZone
		p.SID = fmt.Sprintf("%s-%d", domainSID, 1100+i)
		w.sids[p.User] = p.SID
		number += 1 + w.ids.IntN(9)
		p.EmployeeID = fmt.Sprintf("%06d", number)
		p.Manager = heads[p.Dept.Share]
		if p.Manager == p.User {
			p.Manager = heads["bestuur"]
		}
		if p.Manager == p.User {
			p.Manager = ""
		}
		if p.Admin {
			p.AdminAccounts = []string{"adm_" + p.User}
		}
		p.From = p.Email
		if w.ids.Float64() < 0.3 {
			base := strings.ToLower(p.First) + "." + strings.ReplaceAll(strings.ToLower(p.Last), " ", "")
			alias := base
			for n := 2; aliases[alias]; n++ {
				alias = fmt.Sprintf("%s%d", base, n)
			}
			aliases[alias] = true
			p.Alias = alias + "@" + Domain
		}
		switch r := w.ids.Float64(); {
		case p.Alias != "" && r < 0.35:
			p.From = p.Alias
		case r < 0.15:
			p.From = mixedCase(p)
		}
		if p.Status == "active" && w.ids.Float64() < 0.08 {
			p.Login = p.UPN
			if w.ids.Float64() < 0.4 {
				p.Login = p.User
			}
		}
	}
	for _, p := range w.people {
		for _, a := range p.AdminAccounts {
			w.sids[a] = fmt.Sprintf("%s-%d", domainSID, 1100+len(w.sids))
		}
	}
	base := strings.ToLower(pick(w.ids, firstNames)[:1] + strings.ReplaceAll(pick(w.ids, lastNames), " ", ""))
	w.ghost = base
	for n := 2; users[w.ghost]; n++ {
		w.ghost = fmt.Sprintf("%s%d", base, n)
	}
}

// mixedCase is the primary address as Exchange keeps it: J.deVries@Voorbeeld.nl for j.devries@voorbeeld.nl.
func mixedCase(p *person) string {
	local, _, _ := strings.Cut(p.Email, "@")
	suffix := strings.TrimLeft(local[strings.IndexByte(local, '.')+1:], "abcdefghijklmnopqrstuvwxyz")
	return p.First[:1] + "." + strings.ReplaceAll(p.Last, " ", "") + suffix + "@Voorbeeld.nl"
}

func emailSuffix(user, base string) string { return strings.TrimPrefix(user, base) }

func (w *world) department() *department {
	r := w.rnd.Float64()
	for i := range departments {
		if r < departments[i].Weight {
			return &departments[i]
		}
		r -= departments[i].Weight
	}
	return &departments[0]
}

func (w *world) financeStaff() []*person {
	var out []*person
	for _, p := range w.byDept["financien"] {
		if p.Finance {
			out = append(out, p)
		}
	}
	return out
}

// workstations lists a person's own machines as the directory gives them.
func (p *person) workstations() []string {
	ws := []string{p.Desktop}
	if p.Laptop != "" {
		ws = append(ws, p.Laptop)
	}
	return ws
}

func (w *world) id() int { w.seq++; return w.seq }

// aside runs f with the identity random source in place of the main one: what f writes does not
// change what the rest of the simulation draws.
func (w *world) aside(f func()) {
	main := w.rnd
	w.rnd = w.ids
	defer func() { w.rnd = main }()
	f()
}

// using runs f with r in place of both the main and the identity random source: what f writes (the
// new normal, the stories) does not change what the rest of the simulation draws.
func (w *world) using(r *rand.Rand, f func()) {
	main, ids, side := w.rnd, w.ids, w.side
	w.rnd, w.ids, w.side = r, r, true
	defer func() { w.rnd, w.ids, w.side = main, ids, side }()
	f()
}

func pick[T any](r *rand.Rand, s []T) T { return s[r.IntN(len(s))] }

// between returns a time uniformly in [a, b).
func (w *world) between(a, b time.Time) time.Time {
	if !b.After(a) {
		return a
	}
	return a.Add(time.Duration(w.rnd.Int64N(int64(b.Sub(a)))))
}

// at returns day's wall clock time h:m in the gemeente's zone.
func (w *world) at(day time.Time, h, m int) time.Time {
	return time.Date(day.Year(), day.Month(), day.Day(), h, m, 0, 0, w.loc)
}

// holiday says whether day is a Dutch public holiday on which the gemeente is closed.
func holiday(day time.Time) bool {
	y := day.Year()
	easter := easterSunday(y, day.Location())
	fixed := []time.Time{
		time.Date(y, 1, 1, 0, 0, 0, 0, day.Location()),
		time.Date(y, 4, 27, 0, 0, 0, 0, day.Location()), // Koningsdag
		time.Date(y, 12, 25, 0, 0, 0, 0, day.Location()),
		time.Date(y, 12, 26, 0, 0, 0, 0, day.Location()),
		easter.AddDate(0, 0, 1),  // Tweede Paasdag
		easter.AddDate(0, 0, 39), // Hemelvaart
		easter.AddDate(0, 0, 50), // Tweede Pinksterdag
	}
	if y%5 == 0 {
		fixed = append(fixed, time.Date(y, 5, 5, 0, 0, 0, 0, day.Location())) // Bevrijdingsdag, lustrum
	}
	d := time.Date(y, day.Month(), day.Day(), 0, 0, 0, 0, day.Location())
	return slices.ContainsFunc(fixed, d.Equal)
}

// easterSunday is the Gregorian Easter (anonymous Gregorian algorithm).
func easterSunday(y int, loc *time.Location) time.Time {
	a, b, c := y%19, y/100, y%100
	d, e := b/4, b%4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i, k := c/4, c%4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	month := (h + l - 7*m + 114) / 31
	day := (h+l-7*m+114)%31 + 1
	return time.Date(y, time.Month(month), day, 0, 0, 0, 0, loc)
}

// workday says whether the gemeente works on day.
func workday(day time.Time) bool {
	return day.Weekday() != time.Saturday && day.Weekday() != time.Sunday && !holiday(day)
}
