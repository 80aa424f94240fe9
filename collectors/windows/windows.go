// Package windows maps Windows Security events (an event id, the EventData name/value pairs and the
// System fields) to normalized events; the winlog-json, winlog-xml and snare formats share it.
package windows

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/golang-lru/v2/simplelru"
	"github.com/lekwacht/lekwacht/collectors/parse"
	"github.com/lekwacht/lekwacht/event"
)

// Record is one Security event as its encoding gives it.
type Record struct {
	ID       int
	Time     time.Time
	Computer string
	Data     map[string]string // EventData; ECS copies (user.name, source.ip) fill gaps, see Fallback
	Failure  bool              // keywords say Audit Failure
	Fallback Fallback
}

// Fallback holds the ECS copies Winlogbeat's ingest pipelines leave when they move EventData fields.
type Fallback struct {
	UserName, UserDomain, UserID, SourceIP string
	SourcePort                             int
}

// Supported lists the event ids lekwacht reads.
var Supported = []int{4624, 4625, 4634, 4647, 4660, 4663, 4768, 4769, 4771, 4776, 4778, 4779, 4800, 4801, 5140, 5145, 6416}

var logonTypes = map[string]string{
	"2": "interactive", "3": "network", "4": "batch", "5": "service", "7": "unlock", "8": "network_cleartext",
	"9": "new_credentials", "10": "remote_interactive", "11": "cached_interactive",
	"12": "cached_remote_interactive", "13": "cached_unlock",
}

// Mapper turns records into events. It remembers the object names of recent 4663 events to name the
// object of the 4660 (object deleted) that follows them; evictions are counted.
type Mapper struct {
	handles   *simplelru.LRU[string, string]
	Evictions int64
}

// NewMapper builds a Mapper holding at most size open handles.
func NewMapper(size int) *Mapper {
	m := &Mapper{}
	m.handles, _ = simplelru.NewLRU[string, string](size, func(string, string) { m.Evictions++ })
	return m
}

// Event maps one record; an event id lekwacht does not read is rejected as unsupported_event.
func (m *Mapper) Event(r Record) (event.Event, error) {
	ev := event.Event{Time: r.Time, Host: event.Host{Name: r.Computer}}
	ev.Event.Code = strconv.Itoa(r.ID)
	ev.Event.Outcome = event.OutcomeSuccess
	if r.Failure {
		ev.Event.Outcome = event.OutcomeFailure
	}
	d := r.Data
	switch r.ID {
	case 4624, 4625, 4634, 4647:
		ev.Event.Category = event.CategoryAuthentication
		ev.Event.Action = map[int]event.Action{4624: event.ActionLogon, 4625: event.ActionLogonFailed,
			4634: event.ActionLogoff, 4647: event.ActionLogoff}[r.ID]
		if r.ID == 4625 {
			ev.Event.Outcome = event.OutcomeFailure
			ev.Event.Reason = strings.Trim(value(d, "Status")+"/"+value(d, "SubStatus"), "/")
		}
		m.user(&ev, r, "Target")
		if r.ID == 4647 && value(d, "TargetUserName") == "" {
			// 4647's XML names the user Target*, its rendered message "Subject:" (Snare, text
			// forwarders): both are read
			m.user(&ev, r, "Subject")
		}
		ev.Host.Workstation = value(d, "WorkstationName")
		m.source(&ev, r)
		lt := value(d, "LogonType")
		if name, ok := logonTypes[lt]; ok {
			lt = name
		}
		ev.Logon = &event.Logon{Type: lt, ID: value(d, "TargetLogonId"),
			Method: strings.TrimSpace(value(d, "AuthenticationPackageName")), Process: strings.TrimSpace(value(d, "LogonProcessName"))}
		if ev.Logon.ID == "" {
			ev.Logon.ID = value(d, "SubjectLogonId") // 4647 names the session as the subject's
		}
	case 4800, 4801:
		m.lock(&ev, r)
	case 4778, 4779:
		m.station(&ev, r)
	case 4776, 4768, 4769, 4771:
		m.credential(&ev, r)
	case 4663:
		ev.Event.Category = event.CategoryFile
		ev.Event.Action = accessAction(value(d, "AccessMask"))
		m.user(&ev, r, "Subject")
		ev.File = &event.File{Path: value(d, "ObjectName"), Operation: "4663", Mode: value(d, "AccessMask")}
		// A copy: the parsers hand out parts of the line, which the handle would keep whole.
		m.handles.Add(handleKey(r), strings.Clone(ev.File.Path))
	case 4660:
		ev.Event.Category = event.CategoryFile
		ev.Event.Action = event.ActionDelete
		m.user(&ev, r, "Subject")
		path, _ := m.handles.Get(handleKey(r))
		ev.File = &event.File{Path: path, Operation: "4660"}
	case 5140, 5145:
		ev.Event.Category = event.CategoryFile
		ev.Event.Action = event.ActionConnect
		m.user(&ev, r, "Subject")
		m.source(&ev, r)
		ev.File = &event.File{Share: value(d, "ShareName"), Operation: strconv.Itoa(r.ID), Mode: value(d, "AccessMask")}
		if r.ID == 5145 {
			ev.Event.Action = accessAction(value(d, "AccessMask"))
			ev.File.Path = joinPath(value(d, "ShareLocalPath"), value(d, "RelativeTargetName"))
		}
	case 6416:
		ev.Event.Category = event.CategoryDevice
		ev.Event.Action = event.ActionAttach
		m.user(&ev, r, "Subject")
		ev.Device = &event.Device{ID: value(d, "DeviceId"), Description: value(d, "DeviceDescription"), Class: value(d, "ClassName")}
	default:
		return ev, parse.Rejectf(parse.ReasonUnsupported, "event id %d", r.ID)
	}
	return ev, nil
}

// value returns a field, with Windows' "-" for nothing as empty.
func value(d map[string]string, k string) string {
	v := d[k]
	if v == "-" {
		return ""
	}
	return v
}

func (m *Mapper) user(ev *event.Event, r Record, who string) {
	ev.User = event.User{Name: value(r.Data, who+"UserName"), Domain: value(r.Data, who+"DomainName"), ID: value(r.Data, who+"UserSid")}
	if ev.User.Name == "" {
		ev.User = event.User{Name: r.Fallback.UserName, Domain: r.Fallback.UserDomain, ID: r.Fallback.UserID}
	}
}

func (m *Mapper) source(ev *event.Event, r Record) {
	ev.Source.IP = unmapped(value(r.Data, "IpAddress"))
	ev.Source.Port, _ = strconv.Atoi(value(r.Data, "IpPort"))
	if _, ok := r.Data["IpAddress"]; !ok && r.Fallback.SourceIP != "" {
		ev.Source.IP, ev.Source.Port = unmapped(r.Fallback.SourceIP), r.Fallback.SourcePort
	}
}

func handleKey(r Record) string {
	return r.Computer + "|" + r.Data["ProcessId"] + "|" + r.Data["HandleId"]
}

// accessAction reads an access mask: DELETE, then write, then read.
func accessAction(mask string) event.Action {
	m, err := strconv.ParseUint(strings.TrimPrefix(mask, "0x"), 16, 32)
	switch {
	case err != nil:
		return event.ActionAccess
	case m&0x10000 != 0:
		return event.ActionDelete
	case m&0x6 != 0:
		return event.ActionWrite
	case m&0x1 != 0:
		return event.ActionRead
	}
	return event.ActionAccess
}

// joinPath puts a share's local path and the path below it together.
func joinPath(local, rel string) string {
	if local == "" {
		return rel
	}
	if rel == "" {
		return local
	}
	return strings.TrimRight(local, `\`) + `\` + strings.TrimLeft(rel, `\`)
}

// ParseID reads an event id written as a number or a string.
func ParseID(s string) (int, error) {
	id, err := strconv.Atoi(strings.Trim(s, `" `))
	if err != nil || id <= 0 {
		return 0, fmt.Errorf("event id %q is not a number", s)
	}
	return id, nil
}
