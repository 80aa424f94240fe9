// Package squid reads Squid's native access.log (`logformat squid`): one line per request through
// the forward proxy, with the client, the authenticated user, where the request went and its sizes.
package squid

import (
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/lekwacht/lekwacht/collectors/parse"
	"github.com/lekwacht/lekwacht/event"
)

// Name is the format's name in the config and on the command line.
const Name = "squid"

// Parser reads native access.log lines; it keeps no state across lines.
type Parser struct {
	loc *time.Location
}

// New builds a Parser.
func New(opts parse.Options) (parse.Parser, error) { return Parser{loc: opts.Loc()}, nil }

// The fields of `logformat squid %ts.%03tu %6tr %>a %Ss/%03>Hs %<st %rm %ru %[un %Sh/%<a %mt`.
const (
	fTime = iota
	fElapsed
	fClient
	fCode
	fBytes
	fMethod
	fURL
	fUser
	native // fields of the native format; the user may hold spaces, so hierarchy and type are found after it
)

// record is the events of a line: one event, and its http group in the same allocation.
type record struct {
	evs  [1]event.Event
	http event.HTTP
}

// Parse reads one line.
func (p Parser) Parse(l parse.Line) ([]event.Event, error) {
	text := string(l.Text)
	var buf [16]string // the fields; more spill to the heap
	f := buf[:0]
	for field := range strings.FieldsSeq(text) {
		f = append(f, field)
	}
	if len(f) < native+2 {
		return nil, parse.Rejectf(parse.ReasonColumns, "%d fields, the native format has 10", len(f))
	}
	t, err := stamp(f[fTime])
	if err != nil {
		return nil, parse.Rejectf(parse.ReasonTimestamp, "time is not epoch seconds.milliseconds")
	}
	if _, err := strconv.ParseUint(f[fElapsed], 10, 64); err != nil {
		return nil, parse.Rejectf(parse.ReasonSyntax, "elapsed time is not a number")
	}
	result, statusText, ok := strings.Cut(f[fCode], "/")
	status, err := strconv.Atoi(statusText)
	if !ok || err != nil || status < 0 || status > 999 {
		return nil, parse.Rejectf(parse.ReasonSyntax, "result is not CODE/status")
	}
	if strings.HasPrefix(f[fURL], "error:") {
		return nil, nil // a connection that carried no request (error:transaction-end-before-headers)
	}
	hier := hierarchy(f)
	if hier < 0 {
		return nil, parse.Rejectf(parse.ReasonSyntax, "no hierarchy field (HIER_DIRECT/address)")
	}
	bytes, err := size(f[fBytes])
	if err != nil {
		return nil, parse.Rejectf(parse.ReasonSyntax, "reply size is not a number")
	}
	r := &record{}
	ev, h := &r.evs[0], &r.http
	ev.Time, ev.Event = t.In(p.loc), event.Kind{Category: event.CategoryWeb, Action: event.ActionRequest, Code: result}
	h.Method, h.Status, h.Bytes = f[fMethod], status, bytes
	ev.Destination, h.Path = parse.RequestTarget(h.Method, f[fURL])
	if code, addr, _ := strings.Cut(f[hier], "/"); ev.Destination.IP == "" && direct(code) && parse.IsIP(addr) {
		ev.Destination.IP = addr // the origin server Squid connected to
	}
	if len(f) > hier+2 { // an appended %>st: the request's size
		h.RequestBytes, _ = size(f[hier+2])
	}
	ev.HTTP = h
	if parse.IsIP(f[fClient]) {
		ev.Source.IP = f[fClient]
	} else {
		ev.Source.Domain = f[fClient] // log_fqdn / %>A
	}
	user(&ev.User, strings.Join(f[fUser:hier], " "))
	ev.Event.Outcome = outcome(result, status)
	if ev.Event.Outcome == event.OutcomeFailure {
		ev.Event.Reason = result
	}
	parse.StampText(ev, l, text, Name)
	return r.evs[:], nil
}

// stamp reads %ts.%03tu: epoch seconds, a dot and milliseconds.
func stamp(s string) (time.Time, error) {
	sec, ms, _ := strings.Cut(s, ".")
	n, err := strconv.ParseInt(sec, 10, 64)
	if err != nil || n < 0 {
		return time.Time{}, strconv.ErrSyntax
	}
	var frac int64
	if ms != "" {
		if len(ms) > 9 {
			ms = ms[:9]
		}
		m, err := strconv.ParseUint(ms, 10, 32)
		if err != nil {
			return time.Time{}, err
		}
		frac = int64(m) * pow10[9-len(ms)]
	}
	return time.Unix(n, frac), nil
}

var pow10 = [10]int64{1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000}

func size(s string) (int64, error) {
	if s == "-" {
		return 0, nil
	}
	return strconv.ParseInt(s, 10, 64)
}

// hierarchy finds the %Sh/%<a field after the user: the first field from the native position on
// whose part before '/' is an upper-case code (HIER_DIRECT, TIMEOUT_FIRSTUP_PARENT, NONE), since a
// %[un user name may hold spaces. It returns -1 when there is none, or no %mt after it.
func hierarchy(f []string) int {
	for i := native; i < len(f)-1; i++ {
		code, _, ok := strings.Cut(f[i], "/")
		if ok && code != "" && upperCode(code) {
			return i
		}
	}
	return -1
}

// upperCode says whether s is all upper-case letters and '_'.
func upperCode(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= 'A' && c <= 'Z' || c == '_') {
			return false
		}
	}
	return true
}

// direct says whether the hierarchy code means Squid went to the origin server itself, so %<a is
// the destination's address (not a parent proxy's).
func direct(code string) bool {
	code = strings.TrimPrefix(code, "TIMEOUT_")
	return code == "HIER_DIRECT" || code == "DIRECT" || code == "ORIGINAL_DST" || code == "PINNED"
}

// user reads %[un: `-` for none; %-encoded (Squid encodes \ as %5C); DOMAIN\user is split into
// user.domain and user.name, user@REALM kept whole for identity resolution.
func user(u *event.User, s string) {
	if s == "-" || s == "" {
		return
	}
	if dec, err := url.PathUnescape(s); err == nil {
		s = dec
	}
	if dom, name, ok := strings.Cut(s, `\`); ok && dom != "" && name != "" {
		u.Domain, u.Name = dom, name
		return
	}
	u.Name = s
}

// outcome is failure for a denied request or a status of 400 or more, success for 1xx-3xx,
// unknown for a request that got no status (000).
func outcome(result string, status int) event.Outcome {
	switch {
	case strings.Contains(result, "DENIED") || status >= 400:
		return event.OutcomeFailure
	case status >= 100:
		return event.OutcomeSuccess
	}
	return event.OutcomeUnknown
}
