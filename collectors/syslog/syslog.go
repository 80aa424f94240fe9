// Package syslog reads the envelope in front of a syslog message: RFC 3164 (with or without <PRI>,
// space-, zero- or un-padded days), rsyslog's RFC 3339 timestamps, journald short-iso and RFC 5424.
// Postfix, sshd and Samba lines share it.
package syslog

import (
	"errors"
	"strconv"
	"strings"
	"time"
)

// Header is what the envelope says about a message.
type Header struct {
	Time     time.Time
	Host     string
	App      string // the tag's program part: "postfix/smtpd", "sshd", "smbd_audit"
	PID      string
	Priority int // -1 when the line has no <PRI>
}

// ErrNoHeader is returned for a line that has no recognizable syslog envelope.
var ErrNoHeader = errors.New("no syslog header")

// Parser reads envelopes. Year-less RFC 3164 timestamps get the year that puts them closest before
// the reference time: a line dated Dec 31 read on Jan 1 belongs to last year. A Parser remembers the
// last year-less stamp it read (lines come many to a second), so it is used by one goroutine at a
// time, as the parsers that hold one are.
type Parser struct {
	Location  *time.Location   // zone for RFC 3164 stamps; nil means time.Local
	Reference func() time.Time // "now"; nil means time.Now

	last     stamp     // the last year-less stamp read, in the reference year
	lastTime time.Time // last's time
}

// stamp is a year-less stamp with the year and zone YearTime gave it.
type stamp struct {
	loc                         *time.Location
	year, day, hh, mm, ss, nsec int
	mon                         time.Month
}

// Parse splits line into its header and message. The message shares line's memory; the header's
// strings share one copy of line.
func (p *Parser) Parse(line []byte) (Header, []byte, error) {
	h, msg, err := p.ParseString(string(line))
	if err != nil {
		return h, nil, err
	}
	return h, line[len(line)-len(msg):], nil // the message is always the line's end
}

// ParseString is Parse on a line already converted to a string: the header's strings and the
// message are parts of line, so reading the envelope allocates nothing.
func (p *Parser) ParseString(line string) (Header, string, error) {
	h := Header{Priority: -1}
	rest := line
	if len(rest) > 0 && rest[0] == '<' {
		end := strings.IndexByte(rest, '>')
		if end < 2 || end > 4 {
			return h, "", ErrNoHeader
		}
		pri, err := strconv.Atoi(rest[1:end])
		if err != nil || pri > 191 {
			return h, "", ErrNoHeader
		}
		h.Priority = pri
		rest = rest[end+1:]
		if len(rest) > 2 && rest[0] == '1' && rest[1] == ' ' {
			return p.rfc5424(h, rest[2:])
		}
	}
	var err error
	switch {
	case len(rest) >= 19 && isDigit(rest[0]) && rest[4] == '-':
		rest, err = p.isoStamp(&h, rest)
	default:
		rest, err = p.bsdStamp(&h, rest)
	}
	if err != nil {
		return h, "", err
	}
	host, rest, ok := strings.Cut(rest, " ")
	if !ok {
		return h, "", ErrNoHeader
	}
	h.Host = host
	msg, err := tag(&h, rest)
	return h, msg, err
}

// isoStamp reads 2006-01-02T15:04:05[.frac](Z|+07:00|+0700).
func (p *Parser) isoStamp(h *Header, b string) (string, error) {
	stamp, rest, ok := strings.Cut(b, " ")
	if !ok {
		return "", ErrNoHeader
	}
	t, err := parseISO(stamp)
	if err != nil {
		return "", err
	}
	h.Time = t
	return rest, nil
}

// ParseISO reads an RFC 3339 timestamp, also with a colon-less zone offset (journald short-iso).
func ParseISO(stamp []byte) (time.Time, error) { return parseISO(string(stamp)) }

func parseISO(s string) (time.Time, error) {
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

var months = map[string]time.Month{
	"Jan": 1, "Feb": 2, "Mar": 3, "Apr": 4, "May": 5, "Jun": 6,
	"Jul": 7, "Aug": 8, "Sep": 9, "Oct": 10, "Nov": 11, "Dec": 12,
}

// bsdStamp reads "Mmm dd hh:mm:ss" with the day space-padded, zero-padded or not padded.
func (p *Parser) bsdStamp(h *Header, b string) (string, error) {
	if len(b) < 15 || b[3] != ' ' {
		return "", ErrNoHeader
	}
	mon, ok := months[b[:3]]
	if !ok {
		return "", ErrNoHeader
	}
	b = b[4:]
	if b[0] == ' ' {
		b = b[1:]
	}
	i := 0
	for i < len(b) && i < 2 && isDigit(b[i]) {
		i++
	}
	if i == 0 || i >= len(b) || b[i] != ' ' {
		return "", ErrNoHeader
	}
	day, _ := strconv.Atoi(b[:i])
	b = b[i+1:]
	if len(b) < 9 || b[2] != ':' || b[5] != ':' || b[8] != ' ' {
		return "", ErrNoHeader
	}
	hh, e1 := strconv.Atoi(b[0:2])
	mm, e2 := strconv.Atoi(b[3:5])
	ss, e3 := strconv.Atoi(b[6:8])
	if e1 != nil || e2 != nil || e3 != nil || day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60 {
		return "", ErrNoHeader
	}
	h.Time = p.YearTime(mon, day, hh, mm, ss, 0)
	return b[9:], nil
}

// YearTime builds a time from a year-less stamp: the reference year, or the year before when that
// would put the stamp more than two days after the reference (a December line read in January).
func (p *Parser) YearTime(mon time.Month, day, hh, mm, ss, nsec int) time.Time {
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
	key := stamp{loc: loc, year: ref.Year(), mon: mon, day: day, hh: hh, mm: mm, ss: ss, nsec: nsec}
	if key != p.last { // a zero last never matches: key.loc is set
		p.last, p.lastTime = key, time.Date(key.year, mon, day, hh, mm, ss, nsec, loc)
	}
	t := p.lastTime
	if t.After(ref.Add(48 * time.Hour)) {
		t = time.Date(ref.Year()-1, mon, day, hh, mm, ss, nsec, loc)
	}
	return t
}

// tag reads "prog[pid]: msg", "prog: msg" or, for some relays, "prog msg" (Snare's MSWinEventLog).
func tag(h *Header, b string) (string, error) {
	end := strings.IndexAny(b, ": [\t")
	if end <= 0 {
		return "", ErrNoHeader
	}
	h.App = b[:end]
	b = b[end:]
	if b[0] == '[' {
		close := strings.IndexByte(b, ']')
		if close < 0 {
			return "", ErrNoHeader
		}
		h.PID = b[1:close]
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
	return "", ErrNoHeader
}

// rfc5424 reads "TIMESTAMP HOST APP PROCID MSGID SD MSG" after "<PRI>1 ".
func (p *Parser) rfc5424(h Header, b string) (Header, string, error) {
	var fields [5]string
	for i := range fields {
		var ok bool
		fields[i], b, ok = strings.Cut(b, " ")
		if !ok {
			return h, "", ErrNoHeader
		}
	}
	if fields[0] != "-" {
		t, err := parseISO(fields[0])
		if err != nil {
			return h, "", err
		}
		h.Time = t
	}
	h.Host = nilDash(fields[1])
	h.App = nilDash(fields[2])
	h.PID = nilDash(fields[3])
	msg, err := skipStructuredData(b)
	if err != nil {
		return h, "", err
	}
	// A BOM may start the MSG part (RFC 5424 6.4).
	msg = strings.TrimPrefix(msg, "\xef\xbb\xbf")
	return h, msg, nil
}

// skipStructuredData skips "-" or one or more [id k="v" ...] elements, where values may hold
// escaped quotes and brackets.
func skipStructuredData(b string) (string, error) {
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
			return "", ErrNoHeader
		}
		b = b[i+1:]
	}
	if len(b) > 0 && b[0] == ' ' {
		b = b[1:]
	}
	return b, nil
}

func nilDash(s string) string {
	if s == "-" {
		return ""
	}
	return s
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
