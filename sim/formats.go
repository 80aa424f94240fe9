package sim

import (
	"fmt"
	"strings"
	"time"
)

// The log lines of each format, written the way the real software writes them.

// --- Winlogbeat (ECS JSON lines of the Windows Security log) ---

func (s *Sim) winlog(t time.Time, host string, id int, data map[string]string, failure bool) {
	kw := "Audit Success"
	if failure {
		kw = "Audit Failure"
	}
	s.win.add(t, jsonLine(map[string]any{
		"@timestamp": t.UTC().Format("2006-01-02T15:04:05.0000000Z"),
		"event":      map[string]any{"code": id, "provider": "Microsoft-Windows-Security-Auditing"},
		"winlog": map[string]any{"channel": "Security", "computer_name": host + "." + localZone, "event_id": id,
			"record_id": s.w.id(), "keywords": []string{kw}, "event_data": data},
	}))
}

// sid is an account's objectSid: the directory's for people and their admin accounts; for the
// others (service accounts, an old account no longer in the directory) one from their name, above
// the people's RIDs.
func (s *Sim) sid(user string) string {
	if sid, ok := s.w.sids[user]; ok {
		return sid
	}
	h := 0
	for _, c := range user {
		h = h*31 + int(c)
	}
	return fmt.Sprintf("%s-%d", domainSID, 1_000_000+(h&0xfffff))
}

// logon writes a 4624 and returns the logon id; kind is 2 (interactive), 3 (network), 10 (remote
// interactive) or 11 (cached interactive).
func (s *Sim) logon(t time.Time, user, host, client, ip string, kind int) string {
	id := fmt.Sprintf("0x%x", 0x100000+s.w.id())
	proc, pkg := "User32 ", "Negotiate"
	if kind == 3 {
		proc, pkg = "Kerberos", "Kerberos"
	}
	if kind == 2 || kind == 11 {
		ip = "127.0.0.1"
	}
	s.winlog(t, host, 4624, map[string]string{"SubjectUserSid": "S-1-5-18", "SubjectUserName": host + "$",
		"SubjectDomainName": ADDomain, "SubjectLogonId": "0x3e7", "TargetUserSid": s.sid(user), "TargetUserName": user,
		"TargetDomainName": ADDomain, "TargetLogonId": id, "LogonType": fmt.Sprint(kind), "LogonProcessName": proc,
		"AuthenticationPackageName": pkg, "WorkstationName": client, "IpAddress": ip, "IpPort": "0"}, false)
	s.seen(t, user, host, client, kind)
	return id
}

// logoff ends a session as Windows logs it, which is not always: an interactive or remote session
// ends about one time in four without a 4634 (the PC sleeps, is locked and switched off, the event
// is lost), then and now with a 4647 (the user chose Sign out) in its place. A network logon always
// has its 4634. It says whether a logoff (4634 or 4647) was written.
func (s *Sim) logoff(t time.Time, user, host, id string, kind int) bool {
	if kind != 3 {
		switch r := s.w.norm.Float64(); {
		case r < missingLogoff:
			if s.locks && s.w.norm.Float64() < 0.5 {
				s.lock(t, user, host, id, true)
			}
			return false
		case r < missingLogoff+userLogoff:
			// 4647's fields are Target* (its rendered message calls them "Subject:")
			s.winlog(t, host, 4647, map[string]string{"TargetUserSid": s.sid(user), "TargetUserName": user,
				"TargetDomainName": ADDomain, "TargetLogonId": id}, false)
			return true
		}
	}
	s.winlog(t, host, 4634, map[string]string{"TargetUserSid": s.sid(user), "TargetUserName": user,
		"TargetDomainName": ADDomain, "TargetLogonId": id, "LogonType": fmt.Sprint(kind)}, false)
	return true
}

// The shares of interactive and remote sessions that end without a 4634.
const (
	missingLogoff = 0.25 // nothing at all
	userLogoff    = 0.12 // a 4647 instead
)

// lock writes a 4800 (the workstation locked) or, with locked false, a 4801 (unlocked).
func (s *Sim) lock(t time.Time, user, host, id string, locked bool) {
	code := 4801
	if locked {
		code = 4800
	}
	s.winlog(t, host, code, map[string]string{"TargetUserSid": s.sid(user), "TargetUserName": user,
		"TargetDomainName": ADDomain, "TargetLogonId": id, "SessionId": "1"}, false)
}

// station writes a 4779 (a remote desktop session disconnected from its window station) or, with
// connected true, a 4778 (reconnected): client is the computer the person sits at.
func (s *Sim) station(t time.Time, user, host, id, client, ip string, connected bool) {
	code := 4779
	if connected {
		code = 4778
	}
	s.winlog(t, host, code, map[string]string{"AccountName": user, "AccountDomain": ADDomain, "LogonID": id,
		"SessionName": fmt.Sprintf("RDP-Tcp#%d", 1+len(id)%7), "ClientName": client, "ClientAddress": ip}, false)
}

func (s *Sim) failedLogon(t time.Time, user, host, client string) {
	s.winlog(t, host, 4625, map[string]string{"SubjectUserSid": "S-1-5-18", "SubjectUserName": host + "$",
		"SubjectDomainName": ADDomain, "TargetUserName": user, "TargetDomainName": ADDomain, "Status": "0xc000006d",
		"SubStatus": "0xc000006a", "LogonType": "2", "LogonProcessName": "User32 ", "AuthenticationPackageName": "Negotiate",
		"WorkstationName": client, "IpAddress": "127.0.0.1", "IpPort": "0"}, true)
}

// device writes a 6416 (a device recognised by the system).
func (s *Sim) device(t time.Time, user, host, id, desc, class string) {
	s.winlog(t, host, 6416, map[string]string{"SubjectUserSid": s.sid(user), "SubjectUserName": user,
		"SubjectDomainName": ADDomain, "SubjectLogonId": "0x8d3a2f", "DeviceId": id, "DeviceDescription": desc,
		"ClassName": class, "ClassId": "{4d36e967-e325-11ce-bfc1-08002be10318}"}, false)
}

// fileWrite writes a 4663 with WriteData on path.
func (s *Sim) fileWrite(t time.Time, user, host, path string) {
	s.winlog(t, host, 4663, map[string]string{"SubjectUserSid": s.sid(user), "SubjectUserName": user,
		"SubjectDomainName": ADDomain, "SubjectLogonId": "0x8d3a2f", "ObjectServer": "Security", "ObjectType": "File",
		"ObjectName": path, "HandleId": fmt.Sprintf("0x%x", 0x400+s.w.id()%4096), "AccessList": "%%4417",
		"AccessMask": "0x2", "ProcessName": `C:\Windows\explorer.exe`}, false)
}

// --- Samba vfs_full_audit through rsyslog ---

// samba writes one line; who is the user as smbd gives it (see smbUser).
func (s *Sim) samba(t time.Time, who, ip, machine, share, op string, args ...string) {
	s.smb.add(t, fmt.Sprintf("%s fs01 smbd_audit[%d]: %s|%s|%s|%s|%s|ok|%s", syslogStamp(t), 4000+len(who)*37,
		who, ip, machine, share, op, strings.Join(args, "|")))
}

// qualified is an account with the domain in front: VOORBEELD\jdevries.
func qualified(user string) string { return ADDomain + `\` + user }

// smbUser is the user of a session as the audit prefix's %u gives it: with the domain in front for
// about four sessions in ten, the account alone for the others.
func (s *Sim) smbUser(user string) string {
	if s.w.ids.Float64() < 0.4 {
		return qualified(user)
	}
	return user
}

// --- sshd through rsyslog ---

func (s *Sim) sshd(t time.Time, host string, pid int, msg string) {
	s.ssh.add(t, fmt.Sprintf("%s %s sshd[%d]: %s", syslogStamp(t), host, pid, msg))
}

// --- the zaaksysteem's JSON audit log ---

// zaak writes one line of the zaaksysteem's audit log, which knows its users by their
// medewerkernummer (the HR system's key), not by their account.
func (s *Sim) zaak(t time.Time, p *person, host, ip, action, subject string, count int) {
	rec := map[string]any{"ts": t.Format("2006-01-02T15:04:05.000-07:00"), "actor": map[string]any{"id": p.EmployeeID, "afdeling": p.Dept.Name},
		"action": action, "client": map[string]any{"host": host, "ip": ip}}
	res := map[string]any{"status": 200}
	if count > 0 {
		res["status"], res["count"] = "ok", fmt.Sprint(count)
	}
	rec["result"] = res
	if subject != "" {
		rec["subject"] = map[string]any{"id": subject}
	}
	s.app.add(t, jsonLine(rec))
}

// hr writes the personnel system's audit line: who opened whose personnel file.
func (s *Sim) hr(t time.Time, p *person, ip, action, employee string) {
	s.hrm.add(t, jsonLine(map[string]any{"tijdstip": t.UTC().Format(time.RFC3339), "gebruiker": p.User,
		"handeling": action, "medewerker": employee, "ip": ip}))
}

// --- Exchange message tracking ---

var exchangeFields = strings.Split("date-time,client-ip,client-hostname,server-ip,server-hostname,source-context,connector-id,source,event-id,internal-message-id,message-id,network-message-id,recipient-address,recipient-status,total-bytes,recipient-count,related-recipient-address,reference,message-subject,sender-address,return-path,message-info,directionality,tenant-id,original-client-ip,original-server-ip,custom-data,transport-traffic-type,log-id,schema-version", ",")

func exchangeHeader(day time.Time) string {
	return "\ufeff#Software: Microsoft Exchange Server\r\n#Version: 15.02.1544.004\r\n#Log-type: Message Tracking Log\r\n" +
		"#Date: " + day.UTC().Format("2006-01-02T15:04:05.000Z") + "\r\n#Fields: " + strings.Join(exchangeFields, ",") + "\n"
}

func (s *Sim) exchange(t time.Time, f map[string]string) {
	f["date-time"] = t.UTC().Format("2006-01-02T15:04:05.000Z")
	f["schema-version"] = "15.02.1544.004"
	f["log-id"] = fmt.Sprintf("%08x-0000-1111-2222-%012x", s.w.id(), s.w.id())
	row := make([]string, len(exchangeFields))
	for i, k := range exchangeFields {
		row[i] = f[k]
	}
	s.exch.add(t, csvRow(row))
}

// --- Postfix through rsyslog ---

func (s *Sim) postfix(t time.Time, proc string, msg string) {
	s.mail.add(t, fmt.Sprintf("%s mx1 postfix/%s[%d]: %s", syslogStamp(t), proc, 2000+len(proc)*113+s.w.rnd.IntN(50), msg))
}

func (s *Sim) queueID() string {
	return fmt.Sprintf("%010X", s.w.rnd.Uint64()&0xffffffffff)
}
