package sim

import (
	"fmt"
	"hash/fnv"
	"slices"
	"strings"
	"time"
)

// The network side of a day (issue 20): what the domain controllers and the servers see of every
// logon. Each PC asks for its own ticket when it starts (4768 of WS-0042$ from its address); a
// person's logon asks for theirs seconds before the 4624 on the PC; drives mapped and applications
// opened ask for service tickets (4769) and log network logons on the servers (4624 type 3, NTLM
// ones checked by the domain controller as 4776 naming the PC); now and then a password typed
// wrong (4771). Drawn on its own random source (w.net) after the rest of the day, so the rest of the
// simulation draws what it did.

// StoryColleaguePassword is the planted case of issue 20: a colleague's password used for a share
// from one's own PC.
const StoryColleaguePassword = "colleague-password-share"

// sit is an interactive or network logon written today: the network side writes what it asks of
// the domain controllers.
type sit struct {
	t                  time.Time
	user, host, client string
	kind               int
}

// dcs are the domain controllers; appServers the servers applications authenticate to with NTLM.
var (
	dcs        = []string{"DC01", "DC02"}
	appServers = []string{"APP01", "APP02"}
)

// netOn says whether this lekwacht reads the domain controllers' checks: the network side is
// written only then.
func netOn() bool { return reads(4768, 4769, 4771, 4776) }

// seen records a logon for the network side of the day.
func (s *Sim) seen(t time.Time, user, host, client string, kind int) {
	if s.net && !s.muted && kind != 7 {
		s.sits = append(s.sits, sit{t, user, host, client, kind})
	}
}

// address is the address of a computer: a person's desktop their IP, their laptop one of the
// laptops' network, a hot desk its own, the others (meeting rooms, servers, terminal servers)
// one from their name.
func (w *world) address(host string) string {
	if w.addrs == nil {
		w.addrs = map[string]string{}
		for _, p := range w.people {
			w.addrs[strings.ToLower(p.Desktop)] = p.IP
			if p.Laptop != "" {
				w.addrs[strings.ToLower(p.Laptop)] = strings.Replace(p.IP, "10.20.", "10.21.", 1)
			}
		}
		for _, h := range w.hot {
			w.addrs[strings.ToLower(h.host)] = h.ip
		}
		for i, r := range w.rooms {
			w.addrs[strings.ToLower(r)] = fmt.Sprintf("10.40.0.%d", 10+i)
		}
	}
	if a, ok := w.addrs[strings.ToLower(host)]; ok {
		return a
	}
	h := fnv.New32a()
	h.Write([]byte(strings.ToLower(host)))
	n := h.Sum32()
	return fmt.Sprintf("10.10.%d.%d", 1+n%200, 1+(n/200)%250)
}

// network writes the day's network side for every logon seen today, and clears them.
func (s *Sim) network(day time.Time) {
	if !s.net {
		return
	}
	w := s.w
	w.using(w.net, func() {
		booted := map[string]bool{}
		sits := slices.Clone(s.sits)
		s.sits = s.sits[:0]
		for _, st := range sits {
			if st.kind == 3 {
				// the ticket for the server the network logon is on, from the client's address
				s.ticket(st.t.Add(-time.Duration(200+w.rnd.IntN(800))*time.Millisecond), st.user, st.client, strings.ToUpper(st.host)+"$")
				continue
			}
			if !booted[st.host] {
				booted[st.host] = true
				s.tgt(st.t.Add(-time.Duration(2+w.rnd.IntN(14))*time.Minute), st.host+"$", st.host, false)
			}
			if w.rnd.Float64() < 0.02 {
				s.tgt(st.t.Add(-time.Duration(20+w.rnd.IntN(30))*time.Second), st.user, st.host, true)
			}
			s.tgt(st.t.Add(-time.Duration(1+w.rnd.IntN(4))*time.Second), st.user, st.host, false)
			s.ticket(st.t.Add(-time.Duration(500+w.rnd.IntN(500))*time.Millisecond), st.user, st.host, st.host+"$")
		}
		for _, a := range s.present {
			s.workTraffic(a)
		}
		s.sits = s.sits[:0] // workTraffic's own network logons wrote their tickets
	})
}

// workTraffic is a working day's own network logons beyond the share: mail, the zaaksysteem, the
// printer, group policy refreshed on a domain controller, a ticket renewed in the afternoon, and for some an application that
// checks passwords with NTLM.
func (s *Sim) workTraffic(a *attendance) {
	w := s.w
	src := a.host // a remote session's network logons come from the computer it runs on
	if a.kind == 2 {
		src = a.client
	}
	s.ticket(a.start.Add(time.Duration(60+w.rnd.IntN(120))*time.Second), a.p.User, src, "EXCH01$")
	if a.p.Dept.Views[1] > 0 {
		s.ticket(a.start.Add(time.Duration(5+w.rnd.IntN(25))*time.Minute), a.p.User, src, "ZAAK01$")
	}
	id := s.logon(a.start.Add(70*time.Second), a.p.User, "PRINT01", src, w.address(src), 3)
	s.logoff(a.end.Add(time.Minute), a.p.User, "PRINT01", id, 3)
	s.ticket(a.start.Add(69*time.Second), a.p.User, src, "PRINT01$")
	if w.rnd.Float64() < 0.5 {
		s.ticket(w.between(w.at(a.start, 12, 0), w.at(a.start, 14, 0)), a.p.User, src, "FS01$")
	}
	// group policy refreshed every 90 to 120 minutes: the user's network logon on a domain
	// controller (SYSVOL) from the PC
	for t := a.start.Add(time.Duration(90+w.rnd.IntN(30)) * time.Minute); t.Before(a.end); t = t.Add(time.Duration(90+w.rnd.IntN(30)) * time.Minute) {
		dc := pick(w.rnd, dcs)
		gid := s.logon(t, a.p.User, dc, src, w.address(src), 3)
		s.logoff(t.Add(time.Duration(1+w.rnd.IntN(3))*time.Second), a.p.User, dc, gid, 3)
	}
	if w.rnd.Float64() < 0.4 {
		for range 1 + w.rnd.IntN(3) {
			s.ntlm(w.between(a.start, a.end), a.p.User, src, pick(w.rnd, appServers))
		}
	}
}

// tgt writes a domain controller's 4768: user asked for a ticket-granting ticket from host's
// address; failed, a 4771 (a password typed wrong).
func (s *Sim) tgt(t time.Time, user, host string, failed bool) {
	w := s.w
	data := map[string]string{"TargetUserName": user, "TargetDomainName": strings.ToUpper(localZone), "ServiceName": "krbtgt",
		"ServiceSid": domainSID + "-502", "TicketOptions": "0x40810010", "PreAuthType": "2",
		"IpAddress": "::ffff:" + w.address(host), "IpPort": fmt.Sprint(49152 + w.rnd.IntN(16000)), "CertIssuerName": "", "CertSerialNumber": "", "CertThumbprint": ""}
	if failed {
		data["TargetSid"], data["Status"] = s.sid(user), "0x18"
		s.winlog(t, pick(w.rnd, dcs), 4771, data, true)
		return
	}
	data["TargetSid"], data["Status"], data["TicketEncryptionType"] = s.sid(strings.ToLower(user)), "0x0", "0x12"
	s.winlog(t, pick(w.rnd, dcs), 4768, data, false)
}

// ticket writes a domain controller's 4769: user asked for a ticket to service from host's address.
func (s *Sim) ticket(t time.Time, user, host, service string) {
	w := s.w
	s.winlog(t, pick(w.rnd, dcs), 4769, map[string]string{"TargetUserName": user + "@" + strings.ToUpper(localZone),
		"TargetDomainName": strings.ToUpper(localZone), "ServiceName": service, "ServiceSid": s.sid(strings.ToLower(service)),
		"TicketOptions": "0x40810000", "TicketEncryptionType": "0x12", "IpAddress": "::ffff:" + w.address(host),
		"IpPort": fmt.Sprint(49152 + w.rnd.IntN(16000)), "Status": "0x0", "LogonGuid": fmt.Sprintf("{%08x-0000-0000-0000-000000000000}", w.rnd.Uint32()),
		"TransmittedServices": "-"}, false)
}

// ntlm is an application that checks a password with NTLM: the domain controller's 4776 naming the
// PC, and the application server's network logon and logoff.
func (s *Sim) ntlm(t time.Time, user, host, server string) {
	w := s.w
	s.winlog(t, pick(w.rnd, dcs), 4776, map[string]string{"PackageName": "MICROSOFT_AUTHENTICATION_PACKAGE_V1_0",
		"TargetUserName": user, "Workstation": host, "Status": "0x0"}, false)
	id := fmt.Sprintf("0x%x", 0x100000+w.id())
	s.winlog(t.Add(200*time.Millisecond), server, 4624, map[string]string{"SubjectUserSid": "S-1-0-0", "SubjectUserName": "-",
		"SubjectDomainName": "-", "SubjectLogonId": "0x0", "TargetUserSid": s.sid(user), "TargetUserName": user, "TargetDomainName": ADDomain,
		"TargetLogonId": id, "LogonType": "3", "LogonProcessName": "NtLmSsp ", "AuthenticationPackageName": "NTLM",
		"WorkstationName": host, "IpAddress": w.address(host), "IpPort": fmt.Sprint(49152 + w.rnd.IntN(16000)), "LmPackageName": "NTLM V2"}, false)
	s.winlog(t.Add(time.Duration(1+w.rnd.IntN(20))*time.Minute), server, 4634, map[string]string{"TargetUserSid": s.sid(user),
		"TargetUserName": user, "TargetDomainName": ADDomain, "TargetLogonId": id, "LogonType": "3"}, false)
}

// colleaguePasswordStory casts the planted case: on a day in the last third, someone at their own
// desk maps a colleague's share with the colleague's password (net use \\FS01\share
// /user:VOORBEELD\colleague) and opens documents on it.
func (s *Sim) colleaguePasswordStory(days []int) *story {
	w := s.w
	d := days[len(days)*2/3+w.net.IntN(max(1, len(days)-len(days)*2/3))]
	st := newStory(StoryColleaguePassword, "net-use-with-colleague-password")
	st.c.Detector = "shared_credentials"
	s.netStories = append(s.netStories, netStory{day: d, st: st})
	return st
}

// netStory is a story of the network side: told on its day, after the rest of the stories.
type netStory struct {
	day int
	st  *story
}

// tellNet tells the network stories of simulated day d: someone at work at their own desk, not in
// another story, uses the password of a colleague of another department who is at work elsewhere.
func (s *Sim) tellNet(day time.Time, d int) {
	w := s.w
	for _, ns := range s.netStories {
		if ns.day != d {
			continue
		}
		w.using(w.net, func() {
			var at []*attendance
			for _, a := range s.present {
				if a.kind == 2 && a.host == a.p.Desktop && !a.p.Admin && a.p.story == "" && a.end.Sub(a.start) > 4*time.Hour {
					at = append(at, a)
				}
			}
			if len(at) < 2 {
				return
			}
			a := pick(w.rnd, at)
			others := slices.DeleteFunc(slices.Clone(at), func(b *attendance) bool { return b.p.Dept == a.p.Dept })
			if len(others) == 0 {
				return
			}
			b := pick(w.rnd, others)
			s.colleaguePassword(ns.st, a, b.p)
		})
	}
}

// colleaguePassword is the act: a at her desk types net use with b's password: the domain
// controller gives b a ticket from a's address (or, by the server's address, checks it with NTLM
// naming a's PC), the file server logs b's network logon from a's PC, and a opens a dozen of the
// documents on b's department's share as b.
func (s *Sim) colleaguePassword(st *story, a *attendance, b *person) {
	w := s.w
	t := w.between(a.start.Add(time.Hour), a.end.Add(-2*time.Hour)).Truncate(time.Second)
	s.hold(a.p, t.Add(-20*time.Minute), t.Add(40*time.Minute))
	pc, ip := a.p.Desktop, w.address(a.p.Desktop)
	if w.rnd.Float64() < 0.4 {
		s.winlog(t.Add(-300*time.Millisecond), pick(w.rnd, dcs), 4776, map[string]string{"PackageName": "MICROSOFT_AUTHENTICATION_PACKAGE_V1_0",
			"TargetUserName": b.User, "Workstation": pc, "Status": "0x0"}, false)
	} else {
		s.tgt(t.Add(-2*time.Second), b.User, pc, false)
	}
	id := s.logon(t, b.User, "FS01", pc, ip, 3)
	end := t.Add(time.Duration(10+w.rnd.IntN(20)) * time.Minute)
	s.logoff(end, b.User, "FS01", id, 3)
	share, who := s.shareOf(b), s.smbUser(b.User)
	s.samba(t.Add(2*time.Second), who, ip, pc, share, "connect", share)
	for range 8 + w.rnd.IntN(10) {
		s.samba(w.between(t.Add(5*time.Second), end), who, ip, pc, share, "openat", "r", s.docPath(b, t))
	}
	st.c.Users = []string{b.User, a.p.User}
	st.seen(t.Add(-2*time.Second), end, pc, "FS01")
	st.c.Note = fmt.Sprintf("%s at her own PC %s maps %s's share with %s's password (net use \\\\FS01\\%s /user:%s\\%s) and opens documents on it",
		a.p.User, pc, b.User, b.User, share, ADDomain, b.User)
}
