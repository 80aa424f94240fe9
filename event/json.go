package event

import (
	"bytes"
	"encoding/json"
	"strconv"
	"time"
	"unicode/utf8"
)

// AppendJSON appends the event as encoding/json writes it with HTML escaping off (as lekwacht parse
// and the events file write it), byte for byte, without reflection: the output of a parser is mostly
// this encoding. A time encoding/json would refuse or write otherwise (a year outside 0-9999, a zone
// offset with seconds) goes through encoding/json itself.
func (e *Event) AppendJSON(b []byte) ([]byte, error) {
	if y := e.Time.Year(); y < 0 || y > 9999 {
		return appendByEncoding(b, e)
	}
	if _, off := e.Time.Zone(); off%60 != 0 {
		return appendByEncoding(b, e)
	}
	b = append(b, `{"@timestamp":"`...)
	b = e.Time.AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","event":{`...)
	o := object{b: b}
	o.str("category", string(e.Event.Category), false)
	o.str("action", string(e.Event.Action), false)
	o.str("outcome", string(e.Event.Outcome), false)
	o.str("code", e.Event.Code, true)
	o.str("dataset", e.Event.Dataset, true)
	o.str("reason", e.Event.Reason, true)
	b = append(o.b, '}')
	if e.User != (User{}) {
		b = append(b, `,"user":{`...)
		o := object{b: b}
		o.str("name", e.User.Name, true)
		o.str("domain", e.User.Domain, true)
		o.str("id", e.User.ID, true)
		o.str("account", e.User.Account, true)
		o.str("original", e.User.Original, true)
		o.str("identity", string(e.User.Identity), true)
		b = append(o.b, '}')
	}
	if e.Host != (Host{}) {
		b = append(b, `,"host":{`...)
		o := object{b: b}
		o.str("name", e.Host.Name, true)
		o.str("workstation", e.Host.Workstation, true)
		b = append(o.b, '}')
	}
	b = appendEndpoint(b, "source", &e.Source)
	b = appendEndpoint(b, "destination", &e.Destination)
	if l := e.Logon; l != nil {
		b = append(b, `,"logon":{`...)
		o := object{b: b}
		o.str("type", l.Type, true)
		o.str("id", l.ID, true)
		o.str("method", l.Method, true)
		o.str("process", l.Process, true)
		b = append(o.b, '}')
	}
	if m := e.Mail; m != nil {
		b = append(b, `,"email":{`...)
		o := object{b: b}
		o.str("from", m.From, true)
		if len(m.To) > 0 {
			o.key("to")
			o.b = append(o.b, '[')
			for i, to := range m.To {
				if i > 0 {
					o.b = append(o.b, ',')
				}
				o.b = appendString(o.b, to)
			}
			o.b = append(o.b, ']')
		}
		o.str("subject", m.Subject, true)
		o.int("size", m.Size)
		o.int("recipient_count", int64(m.RecipientCount))
		o.str("message_id", m.MessageID, true)
		o.str("queue_id", m.QueueID, true)
		o.str("status", m.Status, true)
		o.str("direction", m.Direction, true)
		o.str("relay", m.Relay, true)
		o.str("dsn", m.DSN, true)
		o.str("sasl_username", m.SASLUser, true)
		o.str("orig_to", m.OrigTo, true)
		o.str("hop", m.Hop, true)
		o.str("original_queue_id", m.OriginalQueueID, true)
		b = append(o.b, '}')
	}
	if f := e.File; f != nil {
		b = append(b, `,"file":{`...)
		o := object{b: b}
		o.str("path", f.Path, true)
		o.str("target_path", f.Target, true)
		o.str("share", f.Share, true)
		o.str("operation", f.Operation, true)
		o.str("mode", f.Mode, true)
		o.int("size", f.Size)
		b = append(o.b, '}')
	}
	if d := e.Device; d != nil {
		b = append(b, `,"device":{`...)
		o := object{b: b}
		o.str("id", d.ID, true)
		o.str("description", d.Description, true)
		o.str("class", d.Class, true)
		b = append(o.b, '}')
	}
	if h := e.HTTP; h != nil {
		b = append(b, `,"http":{`...)
		o := object{b: b}
		o.str("method", h.Method, true)
		o.str("path", h.Path, true)
		o.int("status", int64(h.Status))
		o.int("bytes", h.Bytes)
		o.int("request_bytes", h.RequestBytes)
		o.str("referrer", h.Referrer, true)
		o.str("user_agent", h.UserAgent, true)
		b = append(o.b, '}')
	}
	if a := e.App; a != nil {
		b = append(b, `,"app":{`...)
		o := object{b: b}
		o.str("name", a.Name, true)
		o.str("action", a.Action, true)
		o.str("object", a.Object, true)
		o.int("count", a.Count)
		b = append(o.b, '}')
	}
	b = append(b, `,"log":{`...)
	o = object{b: b}
	o.str("input", e.Log.Input, true)
	o.str("file", e.Log.Path, true)
	o.key("offset")
	o.b = strconv.AppendInt(o.b, e.Log.Offset, 10)
	o.int("line", e.Log.Line)
	return append(o.b, '}', '}'), nil
}

func appendEndpoint(b []byte, name string, p *Endpoint) []byte {
	if *p == (Endpoint{}) {
		return b
	}
	b = append(b, ',', '"')
	b = append(b, name...)
	b = append(b, `":{`...)
	o := object{b: b}
	o.str("ip", p.IP, true)
	o.int("port", int64(p.Port))
	o.str("domain", p.Domain, true)
	return append(o.b, '}')
}

func appendByEncoding(b []byte, e *Event) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(e); err != nil {
		return b, err
	}
	return append(b, bytes.TrimSuffix(buf.Bytes(), []byte("\n"))...), nil
}

// object writes the members of one JSON object, with the commas between them.
type object struct {
	b    []byte
	some bool
}

func (o *object) key(k string) {
	if o.some {
		o.b = append(o.b, ',')
	}
	o.some = true
	o.b = append(o.b, '"')
	o.b = append(o.b, k...)
	o.b = append(o.b, '"', ':')
}

func (o *object) str(k, v string, omitEmpty bool) {
	if omitEmpty && v == "" {
		return
	}
	o.key(k)
	o.b = appendString(o.b, v)
}

func (o *object) int(k string, v int64) {
	if v == 0 {
		return
	}
	o.key(k)
	o.b = strconv.AppendInt(o.b, v, 10)
}

const hexDigits = "0123456789abcdef"

// appendString writes s as encoding/json does with HTML escaping off: \" and \\, \b \f \n \r \t,
// other control bytes as \u00XX, invalid UTF-8 as \ufffd, U+2028 and U+2029 escaped.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
