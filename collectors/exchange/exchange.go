// Package exchange reads Microsoft Exchange message tracking logs (MSGTRK*.LOG): header lines, then
// CSV rows in the order the #Fields: line gives.
package exchange

import (
	"bytes"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/golang-lru/v2/simplelru"
	"github.com/lekwacht/lekwacht/collectors/parse"
	"github.com/lekwacht/lekwacht/event"
)

// Name is the format's name in the config and on the command line.
const Name = "exchange-tracking"

const (
	v14  = "date-time,client-ip,client-hostname,server-ip,server-hostname,source-context,connector-id,source,event-id,internal-message-id,message-id,recipient-address,recipient-status,total-bytes,recipient-count,related-recipient-address,reference,message-subject,sender-address,return-path,message-info,directionality,tenant-id,original-client-ip,original-server-ip,custom-data"
	v150 = "date-time,client-ip,client-hostname,server-ip,server-hostname,source-context,connector-id,source,event-id,internal-message-id,message-id,network-message-id,recipient-address,recipient-status,total-bytes,recipient-count,related-recipient-address,reference,message-subject,sender-address,return-path,message-info,directionality,tenant-id,original-client-ip,original-server-ip,custom-data"
	v151 = v150 + ",transport-traffic-type,log-id,schema-version"
)

// knownLayouts are the column orders of Exchange 2010 (26), 2013 (27) and 2016/2019 (30), used for
// rows whose file header was not seen (a restart in the middle of a file).
var knownLayouts = map[int]*layout{}

func init() {
	for _, f := range []string{v14, v150, v151} {
		l := newLayout(strings.Split(f, ","))
		knownLayouts[l.width] = &l
	}
}

// The columns the parser reads, by their index in layout.at.
const (
	cDateTime = iota
	cEventID
	cSender
	cRecipient
	cSubject
	cTotalBytes
	cRecipientCount
	cMessageID
	cInternalID
	cServerHostname
	cRecipientStatus
	cDirectionality
	cClientIP
	cClientHostname
	cSource
	nColumns
)

// columnNames are the #Fields: names of the columns read.
var columnNames = [nColumns]string{"date-time", "event-id", "sender-address", "recipient-address", "message-subject",
	"total-bytes", "recipient-count", "message-id", "internal-message-id", "server-hostname", "recipient-status",
	"directionality", "client-ip", "client-hostname", "source"}

// layout is a column order: how many columns, and where each column read stands (-1: not there).
type layout struct {
	width int
	at    [nColumns]int
}

func newLayout(names []string) layout {
	l := layout{width: len(names)}
	for c, want := range columnNames {
		l.at[c] = -1
		for i := len(names) - 1; i >= 0; i-- { // the last of a repeated name, as a map from names would
			if strings.TrimSpace(names[i]) == want {
				l.at[c] = i
				break
			}
		}
	}
	return l
}

func (l *layout) get(row []string, c int) string {
	if i := l.at[c]; i >= 0 && i < len(row) {
		return row[i]
	}
	return ""
}

// fileState is what a file's header said.
type fileState struct {
	layout    layout
	hasFields bool
	other     bool // #Log-type is not message tracking
}

// Parser reads tracking rows. Header state is kept per file: the tailer interleaves files.
type Parser struct {
	files *simplelru.LRU[string, *fileState]
	row   []string // the cells of the row being read, reused
}

// New builds a Parser.
func New(opts parse.Options) (parse.Parser, error) {
	files, err := simplelru.NewLRU[string, *fileState](1024, nil)
	if err != nil {
		return nil, err
	}
	return &Parser{files: files}, nil
}

// documented event ids that carry nothing lekwacht uses.
var noise = map[string]bool{
	"AGENTINFO": true, "BADMAIL": true, "CLIENTSUBMISSION": true, "DROP": true, "DUPLICATEEXPAND": true,
	"DUPLICATEREDIRECT": true, "HADISCARD": true, "HARECEIVE": true, "HAREDIRECT": true, "HAREDIRECTFAIL": true,
	"INITMESSAGECREATED": true, "LOAD": true, "MODERATIONEXPIRE": true, "MODERATORAPPROVE": true,
	"MODERATORREJECT": true, "MODERATORSALLNDR": true, "NOTIFYMAPI": true, "NOTIFYSHADOW": true,
	"POISONMESSAGE": true, "PROCESS": true, "PROCESSMEETINGMESSAGE": true, "REDIRECT": true, "RESOLVE": true,
	"RESUBMIT": true, "RESUBMITDEFER": true, "RESUBMITFAIL": true, "SUBMITDEFER": true, "SUPPRESSED": true,
	"THROTTLE": true, "TRANSFER": true, "DUPLICATEDELIVERSUPPRESSED": true,
}

// Parse reads a header line (state only) or a row.
func (p *Parser) Parse(l parse.Line) ([]event.Event, error) {
	text := bytes.TrimPrefix(l.Text, []byte("\xef\xbb\xbf"))
	st, _ := p.files.Get(l.Path)
	if len(text) > 0 && text[0] == '#' {
		if st == nil {
			st = &fileState{}
			p.files.Add(l.Path, st)
		}
		s := string(text)
		switch {
		case strings.HasPrefix(s, "#Fields:"):
			st.layout = newLayout(strings.Split(strings.TrimSpace(strings.TrimPrefix(s, "#Fields:")), ","))
			st.hasFields = true
		case strings.HasPrefix(s, "#Log-type:"):
			st.other = !strings.Contains(s, "Message Tracking")
		}
		return nil, nil
	}
	line := string(text)
	row, ok := splitCSV(p.row[:0], line)
	p.row = row
	if !ok {
		return nil, parse.Rejectf(parse.ReasonSyntax, "unterminated quoted field")
	}
	var lay *layout
	switch {
	case st != nil && st.other:
		return nil, parse.Rejectf(parse.ReasonUnsupported, "the file's #Log-type is not a message tracking log")
	case st != nil && st.hasFields:
		lay = &st.layout
		if len(row) != lay.width {
			return nil, parse.Rejectf(parse.ReasonColumns, "%d columns, the #Fields: line has %d", len(row), lay.width)
		}
	default:
		k, ok := knownLayouts[len(row)]
		if !ok {
			return nil, parse.Rejectf(parse.ReasonNoHeader, "%d columns, no #Fields: line seen and no known layout has that many (26, 27, 30)", len(row))
		}
		lay = k
	}
	t, err := time.Parse(time.RFC3339Nano, lay.get(row, cDateTime))
	if err != nil {
		return nil, parse.Rejectf(parse.ReasonTimestamp, "date-time is not ISO 8601 UTC")
	}
	id := lay.get(row, cEventID)
	r := &record{}
	ev, m := &r.evs[0], &r.mail
	ev.Time, ev.Event = t, event.Kind{Category: event.CategoryEmail, Code: id, Outcome: event.OutcomeSuccess}
	switch id {
	case "RECEIVE":
		ev.Event.Action, m.Status = event.ActionReceive, "received"
	case "SUBMIT":
		ev.Event.Action, m.Status = event.ActionSubmit, "submitted"
	case "SEND", "SENDEXTERNAL":
		ev.Event.Action, m.Status = event.ActionDeliver, "sent"
	case "DELIVER", "DUPLICATEDELIVER":
		ev.Event.Action, m.Status, m.Direction = event.ActionDeliver, "sent", "local"
	case "FAIL", "DELIVERFAIL", "SUBMITFAIL":
		ev.Event.Action, m.Status, ev.Event.Outcome = event.ActionDeliver, "bounced", event.OutcomeFailure
	case "DEFER":
		ev.Event.Action, m.Status, ev.Event.Outcome = event.ActionDeliver, "deferred", event.OutcomeUnknown
	case "DSN":
		// The non-delivery report being generated: the failure itself is the FAIL row.
		ev.Event.Action, m.Status, m.Hop = event.ActionDeliver, "dsn", "notification"
	case "EXPAND":
		ev.Event.Action, m.Status = event.ActionExpand, "expanded"
	default:
		if noise[id] {
			return nil, nil
		}
		return nil, parse.Rejectf(parse.ReasonUnsupported, "event-id %q is not a documented message tracking event", id)
	}
	m.From = lay.get(row, cSender)
	if to := lay.get(row, cRecipient); to != "" {
		m.To = strings.Split(to, ";")
	}
	m.Subject = lay.get(row, cSubject)
	m.Size, _ = strconv.ParseInt(lay.get(row, cTotalBytes), 10, 64)
	m.RecipientCount, _ = strconv.Atoi(lay.get(row, cRecipientCount))
	m.MessageID = lay.get(row, cMessageID)
	m.QueueID = lay.get(row, cInternalID)
	m.Relay = lay.get(row, cServerHostname)
	if rs := lay.get(row, cRecipientStatus); rs != "" {
		m.DSN, _, _ = strings.Cut(rs, ";")
	}
	switch {
	case id == "SENDEXTERNAL":
		m.Direction = "outbound"
	case m.Direction != "":
	case lay.get(row, cDirectionality) == "Incoming":
		m.Direction = "inbound"
	case lay.get(row, cDirectionality) == "Originating":
		m.Direction = "originating"
	}
	ev.Mail = m
	ev.Host.Name = lay.get(row, cServerHostname)
	ev.Source = event.Endpoint{IP: lay.get(row, cClientIP), Domain: lay.get(row, cClientHostname)}
	if lay.get(row, cSource) == "SMTP" && (id == "SEND" || id == "SENDEXTERNAL" || id == "FAIL" || id == "DEFER") {
		// Outgoing: the server that logged the row is the client side; server-hostname is the
		// destination, kept as email.relay.
		ev.Host.Name = lay.get(row, cClientHostname)
	}
	parse.StampText(ev, l, line, Name)
	return r.evs[:], nil
}

// record is the events of a row: one event, and its mail group in the same allocation.
type record struct {
	evs  [1]event.Event
	mail event.Mail
}

// splitCSV splits an RFC 4180 row, appending to out: commas outside quotes, "" for a quote inside
// quotes. A cell without "" is a part of s.
func splitCSV(out []string, s string) ([]string, bool) {
	for {
		if len(s) > 0 && s[0] == '"' {
			if j := strings.IndexByte(s[1:], '"') + 1; j > 0 && (j+1 == len(s) || s[j+1] == ',') {
				out = append(out, s[1:j]) // no "" inside
				if j+1 == len(s) {
					return out, true
				}
				s = s[j+2:]
				continue
			}
			var b strings.Builder
			i := 1
			for {
				j := strings.IndexByte(s[i:], '"')
				if j < 0 {
					return nil, false
				}
				b.WriteString(s[i : i+j])
				i += j + 1
				if i < len(s) && s[i] == '"' {
					b.WriteByte('"')
					i++
					continue
				}
				break
			}
			out = append(out, b.String())
			s = s[i:]
			if len(s) == 0 {
				return out, true
			}
			if s[0] != ',' {
				return nil, false
			}
			s = s[1:]
			continue
		}
		j := strings.IndexByte(s, ',')
		if j < 0 {
			return append(out, s), true
		}
		out = append(out, s[:j])
		s = s[j+1:]
	}
}
