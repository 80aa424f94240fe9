// Package winlog reads Windows Security events as Winlogbeat / Elastic Agent write them: one JSON
// object per line, ECS fields plus winlog.* (event_data, event_id as number or string).
package winlog

import (
	"encoding/json"
	"time"

	"github.com/lekwacht/lekwacht/collectors/parse"
	"github.com/lekwacht/lekwacht/collectors/windows"
	"github.com/lekwacht/lekwacht/event"
)

// Name is the format's name in the config and on the command line.
const Name = "winlog-json"

// Parser reads winlog JSON lines.
type Parser struct {
	mapper *windows.Mapper
}

// New builds a Parser.
func New(opts parse.Options) (parse.Parser, error) {
	return &Parser{mapper: windows.NewMapper(min(opts.Pending(), 10000))}, nil
}

// Evictions counts open handles forgotten before their 4660 came.
func (p *Parser) Evictions() int64 { return p.mapper.Evictions }

type doc struct {
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
func (p *Parser) Parse(l parse.Line) ([]event.Event, error) {
	var d doc
	if err := json.Unmarshal(l.Text, &d); err != nil {
		return nil, parse.Rejectf(parse.ReasonJSON, "not a JSON object: %v", jsonErr(err))
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
func jsonErr(err error) string {
	switch err.(type) {
	case *json.SyntaxError:
		return "syntax error"
	case *json.UnmarshalTypeError:
		return "a field has the wrong type"
	}
	return "truncated or empty"
}
