package syslog

// The envelope reader as it was before it read strings (commit 7eba5b2), kept as the reference
// the equivalence test holds the new one to.

import (
	"bytes"
	"strconv"
	"time"
)

// oldParser reads envelopes. Year-less RFC 3164 timestamps get the year that puts them closest before
// the reference time: a line dated Dec 31 read on Jan 1 belongs to last year.
type oldParser struct {
	Location  *time.Location   // zone for RFC 3164 stamps; nil means time.Local
	Reference func() time.Time // "now"; nil means time.Now
}

// Parse splits line into its header and message. The message shares line's memory.
func (p *oldParser) Parse(line []byte) (Header, []byte, error) {
	h := Header{Priority: -1}
	rest := line
	if len(rest) > 0 && rest[0] == '<' {
		end := bytes.IndexByte(rest, '>')
		if end < 2 || end > 4 {
			return h, nil, ErrNoHeader
		}
		pri, err := strconv.Atoi(string(rest[1:end]))
		if err != nil || pri > 191 {
			return h, nil, ErrNoHeader
		}
		h.Priority = pri
		rest = rest[end+1:]
		if len(rest) > 2 && rest[0] == '1' && rest[1] == ' ' {
			return p.oldRFC5424(h, rest[2:])
		}
	}
	var err error
	switch {
	case len(rest) >= 19 && oldIsDigit(rest[0]) && rest[4] == '-':
		rest, err = p.oldIsoStamp(&h, rest)
	default:
		rest, err = p.oldBsdStamp(&h, rest)
	}
	if err != nil {
		return h, nil, err
	}
	host, rest, ok := oldCutSpace(rest)
	if !ok {
		return h, nil, ErrNoHeader
	}
	h.Host = string(host)
	msg, err := oldTag(&h, rest)
	return h, msg, err
}

// oldIsoStamp reads 2006-01-02T15:04:05[.frac](Z|+07:00|+0700).
func (p *oldParser) oldIsoStamp(h *Header, b []byte) ([]byte, error) {
	stamp, rest, ok := oldCutSpace(b)
	if !ok {
		return nil, ErrNoHeader
	}
	t, err := oldParseISO(stamp)
	if err != nil {
		return nil, err
	}
	h.Time = t
	return rest, nil
}

// oldParseISO reads an RFC 3339 timestamp, also with a colon-less zone offset (journald short-iso).
func oldParseISO(stamp []byte) (time.Time, error) {
	s := string(stamp)
	layout := time.RFC3339Nano
	if n := len(s); n > 5 && (s[n-5] == '+' || s[n-5] == '-') {
		layout = "2006-01-02T15:04:05.999999999-0700" // journald short-iso: zone without colon
	}
	t, err := time.Parse(layout, s)
	if err != nil {
		return time.Time{}, ErrNoHeader
	}
	return t, nil
}

var oldMonths = map[string]time.Month{
	"Jan": 1, "Feb": 2, "Mar": 3, "Apr": 4, "May": 5, "Jun": 6,
	"Jul": 7, "Aug": 8, "Sep": 9, "Oct": 10, "Nov": 11, "Dec": 12,
}

// oldBsdStamp reads "Mmm dd hh:mm:ss" with the day space-padded, zero-padded or not padded.
func (p *oldParser) oldBsdStamp(h *Header, b []byte) ([]byte, error) {
	if len(b) < 15 || b[3] != ' ' {
		return nil, ErrNoHeader
	}
	mon, ok := oldMonths[string(b[:3])]
	if !ok {
		return nil, ErrNoHeader
	}
	b = b[4:]
	if b[0] == ' ' {
		b = b[1:]
	}
	i := 0
	for i < len(b) && i < 2 && oldIsDigit(b[i]) {
		i++
	}
	if i == 0 || i >= len(b) || b[i] != ' ' {
		return nil, ErrNoHeader
	}
	day, _ := strconv.Atoi(string(b[:i]))
	b = b[i+1:]
	if len(b) < 9 || b[2] != ':' || b[5] != ':' || b[8] != ' ' {
		return nil, ErrNoHeader
	}
	hh, e1 := strconv.Atoi(string(b[0:2]))
	mm, e2 := strconv.Atoi(string(b[3:5]))
	ss, e3 := strconv.Atoi(string(b[6:8]))
	if e1 != nil || e2 != nil || e3 != nil || day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60 {
		return nil, ErrNoHeader
	}
	h.Time = p.oldYearTime(mon, day, hh, mm, ss, 0)
	return b[9:], nil
}

// oldYearTime builds a time from a year-less stamp: the reference year, or the year before when that
// would put the stamp more than two days after the reference (a December line read in January).
func (p *oldParser) oldYearTime(mon time.Month, day, hh, mm, ss, nsec int) time.Time {
	loc := p.Location
	if loc == nil {
		loc = time.Local
	}
	var ref time.Time
	if p.Reference != nil {
		ref = p.Reference()
	} else {
		ref = time.Now()
	}
	ref = ref.In(loc)
	t := time.Date(ref.Year(), mon, day, hh, mm, ss, nsec, loc)
	if t.After(ref.Add(48 * time.Hour)) {
		t = time.Date(ref.Year()-1, mon, day, hh, mm, ss, nsec, loc)
	}
	return t
}

// oldTag reads "prog[pid]: msg", "prog: msg" or, for some relays, "prog msg" (Snare's MSWinEventLog).
func oldTag(h *Header, b []byte) ([]byte, error) {
	end := bytes.IndexAny(b, ": [\t")
	if end <= 0 {
		return nil, ErrNoHeader
	}
	h.App = string(b[:end])
	b = b[end:]
	if b[0] == '[' {
		close := bytes.IndexByte(b, ']')
		if close < 0 {
			return nil, ErrNoHeader
		}
		h.PID = string(b[1:close])
		b = b[close+1:]
	}
	switch {
	case len(b) >= 2 && b[0] == ':' && b[1] == ' ':
		return b[2:], nil
	case len(b) >= 1 && b[0] == ':':
		return b[1:], nil
	case len(b) >= 1 && (b[0] == ' ' || b[0] == '\t'):
		return b[1:], nil
	}
	return nil, ErrNoHeader
}

// oldRFC5424 reads "TIMESTAMP HOST APP PROCID MSGID SD MSG" after "<PRI>1 ".
func (p *oldParser) oldRFC5424(h Header, b []byte) (Header, []byte, error) {
	var fields [5][]byte
	for i := range fields {
		var ok bool
		fields[i], b, ok = oldCutSpace(b)
		if !ok {
			return h, nil, ErrNoHeader
		}
	}
	if string(fields[0]) != "-" {
		t, err := oldParseISO(fields[0])
		if err != nil {
			return h, nil, err
		}
		h.Time = t
	}
	h.Host = oldNilDash(fields[1])
	h.App = oldNilDash(fields[2])
	h.PID = oldNilDash(fields[3])
	msg, err := oldSkipStructuredData(b)
	if err != nil {
		return h, nil, err
	}
	// A BOM may start the MSG part (RFC 5424 6.4).
	msg = bytes.TrimPrefix(msg, []byte("\xef\xbb\xbf"))
	return h, msg, nil
}

// oldSkipStructuredData skips "-" or one or more [id k="v" ...] elements, where values may hold
// escaped quotes and brackets.
func oldSkipStructuredData(b []byte) ([]byte, error) {
	if len(b) > 0 && b[0] == '-' {
		b = b[1:]
		if len(b) > 0 && b[0] == ' ' {
			b = b[1:]
		}
		return b, nil
	}
	for len(b) > 0 && b[0] == '[' {
		inQuote := false
		i := 1
		for ; i < len(b); i++ {
			c := b[i]
			if inQuote {
				if c == '\\' {
					i++
				} else if c == '"' {
					inQuote = false
				}
				continue
			}
			if c == '"' {
				inQuote = true
			} else if c == ']' {
				break
			}
		}
		if i >= len(b) {
			return nil, ErrNoHeader
		}
		b = b[i+1:]
	}
	if len(b) > 0 && b[0] == ' ' {
		b = b[1:]
	}
	return b, nil
}

func oldNilDash(b []byte) string {
	if len(b) == 1 && b[0] == '-' {
		return ""
	}
	return string(b)
}

func oldCutSpace(b []byte) (before, after []byte, ok bool) {
	i := bytes.IndexByte(b, ' ')
	if i < 0 {
		return nil, nil, false
	}
	return b[:i], b[i+1:], true
}

func oldIsDigit(c byte) bool { return c >= '0' && c <= '9' }
