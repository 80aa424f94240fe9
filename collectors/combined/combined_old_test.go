package combined

// The parser as it was before it read each line as one string (commit 7eba5b2), kept as the
// reference the equivalence test holds the new one to.

import (
	"bytes"
	"net"
	"strconv"
	"time"

	"github.com/lekwacht/lekwacht/collectors/parse"
	"github.com/lekwacht/lekwacht/event"
)

// oldParser reads combined lines; it keeps no state across lines.
type oldParser struct{}

// oldNew builds a oldParser.
func oldNew(parse.Options) (parse.Parser, error) { return oldParser{}, nil }

// Parse reads one line.
func (oldParser) Parse(l parse.Line) ([]event.Event, error) {
	b := l.Text
	open := bytes.Index(b, []byte(" ["))
	if open < 0 {
		return nil, parse.Rejectf(parse.ReasonSyntax, "no [time] field")
	}
	close := bytes.IndexByte(b[open:], ']')
	if close < 0 {
		return nil, parse.Rejectf(parse.ReasonSyntax, "unclosed [time] field")
	}
	t, err := time.Parse(stampLayout, string(b[open+2:open+close]))
	if err != nil {
		return nil, parse.Rejectf(parse.ReasonTimestamp, "time is not dd/Mon/yyyy:hh:mm:ss +zone")
	}
	ev := event.Event{Time: t, Event: event.Kind{Category: event.CategoryWeb, Action: event.ActionRequest}}
	if err := oldWho(&ev, b[:open]); err != nil {
		return nil, err
	}
	h, err := oldRequest(b[open+close+1:])
	if err != nil {
		return nil, err
	}
	ev.HTTP = h
	ev.Destination, h.Path = parse.RequestTarget(h.Method, h.Path) // a forward proxy: CONNECT host:443, GET http://host/
	ev.Event.Code = strconv.Itoa(h.Status)
	ev.Event.Outcome = event.OutcomeSuccess
	if h.Status >= 400 {
		ev.Event.Outcome = event.OutcomeFailure
	}
	parse.Stamp(&ev, l, Name)
	return []event.Event{ev}, nil
}

// oldWho reads what stands before the time: the client part, ident and user. The client part is the
// remote address, possibly after a virtual host name and possibly preceded by an X-Forwarded-For
// list ("a, b c" or "\"a, b\" c"). Source.IP is the first address of the list: the original client.
func oldWho(ev *event.Event, b []byte) error {
	fields := bytes.Fields(b)
	if len(fields) < 3 {
		return parse.Rejectf(parse.ReasonSyntax, "fewer than 3 fields before [time]")
	}
	ident, user := fields[len(fields)-2], fields[len(fields)-1]
	_ = ident
	if string(user) != "-" {
		ev.User.Name = string(user)
	}
	var addrs []string
	for i, f := range fields[:len(fields)-2] {
		f = bytes.Trim(f, `",`)
		if len(f) == 0 {
			continue
		}
		if net.ParseIP(string(f)) == nil {
			if i == 0 {
				ev.Host.Name = string(f) // virtual host prefix
				continue
			}
			return parse.Rejectf(parse.ReasonSyntax, "client field %d is not an address", i+1)
		}
		addrs = append(addrs, string(f))
	}
	if len(addrs) == 0 {
		return parse.Rejectf(parse.ReasonSyntax, "no client address")
	}
	ev.Source.IP = addrs[0]
	return nil
}

// oldRequest reads ` "request" status bytes "referer" "agent"` and ignores extra fields after them.
func oldRequest(b []byte) (*event.HTTP, error) {
	req, b, ok := oldQuoted(b)
	if !ok {
		return nil, parse.Rejectf(parse.ReasonSyntax, "no quoted request")
	}
	h := &event.HTTP{}
	if m, rest, ok := bytes.Cut(req, []byte(" ")); ok {
		h.Method = string(m)
		if p, _, ok := bytes.Cut(rest, []byte(" ")); ok {
			h.Path = string(p)
		} else {
			h.Path = string(rest)
		}
	}
	fields := bytes.Fields(b)
	if len(fields) < 2 {
		return nil, parse.Rejectf(parse.ReasonSyntax, "no status and size")
	}
	status, err := strconv.Atoi(string(fields[0]))
	if err != nil || status < 100 || status > 999 {
		return nil, parse.Rejectf(parse.ReasonSyntax, "status is not a number")
	}
	h.Status = status
	if string(fields[1]) != "-" {
		n, err := strconv.ParseInt(string(fields[1]), 10, 64)
		if err != nil {
			return nil, parse.Rejectf(parse.ReasonSyntax, "size is not a number")
		}
		h.Bytes = n
	}
	// The one change since 7eba5b2: the size looked for after the status (see request).
	afterStatus := b[bytes.Index(b, fields[0])+len(fields[0]):]
	rest := afterStatus[bytes.Index(afterStatus, fields[1])+len(fields[1]):]
	if ref, r2, ok := oldQuoted(rest); ok {
		if string(ref) != "-" {
			h.Referrer = string(ref)
		}
		if ua, _, ok := oldQuoted(r2); ok && string(ua) != "-" {
			h.UserAgent = string(ua)
		}
	}
	return h, nil
}

// oldQuoted reads a "..." field after optional spaces; \" and \\ are escapes.
func oldQuoted(b []byte) (val, rest []byte, ok bool) {
	b = bytes.TrimLeft(b, " ")
	if len(b) == 0 || b[0] != '"' {
		return nil, b, false
	}
	var out []byte
	for i := 1; i < len(b); i++ {
		switch b[i] {
		case '\\':
			if i+1 < len(b) {
				i++
				out = append(out, b[i])
			}
		case '"':
			return out, b[i+1:], true
		default:
			out = append(out, b[i])
		}
	}
	return nil, b, false
}
