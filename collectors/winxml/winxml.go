// Package winxml reads Windows Security events as single-line event XML (<Event xmlns=...>), as
// Windows Event Forwarding collectors and some agents write them.
package winxml

import (
	"encoding/xml"
	"time"

	"github.com/lekwacht/lekwacht/collectors/parse"
	"github.com/lekwacht/lekwacht/collectors/windows"
	"github.com/lekwacht/lekwacht/event"
)

// Name is the format's name in the config and on the command line.
const Name = "winlog-xml"

// Parser reads event XML lines.
type Parser struct {
	mapper *windows.Mapper
	scan   scanner
}

// New builds a Parser.
func New(opts parse.Options) (parse.Parser, error) {
	return &Parser{mapper: windows.NewMapper(min(opts.Pending(), 10000))}, nil
}

type xmlEvent struct {
	XMLName xml.Name `xml:"Event"`
	System  struct {
		EventID     string `xml:"EventID"`
		Keywords    string `xml:"Keywords"`
		TimeCreated struct {
			SystemTime string `xml:"SystemTime,attr"`
		} `xml:"TimeCreated"`
		Computer string `xml:"Computer"`
	} `xml:"System"`
	Data []struct {
		Name  string `xml:"Name,attr"`
		Value string `xml:",chardata"`
	} `xml:"EventData>Data"`
}

// auditFailure is the Keywords bit of a failed audit.
const auditFailure = 0x10000000000000

// Parse reads one line. Lines are read by a scanner that takes only what the parser needs; a line
// in XML it does not read (entities, comments, namespace prefixes, ...) or that is not well-formed
// is decoded by encoding/xml, as before, which gives the reject.
func (p *Parser) Parse(l parse.Line) ([]event.Event, error) {
	text := string(l.Text)
	f, ok := p.scan.read(l.Text, text)
	if !ok {
		var err error
		if f, err = decode(l.Text); err != nil {
			return nil, err
		}
	}
	id, err := windows.ParseID(f.eventID)
	if err != nil {
		return nil, parse.Rejectf(parse.ReasonMissing, "no numeric System/EventID")
	}
	t, err := time.Parse(time.RFC3339Nano, f.systemTime)
	if err != nil {
		return nil, parse.Rejectf(parse.ReasonTimestamp, "no TimeCreated SystemTime")
	}
	r := windows.Record{ID: id, Time: t, Computer: f.computer, Data: f.data}
	if kw, err := parseKeywords(f.keywords); err == nil && kw&auditFailure != 0 {
		r.Failure = true
	}
	ev, err := p.mapper.Event(r)
	if err != nil {
		return nil, err
	}
	parse.StampText(&ev, l, text, Name)
	return []event.Event{ev}, nil
}

// decode reads a line with encoding/xml: the lines the scanner leaves, and the reference the
// scanner is tested against.
func decode(line []byte) (fields, error) {
	var x xmlEvent
	if err := xml.Unmarshal(line, &x); err != nil {
		return fields{}, parse.Rejectf(parse.ReasonSyntax, "not an <Event> XML element")
	}
	f := fields{eventID: x.System.EventID, keywords: x.System.Keywords, systemTime: x.System.TimeCreated.SystemTime,
		computer: x.System.Computer, data: make(map[string]string, len(x.Data))}
	for _, d := range x.Data {
		f.data[d.Name] = d.Value
	}
	return f, nil
}
