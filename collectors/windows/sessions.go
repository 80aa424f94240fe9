package windows

import (
	"net/netip"
	"strconv"
	"strings"

	"github.com/lekwacht/lekwacht/event"
)

// lock maps 4800 (workstation locked) and 4801 (unlocked): the session stays, the person leaves it
// or comes back to it.
func (m *Mapper) lock(ev *event.Event, r Record) {
	ev.Event.Category = event.CategoryAuthentication
	ev.Event.Action = event.ActionLock
	if r.ID == 4801 {
		ev.Event.Action = event.ActionUnlock
	}
	m.user(ev, r, "Target")
	ev.Logon = &event.Logon{ID: value(r.Data, "TargetLogonId")}
}

// station maps 4778 (a session reconnected to a window station) and 4779 (disconnected from it):
// Remote Desktop, or Fast User Switching at the console. ClientName is the computer the person sits
// at; at the console it is "Unknown" and ClientAddress "LOCAL", which are left out.
func (m *Mapper) station(ev *event.Event, r Record) {
	d := r.Data
	ev.Event.Category = event.CategoryAuthentication
	ev.Event.Action = event.ActionReconnect
	if r.ID == 4779 {
		ev.Event.Action = event.ActionDisconnect
	}
	ev.User = event.User{Name: value(d, "AccountName"), Domain: value(d, "AccountDomain")}
	if ev.User.Name == "" {
		ev.User = event.User{Name: r.Fallback.UserName, Domain: r.Fallback.UserDomain}
	}
	if c := value(d, "ClientName"); !strings.EqualFold(c, "Unknown") {
		ev.Host.Workstation = c
	}
	ev.Source.IP = address(value(d, "ClientAddress"))
	if _, ok := d["ClientAddress"]; !ok {
		ev.Source.IP = address(r.Fallback.SourceIP)
	}
	lt := "remote_interactive"
	if strings.EqualFold(value(d, "SessionName"), "Console") {
		lt = "interactive" // Fast User Switching: the person is at the computer itself
	}
	ev.Logon = &event.Logon{Type: lt, ID: value(d, "LogonID")}
}

// credential maps a domain controller's check of a credential: 4776 (NTLM), 4768 (Kerberos TGT),
// 4769 (Kerberos service ticket), 4771 (Kerberos pre-authentication failed). It says an account's
// password or ticket was used from a workstation or address, not that anyone sat at a PC.
func (m *Mapper) credential(ev *event.Event, r Record) {
	d := r.Data
	ev.Event.Category = event.CategoryAuthentication
	ev.Event.Action = event.ActionAuthenticate
	ev.Logon = &event.Logon{Method: "Kerberos"}
	switch r.ID {
	case 4776:
		ev.Logon.Method = "NTLM"
		m.user(ev, r, "Target")
		ev.Host.Workstation = strings.TrimPrefix(value(d, "Workstation"), `\\`)
	case 4768, 4771:
		m.user(ev, r, "Target")
		if sid := value(d, "TargetSid"); sid != "S-1-0-0" && ev.User.ID == "" {
			ev.User.ID = sid // a failed request names the NULL SID: no one
		}
	case 4769:
		m.user(ev, r, "Target")
		ev.User.Name, ev.User.Domain = principal(ev.User.Name, ev.User.Domain)
		ev.Logon.Process = value(d, "ServiceName")
	}
	if r.ID != 4776 {
		m.source(ev, r)
	}
	if status := value(d, "Status"); status != "" && !zero(status) {
		ev.Event.Outcome = event.OutcomeFailure
		ev.Event.Reason = status
	}
	if r.ID == 4771 {
		ev.Event.Outcome = event.OutcomeFailure // the event is only ever written for a failure
	}
}

// principal splits a Kerberos client name written as user@REALM when REALM is the account's domain
// (dadmin@CONTOSO.LOCAL); a UPN of another suffix (j.devries@voorbeeld.nl), or a name without a
// domain beside it, is left whole for identity resolution to look up as written.
func principal(name, domain string) (string, string) {
	i := strings.LastIndexByte(name, '@')
	if i > 0 && strings.EqualFold(name[i+1:], domain) {
		return name[:i], domain
	}
	return name, domain
}

// address reads an IP address as Windows writes it: ::ffff:10.0.0.12 is 10.0.0.12; a word
// (LOCAL, Unknown) is no address.
func address(s string) string {
	a, err := netip.ParseAddr(strings.TrimSpace(s))
	if err != nil {
		return ""
	}
	return a.Unmap().String()
}

// unmapped is s with an IPv4-mapped IPv6 address (::ffff:10.0.0.12) written as IPv4, anything
// else as it was.
func unmapped(s string) string {
	if a := address(s); a != "" && a != s && strings.HasPrefix(strings.ToLower(s), "::ffff:") {
		return a
	}
	return s
}

// zero says whether a status code (0x0, 0x00000000, 0) means success.
func zero(status string) bool {
	n, err := strconv.ParseUint(strings.TrimPrefix(strings.ToLower(status), "0x"), 16, 64)
	return err == nil && n == 0
}
