// Package sshd reads OpenSSH's lines in auth.log / secure: logons, failed logons and logoffs.
package sshd

import (
	"strconv"
	"strings"

	"github.com/lekwacht/lekwacht/collectors/parse"
	"github.com/lekwacht/lekwacht/collectors/syslog"
	"github.com/lekwacht/lekwacht/event"
)

// Name is the format's name in the config and on the command line.
const Name = "sshd"

// Parser reads sshd lines; it keeps no state across lines.
type Parser struct {
	envelope syslog.Parser
}

// New builds a Parser.
func New(opts parse.Options) (parse.Parser, error) {
	return &Parser{envelope: syslog.Parser{Location: opts.Loc(), Reference: opts.Now}}, nil
}

// Parse reads one line. Other programs in the same log (sudo, CRON, systemd-logind) are noise.
//
// The line is copied into one string, once: the envelope, the fields and the event's log.original
// are parts of it, and the event and its logon group are one allocation.
func (p *Parser) Parse(l parse.Line) ([]event.Event, error) {
	text := string(l.Text)
	h, msg, err := p.envelope.ParseString(text)
	if err != nil {
		return nil, parse.Rejectf(parse.ReasonSyntax, "no syslog header")
	}
	if h.App != "sshd" && h.App != "sshd-session" {
		return nil, nil
	}
	a, ok := message(msg)
	if !ok {
		return nil, nil
	}
	r := &record{logon: event.Logon{Type: "ssh", ID: h.PID, Method: a.method, Process: h.App}}
	ev := &r.evs[0]
	ev.Time = h.Time
	ev.Event = a.kind
	ev.User.Name = a.user
	ev.Host.Name = h.Host
	ev.Source.IP, ev.Source.Port = a.ip, a.port
	ev.Logon = &r.logon
	parse.StampText(ev, l, text, Name)
	return r.evs[:], nil
}

// record is the events of a line: one event, and its logon group in the same allocation.
type record struct {
	evs   [1]event.Event
	logon event.Logon
}

// attempt is what an sshd message says.
type attempt struct {
	kind     event.Kind
	user, ip string
	port     int
	method   string
}

const (
	accepted     = "Accepted "
	failed       = "Failed "
	sessionClose = "pam_unix(sshd:session): session closed for user "
)

// message reads the sshd message after the envelope.
func message(msg string) (attempt, bool) {
	var a attempt
	switch {
	case strings.HasPrefix(msg, accepted):
		// Accepted METHOD for USER from IP port N ssh2[: KEY FP]
		method, rest, ok := strings.Cut(msg[len(accepted):], " for ")
		if !ok {
			return a, false
		}
		if a.user, a.ip, a.port, ok = userFrom(rest); !ok {
			return a, false
		}
		a.kind = event.Kind{Category: event.CategoryAuthentication, Action: event.ActionLogon, Outcome: event.OutcomeSuccess, Code: "accepted"}
		a.method = method
	case strings.HasPrefix(msg, failed):
		// Failed METHOD for [invalid user ]USER from IP port N ssh2
		method, rest, ok := strings.Cut(msg[len(failed):], " for ")
		if !ok || method == "none" {
			return a, false // "none" is the client probing methods, not an attempt
		}
		rest = strings.TrimPrefix(rest, "invalid user ")
		if a.user, a.ip, a.port, ok = userFrom(rest); !ok {
			return a, false
		}
		a.kind = event.Kind{Category: event.CategoryAuthentication, Action: event.ActionLogonFailed, Outcome: event.OutcomeFailure, Code: "failed", Reason: badMethod(method)}
		a.method = method
	case strings.HasPrefix(msg, sessionClose):
		a.user = strings.TrimSpace(msg[len(sessionClose):])
		a.kind = event.Kind{Category: event.CategoryAuthentication, Action: event.ActionLogoff, Outcome: event.OutcomeSuccess, Code: "session_closed"}
	default:
		return a, false
	}
	return a, true
}

// badMethod is the reason of a failed logon, "bad_" and the method: a constant for the usual methods.
func badMethod(method string) string {
	switch method {
	case "password":
		return "bad_password"
	case "publickey":
		return "bad_publickey"
	case "keyboard-interactive/pam":
		return "bad_keyboard-interactive/pam"
	}
	return "bad_" + method
}

// userFrom reads "USER from IP[ port N][ ssh2[...]]", anchored at the END: an attacker can put
// " from 1.2.3.4 port 5" inside the user name, so the last " from " is the real one.
func userFrom(s string) (user, ip string, port int, ok bool) {
	// Drop the protocol and key suffix: " ssh2", " ssh2: RSA SHA256:...", " ssh1".
	if i := strings.LastIndex(s, " ssh"); i >= 0 && (strings.HasPrefix(s[i:], " ssh2") || strings.HasPrefix(s[i:], " ssh1")) {
		s = s[:i]
	}
	i := strings.LastIndex(s, " from ")
	if i < 0 {
		return "", "", 0, false
	}
	user = s[:i]
	addr := s[i+len(" from "):]
	if host, ps, found := strings.Cut(addr, " port "); found {
		n, err := strconv.Atoi(ps)
		if err != nil {
			return "", "", 0, false
		}
		addr, port = host, n
	}
	if len(addr) == 0 || strings.IndexByte(addr, ' ') >= 0 {
		return "", "", 0, false
	}
	return user, addr, port, true
}
