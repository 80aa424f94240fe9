package winlog

// The parser as it was before it read lines with jsonscan (commit 7eba5b2): encoding/json into a
// struct with event_data as map[string]any. Kept as the reference the equivalence tests hold the
// new one to.

import (
	"encoding/json"
	"time"

	"github.com/lekwacht/lekwacht/collectors/parse"
	"github.com/lekwacht/lekwacht/collectors/windows"
	"github.com/lekwacht/lekwacht/event"
)

// oldParser reads winlog JSON lines.
type oldParser struct {
	mapper *windows.Mapper
}

// oldNew builds an oldParser.
func oldNew(opts parse.Options) (parse.Parser, error) {
	return &oldParser{mapper: windows.NewMapper(min(opts.Pending(), 10000))}, nil
}

type oldDoc struct {
	Timestamp string `json:"@timestamp"`
	Event     struct {
		Code json.RawMessage `json:"code"`
	} `json:"event"`
	User struct {
		Name   string `json:"name"`
		Domain string `json:"domain"`
		ID     string `json:"id"`
	} `json:"user"`
	Source struct {
		IP   string `json:"ip"`
		Port int    `json:"port"`
	} `json:"source"`
	Host struct {
		Name string `json:"name"`
	} `json:"host"`
	Winlog struct {
		EventID     json.RawMessage `json:"event_id"`
		Computer    string          `json:"computer_name"`
		EventData   map[string]any  `json:"event_data"`
		Keywords    []string        `json:"keywords"`
		TimeCreated string          `json:"time_created"`
	} `json:"winlog"`
}

// Parse reads one line.
func (p *oldParser) Parse(l parse.Line) ([]event.Event, error) {
	var d oldDoc
	if err := json.Unmarshal(l.Text, &d); err != nil {
		return nil, parse.Rejectf(parse.ReasonJSON, "not a JSON object: %v", oldJSONErr(err))
	}
	raw := d.Winlog.EventID
	if len(raw) == 0 {
		raw = d.Event.Code
	}
	if len(raw) == 0 {
		return nil, parse.Rejectf(parse.ReasonMissing, "no winlog.event_id or event.code")
	}
	id, err := windows.ParseID(string(raw))
	if err != nil {
		return nil, parse.Rejectf(parse.ReasonMissing, "event id is not a number")
	}
	stamp := d.Timestamp
	if stamp == "" {
		stamp = d.Winlog.TimeCreated
	}
	t, err := time.Parse(time.RFC3339Nano, stamp)
	if err != nil {
		return nil, parse.Rejectf(parse.ReasonTimestamp, "no RFC 3339 @timestamp or winlog.time_created")
	}
	computer := d.Winlog.Computer
	if computer == "" {
		computer = d.Host.Name
	}
	r := windows.Record{ID: id, Time: t, Computer: computer, Data: make(map[string]string, len(d.Winlog.EventData)),
		Fallback: windows.Fallback{UserName: d.User.Name, UserDomain: d.User.Domain, UserID: d.User.ID, SourceIP: d.Source.IP, SourcePort: d.Source.Port}}
	for k, v := range d.Winlog.EventData {
		if s, ok := v.(string); ok {
			r.Data[k] = s
		}
	}
	for _, k := range d.Winlog.Keywords {
		if k == "Audit Failure" {
			r.Failure = true
		}
	}
	ev, err := p.mapper.Event(r)
	if err != nil {
		return nil, err
	}
	parse.Stamp(&ev, l, Name)
	return []event.Event{ev}, nil
}

// jsonErr keeps only the kind of JSON error: its text may quote the line.
func oldJSONErr(err error) string {
	switch err.(type) {
	case *json.SyntaxError:
		return "syntax error"
	case *json.UnmarshalTypeError:
		return "a field has the wrong type"
	}
	return "truncated or empty"
}
