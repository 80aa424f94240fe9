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
var knownLayouts = map[int]layout{}

func init() {
	for _, f := range []string{v14, v150, v151} {
		l := newLayout(strings.Split(f, ","))
		knownLayouts[len(l.names)] = l
	}
}

type layout struct {
	names []string
	index map[string]int
}

func newLayout(names []string) layout {
	l := layout{names: names, index: map[string]int{}}
	for i, n := range names {
		l.index[strings.TrimSpace(n)] = i
	}
	return l
}

func (l layout) get(row []string, name string) string {
	if i, ok := l.index[name]; ok && i < len(row) {
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
	row, ok := splitCSV(string(text))
	if !ok {
		return nil, parse.Rejectf(parse.ReasonSyntax, "unterminated quoted field")
	}
	var lay layout
	switch {
	case st != nil && st.other:
		return nil, parse.Rejectf(parse.ReasonUnsupported, "the file's #Log-type is not a message tracking log")
	case st != nil && st.hasFields:
		lay = st.layout
		if len(row) != len(lay.names) {
			return nil, parse.Rejectf(parse.ReasonColumns, "%d columns, the #Fields: line has %d", len(row), len(lay.names))
		}
	default:
		k, ok := knownLayouts[len(row)]
		if !ok {
			return nil, parse.Rejectf(parse.ReasonNoHeader, "%d columns, no #Fields: line seen and no known layout has that many (26, 27, 30)", len(row))
		}
		lay = k
	}
	t, err := time.Parse(time.RFC3339Nano, lay.get(row, "date-time"))
	if err != nil {
		return nil, parse.Rejectf(parse.ReasonTimestamp, "date-time is not ISO 8601 UTC")
	}
	id := lay.get(row, "event-id")
	ev := event.Event{Time: t, Event: event.Kind{Category: event.CategoryEmail, Code: id, Outcome: event.OutcomeSuccess}}
	m := &event.Mail{}
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
	m.From = lay.get(row, "sender-address")
	if to := lay.get(row, "recipient-address"); to != "" {
		m.To = strings.Split(to, ";")
	}
	m.Subject = lay.get(row, "message-subject")
	m.Size, _ = strconv.ParseInt(lay.get(row, "total-bytes"), 10, 64)
	m.RecipientCount, _ = strconv.Atoi(lay.get(row, "recipient-count"))
	m.MessageID = lay.get(row, "message-id")
	m.QueueID = lay.get(row, "internal-message-id")
	m.Relay = lay.get(row, "server-hostname")
	if rs := lay.get(row, "recipient-status"); rs != "" {
		m.DSN, _, _ = strings.Cut(rs, ";")
	}
	switch {
	case id == "SENDEXTERNAL":
		m.Direction = "outbound"
	case m.Direction != "":
	case lay.get(row, "directionality") == "Incoming":
		m.Direction = "inbound"
	case lay.get(row, "directionality") == "Originating":
		m.Direction = "originating"
	}
	ev.Mail = m
	ev.Host.Name = lay.get(row, "server-hostname")
	ev.Source = event.Endpoint{IP: lay.get(row, "client-ip"), Domain: lay.get(row, "client-hostname")}
	if lay.get(row, "source") == "SMTP" && (id == "SEND" || id == "SENDEXTERNAL" || id == "FAIL" || id == "DEFER") {
		// Outgoing: the server that logged the row is the client side; server-hostname is the
		// destination, kept as email.relay.
		ev.Host.Name = lay.get(row, "client-hostname")
	}
	parse.Stamp(&ev, l, Name)
	return []event.Event{ev}, nil
}

// splitCSV splits an RFC 4180 row: commas outside quotes, "" for a quote inside quotes.
func splitCSV(s string) ([]string, bool) {
	out := make([]string, 0, 32)
	for {
		if len(s) > 0 && s[0] == '"' {
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
