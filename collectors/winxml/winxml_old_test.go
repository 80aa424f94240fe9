package winxml

// The parser as it was before it read lines with its own scanner (commit 7eba5b2): xml.Unmarshal
// into xmlEvent. Kept as the reference the equivalence tests hold the new one to.

import (
	"encoding/xml"
	"time"

	"github.com/lekwacht/lekwacht/collectors/parse"
	"github.com/lekwacht/lekwacht/collectors/windows"
	"github.com/lekwacht/lekwacht/event"
)

// oldParser reads event XML lines.
type oldParser struct {
	mapper *windows.Mapper
}

// oldNew builds an oldParser.
func oldNew(opts parse.Options) (parse.Parser, error) {
	return &oldParser{mapper: windows.NewMapper(min(opts.Pending(), 10000))}, nil
}

type oldXMLEvent struct {
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

// Parse reads one line.
func (p *oldParser) Parse(l parse.Line) ([]event.Event, error) {
	var x oldXMLEvent
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
