package postfix

import (
	"bytes"
	"strings"

	"github.com/lekwacht/lekwacht/collectors/parse"
	"github.com/lekwacht/lekwacht/event"
)

// noQueue reads "NOQUEUE: ..." lines: rejects before a queue file existed. Other NOQUEUE lines
// (lost connection, reject_warning, filter, hold) are noise.
func (p *Parser) noQueue(ln *line, rest []byte) ([]event.Event, error) {
	if bytes.HasPrefix(rest, []byte("reject: ")) || bytes.HasPrefix(rest, []byte("milter-reject: ")) {
		return p.reject(ln, nil, rest)
	}
	return nil, nil
}

// reject reads "reject: STAGE from HOST[IP]: CODE X.Y.Z TEXT; from=<s> to=<r> proto=P helo=<h>"
// (smtpd, with NOQUEUE or a queue id) and postscreen's comma-separated tail
// "; from=<s>, to=<r>, proto=P, helo=<h>".
func (p *Parser) reject(ln *line, id, body []byte) ([]event.Event, error) {
	action, rest, _ := cut(body, ": ")
	stage, rest, ok := cut(rest, " from ")
	if !ok || len(stage) == 0 || bytes.IndexByte(stage, ' ') >= 0 {
		return nil, parse.Rejectf(parse.ReasonMissing, "reject line without stage and client")
	}
	peer, reply, ok := cut(rest, " ")
	if !ok || len(peer) < 2 || peer[len(peer)-1] != ':' {
		return nil, parse.Rejectf(parse.ReasonMissing, "reject line without reply")
	}
	r := &record{}
	ev := &r.evs[0]
	ev.Time = ln.time
	ev.Event = event.Kind{
		Category: event.CategoryEmail,
		Action:   event.ActionReject,
		Outcome:  event.OutcomeFailure,
		Code:     ln.str(body[:len(action)+len(": ")+len(stage)]), // action + ": " + stage, as the line has them
	}
	ev.Host.Name = ln.host
	name, ip, port := clientParts(peer[:len(peer)-1])
	ev.Source = event.Endpoint{IP: ln.str(ip), Domain: ln.str(name), Port: port}
	mail := &r.mail
	mail.Status = "rejected"
	if id != nil {
		mail.QueueID = ln.str(id)
		if m := p.msgs.get(id); m != nil {
			v := m.view()
			mail.SASLUser, ev.User.Name = v.saslUser, v.saslUser
			mail.MessageID, mail.Size = v.messageID, v.size
		}
	}
	text := reply
	if code, after, _ := cut(reply, " "); len(code) == 3 {
		text = after
	}
	if dsn, after, _ := cut(text, " "); isDSN(dsn) {
		mail.DSN, text = ln.str(dsn), after
	}
	tail := kvTail(text)
	ev.Event.Reason = strings.TrimSpace(ln.str(rejectReason(text[:len(text)-len(tail)])))
	for b := tail; ; {
		k, v, rest, ok := nextKV(b)
		if !ok {
			break
		}
		switch string(k) {
		case "from":
			mail.From = ln.str(v)
		case "to":
			if len(v) > 0 {
				r.to[0] = ln.str(v)
				mail.To = r.to[:]
			}
		}
		b = rest
	}
	ev.Mail = mail
	parse.StampText(ev, ln.raw, ln.text, Name)
	return r.evs[:], nil
}

// kvTail returns the "from=<..> to=<..> proto=.. helo=<..>" part after the reply text's last
// "; " that starts it, or nil.
func kvTail(text []byte) []byte {
	if i := bytes.LastIndex(text, []byte("; ")); i >= 0 {
		if _, _, _, ok := nextKV(text[i+2:]); ok {
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
