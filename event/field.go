package event

import (
	"strconv"
	"strings"
)

// Fields lists the dotted field names rules can match on and group by (Field reads them).
var Fields = []string{
	"event.category", "event.action", "event.outcome", "event.code", "event.dataset",
	"user.name", "user.domain", "user.id", "user.account", "user.original", "user.identity", "host.name", "host.workstation", "source.ip", "source.domain",
	"destination.domain", "destination.ip",
	"logon.type", "logon.method", "email.from", "email.to", "email.status", "email.direction", "email.hop",
	"file.path", "file.share", "file.operation", "device.class", "http.method", "http.path", "http.status",
	"app.name", "app.action", "app.object", "log.input", "log.file",
}

// Field returns the values of a dotted field (several for email.to), nil when the event has none.
func (e *Event) Field(name string) []string {
	one := func(s string) []string {
		if s == "" {
			return nil
		}
		return []string{s}
	}
	switch name {
	case "event.category":
		return one(string(e.Event.Category))
	case "event.action":
		return one(string(e.Event.Action))
	case "event.outcome":
		return one(string(e.Event.Outcome))
	case "event.code":
		return one(e.Event.Code)
	case "event.dataset":
		return one(e.Event.Dataset)
	case "user.name":
		return one(e.User.Name)
	case "user.domain":
		return one(e.User.Domain)
	case "user.id":
		return one(e.User.ID)
	case "user.account":
		return one(e.User.AccountName())
	case "user.original":
		return one(e.User.Original)
	case "user.identity":
		return one(string(e.User.Identity))
	case "host.name":
		return one(e.Host.Name)
	case "host.workstation":
		return one(e.Host.Workstation)
	case "source.ip":
		return one(e.Source.IP)
	case "source.domain":
		return one(e.Source.Domain)
	case "destination.domain":
		return one(e.Destination.Domain)
	case "destination.ip":
		return one(e.Destination.IP)
	case "log.input":
		return one(e.Log.Input)
	case "log.file":
		return one(e.Log.Path)
	}
	return e.groupField(name, one)
}

func (e *Event) groupField(name string, one func(string) []string) []string {
	if e.Mail != nil {
		switch name {
		case "email.to":
			return e.Mail.To
		case "email.from":
			return one(e.Mail.From)
		case "email.status":
			return one(e.Mail.Status)
		case "email.direction":
			return one(e.Mail.Direction)
		case "email.hop":
			return one(e.Mail.Hop)
		}
	}
	if e.File != nil {
		switch name {
		case "file.path":
			return one(e.File.Path)
		case "file.share":
			return one(e.File.Share)
		case "file.operation":
			return one(e.File.Operation)
		}
	}
	if e.App != nil {
		switch name {
		case "app.name":
			return one(e.App.Name)
		case "app.action":
			return one(e.App.Action)
		case "app.object":
			return one(e.App.Object)
		}
	}
	switch {
	case e.Logon != nil && name == "logon.type":
		return one(e.Logon.Type)
	case e.Logon != nil && name == "logon.method":
		return one(e.Logon.Method)
	case e.Device != nil && name == "device.class":
		return one(e.Device.Class)
	case e.HTTP != nil && name == "http.method":
		return one(e.HTTP.Method)
	case e.HTTP != nil && name == "http.path":
		return one(e.HTTP.Path)
	case e.HTTP != nil && name == "http.status" && e.HTTP.Status != 0:
		return one(strconv.Itoa(e.HTTP.Status))
	}
	return nil
}

// AddressDomain is the domain of a mail address, lower case, with angle brackets and spaces trimmed;
// empty when the address has none.
func AddressDomain(addr string) string {
	_, d, _ := strings.Cut(strings.ToLower(strings.Trim(addr, "<> ")), "@")
	return d
}

// Removable says whether an attached device is storage (Windows 6416 class or description).
func (dev *Device) Removable() bool {
	if dev == nil {
		return false
	}
	class, desc := strings.ToLower(dev.Class), strings.ToLower(dev.Description)
	return class == "diskdrive" || class == "wpd" || class == "volume" || class == "usb" && strings.Contains(desc, "storage") ||
		strings.Contains(desc, "mass storage") || strings.Contains(desc, "usb flash") || strings.Contains(desc, "usb drive")
}

// RemovablePath says whether a Windows path is on a drive other than the system drive C:.
func RemovablePath(p string) bool {
	return len(p) >= 3 && p[1] == ':' && (p[2] == '\\' || p[2] == '/') && strings.ToUpper(p[:1]) != "C" &&
		(p[0] >= 'A' && p[0] <= 'Z' || p[0] >= 'a' && p[0] <= 'z')
}
