package postfix

import (
	"bytes"

	"github.com/lekwacht/lekwacht/collectors/parse"
	"github.com/lekwacht/lekwacht/event"
)

// delivered is what one delivery line says about one recipient.
type delivered struct {
	to, origTo, relay, dsn, status, text []byte
	hop                                  string // hopContentFilter or hopForwarded when the mail was re-queued
}

// delivery reads "to=<r>, [orig_to=<a>,] relay=R, delay=D, delays=a/b/c/d, dsn=X.Y.Z,
// status=S (free text)" from any delivery agent.
func (p *Parser) delivery(ln *line, id, body []byte) ([]event.Event, error) {
	var d delivered
	b := body
	for d.status == nil {
		k, v, rest, ok := nextKV(b)
		if !ok {
			return nil, parse.Rejectf(parse.ReasonMissing, "delivery line without status")
		}
		switch string(k) {
		case "to":
			d.to = v
		case "orig_to":
			d.origTo = v
		case "relay":
			d.relay = v
		case "dsn":
			d.dsn = v
		case "status":
			d.status = v
		}
		b = rest
	}
	d.text = b
	switch string(d.status) {
	case "deliverable", "undeliverable":
		return nil, nil // address verification probe, not mail
	}
	m := p.msgs.get(id)
	if string(d.status) == "sent" {
		p.requeue(id, &m, &d)
	}
	return p.mailEvent(ln, id, m, d), nil
}

// requeue links the queue id a content filter ("queued as NEWQID") or local forwarding
// ("forwarded as NEWQID") gave the same mail. A "queued as" in a remote server's reply is that
// server's queue: it is followed only when the relay is this host or NEWQID is already known
// here (the re-injecting smtpd logged it first).
func (p *Parser) requeue(id []byte, m **message, d *delivered) {
	i := bytes.LastIndex(d.text, []byte(" as "))
	if i < 0 {
		return
	}
	newID := leadingID(d.text[i+4:])
	switch {
	case newID == nil:
		return
	case bytes.HasSuffix(d.text[:i], []byte("forwarded")):
		d.hop = hopForwarded
	case bytes.HasSuffix(d.text[:i], []byte("queued")) && (relayLoopback(d.relay) || p.msgs.get(newID) != nil):
		d.hop = hopContentFilter
	default:
		return
	}
	p.linkTo(id, m, newID)
}

func (p *Parser) linkTo(id []byte, m **message, newID []byte) {
	if bytes.Equal(newID, id) {
		return
	}
	if *m == nil {
		*m = p.msgs.obtain(id)
	}
	p.msgs.link(*m, newID)
}

// record is the events of a line: one event, its mail group and its recipient in one allocation.
type record struct {
	evs  [1]event.Event
	mail event.Mail
	to   [1]string
}

// mailEvent builds the deliver event of one recipient (or, for an expired message, of the
// message as a whole).
func (p *Parser) mailEvent(ln *line, id []byte, m *message, d delivered) []event.Event {
	r := &record{}
	ev := &r.evs[0]
	status := ln.statusName(d.status)
	ev.Time = ln.time
	ev.Event = event.Kind{
		Category: event.CategoryEmail,
		Action:   event.ActionDeliver,
		Outcome:  outcome(status),
		Code:     statusCode(status),
	}
	ev.Host.Name = ln.host
	mail := &r.mail
	*mail = event.Mail{Status: status, Relay: ln.intern(d.relay), DSN: ln.intern(d.dsn), Hop: d.hop, OrigTo: ln.str(d.origTo)}
	if m != nil {
		mail.QueueID = m.id
		if m.origin != nil {
			mail.OriginalQueueID = m.origin.id
		}
	} else {
		mail.QueueID = ln.str(id)
	}
	if len(d.to) > 0 {
		r.to[0] = ln.str(d.to)
		mail.To = r.to[:]
	}
	if isLocal(ln.role, d.relay) {
		mail.Direction = "local"
	}
	if m != nil {
		v := m.view()
		mail.From, mail.Size, mail.RecipientCount = v.from, v.size, v.nrcpt
		mail.MessageID, mail.Subject, mail.SASLUser = v.messageID, v.subject, v.saslUser
		ev.User.Name = v.saslUser
		if v.saslUser == "" {
			ev.User.ID = v.uid
		}
		ev.Source = event.Endpoint{IP: v.client.ip, Domain: v.client.name, Port: v.client.port}
		if m.notice && mail.Hop == "" {
			mail.Hop = hopNotification
		}
	}
	ev.Mail = mail
	parse.StampText(ev, ln.raw, ln.text, Name)
	return r.evs[:]
}

// intern returns the common relay and dsn values as constant strings, the others as parts of the line.
func (ln *line) intern(b []byte) string {
	switch string(b) {
	case "":
		return ""
	case "2.0.0":
		return "2.0.0"
	case "4.4.1":
		return "4.4.1"
	case "none":
		return "none"
	case "local":
		return "local"
	case "dovecot":
		return "dovecot"
	case "virtual":
		return "virtual"
	}
	return ln.str(b)
}

// statusName returns the status as a constant string for the usual values, the others as parts of
// the line.
func (ln *line) statusName(s []byte) string {
	switch string(s) {
	case "sent":
		return "sent"
	case "deferred":
		return "deferred"
	case "bounced":
		return "bounced"
	case "expired":
		return "expired"
	}
	return ln.str(s)
}

func statusCode(status string) string {
	switch status {
	case "sent":
		return "status=sent"
	case "deferred":
		return "status=deferred"
	case "bounced":
		return "status=bounced"
	case "expired":
		return "status=expired"
	}
	return "status=" + status
}

func outcome(status string) event.Outcome {
	switch status {
	case "sent":
		return event.OutcomeSuccess
	case "bounced", "expired":
		return event.OutcomeFailure
	}
	return event.OutcomeUnknown
}

// isLocal tells whether a delivery stayed on this system: a mailbox delivery agent, or a relay
// that names a local transport rather than a host.
func isLocal(role string, relay []byte) bool {
	switch role {
	case "local", "virtual", "lmtp", "pipe":
		return true
	}
	switch string(relay) {
	case "local", "dovecot", "virtual":
		return true
	}
	return false
}
