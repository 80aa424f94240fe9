package squid

// The parser as it was before it read each line as one string without a slice of fields per
// line (commit 529486d), kept as the reference the equivalence test holds the new one to.

import (
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/lekwacht/lekwacht/collectors/parse"
	"github.com/lekwacht/lekwacht/event"
)

// oldParser reads native access.log lines; it keeps no state across lines.
type oldParser struct {
	loc *time.Location
}

// oldNew builds an oldParser.
func oldNew(opts parse.Options) (parse.Parser, error) { return oldParser{loc: opts.Loc()}, nil }

// Parse reads one line.
func (p oldParser) Parse(l parse.Line) ([]event.Event, error) {
	f := strings.Fields(string(l.Text))
	if len(f) < native+2 {
		return nil, parse.Rejectf(parse.ReasonColumns, "%d fields, the native format has 10", len(f))
	}
	t, err := oldStamp(f[fTime])
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
	hier := oldHierarchy(f)
	if hier < 0 {
		return nil, parse.Rejectf(parse.ReasonSyntax, "no hierarchy field (HIER_DIRECT/address)")
	}
	ev := event.Event{Time: t.In(p.loc), Event: event.Kind{Category: event.CategoryWeb, Action: event.ActionRequest, Code: result}}
	h := &event.HTTP{Method: f[fMethod], Status: status}
	if h.Bytes, err = oldSize(f[fBytes]); err != nil {
		return nil, parse.Rejectf(parse.ReasonSyntax, "reply size is not a number")
	}
	ev.Destination, h.Path = parse.RequestTarget(h.Method, f[fURL])
	if code, addr, _ := strings.Cut(f[hier], "/"); ev.Destination.IP == "" && oldDirect(code) && net.ParseIP(addr) != nil {
		ev.Destination.IP = addr // the origin server Squid connected to
	}
	if len(f) > hier+2 { // an appended %>st: the request's size
		h.RequestBytes, _ = oldSize(f[hier+2])
	}
	ev.HTTP = h
	if net.ParseIP(f[fClient]) != nil {
		ev.Source.IP = f[fClient]
	} else {
		ev.Source.Domain = f[fClient] // log_fqdn / %>A
	}
	oldUser(&ev.User, strings.Join(f[fUser:hier], " "))
	ev.Event.Outcome = oldOutcome(result, status)
	if ev.Event.Outcome == event.OutcomeFailure {
		ev.Event.Reason = result
	}
	parse.Stamp(&ev, l, Name)
	return []event.Event{ev}, nil
}

// stamp reads %ts.%03tu: epoch seconds, a dot and milliseconds.
func oldStamp(s string) (time.Time, error) {
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
		frac = int64(m) * oldPow10[9-len(ms)]
	}
	return time.Unix(n, frac), nil
}

var oldPow10 = [10]int64{1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000}

func oldSize(s string) (int64, error) {
	if s == "-" {
		return 0, nil
	}
	return strconv.ParseInt(s, 10, 64)
}

// hierarchy finds the %Sh/%<a field after the user: the first field from the native position on
// whose part before '/' is an upper-case code (HIER_DIRECT, TIMEOUT_FIRSTUP_PARENT, NONE), since a
// %[un user name may hold spaces. It returns -1 when there is none, or no %mt after it.
func oldHierarchy(f []string) int {
	for i := native; i < len(f)-1; i++ {
		code, _, ok := strings.Cut(f[i], "/")
		if ok && code != "" && strings.Trim(code, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_") == "" {
			return i
		}
	}
	return -1
}

// direct says whether the hierarchy code means Squid went to the origin server itself, so %<a is
// the destination's address (not a parent proxy's).
func oldDirect(code string) bool {
	code = strings.TrimPrefix(code, "TIMEOUT_")
	return code == "HIER_DIRECT" || code == "DIRECT" || code == "ORIGINAL_DST" || code == "PINNED"
}

// user reads %[un: `-` for none; %-encoded (Squid encodes \ as %5C); DOMAIN\user is split into
// user.domain and user.name, user@REALM kept whole for identity resolution.
func oldUser(u *event.User, s string) {
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
func oldOutcome(result string, status int) event.Outcome {
	switch {
	case strings.Contains(result, "DENIED") || status >= 400:
		return event.OutcomeFailure
	case status >= 100:
		return event.OutcomeSuccess
	}
	return event.OutcomeUnknown
}
