package exchange

// The parser as it was before its columns were found by index and its rows split into a reused
// slice (commit e184bf1), kept as the reference the equivalence test holds the new one to.

import (
	"bytes"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/golang-lru/v2/simplelru"
	"github.com/lekwacht/lekwacht/collectors/parse"
	"github.com/lekwacht/lekwacht/event"
)

// oldKnownLayouts are the column orders of Exchange 2010 (26), 2013 (27) and 2016/2019 (30), used for
// rows whose file header was not seen (a restart in the middle of a file).
var oldKnownLayouts = map[int]oldLayout{}

func init() {
	for _, f := range []string{v14, v150, v151} {
		l := oldNewLayout(strings.Split(f, ","))
		oldKnownLayouts[len(l.names)] = l
	}
}

type oldLayout struct {
	names []string
	index map[string]int
}

func oldNewLayout(names []string) oldLayout {
	l := oldLayout{names: names, index: map[string]int{}}
	for i, n := range names {
		l.index[strings.TrimSpace(n)] = i
	}
	return l
}

func (l oldLayout) get(row []string, name string) string {
	if i, ok := l.index[name]; ok && i < len(row) {
		return row[i]
	}
	return ""
}

// oldFileState is what a file's header said.
type oldFileState struct {
	layout    oldLayout
	hasFields bool
	other     bool // #Log-type is not message tracking
}

// oldParser reads tracking rows. Header state is kept per file: the tailer interleaves files.
type oldParser struct {
	files *simplelru.LRU[string, *oldFileState]
}

// oldNew builds an oldParser.
func oldNew(opts parse.Options) (parse.Parser, error) {
	files, err := simplelru.NewLRU[string, *oldFileState](1024, nil)
	if err != nil {
		return nil, err
	}
	return &oldParser{files: files}, nil
}

// Parse reads a header line (state only) or a row.
func (p *oldParser) Parse(l parse.Line) ([]event.Event, error) {
	text := bytes.TrimPrefix(l.Text, []byte("\xef\xbb\xbf"))
	st, _ := p.files.Get(l.Path)
	if len(text) > 0 && text[0] == '#' {
		if st == nil {
			st = &oldFileState{}
			p.files.Add(l.Path, st)
		}
		s := string(text)
		switch {
		case strings.HasPrefix(s, "#Fields:"):
			st.layout = oldNewLayout(strings.Split(strings.TrimSpace(strings.TrimPrefix(s, "#Fields:")), ","))
			st.hasFields = true
		case strings.HasPrefix(s, "#Log-type:"):
			st.other = !strings.Contains(s, "Message Tracking")
		}
		return nil, nil
	}
	row, ok := oldSplitCSV(string(text))
	if !ok {
		return nil, parse.Rejectf(parse.ReasonSyntax, "unterminated quoted field")
	}
	var lay oldLayout
	switch {
	case st != nil && st.other:
		return nil, parse.Rejectf(parse.ReasonUnsupported, "the file's #Log-type is not a message tracking log")
	case st != nil && st.hasFields:
		lay = st.layout
		if len(row) != len(lay.names) {
			return nil, parse.Rejectf(parse.ReasonColumns, "%d columns, the #Fields: line has %d", len(row), len(lay.names))
		}
	default:
		k, ok := oldKnownLayouts[len(row)]
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

// oldSplitCSV splits an RFC 4180 row: commas outside quotes, "" for a quote inside quotes.
func oldSplitCSV(s string) ([]string, bool) {
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
