package mapped

import (
	"math"
	"strconv"
	"strings"

	"github.com/lekwacht/lekwacht/event"
)

// setter puts a value read from a record into an event field, creating the field's group.
type setter func(ev *event.Event, v Value)

// setters are the event fields a mapping's `fields:` may name, by their dotted name.
var setters = map[string]setter{
	"user.name":   func(e *event.Event, v Value) { e.User.Name = str(v) },
	"user.domain": func(e *event.Event, v Value) { e.User.Domain = str(v) },
	"user.id":     func(e *event.Event, v Value) { e.User.ID = str(v) },

	"host.name":        func(e *event.Event, v Value) { e.Host.Name = str(v) },
	"host.workstation": func(e *event.Event, v Value) { e.Host.Workstation = str(v) },

	"source.ip":          func(e *event.Event, v Value) { e.Source.IP = str(v) },
	"source.port":        func(e *event.Event, v Value) { e.Source.Port = int(clampPort(num(v))) },
	"source.domain":      func(e *event.Event, v Value) { e.Source.Domain = str(v) },
	"destination.ip":     func(e *event.Event, v Value) { e.Destination.IP = str(v) },
	"destination.port":   func(e *event.Event, v Value) { e.Destination.Port = int(clampPort(num(v))) },
	"destination.domain": func(e *event.Event, v Value) { e.Destination.Domain = strings.ToLower(str(v)) },

	"event.reason": func(e *event.Event, v Value) { e.Event.Reason = str(v) },

	"logon.type":   func(e *event.Event, v Value) { part(&e.Logon).Type = str(v) },
	"logon.method": func(e *event.Event, v Value) { part(&e.Logon).Method = str(v) },
	"logon.id":     func(e *event.Event, v Value) { part(&e.Logon).ID = str(v) },

	"email.from":            func(e *event.Event, v Value) { part(&e.Mail).From = str(v) },
	"email.to":              func(e *event.Event, v Value) { part(&e.Mail).To = list(v) },
	"email.subject":         func(e *event.Event, v Value) { part(&e.Mail).Subject = str(v) },
	"email.size":            func(e *event.Event, v Value) { part(&e.Mail).Size = num(v) },
	"email.recipient_count": func(e *event.Event, v Value) { part(&e.Mail).RecipientCount = int(count(v)) },
	"email.message_id":      func(e *event.Event, v Value) { part(&e.Mail).MessageID = str(v) },
	"email.status":          func(e *event.Event, v Value) { part(&e.Mail).Status = strings.ToLower(str(v)) },
	"email.direction":       func(e *event.Event, v Value) { part(&e.Mail).Direction = strings.ToLower(str(v)) },

	"file.path":        func(e *event.Event, v Value) { part(&e.File).Path = str(v) },
	"file.target_path": func(e *event.Event, v Value) { part(&e.File).Target = str(v) },
	"file.share":       func(e *event.Event, v Value) { part(&e.File).Share = str(v) },
	"file.operation":   func(e *event.Event, v Value) { part(&e.File).Operation = str(v) },
	"file.size":        func(e *event.Event, v Value) { part(&e.File).Size = num(v) },

	"device.id":          func(e *event.Event, v Value) { part(&e.Device).ID = str(v) },
	"device.class":       func(e *event.Event, v Value) { part(&e.Device).Class = str(v) },
	"device.description": func(e *event.Event, v Value) { part(&e.Device).Description = str(v) },

	"http.method":        func(e *event.Event, v Value) { part(&e.HTTP).Method = strings.ToUpper(str(v)) },
	"http.path":          func(e *event.Event, v Value) { part(&e.HTTP).Path = str(v) },
	"http.status":        func(e *event.Event, v Value) { part(&e.HTTP).Status = int(num(v)) },
	"http.bytes":         func(e *event.Event, v Value) { part(&e.HTTP).Bytes = num(v) },
	"http.request.bytes": func(e *event.Event, v Value) { part(&e.HTTP).RequestBytes = num(v) },
	"http.user_agent":    func(e *event.Event, v Value) { part(&e.HTTP).UserAgent = str(v) },
	"http.referrer":      func(e *event.Event, v Value) { part(&e.HTTP).Referrer = str(v) },

	"app.name":   func(e *event.Event, v Value) { part(&e.App).Name = str(v) },
	"app.object": func(e *event.Event, v Value) { part(&e.App).Object = str(v) },
	"app.count":  func(e *event.Event, v Value) { part(&e.App).Count = count(v) },
}

// hints are names from ECS or other schemas that lekwacht calls otherwise: an unknown field name
// in this list is answered with "did you mean" the lekwacht name.
var hints = map[string]string{
	"url.domain": "destination.domain", "url.path": "http.path", "url.original": "http.path",
	"http.request.method": "http.method", "http.response.status_code": "http.status",
	"http.response.bytes": "http.bytes", "http.response.body.bytes": "http.bytes",
	"http.request.body.bytes": "http.request.bytes", "user_agent.original": "http.user_agent",
	"http.request.referrer": "http.referrer", "client.ip": "source.ip", "server.ip": "destination.ip",
	"server.domain": "destination.domain", "email.from.address": "email.from",
	"email.to.address": "email.to", "email.subject.text": "email.subject",
	"host.hostname": "host.name", "user.email": "user.name", "file.name": "file.path",
	"file.directory": "file.path",
}

// top are the mapping's own keys that fill an event field, and that field: one of the two is given.
var top = []struct{ key, field string }{
	{"user", "user.name"}, {"host", "host.name"}, {"workstation", "host.workstation"},
	{"source_ip", "source.ip"}, {"object", "app.object"}, {"count", "app.count"}, {"app", "app.name"},
}

// part is an event's part (e.Logon, e.Mail...), made when the event has none yet.
func part[T any](p **T) *T {
	if *p == nil {
		*p = new(T)
	}
	return *p
}

// str is a scalar value as text; lists and objects are no text.
func str(v Value) string {
	if v.Other == nil {
		return v.Text
	}
	if x, ok := v.Other.(bool); ok {
		return strconv.FormatBool(x)
	}
	return ""
}

// list is a list of texts: a JSON array's scalars, or a text split at ';' and ',' (how exports
// join recipients), each trimmed, empty ones left out.
func list(v Value) []string {
	var out []string
	add := func(s string) {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	if x, ok := v.Other.([]any); ok {
		for _, e := range x {
			if e, ok := ValueOf(e); ok {
				add(str(e))
			}
		}
	} else {
		for _, s := range strings.FieldsFunc(str(v), func(r rune) bool { return r == ';' || r == ',' }) {
			add(s)
		}
	}
	return out
}

// num is a whole number from a JSON number or a text ("48213", " 48213 ", "48213.0"); 0 when it is
// none.
func num(v Value) int64 {
	s := strings.TrimSpace(str(v))
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && !math.IsNaN(f) && math.Abs(f) < 1<<62 {
		return int64(f)
	}
	return 0
}

// count is num, or the length of a list.
func count(v Value) int64 {
	if l, ok := v.Other.([]any); ok {
		return int64(len(l))
	}
	return num(v)
}

func clampPort(n int64) int64 {
	if n < 0 || n > 65535 {
		return 0
	}
	return n
}

// empty says whether a value holds nothing a field could take.
func empty(v Value) bool {
	switch {
	case v.Number:
		return false
	case v.Other == nil:
		return strings.TrimSpace(v.Text) == "" || v.Text == "-"
	}
	l, ok := v.Other.([]any)
	return ok && len(l) == 0
}
