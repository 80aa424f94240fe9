package samba

// The parser as it was before it read each line as one string without splitting it (commit
// 7eba5b2), kept as the reference the equivalence test holds the new one to. Its envelope is
// syslog.Parser.Parse, which syslog's own equivalence test holds to the envelope of that commit.

import (
	"bytes"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/lekwacht/lekwacht/collectors/parse"
	"github.com/lekwacht/lekwacht/collectors/syslog"
	"github.com/lekwacht/lekwacht/event"
)

var oldMacros = map[string]field{
	"%u": fieldUser, "%U": fieldUser, "%I": fieldIP, "%m": fieldMachine, "%M": fieldMachine,
	"%S": fieldShare, "%T": fieldTime, "%t": fieldTime, "%D": fieldDomain,
}

// oldParser reads full_audit lines; it keeps no state across lines.
type oldParser struct {
	envelope syslog.Parser
	prefix   []field // nil: detected per line
	loc      *time.Location
	now      func() time.Time
}

// oldNew builds a oldParser. opts.Prefix is smb.conf's full_audit:prefix ("%u|%I|%m|%S"); empty means
// detect the prefix from each line.
func oldNew(opts parse.Options) (parse.Parser, error) {
	p := &oldParser{envelope: syslog.Parser{Location: opts.Loc(), Reference: opts.Now}, loc: opts.Loc(), now: opts.Now}
	if opts.Prefix != "" {
		for _, part := range strings.Split(opts.Prefix, "|") {
			part = strings.TrimSpace(part)
			if !strings.HasPrefix(part, "%") {
				return nil, fmt.Errorf("prefix %q: every |-separated part must be one Samba macro such as %%u or %%I", opts.Prefix)
			}
			p.prefix = append(p.prefix, oldMacros[part]) // unknown oldMacros are kept by position
		}
	}
	return p, nil
}

// Parse reads one line. Other programs' lines (smbd's debug output) are noise.
func (p *oldParser) Parse(l parse.Line) ([]event.Event, error) {
	var ev event.Event
	h, msg, err := p.envelope.Parse(l.Text)
	switch {
	case err == nil:
		if !strings.HasPrefix(h.App, "smbd_audit") {
			return nil, nil
		}
		ev.Time, ev.Host.Name = h.Time, h.Host
	case bytes.HasPrefix(l.Text, []byte("smbd_audit: ")):
		// No syslog header (as in Samba's own documentation): the time comes from a %T prefix
		// field, or else is the time lekwacht read the line.
		msg = l.Text[len("smbd_audit: "):]
		ev.Time = p.now()
	default:
		return nil, parse.Rejectf(parse.ReasonSyntax, "no syslog header")
	}
	parts := strings.Split(string(msg), "|")
	op := p.oldOpIndex(parts)
	if op < 0 {
		return nil, parse.Rejectf(parse.ReasonSyntax, "no operation followed by ok or fail (...)")
	}
	if err := p.oldPrefixFields(&ev, parts[:op]); err != nil {
		return nil, err
	}
	kind, ok := p.oldOperation(&ev, parts[op], parts[op+1], parts[op+2:])
	if !ok {
		return nil, nil // close, realpath, stat ...: oldHousekeeping
	}
	ev.Event = kind
	parse.Stamp(&ev, l, Name)
	return []event.Event{ev}, nil
}

// oldOpIndex finds the oldOperation: at the configured prefix length, or the first known oldOperation
// followed by a result.
func (p *oldParser) oldOpIndex(parts []string) int {
	if p.prefix != nil {
		if len(parts) > len(p.prefix)+1 && oldIsResult(parts[len(p.prefix)+1]) {
			return len(p.prefix)
		}
		return -1
	}
	for i := 0; i+1 < len(parts); i++ {
		if _, known := oldOps[parts[i]]; known && oldIsResult(parts[i+1]) {
			return i
		}
		if oldHousekeeping[parts[i]] && oldIsResult(parts[i+1]) {
			return i
		}
	}
	return -1
}

func oldIsResult(s string) bool { return s == "ok" || strings.HasPrefix(s, "fail") }

// oldPrefixFields fills the event from the prefix, by the configured oldMacros or by guessing: an address
// is the client, a date-time the time; the other fields are user, machine, share in that order, or
// machine, share when the prefix has a time (the common %T|%I|%m|%S has no user).
func (p *oldParser) oldPrefixFields(ev *event.Event, parts []string) error {
	guessed := p.prefix == nil
	others := 0
	order := []field{fieldUser, fieldMachine, fieldShare, fieldOther}
	for _, v := range parts {
		if guessed && oldLooksLikeTime(v) {
			order = []field{fieldMachine, fieldShare, fieldUser, fieldOther}
		}
	}
	for i, v := range parts {
		var f field
		if !guessed {
			f = p.prefix[i]
		} else {
			switch {
			case net.ParseIP(v) != nil:
				f = fieldIP
			case oldLooksLikeTime(v):
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
			if ev.File == nil {
				ev.File = &event.File{}
			}
			ev.File.Share = v
		case fieldDomain:
			ev.User.Domain = v
		case fieldTime:
			t, err := time.ParseInLocation("2006/01/02 15:04:05", v, p.loc)
			if err != nil {
				return parse.Rejectf(parse.ReasonTimestamp, "prefix field %d is not yyyy/mm/dd hh:mm:ss", i+1)
			}
			ev.Time = t
		}
	}
	return nil
}

func oldLooksLikeTime(s string) bool {
	return len(s) == 19 && s[4] == '/' && s[7] == '/' && s[10] == ' ' && s[13] == ':'
}

// oldOps are the operations that become events (old and new Samba names).
var oldOps = map[string]event.Action{
	"open": event.ActionRead, "openat": event.ActionRead, "create_file": event.ActionCreate,
	"unlink": event.ActionDelete, "unlinkat": event.ActionDelete, "rmdir": event.ActionDelete,
	"rename": event.ActionRename, "renameat": event.ActionRename,
	"mkdir": event.ActionMkdir, "mkdirat": event.ActionMkdir,
	"pread": event.ActionRead, "read": event.ActionRead, "pwrite": event.ActionWrite, "write": event.ActionWrite,
	"connect": event.ActionConnect, "disconnect": event.ActionDisconnect,
}

// oldHousekeeping operations are read without error but yield no event.
var oldHousekeeping = map[string]bool{
	"close": true, "realpath": true, "chdir": true, "opendir": true, "closedir": true, "readdir": true,
	"fdopendir": true, "stat": true, "fstat": true, "lstat": true, "fstatat": true, "getxattr": true,
	"fgetxattr": true, "get_nt_acl": true, "fget_nt_acl": true, "get_nt_acl_at": true, "fset_nt_acl": true,
	"disk_free": true, "get_quota": true, "getwd": true, "ntimes": true, "fntimes": true, "lseek": true,
	"sys_acl_get_fd": true, "sys_acl_get_file": true, "readdir_attr": true, "fstreaminfo": true,
	"freaddir_attr": true, "openat_pathref": true, "fsctl": true, "get_dos_attributes": true,
	"fget_dos_attributes": true, "get_real_filename": true, "get_real_filename_at": true,
	"fs_capabilities": true, "statvfs": true, "brl_lock_windows": true, "strict_lock_check": true,
	"kernel_flock": true, "linux_setlease": true, "fcntl": true, "fcntl_lock": true, "fsync": true,
	"fsync_send": true, "fsync_recv": true, "sendfile": true, "recvfile": true, "chmod": true,
	"fchmod": true, "chown": true, "fchown": true, "lchown": true, "ftruncate": true, "fallocate": true,
	"symlinkat": true, "readlinkat": true, "linkat": true, "mknodat": true, "translate_name": true,
	"parent_pathname": true, "file_id_create": true, "fs_file_id": true, "set_dos_attributes": true,
	"fset_dos_attributes": true, "pread_send": true, "pread_recv": true, "pwrite_send": true,
	"pwrite_recv": true, "durable_cookie": true, "durable_disconnect": true, "durable_reconnect": true,
	"offload_read_send": true, "offload_read_recv": true, "offload_write_send": true, "offload_write_recv": true,
}

// oldOperation turns the oldOperation and its arguments into the event kind and file fields.
func (p *oldParser) oldOperation(ev *event.Event, op, result string, args []string) (event.Kind, bool) {
	action, ok := oldOps[op]
	if !ok {
		return event.Kind{}, false
	}
	k := event.Kind{Category: event.CategoryFile, Action: action, Code: op, Outcome: event.OutcomeSuccess}
	if strings.HasPrefix(result, "fail") {
		k.Outcome = event.OutcomeFailure
		k.Reason = strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(result, "fail"), " ("), ")")
	}
	if ev.File == nil {
		ev.File = &event.File{}
	}
	f := ev.File
	f.Operation = op
	rest := strings.Join(args, "|") // a | inside a file name stays in the path
	switch op {
	case "open", "openat":
		mode, path, _ := strings.Cut(rest, "|")
		f.Mode, f.Path = mode, path
		if mode == "w" {
			k.Action = event.ActionWrite
		}
	case "create_file":
		// 0xACCESSMASK|file|dir|DISPOSITION|PATH
		if len(args) >= 4 {
			f.Mode = args[0]
			f.Path = strings.Join(args[3:], "|")
			k.Action = oldCreateAction(args[0], args[2])
		}
	case "rename", "renameat":
		// SRC|DST: split at the first |, so a | in the destination name stays there.
		src, dst, _ := strings.Cut(rest, "|")
		f.Path, f.Target = src, dst
	case "connect", "disconnect":
		f.Share = rest
	default:
		f.Path = rest
	}
	return k, true
}

// oldCreateAction reads create_file's access mask and disposition.
func oldCreateAction(mask, disposition string) event.Action {
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
