package sim

import (
	"archive/zip"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/lekwacht/lekwacht/rules"
	"github.com/xuri/excelize/v2"
)

// Truth is what a simulation planted: truth.json.
type Truth struct {
	Seed      uint64           `json:"seed"`
	Employees int              `json:"employees"`
	Days      int              `json:"days"`
	LearnDays int              `json:"learn_days,omitempty"` // the first days, a learning period: logs under learn/, nothing planted
	Start     time.Time        `json:"start"`
	Lines     map[string]int64 `json:"lines"` // lines written per log file
	Files     int              `json:"files"` // files written under exports/
	Cases     []Case           `json:"cases"`
}

// Case is one planted leak: the detector that should report it, the shape it took, who did it,
// and when. A file case names the file it left in the watched folder.
type Case struct {
	ID string `json:"id"`
	// Story names an insider story told over days and sources (stories.go); empty for a single case.
	Story     string    `json:"story,omitempty"`
	Detector  string    `json:"detector"`
	Shape     string    `json:"shape"`
	Users     []string  `json:"users"`
	Hosts     []string  `json:"hosts,omitempty"`
	File      string    `json:"file,omitempty"`
	Start     time.Time `json:"start"`
	End       time.Time `json:"end"`
	Subjects  int       `json:"subjects,omitempty"`
	Delivered *bool     `json:"delivered,omitempty"` // mail: false when it bounced
	Note      string    `json:"note"`
	// Also are more detectors that must report the case, each naming one of Users: a case of one
	// person acting under several names in several sources.
	Also []string `json:"also,omitempty"`
	// Weak says that the case's part for Detector is a single event that a gemeente's normal makes
	// too (a logon at a colleague's desk, a counter PC used by turns, a session while the own desk's
	// is open): a weak signal for the risk rule, a draft only with the plain rule (baseline_days 0).
	// Not finding it as a draft is no miss; `make eval` lists it apart.
	Weak bool `json:"weak,omitempty"`
}

// Detectors are the detectors that must report the case: Detector, then Also.
func (c Case) Detectors() []string { return append([]string{c.Detector}, c.Also...) }

// shape is one way a leak pattern shows in the logs.
type shape struct {
	detector, name string
	plant          func(s *Sim, day time.Time, c *Case)
}

var shapes = []shape{
	{"shared_credentials", "colleague-workstation", (*Sim).colleagueWorkstation},
	{"shared_credentials", "two-hosts-at-once", (*Sim).twoHosts},
	{"shared_credentials", "accounts-on-one-host", (*Sim).accountsOnOneHost},
	{"shared_credentials", "leaver-logon", (*Sim).leaverLogon},
	{"shared_credentials", "leaver-ssh", (*Sim).leaverSSH},
	{"shared_credentials", "leaver-application", (*Sim).leaverApp},
	{"bulk_bsn_export", "application-export", (*Sim).appExport},
	{"bulk_bsn_export", "csv-file", (*Sim).csvFile},
	{"bulk_bsn_export", "xlsx-file", (*Sim).xlsxFile},
	{"bulk_bsn_export", "docx-file", (*Sim).docxFile},
	{"bulk_bsn_export", "removable-media", (*Sim).removable},
	{"misdirected_mail", "partner-typo", (*Sim).partnerTypo},
	{"misdirected_mail", "tld-swap", (*Sim).tldSwap},
	{"misdirected_mail", "homoglyph", (*Sim).homoglyph},
	{"misdirected_mail", "bounced-typo", (*Sim).bouncedTypo},
	{"misdirected_mail", "forgotten-bcc", (*Sim).forgottenBCC},
	{"misdirected_mail", "learned-domain-typo", (*Sim).learnedTypo},
	{"private_mail", "own-private-address", (*Sim).ownPrivate},
	{"private_mail", "unknown-consumer-address", (*Sim).unknownConsumer},
	{"private_mail", "zaaksysteem-to-own-address", (*Sim).relayOwn},
	{"record_snooping", "many-records", (*Sim).manyRecords},
	{"record_snooping", "colleague-file", (*Sim).colleagueFile},
	{"record_snooping", "after-hours", (*Sim).afterHours},
	{"mass_deletion", "share-files", (*Sim).shareDeletion},
	{"mass_deletion", "application-records", (*Sim).appDeletion},
	{"threshold", "repeated-exports", (*Sim).repeatedExports},
}

// nameShapes are the shapes about the names people have. They are planned and planted on the
// identity random source (world.aside): they leave the rest of the simulation as it was.
var nameShapes = []shape{
	{"shared_credentials", "one-person-five-names", aside((*Sim).fiveNames)},
}

func aside(plant func(*Sim, time.Time, *Case)) func(*Sim, time.Time, *Case) {
	return func(s *Sim, day time.Time, c *Case) { s.w.aside(func() { plant(s, day, c) }) }
}

// plan spreads the planted cases over the working days: every shape once per round, one round per
// 1,500 employees (at least one).
func (s *Sim) plan() map[int][]shape {
	days := s.plantable()
	plan := map[int][]shape{}
	rounds := 1 + s.o.Employees/1500
	for range rounds {
		for _, sh := range shapes {
			d := pick(s.w.rnd, days)
			plan[d] = append(plan[d], sh)
		}
	}
	for range rounds {
		for _, sh := range nameShapes {
			d := pick(s.w.ids, days)
			plan[d] = append(plan[d], sh)
		}
	}
	return plan
}

// plantable are the days cases may be planted on: the working days after the learning period, or
// when there are none, every day after it.
func (s *Sim) plantable() []int {
	var days []int
	for d := s.o.Learn; d < s.o.Days; d++ {
		if workday(s.w.start.AddDate(0, 0, d)) {
			days = append(days, d)
		}
	}
	if len(days) == 0 {
		for d := s.o.Learn; d < s.o.Days; d++ {
			days = append(days, d)
		}
	}
	return days
}

func (s *Sim) plant(day time.Time, sh shape) {
	c := Case{ID: fmt.Sprintf("P%03d", len(s.truth.Cases)+1), Detector: sh.detector, Shape: sh.name}
	sh.plant(s, day, &c)
	s.truth.Cases = append(s.truth.Cases, c)
	for _, u := range c.Users {
		if p := s.w.byUser[u]; p != nil {
			s.hold(p, c.Start.Add(-time.Hour), c.End.Add(30*time.Minute))
		}
	}
}

// someone picks an active employee who meets cond (anyone active when nobody does).
func (s *Sim) someone(cond func(*person) bool) *person {
	var ok []*person
	for _, p := range s.w.active {
		if cond(p) {
			ok = append(ok, p)
		}
	}
	if len(ok) == 0 {
		ok = s.w.active
	}
	return pick(s.w.rnd, ok)
}

func anyone(*person) bool { return true }

func onDesk(p *person) bool { return !p.TS && !p.Finance && p.Dept.Share != "po" }

func (s *Sim) office(day time.Time) time.Time {
	return s.w.between(s.w.at(day, 9, 0), s.w.at(day, 15, 30))
}

func (s *Sim) leaver() *person {
	return pick(s.w.rnd, s.w.leavers)
}

// --- shared_credentials ---

func (s *Sim) colleagueWorkstation(day time.Time, c *Case) {
	a := s.someone(onDesk)
	b := s.someone(func(p *person) bool { return onDesk(p) && p != a })
	t := s.office(day)
	id := s.logon(t, a.User, b.Desktop, b.Desktop, a.IP, 2)
	s.logoff(t.Add(25*time.Minute), a.User, b.Desktop, id, 2)
	c.Users, c.Hosts, c.Start, c.End = []string{a.User}, []string{b.Desktop}, t, t.Add(25*time.Minute)
	c.Note = "logged on interactively at a colleague's workstation"
	c.Weak = true
}

func (s *Sim) twoHosts(day time.Time, c *Case) {
	a := s.someone(onDesk)
	t := s.office(day)
	own := s.logon(t.Add(-time.Hour), a.User, a.Desktop, a.Desktop, a.IP, 2)
	spare := fmt.Sprintf("WS-SPARE-%02d", 1+s.w.rnd.IntN(9))
	id := s.logon(t, a.User, spare, "PC-THUIS", fmt.Sprintf("10.99.0.%d", 2+s.w.rnd.IntN(200)), 10)
	s.logoff(t.Add(40*time.Minute), a.User, spare, id, 10)
	s.logoff(t.Add(2*time.Hour), a.User, a.Desktop, own, 2)
	c.Users, c.Hosts, c.Start, c.End = []string{a.User}, []string{a.Desktop, spare}, t.Add(-time.Hour), t.Add(2*time.Hour)
	c.Note = "remote session on a machine that is not theirs while logged on at their own desk"
	c.Weak = true
}

func (s *Sim) accountsOnOneHost(day time.Time, c *Case) {
	h := fmt.Sprintf("BALIE-%02d", 1+s.w.rnd.IntN(9))
	t := s.office(day)
	for i := range 3 {
		p := s.someone(func(p *person) bool { return onDesk(p) && !slices.Contains(c.Users, p.User) })
		at := t.Add(time.Duration(i*6) * time.Minute)
		id := s.logon(at, p.User, h, h, p.IP, 2)
		s.logoff(at.Add(4*time.Minute), p.User, h, id, 2)
		c.Users = append(c.Users, p.User)
	}
	c.Hosts, c.Start, c.End = []string{h}, t, t.Add(16*time.Minute)
	c.Note = "three accounts on one counter machine within twenty minutes"
	c.Weak = true
}

func (s *Sim) leaverLogon(day time.Time, c *Case) {
	l := s.leaver()
	t := s.office(day)
	id := s.logon(t, l.User, l.Desktop, l.Desktop, l.IP, 2)
	s.logoff(t.Add(time.Hour), l.User, l.Desktop, id, 2)
	c.Users, c.Hosts, c.Start, c.End = []string{l.User}, []string{l.Desktop}, t, t.Add(time.Hour)
	c.Note = "the account of someone who left (" + l.EndDate + ") logs on"
}

func (s *Sim) leaverSSH(day time.Time, c *Case) {
	l := s.leaver()
	t := s.office(day)
	pid := 2000 + s.w.rnd.IntN(30000)
	ip := fmt.Sprintf("10.99.1.%d", 2+s.w.rnd.IntN(200))
	s.sshd(t, "bastion", pid, fmt.Sprintf("Accepted password for %s from %s port %d ssh2", l.User, ip, 40000+s.w.rnd.IntN(20000)))
	s.sshd(t, "bastion", pid, fmt.Sprintf("pam_unix(sshd:session): session opened for user %s(uid=%d) by (uid=0)", l.User, 20000+len(l.User)))
	s.sshd(t.Add(12*time.Minute), "bastion", pid, "pam_unix(sshd:session): session closed for user "+l.User)
	c.Users, c.Hosts, c.Start, c.End = []string{l.User}, []string{"bastion"}, t, t.Add(12*time.Minute)
	c.Note = "the account of someone who left logs on over SSH"
}

func (s *Sim) leaverApp(day time.Time, c *Case) {
	l := s.leaver()
	t := s.office(day)
	ip := fmt.Sprintf("10.99.2.%d", 2+s.w.rnd.IntN(200))
	s.zaak(t, l, "", ip, "login", "", 0)
	for i := range 6 {
		s.zaak(t.Add(time.Duration(i+1)*time.Minute), l, "", ip, "persoon.raadplegen", fmt.Sprintf("persoon/%d", 100000+s.w.rnd.IntN(s.citizens())), 0)
	}
	c.Users, c.Start, c.End = []string{l.User}, t, t.Add(7*time.Minute)
	c.Note = "the account of someone who left looks up persons in the zaaksysteem"
}

// --- bulk_bsn_export ---

func (s *Sim) appExport(day time.Time, c *Case) {
	a := s.someone(func(p *person) bool { return p.Dept.Views[1] > 0 && !p.Finance })
	t := s.office(day)
	n := 250 + s.w.rnd.IntN(2500)
	s.zaak(t, a, a.Desktop, a.IP, "export.csv", fmt.Sprintf("zoekresultaat/%d", s.w.id()), n)
	c.Users, c.Start, c.End, c.Subjects = []string{a.User}, t, t, n
	c.Note = fmt.Sprintf("a zaaksysteem export of %d records", n)
}

// bsnNumber returns a valid BSN (elfproef).
func (s *Sim) bsnNumber() string {
	for {
		d := make([]int, 9)
		d[0] = 1 + s.w.rnd.IntN(6)
		sum := 9 * d[0]
		for i := 1; i < 8; i++ {
			d[i] = s.w.rnd.IntN(10)
			sum += (9 - i) * d[i]
		}
		if last := sum % 11; last < 10 {
			d[8] = last
			var b strings.Builder
			for _, x := range d {
				b.WriteByte(byte('0' + x))
			}
			return b.String()
		}
	}
}

func (s *Sim) fullName() string { return pick(s.w.rnd, firstNames) + " " + pick(s.w.rnd, lastNames) }

func (s *Sim) csvFile(day time.Time, c *Case) {
	a := s.someone(func(p *person) bool { return p.Dept.Front })
	t := s.office(day)
	n := 100 + s.w.rnd.IntN(300)
	var b strings.Builder
	b.WriteString("bsn;naam;adres;woonplaats\n")
	for i := range n {
		fmt.Fprintf(&b, "%s;%s;Dorpsstraat %d;Voorbeeld\n", s.bsnNumber(), s.fullName(), 1+i%180)
	}
	c.File = s.writeFile(fmt.Sprintf("%s/%s-clientenlijst.csv", a.Dept.Share, a.User), []byte(b.String()), t)
	s.samba(t, qualified(a.User), a.IP, a.Desktop, "exports", "create_file", "0x100080", "file", "create", "/srv/exports/"+filepath.Base(c.File))
	c.Users, c.Start, c.End, c.Subjects = []string{a.User}, t, t, n
	c.Note = "a CSV with a BSN column in the export folder"
}

func (s *Sim) xlsxFile(day time.Time, c *Case) {
	a := s.someone(func(p *person) bool { return p.Dept.Front })
	t := s.office(day)
	n := 40 + s.w.rnd.IntN(150)
	f := excelize.NewFile()
	f.SetSheetRow("Sheet1", "A1", &[]any{"Naam", "Burgerservicenummer", "Uitkering"})
	for i := range n {
		b := s.bsnNumber()
		f.SetSheetRow("Sheet1", fmt.Sprintf("A%d", i+2), &[]any{s.fullName(), b[:4] + "." + b[4:6] + "." + b[6:], s.w.rnd.IntN(2000)})
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil && s.err == nil {
		s.err = err
	}
	c.File = s.writeFile(fmt.Sprintf("%s/%s-overzicht-uitkeringen.xlsx", a.Dept.Share, a.User), buf.Bytes(), t)
	c.Users, c.Start, c.End, c.Subjects = []string{a.User}, t, t, n
	c.Note = "a spreadsheet of BSNs in the dotted form"
}

func (s *Sim) docxFile(day time.Time, c *Case) {
	a := s.someone(func(p *person) bool { return p.Dept.Front })
	t := s.office(day)
	n := 30 + s.w.rnd.IntN(60)
	var body strings.Builder
	for range n {
		b := s.bsnNumber()
		fmt.Fprintf(&body, "<w:p><w:r><w:t>%s, BSN %s %s %s, huisbezoek gepland</w:t></w:r></w:p>", s.fullName(), b[:4], b[4:6], b[6:])
	}
	var buf bytes.Buffer
	z := zip.NewWriter(&buf)
	for _, part := range [][2]string{
		{"[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`},
		{"word/document.xml", `<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>` + body.String() + `</w:body></w:document>`},
	} {
		fw, _ := z.CreateHeader(&zip.FileHeader{Name: part[0], Method: zip.Deflate, Modified: t})
		fw.Write([]byte(part[1]))
	}
	if err := z.Close(); err != nil && s.err == nil {
		s.err = err
	}
	c.File = s.writeFile(fmt.Sprintf("%s/%s-huisbezoeken.docx", a.Dept.Share, a.User), buf.Bytes(), t)
	c.Users, c.Start, c.End, c.Subjects = []string{a.User}, t, t, n
	c.Note = "a Word document listing BSNs in the spaced form"
}

func (s *Sim) removable(day time.Time, c *Case) {
	a := s.someone(func(p *person) bool { return onDesk(p) && p.Dept.Front })
	t := s.office(day)
	n := 60 + s.w.rnd.IntN(200)
	var b strings.Builder
	b.WriteString("burgerservicenummer,naam,geboortedatum\n")
	for range n {
		fmt.Fprintf(&b, "%s,%s,%02d-%02d-%d\n", s.bsnNumber(), s.fullName(), 1+s.w.rnd.IntN(28), 1+s.w.rnd.IntN(12), 1940+s.w.rnd.IntN(70))
	}
	name := fmt.Sprintf("adressen-%s.csv", day.Format("0102"))
	c.File = s.writeFile(fmt.Sprintf("%s/%s/%s", a.Dept.Share, a.User, name), []byte(b.String()), t)
	s.device(t.Add(10*time.Minute), a.User, a.Desktop, `USBSTOR\Disk&Ven_SanDisk&Prod_Ultra&Rev_1.00\4C530001230617113472&0`, "SanDisk Ultra USB Device", "DiskDrive")
	s.fileWrite(t.Add(12*time.Minute), a.User, a.Desktop, `E:\`+name)
	c.Users, c.Hosts, c.Start, c.End, c.Subjects = []string{a.User}, []string{a.Desktop}, t, t.Add(12*time.Minute), n
	c.Note = "a list of BSNs copied to a USB stick"
}

// --- misdirected_mail ---

func (s *Sim) mistyped(day time.Time, c *Case, domain, note string, bounced bool) {
	a := s.someone(anyone)
	t := s.office(day)
	to := s.externalAddress([]string{domain})
	var bounce map[string]string
	if bounced {
		bounce = map[string]string{to: "550 5.4.310 DNS domain " + domain + " does not exist [Message=InfoDomainNonexistent]"}
	}
	s.send(t, a.sender(), []string{to}, pick(s.w.rnd, subjects), s.mailSize(true), bounce)
	delivered := !bounced
	c.Users, c.Start, c.End, c.Delivered, c.Note = []string{a.User}, t, t.Add(10*time.Second), &delivered, note
}

func (s *Sim) partnerTypo(day time.Time, c *Case) {
	d := pick(s.w.rnd, partnerDomains)
	i := 1 + s.w.rnd.IntN(len(d)-6)
	typo := d[:i] + d[i+1:i+2] + d[i:i+1] + d[i+2:] // two letters swapped
	if typo == d {
		typo = d[:i] + d[i:i+1] + d[i:] // a doubled letter
	}
	s.mistyped(day, c, typo, "mail to "+typo+", a partner domain with two letters swapped", false)
}

func (s *Sim) tldSwap(day time.Time, c *Case) {
	d := pick(s.w.rnd, partnerDomains)
	tld := pick(s.w.rnd, []string{".com", ".nl.com", ".net", ".eu"})
	swapped := strings.TrimSuffix(d, ".nl") + tld
	s.mistyped(day, c, swapped, "mail to "+swapped+", a partner domain under another top-level domain", false)
}

func (s *Sim) homoglyph(day time.Time, c *Case) {
	d := pick(s.w.rnd, partnerDomains)
	name, tld, _ := strings.Cut(d, ".")
	g := strings.Replace(name, "l", "1", 1)
	if g == name {
		g = strings.Replace(name, "o", "0", 1)
	}
	g += "." + tld
	s.mistyped(day, c, g, "mail to "+g+", a partner domain with a look-alike character", false)
}

func (s *Sim) bouncedTypo(day time.Time, c *Case) {
	d := pick(s.w.rnd, partnerDomains)
	typo := d[:2] + d[3:] // a letter left out
	s.mistyped(day, c, typo, "mail to "+typo+" bounced: not delivered, like a letter returned unopened", true)
}

func (s *Sim) forgottenBCC(day time.Time, c *Case) {
	a := s.someone(func(p *person) bool { return p.Dept.Front })
	t := s.office(day)
	n := 15 + s.w.rnd.IntN(30)
	to := make([]string, 0, n)
	for range n {
		to = append(to, s.citizenAddress())
	}
	s.send(t, a.sender(), to, "Uitnodiging informatieavond", s.mailSize(false), nil)
	c.Users, c.Start, c.End, c.Subjects = []string{a.User}, t, t.Add(time.Minute), n
	c.Note = fmt.Sprintf("one mail to %d citizens' private addresses, all visible to each other", n)
}

func (s *Sim) learnedTypo(day time.Time, c *Case) {
	a := s.someone(anyone)
	supplier := pick(s.w.rnd, supplierDomain)
	contact := s.externalAddress([]string{supplier})
	t := s.w.at(day, 8, 30)
	for i := range 6 {
		s.send(t.Add(time.Duration(i*40)*time.Minute), a.sender(), []string{contact}, "Re: "+pick(s.w.rnd, subjects), s.mailSize(false), nil)
	}
	local, dom, _ := strings.Cut(contact, "@")
	i := len(dom) - 6
	typo := dom[:i] + dom[i+1:i+2] + dom[i:i+1] + dom[i+2:]
	at := s.w.at(day, 14, 0).Add(time.Duration(s.w.rnd.IntN(90)) * time.Minute)
	s.send(at, a.sender(), []string{local + "@" + typo}, "Re: "+pick(s.w.rnd, subjects), s.mailSize(true), nil)
	c.Users, c.Start, c.End = []string{a.User}, at, at.Add(10*time.Second)
	c.Note = "mail to " + typo + ", one letter swap away from " + dom + " that the sender mails often"
}

// --- private_mail ---

func (s *Sim) ownPrivate(day time.Time, c *Case) {
	a := s.someone(func(p *person) bool { return p.Private != "" })
	t := s.office(day)
	s.send(t, a.sender(), []string{a.Private}, pick(s.w.rnd, []string{"stukken", "thuiswerken", "lijst", ""}), 500_000+s.w.rnd.IntN(6_000_000), nil)
	c.Users, c.Start, c.End = []string{a.User}, t, t.Add(10*time.Second)
	c.Note = "documents mailed to the sender's own private address"
}

func (s *Sim) unknownConsumer(day time.Time, c *Case) {
	a := s.someone(anyone)
	t := s.office(day)
	to := fmt.Sprintf("%s%d@%s", strings.ToLower(a.First), s.w.rnd.IntN(1000), pick(s.w.rnd, providers))
	s.send(t, a.sender(), []string{to}, "", 1_500_000+s.w.rnd.IntN(8_000_000), nil)
	c.Users, c.Start, c.End = []string{a.User}, t, t.Add(10*time.Second)
	c.Note = "a large attachment to a private mailbox that never wrote to the gemeente"
}

func (s *Sim) relayOwn(day time.Time, c *Case) {
	a := s.someone(func(p *person) bool { return p.Private != "" && p.Dept.Views[1] > 0 })
	t := s.office(day)
	s.relay(t, a.Email, []string{a.Private}, 400_000+s.w.rnd.IntN(2_000_000), nil)
	c.Users, c.Start, c.End = []string{a.User}, t, t.Add(10*time.Second)
	c.Note = "a case document sent from the zaaksysteem to the sender's own private address"
}

// --- record_snooping ---

func (s *Sim) manyRecords(day time.Time, c *Case) {
	a := s.someone(func(p *person) bool { return p.Dept.Front && p.Dept.Views[1] > 0 })
	t := s.office(day)
	n := 180 + s.w.rnd.IntN(150)
	for i := range n {
		s.zaak(t.Add(time.Duration(i)*50*time.Minute/time.Duration(n)), a, a.Desktop, a.IP, "persoon.raadplegen", fmt.Sprintf("persoon/%d", 100000+s.w.rnd.IntN(s.citizens())), 0)
	}
	c.Users, c.Start, c.End, c.Subjects = []string{a.User}, t, t.Add(50*time.Minute), n
	c.Note = fmt.Sprintf("%d distinct persons looked up within 50 minutes", n)
}

func (s *Sim) colleagueFile(day time.Time, c *Case) {
	a := s.someone(func(p *person) bool { return p.Dept.Share != "po" })
	t := s.office(day)
	n := 1 + s.w.rnd.IntN(3)
	for i := range n {
		b := s.someone(func(p *person) bool { return p != a })
		s.hr(t.Add(time.Duration(i*3)*time.Minute), a, a.IP, "personeelsdossier.inzien", b.User)
	}
	c.Users, c.Start, c.End, c.Subjects = []string{a.User}, t, t.Add(time.Duration(n*3)*time.Minute), n
	c.Note = "a colleague's personnel file opened by someone outside P&O"
}

func (s *Sim) afterHours(day time.Time, c *Case) {
	a := s.someone(func(p *person) bool { return p.Dept.Views[1] > 0 })
	t := s.w.between(s.w.at(day, 21, 30), s.w.at(day, 23, 0))
	h := a.Laptop
	if h == "" {
		h = a.Desktop
	}
	id := s.logon(t.Add(-2*time.Minute), a.User, h, h, a.IP, 2)
	n := 12 + s.w.rnd.IntN(20)
	for i := range n {
		s.zaak(t.Add(time.Duration(i)*40*time.Second), a, h, a.IP, "persoon.raadplegen", fmt.Sprintf("persoon/%d", 100000+s.w.rnd.IntN(s.citizens())), 0)
	}
	s.logoff(t.Add(time.Duration(n)*40*time.Second+time.Minute), a.User, h, id, 2)
	c.Users, c.Start, c.End, c.Subjects = []string{a.User}, t, t.Add(time.Duration(n)*40*time.Second), n
	c.Note = fmt.Sprintf("%d persons looked up late in the evening", n)
}

// --- mass_deletion ---

func (s *Sim) shareDeletion(day time.Time, c *Case) {
	a := s.someone(onDesk)
	t := s.office(day)
	n := 150 + s.w.rnd.IntN(300)
	share := s.shareOf(a)
	for i := range n {
		s.samba(t.Add(time.Duration(i)*480*time.Second/time.Duration(n)), qualified(a.User), a.IP, a.Desktop, share, "unlinkat",
			fmt.Sprintf("/srv/shares/%s/dossiers/%d/%05d-%s", a.Dept.Share, 2018+i%8, i, pick(s.w.rnd, docs)))
	}
	c.Users, c.Start, c.End = []string{a.User}, t, t.Add(8*time.Minute)
	c.Note = fmt.Sprintf("%d files deleted on %s within eight minutes", n, share)
}

func (s *Sim) appDeletion(day time.Time, c *Case) {
	a := s.someone(func(p *person) bool { return p.Dept.Views[1] > 0 })
	t := s.office(day)
	n := 120 + s.w.rnd.IntN(100)
	for i := range n {
		s.zaak(t.Add(time.Duration(i)*9*time.Minute/time.Duration(n)), a, a.Desktop, a.IP, "dossier.delete", fmt.Sprintf("zaak/2025-%06d", 500000+i), 0)
	}
	c.Users, c.Start, c.End, c.Subjects = []string{a.User}, t, t.Add(9*time.Minute), n
	c.Note = fmt.Sprintf("%d dossiers deleted in the zaaksysteem within nine minutes", n)
}

// --- threshold ---

func (s *Sim) repeatedExports(day time.Time, c *Case) {
	a := s.someone(func(p *person) bool { return p.Dept.Views[1] > 0 && !p.Finance })
	t := s.office(day)
	n := 5 + s.w.rnd.IntN(4)
	for i := range n {
		s.zaak(t.Add(time.Duration(i*6)*time.Minute), a, a.Desktop, a.IP, "export.csv", fmt.Sprintf("zoekresultaat/%d", s.w.id()), 10+s.w.rnd.IntN(70))
	}
	c.Users, c.Start, c.End = []string{a.User}, t, t.Add(time.Duration(n*6)*time.Minute)
	c.Note = fmt.Sprintf("%d small exports within %d minutes", n, n*6)
}

// --- one person, many names ---

// fiveNames is one person leaking through five sources, each of which names them its own way: a
// logon at a colleague's workstation (Windows: the account, with its SID), 180+ persons looked up and
// an export in the zaaksysteem (the medewerkernummer), a mail to a partner domain's typo through
// Exchange (the primary address in the case Exchange keeps it), documents to their own private
// address from the mail app through the gateway (logged in with the UPN, sent as the alias), and a
// mass deletion on the department share (VOORBEELD\user). Every detector must name the account.
func (s *Sim) fiveNames(day time.Time, c *Case) {
	a := s.someone(func(p *person) bool {
		return onDesk(p) && p.Dept.Front && p.Dept.Views[1] > 0 && p.Private != "" && p.Alias != "" && !p.Admin
	})
	b := s.someone(func(p *person) bool { return onDesk(p) && p != a })
	t := s.w.at(day, 9, 0).Add(time.Duration(s.w.rnd.IntN(30)) * time.Minute)
	c.Start, c.Users, c.Hosts = t, []string{a.User}, []string{b.Desktop}

	id := s.logon(t, a.User, b.Desktop, b.Desktop, a.IP, 2)
	s.logoff(t.Add(25*time.Minute), a.User, b.Desktop, id, 2)

	t = t.Add(40 * time.Minute)
	n := 180 + s.w.rnd.IntN(150)
	for i := range n {
		s.zaak(t.Add(time.Duration(i)*50*time.Minute/time.Duration(n)), a, a.Desktop, a.IP, "persoon.raadplegen", fmt.Sprintf("persoon/%d", 100000+s.w.rnd.IntN(s.citizens())), 0)
	}
	t = t.Add(55 * time.Minute)
	s.zaak(t, a, a.Desktop, a.IP, "export.csv", fmt.Sprintf("zoekresultaat/%d", s.w.id()), 250+s.w.rnd.IntN(2500))

	t = s.w.at(day, 12, 30).Add(time.Duration(s.w.rnd.IntN(30)) * time.Minute)
	d := pick(s.w.rnd, partnerDomains[1:])  // not ggd-regio.nl: its fourth character is the hyphen
	typo := d[:2] + d[3:4] + d[2:3] + d[4:] // two letters swapped
	s.send(t, sender{mixedCase(a), a.IP, a.Desktop}, []string{s.externalAddress([]string{typo})}, pick(s.w.rnd, subjects), s.mailSize(true), nil)

	t = t.Add(time.Hour)
	from, private := a.Alias, a.Private
	if from == "" {
		from = a.Email
	}
	if private == "" {
		private = fmt.Sprintf("%s%d@%s", strings.ToLower(a.First), s.w.rnd.IntN(1000), pick(s.w.rnd, providers))
	}
	s.submit(t, a, a.UPN, from, []string{private}, 900_000+s.w.rnd.IntN(4_000_000))

	t = t.Add(time.Hour)
	m := 150 + s.w.rnd.IntN(300)
	share := s.shareOf(a)
	for i := range m {
		s.samba(t.Add(time.Duration(i)*480*time.Second/time.Duration(m)), qualified(a.User), a.IP, a.Desktop, share, "unlinkat",
			fmt.Sprintf("/srv/shares/%s/dossiers/%d/%05d-%s", a.Dept.Share, 2018+i%8, i, pick(s.w.rnd, docs)))
	}
	c.End, c.Subjects = t.Add(8*time.Minute), n
	c.Also = []string{"record_snooping", "bulk_bsn_export", "misdirected_mail", "private_mail", "mass_deletion"}
	c.Weak = true // the logon at a colleague's workstation; the other five detectors must find theirs
	c.Note = fmt.Sprintf("one person under five names: a logon at a colleague's workstation (Windows), %d persons looked up and an export "+
		"(zaaksysteem, by medewerkernummer), mail to %s (Exchange, mixed-case address), documents to their own private address (gateway, "+
		"UPN login, alias), %d files deleted (Samba, DOMAIN\\user)", n, typo, m)
}

// writeRules writes the gemeente's own rules: the shipped ones its known exceptions need allowed
// (the finance staff's daily debtor export; P&O opening personnel files is their work; the ICT
// admins' adm_ accounts on colleagues' workstations are support calls). People are allowed by
// their account, whatever name a log gives them; the admin accounts by the account that acted
// (user.account), as user.name is their owner once resolved.
func (s *Sim) writeRules() error {
	var finance, po []string
	for _, p := range s.w.people {
		if p.Finance {
			finance = append(finance, p.User)
		}
		if p.Dept.Share == "po" {
			po = append(po, p.User)
		}
	}
	for _, a := range []struct {
		id, field string
		values    []string
	}{
		{"lw-bulk-bsn-export", "user.name", finance},
		{"lw-record-snooping", "user.name", po},
		{"lw-shared-credentials", "user.account", []string{`"adm_*"`}},
	} {
		src, err := rules.ShippedSource(a.id)
		if err != nil {
			return err
		}
		if len(a.values) == 0 {
			continue
		}
		text := "# The shipped rule with this gemeente's allow-list (written by lekwacht simulate).\n" + string(src) +
			"allow:\n  " + a.field + ": [" + strings.Join(a.values, ", ") + "]\n"
		if err := os.WriteFile(filepath.Join(s.out, "rules", a.id+".yaml"), []byte(text), 0o644); err != nil {
			return err
		}
	}
	return nil
}
