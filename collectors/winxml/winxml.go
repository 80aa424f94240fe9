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

// Parse reads one line.
func (p *Parser) Parse(l parse.Line) ([]event.Event, error) {
	var x xmlEvent
	if err := xml.Unmarshal(l.Text, &x); err != nil {
		return nil, parse.Rejectf(parse.ReasonSyntax, "not an <Event> XML element")
	}
	id, err := windows.ParseID(x.System.EventID)
	if err != nil {
		return nil, parse.Rejectf(parse.ReasonMissing, "no numeric System/EventID")
	}
	t, err := time.Parse(time.RFC3339Nano, x.System.TimeCreated.SystemTime)
	if err != nil {
		return nil, parse.Rejectf(parse.ReasonTimestamp, "no TimeCreated SystemTime")
	}
	r := windows.Record{ID: id, Time: t, Computer: x.System.Computer, Data: make(map[string]string, len(x.Data))}
	for _, d := range x.Data {
		r.Data[d.Name] = d.Value
	}
	if kw, err := parseKeywords(x.System.Keywords); err == nil && kw&auditFailure != 0 {
		r.Failure = true
	}
	ev, err := p.mapper.Event(r)
	if err != nil {
		return nil, err
	}
	parse.Stamp(&ev, l, Name)
	return []event.Event{ev}, nil
}
