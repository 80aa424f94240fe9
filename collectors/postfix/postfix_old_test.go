package postfix

// The parser as it was before it read each line as one string (commit 7eba5b2): postfix.go,
// delivery.go, reject.go and fields.go of that commit, kept as the reference the equivalence test
// holds the new one to; it shares state.go (unchanged). Its envelope is syslog.Parser.Parse, which
// syslog's own equivalence test holds to the envelope of that commit.

import (
	"bytes"
	"fmt"
	"github.com/lekwacht/lekwacht/collectors/parse"
	"github.com/lekwacht/lekwacht/collectors/syslog"
	"github.com/lekwacht/lekwacht/event"
	"strings"
	"time"
)

// oldParser reads Postfix lines. It keeps, per queue id, what smtpd, pickup, cleanup and qmgr said
// until the delivery lines come, at most Options.Pending() queue ids (least recently used dropped).
// It does not implement parse.Flusher: every event is complete when its delivery oldLine arrives, the
// state only enriches later lines, so nothing is pending at the end of the input.
type oldParser struct {
	envelope syslog.Parser
	msgs     *store
}

func oldNewParser(opts parse.Options) (*oldParser, error) {
	s, err := newStore(opts.Pending())
	if err != nil {
		return nil, fmt.Errorf("postfix state: %w", err)
	}
	return &oldParser{envelope: syslog.Parser{Location: opts.Loc(), Reference: opts.Now}, msgs: s}, nil
}

// Stats reports the queue-id state: held, evicted, removed, linked.
func (p *oldParser) Stats() Stats {
	st := p.msgs.stats
	st.Pending = p.msgs.lru.Len()
	return st
}

// Reset forgets every queue id (counts are kept).
func (p *oldParser) Reset() { p.msgs.clear() }

// oldLine is one Postfix oldLine after the envelope.
type oldLine struct {
	raw  parse.Line
	time time.Time
	host string
	role string // the last element of the tag: smtpd, qmgr, smtp, local, ...
}

// Parse reads one oldLine. Lines of other programs in the same log are noise.
func (p *oldParser) Parse(l parse.Line) ([]event.Event, error) {
	h, msg, err := p.envelope.Parse(l.Text)
	if err != nil {
		return nil, parse.Rejectf(parse.ReasonSyntax, "no syslog header")
	}
	if !oldIsPostfix(h.App) {
		return nil, nil
	}
	ln := oldLine{raw: l, time: h.Time, host: h.Host, role: oldLastElement(h.App)}
	if rest, ok := bytes.CutPrefix(msg, []byte("NOQUEUE: ")); ok {
		return p.noQueue(ln, rest)
	}
	id, body, ok := oldQueueID(msg)
	if !ok {
		return nil, nil // connect, disconnect, postscreen, anvil, TLS, warnings
	}
	return p.record(ln, id, body)
}

// oldIsPostfix tells whether a syslog tag is one of Postfix's: postfix/smtpd, postfix-incoming/qmgr.
func oldIsPostfix(app string) bool {
	if len(app) < 8 || app[:7] != "postfix" {
		return false
	}
	return app[7] == '/' || app[7] == '-'
}

func oldLastElement(app string) string {
	for i := len(app) - 1; i >= 0; i-- {
		if app[i] == '/' {
			return app[i+1:]
		}
	}
	return app
}

// record reads a "QID: ..." oldLine.
func (p *oldParser) record(ln oldLine, id, body []byte) ([]event.Event, error) {
	switch {
	case bytes.HasPrefix(body, []byte("to=<")):
		return p.delivery(ln, id, body)
	case bytes.HasPrefix(body, []byte("from=<")):
		return p.queued(ln, id, body)
	case bytes.HasPrefix(body, []byte("client=")):
		p.smtpdClient(id, body)
	case bytes.HasPrefix(body, []byte("uid=")):
		p.pickup(id, body)
	case bytes.HasPrefix(body, []byte("message-id=")):
		p.msgs.obtain(id).messageID = string(oldTrimAngle(body[len("message-id="):]))
	case string(body) == "removed":
		p.msgs.remove(id)
	case oldIsSMTPReject(body):
		return p.reject(ln, id, body)
	case (bytes.HasPrefix(body, []byte("sender ")) || bytes.HasPrefix(body, []byte("postmaster "))) &&
		bytes.Contains(body, []byte(" notification: ")):
		p.notification(id, body)
	default:
		p.headerCheck(id, body)
	}
	return nil, nil
}

// oldIsSMTPReject tells smtpd's "reject: RCPT from ..." (and milter-reject) from cleanup's
// "reject: header Subject: ..." (a header_checks action, whose class is lowercase).
func oldIsSMTPReject(body []byte) bool {
	rest, ok := bytes.CutPrefix(body, []byte("reject: "))
	if !ok {
		rest, ok = bytes.CutPrefix(body, []byte("milter-reject: "))
	}
	return ok && len(rest) > 0 && rest[0] >= 'A' && rest[0] <= 'Z'
}

func oldTrimAngle(b []byte) []byte {
	if len(b) >= 2 && b[0] == '<' && b[len(b)-1] == '>' {
		return b[1 : len(b)-1]
	}
	return b
}

// smtpdClient reads "client=host[ip][, sasl_method=PLAIN, sasl_username=u]".
func (p *oldParser) smtpdClient(id, body []byte) {
	m := p.msgs.obtain(id)
	for b := body; ; {
		k, v, rest, ok := oldNextKV(b)
		if !ok {
			return
		}
		switch string(k) {
		case "client":
			m.client = oldParseClient(v)
		case "sasl_username":
			m.saslUser = string(v)
		}
		b = rest
	}
}

// pickup reads "uid=0 from=<root>": mail submitted on this host with sendmail.
func (p *oldParser) pickup(id, body []byte) {
	m := p.msgs.obtain(id)
	for b := body; ; {
		k, v, rest, ok := oldNextKV(b)
		if !ok {
			return
		}
		switch string(k) {
		case "uid":
			m.uid = string(v)
		case "from":
			if !m.hasFrom {
				m.from = string(v) // qmgr's rewritten sender replaces it later
			}
		}
		b = rest
	}
}

// queued reads qmgr's "from=<s>, size=N, nrcpt=N (queue active)" and its expiry
// "from=<s>, status=expired, returned to sender", which is an event.
func (p *oldParser) queued(ln oldLine, id, body []byte) ([]event.Event, error) {
	m := p.msgs.obtain(id)
	var status []byte
	for b := body; ; {
		k, v, rest, ok := oldNextKV(b)
		if !ok {
			break
		}
		switch string(k) {
		case "from":
			m.from, m.hasFrom = string(v), true
		case "size":
			m.size = int64(oldAtoi(v))
		case "nrcpt":
			m.nrcpt = oldAtoi(v)
		case "status":
			status = v
		}
		b = rest
	}
	if status == nil {
		return nil, nil
	}
	ev := p.mailEvent(ln, id, m, oldDelivered{status: status})
	return []event.Event{ev}, nil
}

// notification reads bounce's "sender non-delivery notification: NEWQID" (also delay and success
// notices): NEWQID is a message Postfix wrote itself.
func (p *oldParser) notification(id, body []byte) {
	_, after, _ := oldCut(body, " notification: ")
	newID := oldLeadingID(after)
	if newID == nil || len(newID) != len(after) || bytes.Equal(newID, id) {
		return
	}
	if n := p.msgs.obtain(newID); n.origin == nil {
		n.notice = true
	}
}

// headerCheck reads cleanup's header_checks log oldLine for the Subject header:
// "info: header Subject: TEXT from host[ip]; from=<..> to=<..> proto=.. helo=<..>". Other
// lines with a queue id ("host ... said", "lost connection", ...) are noise.
func (p *oldParser) headerCheck(id, body []byte) {
	colon := bytes.IndexByte(body, ':')
	if colon <= 0 || colon > 20 {
		return
	}
	rest := body[colon+1:]
	rest, ok := bytes.CutPrefix(rest, []byte(" header "))
	if !ok || len(rest) < 8 || !bytes.EqualFold(rest[:8], []byte("subject:")) {
		return
	}
	subj := oldSubjectText(rest[8:])
	if subj == nil {
		return
	}
	p.msgs.obtain(id).subject = string(bytes.TrimSpace(subj))
}

// oldSubjectText cuts the header value out of "TEXT from ORIGIN; from=<..> ...": ORIGIN has no
// spaces and is followed by ';' and the sender/recipient tail or the end of the oldLine.
func oldSubjectText(b []byte) []byte {
	for off := 0; ; {
		i := bytes.Index(b[off:], []byte(" from "))
		if i < 0 {
			return nil
		}
		start := off + i
		origin := b[start+6:]
		end := bytes.IndexAny(origin, " ;")
		if end > 0 && origin[end] == ';' {
			tail := origin[end+1:]
			if len(tail) == 0 || bytes.HasPrefix(tail, []byte(" from=<")) || bytes.HasPrefix(tail, []byte(" to=<")) ||
				bytes.HasPrefix(tail, []byte(" proto=")) || bytes.HasPrefix(tail, []byte(" helo=")) || bytes.HasPrefix(tail, []byte(": ")) {
				return b[:start]
			}
		}
		off = start + 6
	}
}

// oldDelivered is what one delivery oldLine says about one recipient.
type oldDelivered struct {
	to, origTo, relay, dsn, status, text []byte
	hop                                  string // hopContentFilter or hopForwarded when the mail was re-queued
}

// delivery reads "to=<r>, [orig_to=<a>,] relay=R, delay=D, delays=a/b/c/d, dsn=X.Y.Z,
// status=S (free text)" from any delivery agent.
func (p *oldParser) delivery(ln oldLine, id, body []byte) ([]event.Event, error) {
	var d oldDelivered
	b := body
	for d.status == nil {
		k, v, rest, ok := oldNextKV(b)
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
	return []event.Event{p.mailEvent(ln, id, m, d)}, nil
}

// requeue links the queue id a content filter ("queued as NEWQID") or local forwarding
// ("forwarded as NEWQID") gave the same mail. A "queued as" in a remote server's reply is that
// server's queue: it is followed only when the relay is this host or NEWQID is already known
// here (the re-injecting smtpd logged it first).
func (p *oldParser) requeue(id []byte, m **message, d *oldDelivered) {
	i := bytes.LastIndex(d.text, []byte(" as "))
	if i < 0 {
		return
	}
	newID := oldLeadingID(d.text[i+4:])
	switch {
	case newID == nil:
		return
	case bytes.HasSuffix(d.text[:i], []byte("forwarded")):
		d.hop = hopForwarded
	case bytes.HasSuffix(d.text[:i], []byte("queued")) && (oldRelayLoopback(d.relay) || p.msgs.get(newID) != nil):
		d.hop = hopContentFilter
	default:
		return
	}
	p.linkTo(id, m, newID)
}

func (p *oldParser) linkTo(id []byte, m **message, newID []byte) {
	if bytes.Equal(newID, id) {
		return
	}
	if *m == nil {
		*m = p.msgs.obtain(id)
	}
	p.msgs.link(*m, newID)
}

// mailEvent builds the deliver event of one recipient (or, for an expired message, of the
// message as a whole).
func (p *oldParser) mailEvent(ln oldLine, id []byte, m *message, d oldDelivered) event.Event {
	status := oldStatusName(d.status)
	ev := event.Event{
		Time: ln.time,
		Event: event.Kind{
			Category: event.CategoryEmail,
			Action:   event.ActionDeliver,
			Outcome:  oldOutcome(status),
			Code:     oldStatusCode(status),
		},
		Host: event.Host{Name: ln.host},
	}
	mail := &event.Mail{Status: status, Relay: oldIntern(d.relay), DSN: oldIntern(d.dsn), Hop: d.hop, OrigTo: string(d.origTo)}
	if m != nil {
		mail.QueueID = m.id
		if m.origin != nil {
			mail.OriginalQueueID = m.origin.id
		}
	} else {
		mail.QueueID = string(id)
	}
	if len(d.to) > 0 {
		mail.To = []string{string(d.to)}
	}
	if oldIsLocal(ln.role, d.relay) {
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
	parse.Stamp(&ev, ln.raw, Name)
	return ev
}

// oldIntern returns the common relay and dsn values as constant strings (no allocation).
func oldIntern(b []byte) string {
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
	return string(b)
}

// oldStatusName returns the status as a constant string for the usual values (no allocation).
func oldStatusName(s []byte) string {
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
	return string(s)
}

func oldStatusCode(status string) string {
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

func oldOutcome(status string) event.Outcome {
	switch status {
	case "sent":
		return event.OutcomeSuccess
	case "bounced", "expired":
		return event.OutcomeFailure
	}
	return event.OutcomeUnknown
}

// oldIsLocal tells whether a delivery stayed on this system: a mailbox delivery agent, or a relay
// that names a local transport rather than a host.
func oldIsLocal(role string, relay []byte) bool {
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

// noQueue reads "NOQUEUE: ..." lines: rejects before a queue file existed. Other NOQUEUE lines
// (lost connection, reject_warning, filter, hold) are noise.
func (p *oldParser) noQueue(ln oldLine, rest []byte) ([]event.Event, error) {
	if bytes.HasPrefix(rest, []byte("reject: ")) || bytes.HasPrefix(rest, []byte("milter-reject: ")) {
		return p.reject(ln, nil, rest)
	}
	return nil, nil
}

// reject reads "reject: STAGE from HOST[IP]: CODE X.Y.Z TEXT; from=<s> to=<r> proto=P helo=<h>"
// (smtpd, with NOQUEUE or a queue id) and postscreen's comma-separated tail
// "; from=<s>, to=<r>, proto=P, helo=<h>".
func (p *oldParser) reject(ln oldLine, id, body []byte) ([]event.Event, error) {
	action, rest, _ := oldCut(body, ": ")
	stage, rest, ok := oldCut(rest, " from ")
	if !ok || len(stage) == 0 || bytes.IndexByte(stage, ' ') >= 0 {
		return nil, parse.Rejectf(parse.ReasonMissing, "reject line without stage and client")
	}
	peer, reply, ok := oldCut(rest, " ")
	if !ok || len(peer) < 2 || peer[len(peer)-1] != ':' {
		return nil, parse.Rejectf(parse.ReasonMissing, "reject line without reply")
	}
	ev := event.Event{
		Time: ln.time,
		Event: event.Kind{
			Category: event.CategoryEmail,
			Action:   event.ActionReject,
			Outcome:  event.OutcomeFailure,
			Code:     string(action) + ": " + string(stage),
		},
		Host: event.Host{Name: ln.host},
	}
	c := oldParseClient(peer[:len(peer)-1])
	ev.Source = event.Endpoint{IP: c.ip, Domain: c.name, Port: c.port}
	mail := &event.Mail{Status: "rejected"}
	if id != nil {
		mail.QueueID = string(id)
		if m := p.msgs.get(id); m != nil {
			v := m.view()
			mail.SASLUser, ev.User.Name = v.saslUser, v.saslUser
			mail.MessageID, mail.Size = v.messageID, v.size
		}
	}
	text := reply
	if code, after, _ := oldCut(reply, " "); len(code) == 3 {
		text = after
	}
	if dsn, after, _ := oldCut(text, " "); oldIsDSN(dsn) {
		mail.DSN, text = string(dsn), after
	}
	tail := oldKvTail(text)
	ev.Event.Reason = oldRejectReason(text[:len(text)-len(tail)])
	for b := tail; ; {
		k, v, rest, ok := oldNextKV(b)
		if !ok {
			break
		}
		switch string(k) {
		case "from":
			mail.From = string(v)
		case "to":
			if len(v) > 0 {
				mail.To = []string{string(v)}
			}
		}
		b = rest
	}
	ev.Mail = mail
	parse.Stamp(&ev, ln.raw, Name)
	return []event.Event{ev}, nil
}

// oldKvTail returns the "from=<..> to=<..> proto=.. helo=<..>" part after the reply text's last
// "; " that starts it, or nil.
func oldKvTail(text []byte) []byte {
	if i := bytes.LastIndex(text, []byte("; ")); i >= 0 {
		if _, _, _, ok := oldNextKV(text[i+2:]); ok {
			return text[i+2:]
		}
	}
	for _, marker := range []string{"; from=<", "; to=<", "; proto=", "; helo="} {
		if i := bytes.LastIndex(text, []byte(marker)); i >= 0 {
			return text[i+2:]
		}
	}
	return nil
}

// oldNextKV reads one "key=value" pair from the front of b, as Postfix writes them: a value in angle
// brackets runs to the closing '>' (an address may hold ", "); any other value runs to the next
// ',' or ' '. The separators after the value (", " or " ") are skipped. ok is false when b does not
// start with a lowercase key and '=' (the free text after status=, "(queue active)", the end).
func oldNextKV(b []byte) (key, val, rest []byte, ok bool) {
	i := 0
	for i < len(b) && (b[i] >= 'a' && b[i] <= 'z' || b[i] == '_' || b[i] == '-') {
		i++
	}
	if i == 0 || i >= len(b) || b[i] != '=' {
		return nil, nil, b, false
	}
	key, b = b[:i], b[i+1:]
	if len(b) > 0 && b[0] == '<' {
		end := bytes.IndexByte(b, '>')
		if end < 0 {
			return nil, nil, b, false // truncated address
		}
		val, b = b[1:end], b[end+1:]
	} else {
		end := 0
		for end < len(b) && b[end] != ',' && b[end] != ' ' {
			end++
		}
		val, b = b[:end], b[end:]
	}
	if len(b) > 0 && b[0] == ',' {
		b = b[1:]
	}
	if len(b) > 0 && b[0] == ' ' {
		b = b[1:]
	}
	return key, val, b, true
}

// oldParseClient reads "name[ip]", "name[ip]:port", "[ip]:port" or a bare name.
func oldParseClient(b []byte) client {
	open := bytes.IndexByte(b, '[')
	if open < 0 {
		return client{name: oldKnownName(b)}
	}
	c := client{name: oldKnownName(b[:open])}
	rest := b[open+1:]
	end := bytes.IndexByte(rest, ']')
	if end < 0 {
		c.ip = string(rest)
		return c
	}
	c.ip = string(rest[:end])
	rest = rest[end+1:]
	if len(rest) > 1 && rest[0] == ':' {
		c.port = oldAtoi(rest[1:])
	}
	return c
}

func oldKnownName(b []byte) string {
	if len(b) == 0 || string(b) == "unknown" {
		return ""
	}
	return string(b)
}

// oldRelayLoopback tells whether a relay= value points at this machine: 127.0.0.1[127.0.0.1]:10024,
// localhost[::1]:10024.
func oldRelayLoopback(relay []byte) bool {
	open := bytes.IndexByte(relay, '[')
	if open < 0 {
		return false
	}
	ip := relay[open+1:]
	if end := bytes.IndexByte(ip, ']'); end >= 0 {
		ip = ip[:end]
	}
	return bytes.HasPrefix(ip, []byte("127.")) || string(ip) == "::1" || string(ip) == "::ffff:127.0.0.1"
}

// oldAtoi reads the leading decimal digits of b; 0 when there are none. It stops at 18 digits, so
// it never overflows.
func oldAtoi(b []byte) int {
	n := 0
	for i := 0; i < len(b) && i < 18 && b[i] >= '0' && b[i] <= '9'; i++ {
		n = n*10 + int(b[i]-'0')
	}
	return n
}

// oldQueueID reads a queue id at the front of b, followed by ": ". Classic ids are uppercase hex
// (721BE256EA), long ids mixed-case alphanumerics (4PbC4x469Jz3tBr). Words Postfix puts in the
// same place ("warning", "statistics") are all lowercase and are not ids.
func oldQueueID(b []byte) (id, rest []byte, ok bool) {
	i := 0
	lower := 0
	for i < len(b) && i < 32 {
		c := b[i]
		switch {
		case c >= 'a' && c <= 'z':
			lower++
		case c >= '0' && c <= '9', c >= 'A' && c <= 'Z':
		default:
			goto end
		}
		i++
	}
end:
	if i < 5 || i == lower || i+1 >= len(b) || b[i] != ':' || b[i+1] != ' ' {
		return nil, b, false
	}
	return b[:i], b[i+2:], true
}

// oldLeadingID returns the queue id at the front of b, or nil.
func oldLeadingID(b []byte) []byte {
	n := 0
	for n < len(b) && n < 32 && oldIsIDByte(b[n]) {
		n++
	}
	if n < 5 {
		return nil
	}
	return b[:n]
}

func oldIsIDByte(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z'
}

// oldRejectReason is the human part of a reject reply, without a leading "<address>: " and without
// what follows the first ';' (RBL URLs, the from=/to= tail): "Relay access denied",
// "Helo command rejected: Host not found".
func oldRejectReason(b []byte) string {
	b = bytes.TrimLeft(b, " ")
	if len(b) > 0 && b[0] == '<' {
		if end := bytes.Index(b, []byte(">: ")); end >= 0 {
			b = b[end+3:]
		}
	} else if len(b) > 1 && b[0] == ':' && b[1] == ' ' {
		b = b[2:]
	}
	if i := bytes.IndexByte(b, ';'); i >= 0 {
		b = b[:i]
	}
	return strings.TrimSpace(string(b))
}

// oldIsDSN tells whether b looks like an enhanced status code: 5.7.1, 4.7.25.
func oldIsDSN(b []byte) bool {
	if len(b) < 5 || (b[0] != '2' && b[0] != '4' && b[0] != '5') || b[1] != '.' {
		return false
	}
	dots := 0
	for _, c := range b[2:] {
		switch {
		case c == '.':
			dots++
		case c < '0' || c > '9':
			return false
		}
	}
	return dots == 1
}

// oldCut returns what is before and after the first sep.
func oldCut(b []byte, sep string) (before, after []byte, ok bool) {
	return bytes.Cut(b, []byte(sep))
}
