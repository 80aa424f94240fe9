// Package combined reads NCSA combined access logs as Apache and nginx write them:
// [vhost] client[, forwarded...] ident user [time] "request" status bytes "referer" "agent" [extra].
package combined

import (
	"strconv"
	"strings"
	"time"

	"github.com/lekwacht/lekwacht/collectors/parse"
	"github.com/lekwacht/lekwacht/event"
)

// Name is the format's name in the config and on the command line.
const Name = "combined"

// Parser reads combined lines; it keeps no state across lines.
type Parser struct{}

// New builds a Parser.
func New(parse.Options) (parse.Parser, error) { return Parser{}, nil }

const stampLayout = "02/Jan/2006:15:04:05 -0700"

// Parse reads one line.
//
// The line is copied into one string, once: the fields and the event's log.original are parts of
// it (a quoted field with \ escapes gets its own), and the event and its http group are one
// allocation.
func (Parser) Parse(l parse.Line) ([]event.Event, error) {
	text := string(l.Text)
	open := strings.Index(text, " [")
	if open < 0 {
		return nil, parse.Rejectf(parse.ReasonSyntax, "no [time] field")
	}
	close := strings.IndexByte(text[open:], ']')
	if close < 0 {
		return nil, parse.Rejectf(parse.ReasonSyntax, "unclosed [time] field")
	}
	t, ok := parseStamp(text[open+2 : open+close])
	if !ok {
		return nil, parse.Rejectf(parse.ReasonTimestamp, "time is not dd/Mon/yyyy:hh:mm:ss +zone")
	}
	var c client
	if err := c.read(text[:open]); err != nil {
		return nil, err
	}
	var h event.HTTP
	if err := request(&h, text[open+close+1:]); err != nil {
		return nil, err
	}
	r := &record{http: h}
	ev := &r.evs[0]
	ev.Time = t
	ev.Event = event.Kind{Category: event.CategoryWeb, Action: event.ActionRequest, Code: statusCode(h.Status), Outcome: event.OutcomeSuccess}
	if h.Status >= 400 {
		ev.Event.Outcome = event.OutcomeFailure
	}
	ev.User.Name, ev.Host.Name, ev.Source.IP = c.user, c.vhost, c.ip
	ev.HTTP = &r.http
	ev.Destination, r.http.Path = parse.RequestTarget(h.Method, h.Path) // a forward proxy: CONNECT host:443, GET http://host/
	parse.StampText(ev, l, text, Name)
	return r.evs[:], nil
}

// record is the events of a line: one event, and its http group in the same allocation.
type record struct {
	evs  [1]event.Event
	http event.HTTP
}

// client is what stands before the time.
type client struct {
	user  string // "" for "-"
	vhost string // a virtual host name before the address
	ip    string // the original client: the first address
}

// read reads what stands before the time: the client part, ident and user. The client part is the
// remote address, possibly after a virtual host name and possibly preceded by an X-Forwarded-For
// list ("a, b c" or "\"a, b\" c"). The first address of the list is the original client.
func (c *client) read(s string) error {
	var buf [8]string // the fields; more spill to the heap
	fields := buf[:0]
	for f := range strings.FieldsSeq(s) {
		fields = append(fields, f)
	}
	if len(fields) < 3 {
		return parse.Rejectf(parse.ReasonSyntax, "fewer than 3 fields before [time]")
	}
	if user := fields[len(fields)-1]; user != "-" {
		c.user = user
	}
	for i, f := range fields[:len(fields)-2] {
		f = strings.Trim(f, `",`)
		if len(f) == 0 {
			continue
		}
		if !parse.IsIP(f) {
			if i == 0 {
				c.vhost = f // virtual host prefix
				continue
			}
			return parse.Rejectf(parse.ReasonSyntax, "client field %d is not an address", i+1)
		}
		if c.ip == "" {
			c.ip = f
		}
	}
	if c.ip == "" {
		return parse.Rejectf(parse.ReasonSyntax, "no client address")
	}
	return nil
}

// request reads ` "request" status bytes "referer" "agent"` and ignores extra fields after them.
func request(h *event.HTTP, s string) error {
	req, s, ok := quoted(s)
	if !ok {
		return parse.Rejectf(parse.ReasonSyntax, "no quoted request")
	}
	if m, rest, ok := strings.Cut(req, " "); ok {
		h.Method = m
		if p, _, ok := strings.Cut(rest, " "); ok {
			h.Path = p
		} else {
			h.Path = rest
		}
	}
	var fields [2]string
	n := 0
	for f := range strings.FieldsSeq(s) {
		fields[n] = f
		if n++; n == len(fields) {
			break
		}
	}
	if n < 2 {
		return parse.Rejectf(parse.ReasonSyntax, "no status and size")
	}
	status, err := strconv.Atoi(fields[0])
	if err != nil || status < 100 || status > 999 {
		return parse.Rejectf(parse.ReasonSyntax, "status is not a number")
	}
	h.Status = status
	if fields[1] != "-" {
		n, err := strconv.ParseInt(fields[1], 10, 64)
		if err != nil {
			return parse.Rejectf(parse.ReasonSyntax, "size is not a number")
		}
		h.Bytes = n
	}
	// After the size field: its text looked for after the status, as a size may also occur in the
	// status ("304 0", "200 20"; the referrer and agent were lost so before).
	afterStatus := s[strings.Index(s, fields[0])+len(fields[0]):]
	rest := afterStatus[strings.Index(afterStatus, fields[1])+len(fields[1]):]
	if ref, r2, ok := quoted(rest); ok {
		if ref != "-" {
			h.Referrer = ref
		}
		if ua, _, ok := quoted(r2); ok && ua != "-" {
			h.UserAgent = ua
		}
	}
	return nil
}

// quoteOrEscape is strings.IndexAny(s, `"\`) by two IndexByte (IndexAny scans byte by byte).
func quoteOrEscape(s string) int {
	q := strings.IndexByte(s, '"')
	if q < 0 {
		return strings.IndexByte(s, '\\')
	}
	if b := strings.IndexByte(s[:q], '\\'); b >= 0 {
		return b
	}
	return q
}

// quoted reads a "..." field after optional spaces; \" and \\ are escapes. A field without
// escapes is a part of s.
func quoted(s string) (val, rest string, ok bool) {
	s = strings.TrimLeft(s, " ")
	if len(s) == 0 || s[0] != '"' {
		return "", s, false
	}
	i := quoteOrEscape(s[1:]) + 1
	if i == 0 {
		return "", s, false
	}
	if s[i] == '"' {
		return s[1:i], s[i+1:], true
	}
	var out strings.Builder
	out.WriteString(s[1:i])
	for ; i < len(s); i++ {
		switch s[i] {
		case '\\':
			if i+1 < len(s) {
				i++
				out.WriteByte(s[i])
			}
		case '"':
			return out.String(), s[i+1:], true
		default:
			out.WriteByte(s[i])
		}
	}
	return "", s, false
}

// statusCodes are the status codes 100 to 999 as text, so an event's code is no new string.
var statusCodes = func() (codes [900]string) {
	for i := range codes {
		codes[i] = strconv.Itoa(100 + i)
	}
	return codes
}()

func statusCode(status int) string { return statusCodes[status-100] }

// parseStamp reads the time as time.Parse(stampLayout, s) does, reading the usual form
// (20/Nov/2026:09:14:02 +0100) itself.
func parseStamp(s string) (time.Time, bool) {
	if len(s) != len(stampLayout) || s[2] != '/' || s[6] != '/' || s[11] != ':' || s[14] != ':' || s[17] != ':' ||
		s[20] != ' ' || s[21] != '+' && s[21] != '-' {
		return parseStampSlow(s)
	}
	day, d := parse.Digits(s[0:2])
	year, y := parse.Digits(s[7:11])
	hour, h := parse.Digits(s[12:14])
	minute, mi := parse.Digits(s[15:17])
	sec, se := parse.Digits(s[18:20])
	zh, zhOK := parse.Digits(s[22:24])
	zm, zmOK := parse.Digits(s[24:26])
	month, mo := months[s[3:6]]
	if !(d && y && h && mi && se && zhOK && zmOK && mo) {
		return parseStampSlow(s)
	}
	if day < 1 || day > parse.DaysIn(month, year) || hour > 23 || minute > 59 || sec > 59 || zh > 24 || zm > 60 {
		return time.Time{}, false
	}
	offset := (zh*60 + zm) * 60
	if s[21] == '-' {
		offset = -offset
	}
	t := time.Date(year, month, day, hour, minute, sec, 0, time.UTC).Add(-time.Duration(offset) * time.Second)
	// As time.Parse: the local zone when it had that offset then, else a fixed zone without a name.
	if _, local := t.In(time.Local).Zone(); local == offset {
		return t.In(time.Local), true
	}
	return t.In(time.FixedZone("", offset)), true
}

func parseStampSlow(s string) (time.Time, bool) {
	t, err := time.Parse(stampLayout, s)
	return t, err == nil
}

var months = map[string]time.Month{
	"Jan": 1, "Feb": 2, "Mar": 3, "Apr": 4, "May": 5, "Jun": 6,
	"Jul": 7, "Aug": 8, "Sep": 9, "Oct": 10, "Nov": 11, "Dec": 12,
}
