package sshd

// The parser as it was before it read each line as one string (commit 7eba5b2), kept as the
// reference the equivalence test holds the new one to. Its envelope is syslog.Parser.Parse, which
// syslog's own equivalence test holds to the envelope of that commit.

import (
	"bytes"
	"strconv"

	"github.com/lekwacht/lekwacht/collectors/parse"
	"github.com/lekwacht/lekwacht/collectors/syslog"
	"github.com/lekwacht/lekwacht/event"
)

// oldParser reads sshd lines; it keeps no state across lines.
type oldParser struct {
	envelope syslog.Parser
}

// oldNew builds a oldParser.
func oldNew(opts parse.Options) (parse.Parser, error) {
	return &oldParser{envelope: syslog.Parser{Location: opts.Loc(), Reference: opts.Now}}, nil
}

// Parse reads one line. Other programs in the same log (sudo, CRON, systemd-logind) are noise.
func (p *oldParser) Parse(l parse.Line) ([]event.Event, error) {
	h, msg, err := p.envelope.Parse(l.Text)
	if err != nil {
		return nil, parse.Rejectf(parse.ReasonSyntax, "no syslog header")
	}
	if h.App != "sshd" && h.App != "sshd-session" {
		return nil, nil
	}
	ev, ok := p.oldMessage(msg)
	if !ok {
		return nil, nil
	}
	ev.Time = h.Time
	ev.Host.Name = h.Host
	if ev.Logon == nil {
		ev.Logon = &event.Logon{}
	}
	ev.Logon.Type = "ssh"
	ev.Logon.ID = h.PID
	ev.Logon.Process = h.App
	parse.Stamp(&ev, l, Name)
	return []event.Event{ev}, nil
}

var (
	oldAccepted     = []byte("Accepted ")
	oldFailed       = []byte("Failed ")
	oldSessionClose = []byte("pam_unix(sshd:session): session closed for user ")
)

// oldMessage reads the sshd oldMessage after the envelope.
func (p *oldParser) oldMessage(msg []byte) (event.Event, bool) {
	var ev event.Event
	switch {
	case bytes.HasPrefix(msg, oldAccepted):
		// Accepted METHOD for USER from IP port N ssh2[: KEY FP]
		method, rest, ok := bytes.Cut(msg[len(oldAccepted):], []byte(" for "))
		if !ok {
			return ev, false
		}
		user, ip, port, ok := oldUserFrom(rest)
		if !ok {
			return ev, false
		}
		ev.Event = event.Kind{Category: event.CategoryAuthentication, Action: event.ActionLogon, Outcome: event.OutcomeSuccess, Code: "accepted"}
		ev.User.Name, ev.Source.IP, ev.Source.Port = user, ip, port
		ev.Logon = &event.Logon{Method: string(method)}
	case bytes.HasPrefix(msg, oldFailed):
		// Failed METHOD for [invalid user ]USER from IP port N ssh2
		method, rest, ok := bytes.Cut(msg[len(oldFailed):], []byte(" for "))
		if !ok || bytes.Equal(method, []byte("none")) {
			return ev, false // "none" is the client probing methods, not an attempt
		}
		rest = bytes.TrimPrefix(rest, []byte("invalid user "))
		user, ip, port, ok := oldUserFrom(rest)
		if !ok {
			return ev, false
		}
		ev.Event = event.Kind{Category: event.CategoryAuthentication, Action: event.ActionLogonFailed, Outcome: event.OutcomeFailure, Code: "failed", Reason: "bad_" + string(method)}
		ev.User.Name, ev.Source.IP, ev.Source.Port = user, ip, port
		ev.Logon = &event.Logon{Method: string(method)}
	case bytes.HasPrefix(msg, oldSessionClose):
		user := bytes.TrimSpace(msg[len(oldSessionClose):])
		ev.Event = event.Kind{Category: event.CategoryAuthentication, Action: event.ActionLogoff, Outcome: event.OutcomeSuccess, Code: "session_closed"}
		ev.User.Name = string(user)
	default:
		return ev, false
	}
	return ev, true
}

// oldUserFrom reads "USER from IP[ port N][ ssh2[...]]", anchored at the END: an attacker can put
// " from 1.2.3.4 port 5" inside the user name, so the last " from " is the real one.
func oldUserFrom(b []byte) (user, ip string, port int, ok bool) {
	// Drop the protocol and key suffix: " ssh2", " ssh2: RSA SHA256:...", " ssh1".
	if i := bytes.LastIndex(b, []byte(" ssh")); i >= 0 && (bytes.HasPrefix(b[i:], []byte(" ssh2")) || bytes.HasPrefix(b[i:], []byte(" ssh1"))) {
		b = b[:i]
	}
	i := bytes.LastIndex(b, []byte(" from "))
	if i < 0 {
		return "", "", 0, false
	}
	user = string(b[:i])
	addr := b[i+len(" from "):]
	if host, ps, found := bytes.Cut(addr, []byte(" port ")); found {
		n, err := strconv.Atoi(string(ps))
		if err != nil {
			return "", "", 0, false
		}
		addr, port = host, n
	}
	if len(addr) == 0 || bytes.IndexByte(addr, ' ') >= 0 {
		return "", "", 0, false
	}
	return user, string(addr), port, true
}
