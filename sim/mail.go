package sim

import (
	"fmt"
	"strings"
	"time"
)

var subjects = []string{"Uw aanvraag", "Verslag overleg", "Afspraak volgende week", "Re: vraag over uw bezwaar", "Beschikking",
	"Planning kwartaal", "Concept raadsvoorstel", "Offerte", "Uitnodiging regionaal overleg", "Re: melding openbare ruimte",
	"Stukken voor het MT", "Aanvullende gegevens", "Ontvangstbevestiging", "Factuur", "Terugkoppeling huisbezoek",
	"Overdracht dossier", "Re: Re: rooster", "Omgevingsvergunning", "Vraag over WOZ-beschikking", "Jaarrapportage"}

// mailSize is a message size in bytes; with an attachment it is a document or a scan.
func (s *Sim) mailSize(attach bool) int {
	if attach {
		return 120_000 + s.w.rnd.IntN(3_000_000)
	}
	return 4_000 + s.w.rnd.IntN(40_000)
}

func (s *Sim) messageID(t time.Time) string {
	return fmt.Sprintf("<%s%08X@EXCH01.%s>", t.UTC().Format("20060102150405"), s.w.rnd.Uint32(), localZone)
}

// sender is who a message goes out as: the address the mail client writes, and the machine.
type sender struct{ addr, ip, host string }

// sender is the person sending from their own mailbox, as their mail client writes the address,
// from the machine they sit at today.
func (p *person) sender() sender { return sender{p.From, p.seat.ip, p.seat.host} }

// send writes what Exchange logs when p sends a message from their mailbox: the RECEIVE from the
// store, a DELIVER for internal recipients, a SENDEXTERNAL per external domain, and a FAIL for a
// recipient the remote side refused (bounce names those with the DSN text).
func (s *Sim) send(t time.Time, p sender, to []string, subject string, size int, bounce map[string]string) {
	mid := s.messageID(t)
	internal := fmt.Sprint(85899345000 + s.w.id())
	base := func(event string) map[string]string {
		return map[string]string{"event-id": event, "internal-message-id": internal, "message-id": mid,
			"network-message-id": fmt.Sprintf("%08x-1c2b-4a3d-9e8f-08dc0a1b2c3d", s.w.id()), "total-bytes": fmt.Sprint(size),
			"message-subject": subject, "sender-address": p.addr, "return-path": p.addr, "directionality": "Originating",
			"transport-traffic-type": "Email"}
	}
	r := base("RECEIVE")
	r["source"], r["server-hostname"], r["client-ip"], r["client-hostname"] = "STOREDRIVER", "EXCH01", p.ip, p.host+"."+localZone
	r["recipient-address"], r["recipient-count"] = strings.Join(to, ";"), fmt.Sprint(len(to))
	r["source-context"] = "MDB:6d5a4c3b-2a19-4f08-8e7d-6c5b4a392817"
	s.exchange(t, r)
	byDomain := map[string][]string{}
	var domains []string
	at := t
	for _, addr := range to {
		d := addr[strings.LastIndexByte(addr, '@')+1:]
		if d == Domain {
			at = at.Add(time.Duration(50+s.w.rnd.IntN(400)) * time.Millisecond)
			dl := base("DELIVER")
			dl["source"], dl["server-hostname"], dl["recipient-address"], dl["recipient-count"] = "STOREDRIVER", "EXCH01", addr, "1"
			s.exchange(at, dl)
			continue
		}
		if why, ok := bounce[addr]; ok {
			at = at.Add(time.Duration(300+s.w.rnd.IntN(2000)) * time.Millisecond)
			f := base("FAIL")
			f["source"], f["client-hostname"], f["server-hostname"] = "SMTP", "EXCH01", d
			f["connector-id"], f["recipient-address"], f["recipient-status"], f["recipient-count"] = "Internet Send Connector", addr, why, "1"
			s.exchange(at, f)
			continue
		}
		if _, seen := byDomain[d]; !seen {
			domains = append(domains, d)
		}
		byDomain[d] = append(byDomain[d], addr)
	}
	for _, d := range domains {
		at = at.Add(time.Duration(300+s.w.rnd.IntN(2500)) * time.Millisecond)
		sx := base("SENDEXTERNAL")
		sx["source"], sx["client-ip"], sx["client-hostname"], sx["server-hostname"] = "SMTP", "10.20.0.5", "EXCH01", "mx."+d
		sx["connector-id"], sx["recipient-address"], sx["recipient-count"] = "Internet Send Connector", strings.Join(byDomain[d], ";"), fmt.Sprint(len(byDomain[d]))
		sx["recipient-status"] = "250 2.0.0 OK"
		s.exchange(at, sx)
	}
}

// inbound writes a mail from the internet: Postfix on the gateway takes it in and relays it to
// Exchange, which delivers it to the mailbox.
func (s *Sim) inbound(t time.Time, from string, to *person, size int) {
	q := s.queueID()
	d := from[strings.LastIndexByte(from, '@')+1:]
	s.postfix(t, "smtpd", fmt.Sprintf("%s: client=mail-%s[203.0.113.%d]", q, strings.ReplaceAll(d, ".", "-"), 10+s.w.rnd.IntN(200)))
	mid := fmt.Sprintf("<%08x.%d@%s>", s.w.rnd.Uint32(), s.w.id(), d)
	s.postfix(t.Add(20*time.Millisecond), "cleanup", fmt.Sprintf("%s: message-id=%s", q, mid))
	s.postfix(t.Add(40*time.Millisecond), "qmgr", fmt.Sprintf("%s: from=<%s>, size=%d, nrcpt=1 (queue active)", q, from, size))
	rcpt := to.Email // citizens who know the alias write to it; Exchange logs the primary address
	if to.Alias != "" && s.w.ids.Float64() < 0.5 {
		rcpt = to.Alias
	}
	s.postfix(t.Add(400*time.Millisecond), "smtp", fmt.Sprintf("%s: to=<%s>, relay=exch01.%s[10.20.0.5]:25, delay=0.4, delays=0.05/0/0.1/0.25, dsn=2.6.0, status=sent (250 2.6.0 %s Queued mail for delivery)", q, rcpt, localZone, mid))
	s.postfix(t.Add(410*time.Millisecond), "qmgr", q+": removed")
	rt := t.Add(500 * time.Millisecond)
	internal := fmt.Sprint(85899345000 + s.w.id())
	f := map[string]string{"event-id": "RECEIVE", "source": "SMTP", "client-ip": "10.20.0.25", "client-hostname": "mx1." + localZone,
		"server-hostname": "EXCH01", "connector-id": "EXCH01\\Default Frontend EXCH01", "internal-message-id": internal, "message-id": mid,
		"recipient-address": to.Email, "recipient-count": "1", "total-bytes": fmt.Sprint(size), "message-subject": pick(s.w.rnd, subjects),
		"sender-address": from, "return-path": from, "directionality": "Incoming", "transport-traffic-type": "Email"}
	s.exchange(rt, f)
	dl := map[string]string{"event-id": "DELIVER", "source": "STOREDRIVER", "server-hostname": "EXCH01", "internal-message-id": internal,
		"message-id": mid, "recipient-address": to.Email, "recipient-count": "1", "total-bytes": fmt.Sprint(size),
		"message-subject": f["message-subject"], "sender-address": from, "return-path": from, "directionality": "Incoming", "transport-traffic-type": "Email"}
	s.exchange(rt.Add(200*time.Millisecond), dl)
}

// relay writes a message the zaaksysteem hands to the Postfix gateway (authenticated as its service
// account) on behalf of from: documents to citizens, notifications.
func (s *Sim) relay(t time.Time, from string, to []string, size int, bounce map[string]string) {
	s.gateway(t, submitter{"zaak01." + localZone, "10.20.0.30", "PLAIN", "svc_zaak"}, from, to, size, bounce)
}

// submitter is who hands a message to the gateway's submission port: the host, its address, and
// the SASL method and login.
type submitter struct{ host, ip, method, login string }

// submit writes a message a member of staff sends through the gateway's submission port from a mail
// app on their laptop, logged in as login (their UPN or their account), from the address the app
// is set up with.
func (s *Sim) submit(t time.Time, p *person, login, from string, to []string, size int) {
	h := p.Laptop
	if h == "" {
		h = p.Desktop
	}
	s.gateway(t, submitter{h + "." + localZone, p.IP, "LOGIN", login}, from, to, size, nil)
}

// gateway writes what Postfix logs for a message submitted (with SASL) and sent on.
func (s *Sim) gateway(t time.Time, c submitter, from string, to []string, size int, bounce map[string]string) {
	q := s.queueID()
	s.postfix(t, "submission/smtpd", fmt.Sprintf("%s: client=%s[%s], sasl_method=%s, sasl_username=%s", q, c.host, c.ip, c.method, c.login))
	s.postfix(t.Add(10*time.Millisecond), "cleanup", fmt.Sprintf("%s: message-id=<%08x.%d@%s>", q, s.w.rnd.Uint32(), s.w.id(), c.host))
	s.postfix(t.Add(30*time.Millisecond), "qmgr", fmt.Sprintf("%s: from=<%s>, size=%d, nrcpt=%d (queue active)", q, from, size, len(to)))
	at := t.Add(300 * time.Millisecond)
	for _, addr := range to {
		d := addr[strings.LastIndexByte(addr, '@')+1:]
		at = at.Add(time.Duration(100+s.w.rnd.IntN(900)) * time.Millisecond)
		if d == Domain {
			s.postfix(at, "smtp", fmt.Sprintf("%s: to=<%s>, relay=exch01.%s[10.20.0.5]:25, delay=0.5, delays=0.1/0/0.1/0.3, dsn=2.6.0, status=sent (250 2.6.0 Queued mail for delivery)", q, addr, localZone))
			continue
		}
		if why, ok := bounce[addr]; ok {
			s.postfix(at, "smtp", fmt.Sprintf("%s: to=<%s>, relay=none, delay=1.2, delays=0.1/0/1.1/0, dsn=5.4.4, status=bounced (%s)", q, addr, why))
			continue
		}
		s.postfix(at, "smtp", fmt.Sprintf("%s: to=<%s>, relay=mx.%s[198.51.100.%d]:25, delay=1.1, delays=0.1/0/0.5/0.5, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as %X)", q, addr, d, 10+s.w.rnd.IntN(200), s.w.rnd.Uint32()))
	}
	s.postfix(at.Add(10*time.Millisecond), "qmgr", q+": removed")
}

// citizenAddress is a citizen's private address at a consumer provider.
func (s *Sim) citizenAddress() string {
	return fmt.Sprintf("%s.%s%d@%s", strings.ToLower(pick(s.w.rnd, firstNames)), strings.ReplaceAll(strings.ToLower(pick(s.w.rnd, lastNames)), " ", ""),
		s.w.rnd.IntN(100), pick(s.w.rnd, providers))
}

func (s *Sim) externalAddress(domains []string) string {
	return fmt.Sprintf("%s.%s@%s", strings.ToLower(pick(s.w.rnd, firstNames)[:1]), strings.ReplaceAll(strings.ToLower(pick(s.w.rnd, lastNames)), " ", ""), pick(s.w.rnd, domains))
}

func host(p *person) string { return p.Desktop }
