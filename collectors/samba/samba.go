// Package samba reads Samba vfs_full_audit lines, PREFIX|OPERATION|RESULT|ARGS..., sent to syslog
// under the tag smbd_audit, into file events.
package samba

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lekwacht/lekwacht/collectors/parse"
	"github.com/lekwacht/lekwacht/collectors/syslog"
	"github.com/lekwacht/lekwacht/event"
)

// Name is the format's name in the config and on the command line.
const Name = "samba-audit"

// field is what a prefix position holds.
type field int

const (
	fieldOther field = iota
	fieldUser
	fieldIP
	fieldMachine
	fieldShare
	fieldTime
	fieldDomain
)

var macros = map[string]field{
	"%u": fieldUser, "%U": fieldUser, "%I": fieldIP, "%m": fieldMachine, "%M": fieldMachine,
	"%S": fieldShare, "%T": fieldTime, "%t": fieldTime, "%D": fieldDomain,
}

// Parser reads full_audit lines; it keeps no state across lines.
type Parser struct {
	envelope syslog.Parser
	prefix   []field // nil: detected per line
	loc      *time.Location
	now      func() time.Time
}

// New builds a Parser. opts.Prefix is smb.conf's full_audit:prefix ("%u|%I|%m|%S"); empty means
// detect the prefix from each line.
func New(opts parse.Options) (parse.Parser, error) {
	p := &Parser{envelope: syslog.Parser{Location: opts.Loc(), Reference: opts.Now}, loc: opts.Loc(), now: opts.Now}
	if opts.Prefix != "" {
		for _, part := range strings.Split(opts.Prefix, "|") {
			part = strings.TrimSpace(part)
			if !strings.HasPrefix(part, "%") {
				return nil, fmt.Errorf("prefix %q: every |-separated part must be one Samba macro such as %%u or %%I", opts.Prefix)
			}
			p.prefix = append(p.prefix, macros[part]) // unknown macros are kept by position
		}
	}
	return p, nil
}

// Parse reads one line. Other programs' lines (smbd's debug output) are noise.
//
// The line is copied into one string, once: the envelope, the fields and the event's
// log.original are all parts of it, and the event and its file are one allocation.
func (p *Parser) Parse(l parse.Line) ([]event.Event, error) {
	text := string(l.Text)
	var host string
	h, msg, err := p.envelope.ParseString(text)
	switch {
	case err == nil:
		if !strings.HasPrefix(h.App, "smbd_audit") {
			return nil, nil
		}
		host = h.Host
	case strings.HasPrefix(text, "smbd_audit: "):
		// No syslog header (as in Samba's own documentation): the time comes from a %T prefix
		// field, or else is the time lekwacht read the line.
		msg = text[len("smbd_audit: "):]
		h.Time = p.now()
	default:
		return nil, parse.Rejectf(parse.ReasonSyntax, "no syslog header")
	}
	var buf [8]string // the prefix fields; a longer prefix spills to the heap
	prefix, op, result, args, ok := p.split(msg, buf[:0])
	if !ok {
		return nil, parse.Rejectf(parse.ReasonSyntax, "no operation followed by ok or fail (...)")
	}
	info := ops[op]
	if info.action == "" {
		// close, realpath, stat ...: housekeeping, no event; a bad time in the prefix is still a reject.
		return nil, p.prefixTimes(prefix)
	}
	r := &record{}
	ev := &r.evs[0]
	ev.File = &r.file
	ev.Time, ev.Host.Name = h.Time, host
	if err := p.prefixFields(ev, prefix); err != nil {
		return nil, err
	}
	operation(ev, info, result, args)
	parse.StampText(ev, l, text, Name)
	return r.evs[:], nil
}

// record is the events of a line: one event, and its file group in the same allocation.
type record struct {
	evs  [1]event.Event
	file event.File
}

// split cuts msg at its |s into the prefix fields (appended to buf), the operation, its result
// and the arguments after them (their own |s kept). The operation is at the configured prefix
// length, or, detecting the prefix, the first known operation followed by a result.
func (p *Parser) split(msg string, buf []string) (prefix []string, op, result, args string, ok bool) {
	rest := msg
	if p.prefix != nil {
		for range p.prefix {
			f, after, found := strings.Cut(rest, "|")
			if !found {
				return nil, "", "", "", false
			}
			buf, rest = append(buf, f), after
		}
		op, rest, found := strings.Cut(rest, "|")
		if !found {
			return nil, "", "", "", false
		}
		result, args, _ = strings.Cut(rest, "|")
		return buf, op, result, args, isResult(result)
	}
	prev, first := "", true
	for {
		f, after, found := strings.Cut(rest, "|")
		if !first && isResult(f) {
			if _, known := ops[prev]; known {
				return buf, prev, f, after, true
			}
		}
		if !found {
			return nil, "", "", "", false
		}
		if !first {
			buf = append(buf, prev)
		}
		prev, first, rest = f, false, after
	}
}

func isResult(s string) bool { return s == "ok" || strings.HasPrefix(s, "fail") }

// prefixFields fills the event from the prefix, by the configured macros or by guessing: an address
// is the client, a date-time the time; the other fields are user, machine, share in that order, or
// machine, share when the prefix has a time (the common %T|%I|%m|%S has no user).
func (p *Parser) prefixFields(ev *event.Event, parts []string) error {
	guessed := p.prefix == nil
	others := 0
	order := [4]field{fieldUser, fieldMachine, fieldShare, fieldOther}
	if guessed && slices.ContainsFunc(parts, looksLikeTime) {
		order = [4]field{fieldMachine, fieldShare, fieldUser, fieldOther}
	}
	for i, v := range parts {
		var f field
		if !guessed {
			f = p.prefix[i]
		} else {
			switch {
			case parse.IsIP(v):
				f = fieldIP
			case looksLikeTime(v):
				f = fieldTime
			default:
				f = order[min(others, 3)]
				others++
			}
		}
		switch f {
		case fieldUser:
			if dom, user, ok := strings.Cut(v, `\`); ok {
				ev.User.Domain, ev.User.Name = dom, user
			} else {
				ev.User.Name = v
			}
		case fieldIP:
			ev.Source.IP = v
		case fieldMachine:
			ev.Host.Workstation = v
		case fieldShare:
			ev.File.Share = v
		case fieldDomain:
			ev.User.Domain = v
		case fieldTime:
			t, ok := parseStamp(v, p.loc)
			if !ok {
				return badTime(i)
			}
			ev.Time = t
		}
	}
	return nil
}

// prefixTimes returns the reject prefixFields would return, without an event to fill.
func (p *Parser) prefixTimes(parts []string) error {
	for i, v := range parts {
		// Detecting, an address is never taken for a time: it has no '/'.
		if p.prefix != nil && p.prefix[i] == fieldTime || p.prefix == nil && looksLikeTime(v) {
			if _, ok := parseStamp(v, p.loc); !ok {
				return badTime(i)
			}
		}
	}
	return nil
}

func badTime(i int) error {
	return parse.Rejectf(parse.ReasonTimestamp, "prefix field %d is not yyyy/mm/dd hh:mm:ss", i+1)
}

func looksLikeTime(s string) bool {
	return len(s) == 19 && s[4] == '/' && s[7] == '/' && s[10] == ' ' && s[13] == ':'
}

// stampLayout is the %T macro's time.
const stampLayout = "2006/01/02 15:04:05"

// parseStamp reads a %T time as time.ParseInLocation(stampLayout, s, loc) does, reading the usual
// all-digit form itself.
func parseStamp(s string, loc *time.Location) (time.Time, bool) {
	if len(s) != len(stampLayout) || s[4] != '/' || s[7] != '/' || s[10] != ' ' || s[13] != ':' || s[16] != ':' {
		t, err := time.ParseInLocation(stampLayout, s, loc)
		return t, err == nil
	}
	year, y := parse.Digits(s[0:4])
	month, mo := parse.Digits(s[5:7])
	day, d := parse.Digits(s[8:10])
	hour, h := parse.Digits(s[11:13])
	minute, mi := parse.Digits(s[14:16])
	sec, se := parse.Digits(s[17:19])
	if !(y && mo && d && h && mi && se) {
		t, err := time.ParseInLocation(stampLayout, s, loc)
		return t, err == nil
	}
	if month < 1 || month > 12 || day < 1 || day > parse.DaysIn(time.Month(month), year) || hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, false
	}
	return time.Date(year, time.Month(month), day, hour, minute, sec, 0, loc), true
}

// actions are the operations that become events (old and new Samba names), and their actions.
var actions = map[string]event.Action{
	"open": event.ActionRead, "openat": event.ActionRead, "create_file": event.ActionCreate,
	"unlink": event.ActionDelete, "unlinkat": event.ActionDelete, "rmdir": event.ActionDelete,
	"rename": event.ActionRename, "renameat": event.ActionRename,
	"mkdir": event.ActionMkdir, "mkdirat": event.ActionMkdir,
	"pread": event.ActionRead, "read": event.ActionRead, "pwrite": event.ActionWrite, "write": event.ActionWrite,
	"connect": event.ActionConnect, "disconnect": event.ActionDisconnect,
}

// housekeeping operations are read without error but yield no event.
var housekeeping = []string{
	"close", "realpath", "chdir", "opendir", "closedir", "readdir", "fdopendir", "stat", "fstat",
	"lstat", "fstatat", "getxattr", "fgetxattr", "get_nt_acl", "fget_nt_acl", "get_nt_acl_at",
	"fset_nt_acl", "disk_free", "get_quota", "getwd", "ntimes", "fntimes", "lseek",
	"sys_acl_get_fd", "sys_acl_get_file", "readdir_attr", "fstreaminfo", "freaddir_attr",
	"openat_pathref", "fsctl", "get_dos_attributes", "fget_dos_attributes", "get_real_filename",
	"get_real_filename_at", "fs_capabilities", "statvfs", "brl_lock_windows", "strict_lock_check",
	"kernel_flock", "linux_setlease", "fcntl", "fcntl_lock", "fsync", "fsync_send", "fsync_recv",
	"sendfile", "recvfile", "chmod", "fchmod", "chown", "fchown", "lchown", "ftruncate",
	"fallocate", "symlinkat", "readlinkat", "linkat", "mknodat", "translate_name",
	"parent_pathname", "file_id_create", "fs_file_id", "set_dos_attributes", "fset_dos_attributes",
	"pread_send", "pread_recv", "pwrite_send", "pwrite_recv", "durable_cookie",
	"durable_disconnect", "durable_reconnect", "offload_read_send", "offload_read_recv",
	"offload_write_send", "offload_write_recv",
}

// opInfo is what a known operation name means.
type opInfo struct {
	name   string       // the name as a constant, which the event keeps without keeping the line
	action event.Action // "" for housekeeping
}

// ops are the known operations: those that become events and housekeeping.
var ops = func() map[string]opInfo {
	m := make(map[string]opInfo, len(actions)+len(housekeeping))
	for name, a := range actions {
		m[name] = opInfo{name: name, action: a}
	}
	for _, name := range housekeeping {
		m[name] = opInfo{name: name}
	}
	return m
}()

// operation fills the event kind and file fields from an operation that becomes an event, its
// result and its arguments.
func operation(ev *event.Event, info opInfo, result, args string) {
	k := event.Kind{Category: event.CategoryFile, Action: info.action, Code: info.name, Outcome: event.OutcomeSuccess}
	if strings.HasPrefix(result, "fail") {
		k.Outcome = event.OutcomeFailure
		k.Reason = strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(result, "fail"), " ("), ")")
	}
	f := ev.File
	f.Operation = info.name
	switch info.name {
	case "open", "openat":
		mode, path, _ := strings.Cut(args, "|")
		f.Mode, f.Path = mode, path
		if mode == "w" {
			k.Action = event.ActionWrite
		}
	case "create_file":
		// 0xACCESSMASK|file or dir|DISPOSITION|PATH: the path is all after the third |.
		mask, rest, _ := strings.Cut(args, "|")
		_, rest, _ = strings.Cut(rest, "|")
		disposition, path, ok := strings.Cut(rest, "|")
		if ok {
			f.Mode, f.Path = mask, path
			k.Action = createAction(mask, disposition)
		}
	case "rename", "renameat":
		// SRC|DST: split at the first |, so a | in the destination name stays there.
		src, dst, _ := strings.Cut(args, "|")
		f.Path, f.Target = src, dst
	case "connect", "disconnect":
		f.Share = args
	default:
		f.Path = args
	}
	ev.Event = k
}

// createAction reads create_file's access mask and disposition.
func createAction(mask, disposition string) event.Action {
	switch disposition {
	case "create", "overwrite", "overwrite_if", "supersede":
		return event.ActionCreate
	}
	m, err := strconv.ParseUint(strings.TrimPrefix(mask, "0x"), 16, 32)
	switch {
	case err != nil:
		return event.ActionAccess
	case m&0x10000 != 0: // DELETE
		return event.ActionDelete
	case m&0x6 != 0: // WRITE_DATA, APPEND_DATA
		return event.ActionWrite
	case m&0x1 != 0: // READ_DATA
		return event.ActionRead
	}
	return event.ActionAccess
}
