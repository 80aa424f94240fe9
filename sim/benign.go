package sim

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

var (
	folders = []string{"aanvragen", "besluiten", "correspondentie", "overleg", "projecten", "rapportages", "sjablonen"}
	docs    = []string{"besluit.docx", "brief.docx", "overzicht.xlsx", "notitie.docx", "planning.xlsx", "verslag.docx", "scan.pdf", "bijlage.pdf"}
)

// day writes one calendar day of ordinary work. Who is away that day (a part-timer's day off, a
// leaver after their last day, a story's absent manager) is drawn as before and not written, and
// whom a story needs at work comes in on the stories' own source: the rest of the simulation
// draws what it did.
func (s *Sim) day(day time.Time, d int) {
	w := s.w
	work := workday(day)
	s.present, s.taken, s.held = s.present[:0], map[string]bool{}, s.held[:0]
	for _, p := range w.people {
		p.seat = seat{host(p), p.IP}
	}
	for _, p := range w.people {
		if p.Status != "active" {
			continue
		}
		away := s.away(p, day, d)
		s.mute(away)
		if work && w.rnd.Float64() >= 0.08 { // about one in twelve is off (leave, sick, part-time)
			s.workday(day, p)
		} else if work && !away && s.needed(p, d) {
			w.using(w.plot, func() { s.workday(day, p) })
		}
		if (work && w.rnd.Float64() < p.Evening) || (!work && w.rnd.Float64() < p.Evening/6) {
			s.evening(day, p)
		}
		s.mute(false)
	}
	s.services(day, work)
}

func (s *Sim) shareOf(p *person) string { return "afdeling-" + p.Dept.Share }

func (s *Sim) docPath(p *person, day time.Time) string {
	return fmt.Sprintf("/srv/shares/%s/%s/%d/%03d-%s", p.Dept.Share, pick(s.w.rnd, folders), day.Year(), s.w.rnd.IntN(400), pick(s.w.rnd, docs))
}

// workday is one person's day at the office (or at home on the laptop).
func (s *Sim) workday(day time.Time, p *person) {
	w := s.w
	start := w.at(day, 7, 0).Add(time.Duration(w.rnd.NormFloat64()*40+75) * time.Minute)
	if early := w.at(day, 6, 30); start.Before(early) {
		start = early
	}
	end := start.Add(8*time.Hour + time.Duration(w.rnd.IntN(120)-60)*time.Minute)
	hostName, client, kind := p.Desktop, p.Desktop, 2
	switch {
	case p.TS:
		hostName, kind = fmt.Sprintf("TS-%02d", 1+w.rnd.IntN(4)), 10
	case p.Laptop != "" && w.rnd.Float64() < 0.35:
		hostName, client = p.Laptop, p.Laptop
	}
	p.seat = seat{client, p.IP}
	if kind == 2 && hostName == p.Desktop {
		p.seat = w.desk(day, p, s.taken)
		hostName, client = p.seat.host, p.seat.host
	}
	ip := p.seat.ip
	if w.rnd.Float64() < 0.03 {
		s.failedLogon(start.Add(-20*time.Second), p.User, hostName, client)
	}
	id := s.logon(start, p.User, hostName, client, ip, kind)
	ended := s.logoff(end, p.User, hostName, id, kind)
	if !s.muted {
		s.present = append(s.present, &attendance{p: p, host: hostName, client: client, kind: kind, logon: id, start: start, end: end, ended: ended})
	}
	nid := s.logon(start.Add(time.Minute), p.User, "FS01", hostName, w.address(hostName), 3) // the address of the PC it comes from
	s.logoff(end.Add(time.Minute), p.User, "FS01", nid, 3)
	if p.Laptop != "" && hostName != p.Laptop && !p.TS && w.rnd.Float64() < 0.25 { // the laptop in a meeting
		m := w.between(start.Add(time.Hour), end.Add(-2*time.Hour))
		lid := s.logon(m, p.User, p.Laptop, p.Laptop, p.IP, 2)
		s.logoff(m.Add(time.Duration(30+w.rnd.IntN(60))*time.Minute), p.User, p.Laptop, lid, 2)
	}
	machine := client
	if p.TS {
		machine = hostName
	}
	s.shares(day, p, machine, start, end, 10+w.rnd.IntN(40))
	s.mails(day, p, start, end, 1)
	if p.Login != "" {
		w.aside(func() { s.appMail(p, start, end) })
	}
	s.applications(day, p, client, start, end, 1)
	if p.Admin {
		s.admin(day, p, start, end)
	}
	if p.Finance {
		s.financeExport(day, p, client, start)
	}
	if w.rnd.Float64() < 0.01 { // a headset or a stick without anything of note on it
		desc, class := "Jabra Evolve2 65", "AudioEndpoint"
		if w.rnd.Float64() < 0.5 {
			desc, class = "Kingston DataTraveler 3.0 USB Device", "DiskDrive"
		}
		s.device(w.between(start, end), p.User, hostName, fmt.Sprintf(`USB\VID_%04X&PID_%04X\%08X`, w.rnd.IntN(65536), w.rnd.IntN(65536), w.rnd.Uint32()), desc, class)
	}
}

// evening is a short evening session on the laptop (or desktop over VPN): a tail of work.
func (s *Sim) evening(day time.Time, p *person) {
	w := s.w
	start := w.between(w.at(day, 19, 30), w.at(day, 22, 0))
	end := start.Add(time.Duration(20+w.rnd.IntN(50)) * time.Minute)
	h := p.Laptop
	if h == "" {
		h = p.Desktop
	}
	p.seat = seat{h, p.IP}
	id := s.logon(start, p.User, h, h, p.IP, 2)
	s.logoff(end, p.User, h, id, 2)
	s.shares(day, p, h, start, end, 2+w.rnd.IntN(6))
	s.mails(day, p, start, end, 0.15)
	s.applications(day, p, h, start, end, 0.1)
}

func (s *Sim) shares(day time.Time, p *person, machine string, start, end time.Time, n int) {
	w := s.w
	share := s.shareOf(p)
	who := s.smbUser(p.User)
	ip := p.seat.ip
	s.samba(start.Add(30*time.Second), who, ip, machine, share, "connect", share)
	for range n {
		t := w.between(start, end)
		path := s.docPath(p, day)
		switch r := w.rnd.Float64(); {
		case r < 0.68:
			s.samba(t, who, ip, machine, share, "openat", "r", path)
		case r < 0.83:
			s.samba(t, who, ip, machine, share, "openat", "w", path)
		case r < 0.89:
			s.samba(t, who, ip, machine, share, "create_file", "0x100080", "file", "create", path)
		case r < 0.93:
			s.samba(t, who, ip, machine, share, "renameat", path, strings.Replace(path, ".docx", "-v2.docx", 1))
		case r < 0.98:
			s.samba(t, who, ip, machine, share, "unlinkat", path)
		default:
			s.samba(t, who, ip, machine, share, "mkdirat", filepath.Dir(path)+"/nieuw")
		}
	}
	s.samba(end, who, ip, machine, share, "disconnect", share)
}

// mails writes a person's mail of the day; scale thins it for short sessions.
func (s *Sim) mails(day time.Time, p *person, start, end time.Time, scale float64) {
	w := s.w
	n := int(float64(3+w.rnd.IntN(15)) * scale)
	for range n {
		t := w.between(start, end)
		var to []string
		attach := w.rnd.Float64() < 0.2
		switch r := w.rnd.Float64(); {
		case r < 0.6:
			for range 1 + w.rnd.IntN(3) {
				c := s.colleague(p)
				if !slices.Contains(to, c.Email) {
					to = append(to, c.Email)
				}
			}
		case r < 0.78:
			to = []string{s.externalAddress(partnerDomains)}
		case r < 0.86:
			to = []string{s.externalAddress(govDomains)}
		default:
			addr, ok := s.regulars[p.User]
			if !ok {
				addr = s.externalAddress(supplierDomain)
				if !w.side {
					s.regulars[p.User] = addr
				}
			}
			to = []string{addr}
		}
		var bounce map[string]string
		if to[0][strings.LastIndexByte(to[0], '@')+1:] != Domain && w.rnd.Float64() < 0.02 {
			bounce = map[string]string{to[0]: "550 5.1.1 RESOLVER.ADR.RecipNotFound; not found"}
		}
		s.send(t, p.sender(), to, pick(w.rnd, subjects), s.mailSize(attach), bounce)
	}
	if !p.Dept.Front {
		return
	}
	// Citizens write in; about half get an answer, often with a document attached.
	for range int(float64(w.rnd.IntN(4)) * scale) {
		t := w.between(start, end.Add(-time.Hour))
		from := s.citizenAddress()
		s.inbound(t, from, p, 3_000+w.rnd.IntN(900_000))
		if w.rnd.Float64() < 0.5 {
			s.send(w.between(t.Add(10*time.Minute), end), s.answerer(p), []string{from}, "Re: "+pick(w.rnd, subjects), s.mailSize(w.rnd.Float64() < 0.5), nil)
		}
	}
}

// answerer is who a citizen's answer goes out as: the KCC answers about a third from the shared
// mailbox info@, which is no one in the directory.
func (s *Sim) answerer(p *person) sender {
	if p.Dept.Share == "kcc" && s.w.ids.Float64() < 0.3 {
		return sender{functionMailbox, p.seat.ip, p.seat.host}
	}
	return p.sender()
}

// appMail is mail a person sends from the mail app on their laptop through the gateway's submission
// port, logged in with their UPN or account: to partners and government.
func (s *Sim) appMail(p *person, start, end time.Time) {
	w := s.w
	for range w.rnd.IntN(3) {
		to := s.externalAddress(partnerDomains)
		if w.rnd.Float64() < 0.4 {
			to = s.externalAddress(govDomains)
		}
		s.submit(w.between(start, end), p, p.Login, p.From, []string{to}, s.mailSize(w.rnd.Float64() < 0.2))
	}
}

func (s *Sim) colleague(p *person) *person {
	same := s.w.byDept[p.Dept.Share]
	if s.w.rnd.Float64() < 0.7 && len(same) > 1 {
		for range 5 {
			if c := pick(s.w.rnd, same); c != p && c.Status == "active" {
				return c
			}
		}
	}
	return pick(s.w.rnd, s.w.active)
}

// citizens is the number of person records in the zaaksysteem.
func (s *Sim) citizens() int { return 40 * s.o.Employees }

func (s *Sim) record() string {
	if s.w.rnd.Float64() < 0.6 {
		return fmt.Sprintf("persoon/%d", 100000+s.w.rnd.IntN(s.citizens()))
	}
	return fmt.Sprintf("zaak/%d-%06d", 2020+s.w.rnd.IntN(7), s.w.rnd.IntN(200000))
}

// applications: the zaaksysteem (records viewed, small exports, deletions) and the HR system.
func (s *Sim) applications(day time.Time, p *person, client string, start, end time.Time, scale float64) {
	w := s.w
	lo, hi := p.Dept.Views[0], p.Dept.Views[1]
	if hi > 0 {
		s.zaak(start.Add(2*time.Minute), p, client, p.seat.ip, "login", "", 0)
		n := int(float64(lo+w.rnd.IntN(hi-lo+1)) * scale)
		var seen []string
		for range n {
			rec := s.record()
			if len(seen) > 0 && w.rnd.Float64() < 0.3 {
				rec = pick(w.rnd, seen) // back to a record already open
			}
			seen = append(seen, rec)
			action := "dossier.view"
			if strings.HasPrefix(rec, "persoon/") {
				action = "persoon.raadplegen"
			}
			s.zaak(w.between(start, end), p, client, p.seat.ip, action, rec, 0)
			if w.rnd.Float64() < 0.15 {
				s.zaak(w.between(start, end), p, client, p.seat.ip, pick(w.rnd, []string{"zaak.aanmaken", "document.toevoegen", "status.wijzigen"}), rec, 0)
			}
		}
		if w.rnd.Float64() < 0.04*scale {
			s.zaak(w.between(start, end), p, client, p.seat.ip, "export.csv", fmt.Sprintf("zoekresultaat/%d", w.id()), 5+w.rnd.IntN(55))
		}
		if p.Dept.Share == "div" && w.rnd.Float64() < 0.5*scale {
			for range 1 + w.rnd.IntN(5) {
				s.zaak(w.between(start, end), p, client, p.seat.ip, "dossier.delete", s.record(), 0)
			}
		}
	}
	if p.Dept.Share == "po" && scale >= 1 {
		for range 5 + w.rnd.IntN(20) {
			s.hr(w.between(start, end), p, p.seat.ip, "personeelsdossier.inzien", pick(w.rnd, w.people).User)
		}
	}
}

// admin is an ICT admin's server work: SSH on the bastion with an admin account, RDP to servers.
func (s *Sim) admin(day time.Time, p *person, start, end time.Time) {
	w := s.w
	adm := "adm_" + p.User
	for range 1 + w.rnd.IntN(3) {
		t := w.between(start, end.Add(-time.Hour))
		pid := 2000 + w.rnd.IntN(30000)
		// The bastion knows the admin account locally and the person's own account through SSSD,
		// which names it fully qualified: about three sessions in ten are to read logs as oneself.
		who := adm
		if w.ids.Float64() < 0.3 {
			who = p.UPN
		}
		s.sshd(t, "bastion", pid, fmt.Sprintf("Accepted publickey for %s from %s port %d ssh2: ED25519 SHA256:%x", who, p.IP, 40000+w.rnd.IntN(20000), w.rnd.Uint64()))
		s.sshd(t, "bastion", pid, fmt.Sprintf("pam_unix(sshd:session): session opened for user %s(uid=%d) by (uid=0)", who, 10000+len(who)))
		s.sshd(t.Add(time.Duration(5+w.rnd.IntN(60))*time.Minute), "bastion", pid, fmt.Sprintf("pam_unix(sshd:session): session closed for user %s", who))
	}
	// Support calls: a remote session with the admin account on a colleague's workstation.
	for range w.rnd.IntN(3) {
		t := w.between(start, end.Add(-time.Hour))
		u := pick(w.rnd, w.active)
		id := s.logon(t, adm, u.Desktop, p.Desktop, p.IP, 10)
		s.logoff(t.Add(time.Duration(5+w.rnd.IntN(20))*time.Minute), adm, u.Desktop, id, 10)
	}
	if w.rnd.Float64() < 0.5 {
		t := w.between(start, end.Add(-time.Hour))
		srv := pick(w.rnd, []string{"APP01", "APP02", "FS01", "EXCH01"})
		id := s.logon(t, adm, srv, p.Desktop, p.IP, 10)
		s.logoff(t.Add(time.Duration(10+w.rnd.IntN(50))*time.Minute), adm, srv, id, 10)
	}
}

// services: nightly backup reads, the archiving job's deletions, the zaaksysteem's notifications,
// internet noise on the bastion.
func (s *Sim) services(day time.Time, work bool) {
	w := s.w
	night := w.at(day, 1, 30)
	for range 200 + w.rnd.IntN(200) {
		d := pick(w.rnd, departments)
		s.samba(w.between(night, night.Add(time.Hour)), qualified("svc_backup"), "10.20.0.40", "BACKUP01", "afdeling-"+d.Share, "openat", "r",
			fmt.Sprintf("/srv/shares/%s/%s/%d/%03d-%s", d.Share, pick(w.rnd, folders), day.Year()-w.rnd.IntN(3), w.rnd.IntN(400), pick(w.rnd, docs)))
	}
	if work {
		at := w.at(day, 2, 30)
		for i := range 150 + w.rnd.IntN(400) {
			s.samba(at.Add(time.Duration(i)*300*time.Millisecond), qualified("svc_archief"), "10.20.0.41", "ARCHIEF01", "afdeling-div", "unlinkat",
				fmt.Sprintf("/srv/shares/div/overbrenging/%d/%05d.pdf", 2010+w.rnd.IntN(5), i))
		}
		for range s.o.Employees/25 + w.rnd.IntN(10) {
			t := w.between(w.at(day, 8, 0), w.at(day, 17, 30))
			to := s.citizenAddress()
			var bounce map[string]string
			if w.rnd.Float64() < 0.03 {
				bounce = map[string]string{to: "host mx." + to[strings.LastIndexByte(to, '@')+1:] + " said: 550 5.1.1 <" + to + ">: Recipient address rejected: User unknown (in reply to RCPT TO command)"}
			}
			s.relay(t, "noreply@"+Domain, []string{to}, 60_000+w.rnd.IntN(400_000), bounce)
		}
	}
	if work {
		w.aside(func() { s.ghost(day) })
	}
	for range 30 + w.rnd.IntN(60) {
		t := w.between(day, day.Add(24*time.Hour))
		pid := 2000 + w.rnd.IntN(30000)
		u := pick(w.rnd, []string{"root", "admin", "oracle", "test", "ubuntu", "pi", "git"})
		ip := fmt.Sprintf("198.51.100.%d", 1+w.rnd.IntN(250))
		if u == "root" {
			s.sshd(t, "bastion", pid, fmt.Sprintf("Failed password for root from %s port %d ssh2", ip, 30000+w.rnd.IntN(30000)))
		} else {
			s.sshd(t, "bastion", pid, fmt.Sprintf("Failed password for invalid user %s from %s port %d ssh2", u, ip, 30000+w.rnd.IntN(30000)))
		}
		s.sshd(t.Add(2*time.Second), "bastion", pid, fmt.Sprintf("Connection closed by invalid user %s %s port %d [preauth]", u, ip, 30000+w.rnd.IntN(30000)))
	}
}

// ghost is what the old account of someone who left, no longer in the directory, still leaves in
// the logs: a mapped drive with saved credentials on a workstation retrying it (failed network
// logons: the account is disabled), and now and then a colleague trying it on the bastion.
func (s *Sim) ghost(day time.Time) {
	w := s.w
	ws := w.people[len(w.people)/2]
	for range 1 + w.rnd.IntN(3) {
		t := w.between(w.at(day, 8, 0), w.at(day, 17, 0))
		s.winlog(t, "FS01", 4625, map[string]string{"SubjectUserSid": "S-1-0-0", "SubjectUserName": "-", "SubjectDomainName": "-",
			"TargetUserSid": "S-1-0-0", "TargetUserName": w.ghost, "TargetDomainName": ADDomain, "Status": "0xc000006e",
			"SubStatus": "0xc0000072", "LogonType": "3", "LogonProcessName": "NtLmSsp ", "AuthenticationPackageName": "NTLM",
			"WorkstationName": ws.Desktop, "IpAddress": ws.IP, "IpPort": fmt.Sprint(49152 + w.rnd.IntN(16000))}, true)
	}
	if w.rnd.Float64() < 0.3 {
		t := w.between(w.at(day, 8, 0), w.at(day, 17, 0))
		pid := 2000 + w.rnd.IntN(30000)
		s.sshd(t, "bastion", pid, fmt.Sprintf("Failed password for %s from %s port %d ssh2", w.ghost, ws.IP, 40000+w.rnd.IntN(20000)))
	}
}

// financeExport is the legitimate daily debtor export: a large list download in the zaaksysteem and
// a CSV in the finance export folder full of nine-digit invoice numbers that are not BSNs.
func (s *Sim) financeExport(day time.Time, p *person, client string, start time.Time) {
	w := s.w
	t := start.Add(time.Duration(20+w.rnd.IntN(60)) * time.Minute)
	n := 2000 + w.rnd.IntN(7000)
	s.zaak(t, p, client, p.seat.ip, "lijst.download", fmt.Sprintf("debiteuren/%s", day.Format("20060102")), n)
	var b strings.Builder
	b.WriteString("factuurnummer;debiteur;bedrag;vervaldatum;iban\n")
	for range 300 + w.rnd.IntN(300) {
		fmt.Fprintf(&b, "%09d;%d;%d,%02d;%s;NL%02dBNGH%010d\n", 100000000+w.rnd.IntN(899999999), 10000+w.rnd.IntN(90000),
			w.rnd.IntN(5000), w.rnd.IntN(100), day.AddDate(0, 1, 0).Format("02-01-2006"), w.rnd.IntN(100), w.rnd.Int64N(1e10))
	}
	name := fmt.Sprintf("financien/debiteuren-%s-%s.csv", day.Format("20060102"), p.User)
	s.writeFile(name, []byte(b.String()), t.Add(time.Minute))
}

// writeFile puts a file under exports/ (learn/exports/ in the learning period) with its
// modification time at t (nothing while muted).
func (s *Sim) writeFile(rel string, data []byte, t time.Time) string {
	p := filepath.Join(s.out, s.exports(t), rel)
	if s.muted {
		return p
	}
	err := os.MkdirAll(filepath.Dir(p), 0o755)
	if err == nil {
		err = os.WriteFile(p, data, 0o644)
	}
	if err == nil {
		err = os.Chtimes(p, t, t)
	}
	if err != nil && s.err == nil {
		s.err = err
	}
	s.files++
	return p
}
