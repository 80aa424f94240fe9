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
	scan   scanner
}

// New builds a Parser.
func New(opts parse.Options) (parse.Parser, error) {
	return &Parser{mapper: windows.NewMapper(min(opts.Pending(), 10000))}, nil
}

// Evictions counts open handles forgotten before their 4660 came.
func (p *Parser) Evictions() int64 { return p.mapper.Evictions }

// fields are the members of a line the parser reads.
type fields struct {
	timestamp, created string // @timestamp, winlog.time_created
	id, code           []byte // winlog.event_id, event.code as written: a string keeps its quotes
	computer, host     string // winlog.computer_name, host.name
	data               map[string]string
	failure            bool // winlog.keywords has Audit Failure
	fallback           windows.Fallback
}

// Parse reads one line. Lines are read by a scanner that takes only the members the parser needs;
// a line it does not take whole (not valid JSON, a member of the wrong type, a key that only
// encoding/json's case-insensitive match finds) is decoded by encoding/json, which says why.
func (p *Parser) Parse(l parse.Line) ([]event.Event, error) {
	text := string(l.Text)
	f, ok := p.scan.read(l.Text, text)
	if !ok {
		var err error
		if f, err = decode(l.Text); err != nil {
			return nil, err
		}
	}
	raw := f.id
	if len(raw) == 0 {
		raw = f.code
	}
	if len(raw) == 0 {
		return nil, parse.Rejectf(parse.ReasonMissing, "no winlog.event_id or event.code")
	}
	id, err := windows.ParseID(string(raw))
	if err != nil {
		return nil, parse.Rejectf(parse.ReasonMissing, "event id is not a number")
	}
	stamp := f.timestamp
	if stamp == "" {
		stamp = f.created
	}
	t, err := time.Parse(time.RFC3339Nano, stamp)
	if err != nil {
		return nil, parse.Rejectf(parse.ReasonTimestamp, "no RFC 3339 @timestamp or winlog.time_created")
	}
	computer := f.computer
	if computer == "" {
		computer = f.host
	}
	data := f.data
	if data == nil {
		data = map[string]string{}
	}
	ev, err := p.mapper.Event(windows.Record{ID: id, Time: t, Computer: computer, Data: data, Failure: f.failure, Fallback: f.fallback})
	if err != nil {
		return nil, err
	}
	parse.StampText(&ev, l, text, Name)
	return []event.Event{ev}, nil
}

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

// decode reads a line with encoding/json: the lines the scanner leaves, and the reference the
// scanner is tested against.
func decode(line []byte) (fields, error) {
	var d doc
	if err := json.Unmarshal(line, &d); err != nil {
		return fields{}, parse.Rejectf(parse.ReasonJSON, "not a JSON object: %v", jsonErr(err))
	}
	f := fields{timestamp: d.Timestamp, created: d.Winlog.TimeCreated, id: d.Winlog.EventID, code: d.Event.Code,
		computer: d.Winlog.Computer, host: d.Host.Name, data: make(map[string]string, len(d.Winlog.EventData)),
		fallback: windows.Fallback{UserName: d.User.Name, UserDomain: d.User.Domain, UserID: d.User.ID, SourceIP: d.Source.IP, SourcePort: d.Source.Port}}
	for k, v := range d.Winlog.EventData {
		if s, ok := v.(string); ok {
			f.data[k] = s
		}
	}
	for _, k := range d.Winlog.Keywords {
		if k == "Audit Failure" {
			f.failure = true
		}
	}
	return f, nil
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
