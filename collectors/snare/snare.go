// Package snare reads Windows Security events as Snare and NXLog send them over syslog: the tag
// MSWinEventLog, then tab-separated fields whose last-but-one is the rendered message with its line
// breaks flattened to spaces.
package snare

import (
	"strings"
	"time"
	"unicode"

	"github.com/lekwacht/lekwacht/collectors/parse"
	"github.com/lekwacht/lekwacht/collectors/syslog"
	"github.com/lekwacht/lekwacht/collectors/windows"
	"github.com/lekwacht/lekwacht/event"
)

// Name is the format's name in the config and on the command line.
const Name = "snare"

const tag = "MSWinEventLog"

// Parser reads Snare lines.
type Parser struct {
	envelope syslog.Parser
	mapper   *windows.Mapper
	loc      *time.Location

	// Kept between lines, so that reading a message allocates little: its runs, its items, the
	// values of the keys the EventData fields read (by keyIDs, set says which a message gave) and
	// the key being looked up.
	runs []string
	ops  []itemOp
	vals []string
	set  []bool
	key  []byte
}

// New builds a Parser. Snare's own time field has no zone: opts.Location (the input's timezone)
// is taken for it.
func New(opts parse.Options) (parse.Parser, error) {
	return &Parser{envelope: syslog.Parser{Location: opts.Loc(), Reference: opts.Now},
		mapper: windows.NewMapper(min(opts.Pending(), 10000)), loc: opts.Loc()}, nil
}

// The tab fields after the tag.
const (
	fCriticality = iota
	fLog
	fRecord
	fTime
	fEventID
	fSource
	fUser
	fSIDType
	fType
	fComputer
	fCategory
	fData
	fMessage
	fSeq
	nFields
)

// Parse reads one line.
//
// The line is copied into one string, once: the fields, the values the event keeps and its
// log.original are parts of it.
func (p *Parser) Parse(l parse.Line) ([]event.Event, error) {
	text := string(l.Text)
	_, msg, err := p.envelope.ParseString(text)
	if err != nil {
		return nil, parse.Rejectf(parse.ReasonSyntax, "no syslog header")
	}
	body := strings.TrimPrefix(msg, tag+"\t")
	if !strings.Contains(text, tag) {
		return nil, nil // another program's line in the same stream
	}
	if n := strings.Count(body, "\t") + 1; n != nFields {
		return nil, parse.Rejectf(parse.ReasonColumns, "%d tab fields after %s, want %d", n, tag, nFields)
	}
	var f [nFields]string
	for i := range f {
		f[i], body, _ = strings.Cut(body, "\t")
	}
	id, err := windows.ParseID(f[fEventID])
	if err != nil {
		return nil, parse.Rejectf(parse.ReasonMissing, "event id field is not a number")
	}
	t, err := time.ParseInLocation("Mon Jan 2 15:04:05 2006", f[fTime], p.loc)
	if err != nil {
		return nil, parse.Rejectf(parse.ReasonTimestamp, "time field is not like Fri Sep 17 16:37:25 2021")
	}
	p.read(f[fMessage])
	r := windows.Record{ID: id, Time: t, Computer: f[fComputer], Data: p.eventData(id), Failure: f[fType] == "Failure Audit"}
	ev, err := p.mapper.Event(r)
	if err != nil {
		return nil, err
	}
	parse.StampText(&ev, l, text, Name)
	return []event.Event{ev}, nil
}

// itemOp is one item as the message gives it: a value under a section's label.
type itemOp struct{ section, label, value string }

// items reads the flattened message into a new map (see itemMap).
func items(msg string) map[string]string {
	p := &Parser{}
	p.read(msg)
	return p.itemMap()
}

// read reads the flattened message: "Subject:   Security ID:  S-1-0-0   Account Name:  -   ..."
// into p.ops, its items in order.
func (p *Parser) read(msg string) {
	p.ops = p.ops[:0]
	section := ""
	p.runs = splitRuns(p.runs[:0], msg)
	runs := p.runs
	for i := 0; i < len(runs); i++ {
		it := runs[i]
		if strings.HasSuffix(it, ":") && !strings.Contains(it[:len(it)-1], ":") {
			// "Status:   0xC000006D": a label whose value was pushed into the next run; a label
			// followed by labelled items is a section ("Subject:   Security ID:  ...").
			if i+1 < len(runs) && !labelled(runs[i+1]) {
				p.ops = append(p.ops, itemOp{section, strings.TrimSuffix(it, ":"), runs[i+1]})
				i++
			} else {
				section = strings.TrimSuffix(it, ":")
			}
			continue
		}
		if k, v, ok := strings.Cut(it, ":"); ok {
			p.ops = append(p.ops, itemOp{section, strings.TrimSpace(k), strings.TrimSpace(v)})
		}
	}
}

// itemMap is the items read by "Section/Label" and by "Label" keys: a later item under the same
// "Section/Label" replaces an earlier one, the first occurrence of a label wins for the bare key.
// One namespace holds both kinds of key (a label may hold a '/').
func (p *Parser) itemMap() map[string]string {
	items := map[string]string{}
	for _, op := range p.ops {
		items[op.section+"/"+op.label] = op.value
		if _, seen := items[op.label]; !seen {
			items[op.label] = op.value
		}
	}
	return items
}

// index gives the items of p.ops as itemMap would, for the keys the EventData fields read only:
// p.vals and p.set by keyIDs, without a map of every item.
func (p *Parser) index() {
	if p.vals == nil {
		p.vals, p.set = make([]string, len(keyIDs)), make([]bool, len(keyIDs))
	}
	clear(p.set)
	for _, op := range p.ops {
		p.key = append(append(append(p.key[:0], op.section...), '/'), op.label...)
		if id, ok := keyIDs[string(p.key)]; ok {
			p.vals[id], p.set[id] = op.value, true
		}
		if id, ok := keyIDs[op.label]; ok && !p.set[id] {
			p.vals[id], p.set[id] = op.value, true
		}
	}
}

// splitRuns appends to dst the parts of s split at runs of three or more spaces, which is how
// Snare flattens CR/LF/TAB, and at two spaces before a label: a message without sections (4776:
// "Logon Account:\tx\r\nSource Workstation:\ty") flattens its line breaks to two spaces.
func splitRuns(dst []string, s string) []string {
	for {
		i := strings.Index(s, "   ")
		if i < 0 {
			if t := strings.TrimSpace(s); t != "" {
				dst = splitItems(dst, t)
			}
			return dst
		}
		if t := strings.TrimSpace(s[:i]); t != "" {
			dst = splitItems(dst, t)
		}
		s = strings.TrimLeft(s[i:], " ")
	}
}

// splitItems appends to dst the parts of a run split at each two spaces that a label follows.
func splitItems(dst []string, run string) []string {
	for from := 0; ; {
		i := strings.Index(run[from:], "  ")
		if i < 0 {
			return append(dst, run)
		}
		at := from + i
		if rest := strings.TrimLeft(run[at:], " "); labelled(rest) {
			dst = append(dst, run[:at])
			run, from = rest, 0
			continue
		}
		from = at + 2
	}
}

// labelled says whether s starts with a label: words, then a colon at the end or before a space
// ("Source Workstation: x", "Pre-Authentication Type:"). A value with a colon (::ffff:10.0.0.12,
// C:\Windows) is no label.
func labelled(s string) bool {
	i := strings.IndexByte(s, ':')
	if i <= 0 || i+1 < len(s) && s[i+1] != ' ' || !unicode.IsLetter(rune(s[0])) {
		return false
	}
	return !strings.ContainsFunc(s[:i], func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && !strings.ContainsRune(" -()/", r)
	})
}

// dataField is an EventData field and the item keys that may hold it (by keyIDs), the first
// non-empty wins.
type dataField struct {
	name string
	keys []int
}

// keyIDs numbers the item keys the EventData fields read.
var keyIDs = map[string]int{}

// dataFields lists the EventData fields by the section that names an event's account: "Subject",
// or, by event id, "New Logon" (4624), "Account For Which Logon Failed" (4625), "Account
// Information" (4768, 4769, 4771). The keys are made once here, not for each line.
var dataFields = func() map[string][]dataField {
	m := map[string][]dataField{}
	for _, account := range []string{"Subject", "New Logon", "Account For Which Logon Failed", "Account Information"} {
		var fs []dataField
		set := func(name string, keys ...string) {
			f := dataField{name: name}
			for _, k := range keys {
				id, ok := keyIDs[k]
				if !ok {
					id = len(keyIDs)
					keyIDs[k] = id
				}
				f.keys = append(f.keys, id)
			}
			fs = append(fs, f)
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
		if len(fs) > 40 {
			panic("snare: more EventData fields than eventData has room for")
		}
		m[account] = fs
	}
	return m
}()

// eventData names the rendered labels of the message read as the EventData fields the shared
// mapping reads.
func (p *Parser) eventData(id int) map[string]string {
	p.index()
	account := "Subject"
	switch id {
	case 4624:
		account = "New Logon"
	case 4625:
		account = "Account For Which Logon Failed"
	case 4768, 4769, 4771:
		account = "Account Information"
	}
	// The values are found first, so the map is made at its size and not grown field by field.
	var found [40]struct{ name, value string }
	n := 0
	for _, f := range dataFields[account] {
		for _, k := range f.keys {
			if v := p.vals[k]; p.set[k] && v != "" {
				found[n].name, found[n].value = f.name, v
				n++
				break
			}
		}
	}
	d := make(map[string]string, n)
	for _, kv := range found[:n] {
		d[kv.name] = kv.value
	}
	return d
}
