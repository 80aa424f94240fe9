package snare

// The parser as it was before it read each line as one string (commit 7eba5b2), kept as the
// reference the equivalence test holds the new one to; it shares the tab field numbers and the
// windows.Mapper. Its envelope is syslog.Parser.Parse, which syslog's own equivalence test holds to
// the envelope of that commit.

import (
	"strings"
	"time"
	"unicode"

	"github.com/lekwacht/lekwacht/collectors/parse"
	"github.com/lekwacht/lekwacht/collectors/syslog"
	"github.com/lekwacht/lekwacht/collectors/windows"
	"github.com/lekwacht/lekwacht/event"
)

// oldParser reads Snare lines.
type oldParser struct {
	envelope syslog.Parser
	mapper   *windows.Mapper
	loc      *time.Location
}

// oldNew builds a oldParser. Snare's own time field has no zone: opts.Location (the input's timezone)
// is taken for it.
func oldNew(opts parse.Options) (parse.Parser, error) {
	return &oldParser{envelope: syslog.Parser{Location: opts.Loc(), Reference: opts.Now},
		mapper: windows.NewMapper(min(opts.Pending(), 10000)), loc: opts.Loc()}, nil
}

// Parse reads one line.
func (p *oldParser) Parse(l parse.Line) ([]event.Event, error) {
	_, msg, err := p.envelope.Parse(l.Text)
	if err != nil {
		return nil, parse.Rejectf(parse.ReasonSyntax, "no syslog header")
	}
	body := strings.TrimPrefix(string(msg), tag+"\t")
	if !strings.Contains(string(l.Text), tag) {
		return nil, nil // another program's line in the same stream
	}
	f := strings.Split(body, "\t")
	if len(f) != nFields {
		return nil, parse.Rejectf(parse.ReasonColumns, "%d tab fields after %s, want %d", len(f), tag, nFields)
	}
	id, err := windows.ParseID(f[fEventID])
	if err != nil {
		return nil, parse.Rejectf(parse.ReasonMissing, "event id field is not a number")
	}
	t, err := time.ParseInLocation("Mon Jan 2 15:04:05 2006", f[fTime], p.loc)
	if err != nil {
		return nil, parse.Rejectf(parse.ReasonTimestamp, "time field is not like Fri Sep 17 16:37:25 2021")
	}
	r := windows.Record{ID: id, Time: t, Computer: f[fComputer], Data: oldEventData(id, oldItems(f[fMessage])),
		Failure: f[fType] == "Failure Audit"}
	ev, err := p.mapper.Event(r)
	if err != nil {
		return nil, err
	}
	parse.Stamp(&ev, l, Name)
	return []event.Event{ev}, nil
}

// oldItems reads the flattened message: "Subject:   Security ID:  S-1-0-0   Account Name:  -   ..."
// into "Section/Label" and "Label" keys (the first occurrence of a label wins for the bare key).
func oldItems(msg string) map[string]string {
	out := map[string]string{}
	section := ""
	runs := oldSplitRuns(msg)
	for i := 0; i < len(runs); i++ {
		it := runs[i]
		if strings.HasSuffix(it, ":") && !strings.Contains(it[:len(it)-1], ":") {
			// "Status:   0xC000006D": a label whose value was pushed into the next run; a label
			// followed by oldLabelled oldItems is a section ("Subject:   Security ID:  ...").
			if i+1 < len(runs) && !oldLabelled(runs[i+1]) {
				k := strings.TrimSuffix(it, ":")
				out[section+"/"+k] = runs[i+1]
				if _, seen := out[k]; !seen {
					out[k] = runs[i+1]
				}
				i++
				continue
			}
			section = strings.TrimSuffix(it, ":")
			continue
		}
		k, v, ok := strings.Cut(it, ":")
		if !ok {
			continue
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		out[section+"/"+k] = v
		if _, seen := out[k]; !seen {
			out[k] = v
		}
	}
	return out
}

// oldSplitRuns splits at runs of three or more spaces, which is how Snare flattens CR/LF/TAB, and at
// two spaces before a label: a message without sections (4776: "Logon Account:\tx\r\nSource
// Workstation:\ty") flattens its line breaks to two spaces.
func oldSplitRuns(s string) []string {
	var out []string
	for {
		i := strings.Index(s, "   ")
		if i < 0 {
			if t := strings.TrimSpace(s); t != "" {
				out = append(out, oldSplitItems(t)...)
			}
			return out
		}
		if t := strings.TrimSpace(s[:i]); t != "" {
			out = append(out, oldSplitItems(t)...)
		}
		s = strings.TrimLeft(s[i:], " ")
	}
}

// oldSplitItems splits a run at each two spaces that a label follows.
func oldSplitItems(run string) []string {
	var out []string
	for from := 0; ; {
		i := strings.Index(run[from:], "  ")
		if i < 0 {
			return append(out, run)
		}
		at := from + i
		if rest := strings.TrimLeft(run[at:], " "); oldLabelled(rest) {
			out = append(out, run[:at])
			run, from = rest, 0
			continue
		}
		from = at + 2
	}
}

// oldLabelled says whether s starts with a label: words, then a colon at the end or before a space
// ("Source Workstation: x", "Pre-Authentication Type:"). A value with a colon (::ffff:10.0.0.12,
// C:\Windows) is no label.
func oldLabelled(s string) bool {
	i := strings.IndexByte(s, ':')
	if i <= 0 || i+1 < len(s) && s[i+1] != ' ' || !unicode.IsLetter(rune(s[0])) {
		return false
	}
	return !strings.ContainsFunc(s[:i], func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && !strings.ContainsRune(" -()/", r)
	})
}

// oldEventData names the rendered labels as the EventData fields the shared mapping reads.
func oldEventData(id int, it map[string]string) map[string]string {
	d := map[string]string{}
	set := func(name string, keys ...string) {
		for _, k := range keys {
			if v, ok := it[k]; ok && v != "" {
				d[name] = v
				return
			}
		}
	}
	account := "Subject"
	switch id {
	case 4624:
		account = "New Logon"
	case 4625:
		account = "Account For Which Logon Failed"
	case 4768, 4769, 4771:
		account = "Account Information"
	}
	set("TargetUserName", account+"/Account Name", "Logon Account")
	set("TargetDomainName", account+"/Account Domain", account+"/Supplied Realm Name")
	set("TargetUserSid", account+"/Security ID")
	set("TargetSid", account+"/User ID", account+"/Security ID")
	set("TargetLogonId", account+"/Logon ID")
	set("SubjectUserName", "Subject/Account Name")
	set("SubjectDomainName", "Subject/Account Domain")
	set("SubjectUserSid", "Subject/Security ID")
	set("SubjectLogonId", "Subject/Logon ID")
	set("LogonType", "Logon Information/Logon Type", "Logon Type")
	set("WorkstationName", "Network Information/Workstation Name", "Workstation Name")
	set("IpAddress", "Network Information/Source Network Address", "Network Information/Source Address", "Source Network Address",
		"Network Information/Client Address")
	set("IpPort", "Network Information/Source Port", "Source Port", "Network Information/Client Port")
	set("LogonProcessName", "Detailed Authentication Information/Logon Process", "Logon Process")
	set("AuthenticationPackageName", "Detailed Authentication Information/Authentication Package", "Authentication Package")
	set("Status", "Failure Information/Status", "Status", "Error Code", "Additional Information/Result Code",
		"Additional Information/Failure Code")
	set("SubStatus", "Failure Information/Sub Status", "Sub Status")
	set("ObjectName", "Object/Object Name", "Object Name")
	set("HandleId", "Object/Handle ID", "Handle ID")
	set("ProcessId", "Process Information/Process ID", "Process ID")
	set("AccessMask", "Access Request Information/Access Mask", "Access Mask")
	set("ShareName", "Share Information/Share Name", "Share Name")
	set("ShareLocalPath", "Share Information/Share Path", "Share Path")
	set("RelativeTargetName", "Share Information/Relative Target Name", "Relative Target Name")
	set("Workstation", "Source Workstation")
	set("ServiceName", "Service Information/Service Name")
	set("AccountName", "Subject/Account Name")
	set("AccountDomain", "Subject/Account Domain")
	set("LogonID", "Subject/Logon ID")
	set("SessionName", "Session/Session Name")
	set("ClientName", "Additional Information/Client Name")
	set("ClientAddress", "Additional Information/Client Address")
	set("DeviceId", "Device ID")
	set("DeviceDescription", "Device Name")
	set("ClassName", "Class Name")
	return d
}
