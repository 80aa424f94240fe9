// Package postfix reads Postfix's syslog lines and joins them over the queue id into one mail
// event per recipient delivery attempt (and one per NOQUEUE reject).
package postfix

import (
	"bytes"
	"fmt"
	"time"

	"github.com/lekwacht/lekwacht/collectors/parse"
	"github.com/lekwacht/lekwacht/collectors/syslog"
	"github.com/lekwacht/lekwacht/event"
)

// Name is the format's name in the config and on the command line.
const Name = "postfix"

// Parser reads Postfix lines. It keeps, per queue id, what smtpd, pickup, cleanup and qmgr said
// until the delivery lines come, at most Options.Pending() queue ids (least recently used dropped).
// It does not implement parse.Flusher: every event is complete when its delivery line arrives, the
// state only enriches later lines, so nothing is pending at the end of the input.
type Parser struct {
	envelope syslog.Parser
	msgs     *store
}

// New builds a Parser.
func New(opts parse.Options) (parse.Parser, error) {
	return newParser(opts)
}

func newParser(opts parse.Options) (*Parser, error) {
	s, err := newStore(opts.Pending())
	if err != nil {
		return nil, fmt.Errorf("postfix state: %w", err)
	}
	return &Parser{envelope: syslog.Parser{Location: opts.Loc(), Reference: opts.Now}, msgs: s}, nil
}

// Stats reports the queue-id state: held, evicted, removed, linked.
func (p *Parser) Stats() Stats {
	st := p.msgs.stats
	st.Pending = p.msgs.lru.Len()
	return st
}

// Reset forgets every queue id (counts are kept).
func (p *Parser) Reset() { p.msgs.clear() }

// line is one Postfix line after the envelope.
type line struct {
	raw  parse.Line
	text string // raw.Text copied once: what events keep are parts of it
	time time.Time
	host string
	role string // the last element of the tag: smtpd, qmgr, smtp, local, ...
}

// str returns b, a part of the line's bytes, as the same part of the line's text, without a copy.
// What the parser keeps across lines is copied instead (string(b)): a queue id's state must not
// hold on to whole lines.
func (ln *line) str(b []byte) string {
	off := cap(ln.raw.Text) - cap(b) // where b starts, when it is a part of raw.Text
	if len(b) == 0 || off < 0 || off+len(b) > len(ln.text) || ln.text[off:off+len(b)] != string(b) {
		return string(b)
	}
	return ln.text[off : off+len(b)]
}

// Parse reads one line. Lines of other programs in the same log are noise.
func (p *Parser) Parse(l parse.Line) ([]event.Event, error) {
	text := string(l.Text)
	h, m, err := p.envelope.ParseString(text)
	if err != nil {
		return nil, parse.Rejectf(parse.ReasonSyntax, "no syslog header")
	}
	if !isPostfix(h.App) {
		return nil, nil
	}
	msg := l.Text[len(l.Text)-len(m):] // the message is the line's end
	ln := &line{raw: l, text: text, time: h.Time, host: h.Host, role: lastElement(h.App)}
	if rest, ok := bytes.CutPrefix(msg, []byte("NOQUEUE: ")); ok {
		return p.noQueue(ln, rest)
	}
	id, body, ok := queueID(msg)
	if !ok {
		return nil, nil // connect, disconnect, postscreen, anvil, TLS, warnings
	}
	return p.record(ln, id, body)
}

// isPostfix tells whether a syslog tag is one of Postfix's: postfix/smtpd, postfix-incoming/qmgr.
func isPostfix(app string) bool {
	if len(app) < 8 || app[:7] != "postfix" {
		return false
	}
	return app[7] == '/' || app[7] == '-'
}

func lastElement(app string) string {
	for i := len(app) - 1; i >= 0; i-- {
		if app[i] == '/' {
			return app[i+1:]
		}
	}
	return app
}

// record reads a "QID: ..." line.
func (p *Parser) record(ln *line, id, body []byte) ([]event.Event, error) {
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
		p.msgs.obtain(id).messageID = string(trimAngle(body[len("message-id="):]))
	case string(body) == "removed":
		p.msgs.remove(id)
	case isSMTPReject(body):
		return p.reject(ln, id, body)
	case (bytes.HasPrefix(body, []byte("sender ")) || bytes.HasPrefix(body, []byte("postmaster "))) &&
		bytes.Contains(body, []byte(" notification: ")):
		p.notification(id, body)
	default:
		p.headerCheck(id, body)
	}
	return nil, nil
}

// isSMTPReject tells smtpd's "reject: RCPT from ..." (and milter-reject) from cleanup's
// "reject: header Subject: ..." (a header_checks action, whose class is lowercase).
func isSMTPReject(body []byte) bool {
	rest, ok := bytes.CutPrefix(body, []byte("reject: "))
	if !ok {
		rest, ok = bytes.CutPrefix(body, []byte("milter-reject: "))
	}
	return ok && len(rest) > 0 && rest[0] >= 'A' && rest[0] <= 'Z'
}

func trimAngle(b []byte) []byte {
	if len(b) >= 2 && b[0] == '<' && b[len(b)-1] == '>' {
		return b[1 : len(b)-1]
	}
	return b
}

// smtpdClient reads "client=host[ip][, sasl_method=PLAIN, sasl_username=u]".
func (p *Parser) smtpdClient(id, body []byte) {
	m := p.msgs.obtain(id)
	for b := body; ; {
		k, v, rest, ok := nextKV(b)
		if !ok {
			return
		}
		switch string(k) {
		case "client":
			m.client = parseClient(v)
		case "sasl_username":
			m.saslUser = string(v)
		}
		b = rest
	}
}

// pickup reads "uid=0 from=<root>": mail submitted on this host with sendmail.
func (p *Parser) pickup(id, body []byte) {
	m := p.msgs.obtain(id)
	for b := body; ; {
		k, v, rest, ok := nextKV(b)
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
func (p *Parser) queued(ln *line, id, body []byte) ([]event.Event, error) {
	m := p.msgs.obtain(id)
	var status []byte
	for b := body; ; {
		k, v, rest, ok := nextKV(b)
		if !ok {
			break
		}
		switch string(k) {
		case "from":
			m.from, m.hasFrom = string(v), true
		case "size":
			m.size = int64(atoi(v))
		case "nrcpt":
			m.nrcpt = atoi(v)
		case "status":
			status = v
		}
		b = rest
	}
	if status == nil {
		return nil, nil
	}
	return p.mailEvent(ln, id, m, delivered{status: status}), nil
}

// notification reads bounce's "sender non-delivery notification: NEWQID" (also delay and success
// notices): NEWQID is a message Postfix wrote itself.
func (p *Parser) notification(id, body []byte) {
	_, after, _ := cut(body, " notification: ")
	newID := leadingID(after)
	if newID == nil || len(newID) != len(after) || bytes.Equal(newID, id) {
		return
	}
	if n := p.msgs.obtain(newID); n.origin == nil {
		n.notice = true
	}
}

// headerCheck reads cleanup's header_checks log line for the Subject header:
// "info: header Subject: TEXT from host[ip]; from=<..> to=<..> proto=.. helo=<..>". Other
// lines with a queue id ("host ... said", "lost connection", ...) are noise.
func (p *Parser) headerCheck(id, body []byte) {
	colon := bytes.IndexByte(body, ':')
	if colon <= 0 || colon > 20 {
		return
	}
	rest := body[colon+1:]
	rest, ok := bytes.CutPrefix(rest, []byte(" header "))
	if !ok || len(rest) < 8 || !bytes.EqualFold(rest[:8], []byte("subject:")) {
		return
	}
	subj := subjectText(rest[8:])
	if subj == nil {
		return
	}
	p.msgs.obtain(id).subject = string(bytes.TrimSpace(subj))
}

// subjectText cuts the header value out of "TEXT from ORIGIN; from=<..> ...": ORIGIN has no
// spaces and is followed by ';' and the sender/recipient tail or the end of the line.
func subjectText(b []byte) []byte {
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
