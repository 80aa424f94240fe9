package directory

// Active Directory exports as the staff directory: LDIF from ldifde, CSV from csvde or PowerShell's
// Export-Csv. Each reader turns its file into entries (an object's attributes by lower-case name);
// one function makes a Person of an entry, whatever the export was.

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// ReadLDIF reads an LDIF export of Active Directory users (ldifde -f users.ldf): one person per
// user entry; groups, OUs, contacts and computers are skipped. name is for the errors, which name
// the file and line, every problem at once.
func ReadLDIF(r io.Reader, name string) ([]Person, error) {
	return readAll(r, name, readLDIF)
}

// ReadADCSV reads a CSV export of Active Directory users: from csvde (multi-valued attributes
// joined by ';', binary ones as X'hex') or from Get-ADUser | Export-Csv (a #TYPE line, a byte order
// mark, SID as text, Enabled, AccountExpirationDate). Column names are case-insensitive; the
// separator is ';' when the header has no ',' but has ';' (Excel in Dutch).
func ReadADCSV(r io.Reader, name string) ([]Person, error) {
	return readAll(r, name, readADCSV)
}

type reader func(data []byte, name string) (people []Person, lines []int, errs []error)

func readAll(r io.Reader, name string, read reader) ([]Person, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	people, _, errs := read(text(data), name)
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return people, nil
}

// readFile reads a directory file of any kind (Load): LDIF when its first line that is no comment
// starts with dn: or version:, an AD CSV when its header has a sAMAccountName column, else the staff
// CSV.
func readFile(data []byte, name string, adminPatterns []string) (*Directory, error) {
	data = text(data)
	first := firstLine(data)
	var read reader
	switch lower := strings.ToLower(first); {
	case strings.HasPrefix(lower, "dn:") || strings.HasPrefix(lower, "version:"):
		read = readLDIF
	case slices.Contains(headerNames(first), "samaccountname"):
		read = readADCSV
	default:
		return readCSV(data, name, adminPatterns)
	}
	people, lines, errs := read(data, name)
	d := &Directory{people: people, adminPatterns: adminPatterns}
	if errs = append(errs, d.index(name, lines)...); len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return d, nil
}

// firstLine is the first line that is neither blank nor a comment (#, also #TYPE of Export-Csv) nor
// a comment's continuation.
func firstLine(data []byte) string {
	comment := false
	for line := range strings.Lines(string(data)) {
		switch trimmed := strings.TrimSpace(line); {
		case trimmed == "":
			comment = false
		case strings.HasPrefix(line, "#"):
			comment = true
		case !(comment && strings.HasPrefix(line, " ")):
			return trimmed
		}
	}
	return ""
}

// separator is ';' when the header has no ',' but has ';', else ','.
func separator(header string) rune {
	if !strings.Contains(header, ",") && strings.Contains(header, ";") {
		return ';'
	}
	return ','
}

// headerNames are the column names of a header line, lower case, without quotes.
func headerNames(header string) []string {
	names := strings.Split(header, string(separator(header)))
	for i, n := range names {
		names[i] = strings.ToLower(strings.Trim(strings.TrimSpace(n), `"`))
	}
	return names
}

// text is the file as UTF-8: ldifde -u and csvde -u write UTF-16 with a byte order mark, Export-Csv
// -Encoding UTF8 UTF-8 with one, csvde without -u and Excel the Windows code page (1252 here).
func text(data []byte) []byte {
	switch {
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}):
		return fromUTF16(data[2:], binary.LittleEndian)
	case bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		return fromUTF16(data[2:], binary.BigEndian)
	case bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}):
		data = data[3:]
	}
	if utf8.Valid(data) {
		return data
	}
	out := make([]rune, 0, len(data))
	for _, b := range data {
		r := rune(b)
		if b >= 0x80 && b < 0xA0 && cp1252[b-0x80] != 0 {
			r = cp1252[b-0x80]
		}
		out = append(out, r)
	}
	return []byte(string(out))
}

func fromUTF16(data []byte, order binary.ByteOrder) []byte {
	units := make([]uint16, len(data)/2)
	for i := range units {
		units[i] = order.Uint16(data[2*i:])
	}
	return []byte(string(utf16.Decode(units)))
}

// cp1252 is what Windows-1252 has at 0x80-0x9F (0: the same code point, as Windows reads it).
var cp1252 = [32]rune{
	'€', 0, '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', 0, 'Ž', 0,
	0, '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', 0, 'ž', 'Ÿ',
}

// adEntry is one object of an export: its DN and its attributes by lower-case name (without
// options such as ;binary), each with its values and the line of the first.
type adEntry struct {
	line  int
	dn    string
	attrs map[string][]string
	lines map[string]int
}

func (e *adEntry) add(attr, v string, line int) {
	if e.attrs == nil {
		e.attrs, e.lines = map[string][]string{}, map[string]int{}
	}
	if _, ok := e.attrs[attr]; !ok {
		e.lines[attr] = line
	}
	e.attrs[attr] = append(e.attrs[attr], v)
}

// first is the first non-empty value of the first of attrs that has one, and its line.
func (e *adEntry) first(attrs ...string) (string, int) {
	for _, a := range attrs {
		for _, v := range e.attrs[a] {
			if v = strings.TrimSpace(v); v != "" {
				return v, e.lines[a]
			}
		}
	}
	return "", e.line
}

// isUser: a user object, or one whose classes the export does not say; not a computer, group, OU.
func (e *adEntry) isUser() bool {
	classes := e.attrs["objectclass"]
	has := func(c string) bool {
		return slices.ContainsFunc(classes, func(v string) bool { return strings.EqualFold(strings.TrimSpace(v), c) })
	}
	return len(classes) == 0 || (has("user") || has("person")) && !has("computer")
}

// adPeople makes people of the entries that are users, resolves their managers' DNs to accounts
// and drops the workstations listed for more than one person.
func adPeople(entries []*adEntry, name string) ([]Person, []int, []error) {
	var people []Person
	var lines []int
	var managers []string
	var errs []error
	byDN := map[string]string{}
	for _, e := range entries {
		p, manager, ok, perrs := e.person(name)
		errs = append(errs, perrs...)
		if !ok {
			continue
		}
		people, lines, managers = append(people, p), append(lines, e.line), append(managers, manager)
		if e.dn != "" {
			byDN[strings.ToLower(e.dn)] = p.User
		}
	}
	for i := range people {
		people[i].Manager = byDN[strings.ToLower(managers[i])]
	}
	unshare(people)
	return people, lines, errs
}

// person makes a Person of an entry; ok is false for what is no user (no sAMAccountName, a
// computer, a group). manager is the manager's DN.
func (e *adEntry) person(name string) (p Person, manager string, ok bool, errs []error) {
	p.User, _ = e.first("samaccountname")
	if p.User == "" || strings.HasSuffix(p.User, "$") || !e.isUser() {
		return p, "", false, nil
	}
	bad := func(line int, err error) { errs = append(errs, fmt.Errorf("%s:%d: %w", name, line, err)) }
	if p.Name, _ = e.first("displayname", "cn", "name"); p.Name == "" {
		p.Name = rdnValue(e.dn)
	}
	p.Email, _ = e.first("mail", "emailaddress")
	p.UPN, _ = e.first("userprincipalname")
	p.Department, _ = e.first("department")
	p.EmployeeID, _ = e.first("employeeid", "employeenumber")
	manager, _ = e.first("manager")
	for _, v := range slices.Concat(e.attrs["userworkstations"], e.attrs["logonworkstations"]) {
		p.Workstations = append(p.Workstations, list(v)...)
	}
	p.Email, p.Aliases = e.addresses(p.Email)
	if v, line := e.first("objectsid", "sid"); v != "" {
		sid, err := sidText(v)
		if err != nil {
			bad(line, fmt.Errorf("objectSid: %w", err))
		}
		p.SID = sid
	}
	left, line, err := e.disabled()
	if err != nil {
		bad(line, err)
	}
	if p.Status = StatusActive; left {
		p.Status = StatusLeft
	}
	if p.EndDate, line, err = e.expires(); err != nil {
		bad(line, err)
	}
	return p, manager, true, errs
}

// disabled: userAccountControl has ACCOUNTDISABLE (0x2), or Export-Csv's Enabled is False; and the
// line of the value, which a problem names.
func (e *adEntry) disabled() (bool, int, error) {
	if v, line := e.first("useraccountcontrol"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return false, line, fmt.Errorf("userAccountControl %q: want a number", v)
		}
		return n&0x2 != 0, line, nil
	}
	v, line := e.first("enabled")
	switch strings.ToLower(v) {
	case "", "true":
		return false, line, nil
	case "false":
		return true, line, nil
	}
	return false, line, fmt.Errorf("Enabled %q: want True or False", v)
}

// expires is the end of the account: accountExpires (a FILETIME; 0 and the largest int64 are
// never) or Export-Csv's AccountExpirationDate. A problem names the line of the value.
func (e *adEntry) expires() (end time.Time, line int, err error) {
	if v, line := e.first("accountexpires"); v != "" {
		if end, err = fileTime(v); err != nil {
			err = fmt.Errorf("accountExpires %q: %w", v, err)
		}
		return end, line, err
	}
	if v, line := e.first("accountexpirationdate"); v != "" {
		if end, err = localDate(v); err != nil {
			err = fmt.Errorf("AccountExpirationDate %q: %w", v, err)
		}
		return end, line, err
	}
	return time.Time{}, e.line, nil
}

// addresses reads proxyAddresses: SMTP: is the primary address, smtp: the others; X500:, SIP:, X400:
// and the like are no mail addresses. The primary becomes the mail address when mail is empty;
// every other address is an alias.
func (e *adEntry) addresses(mail string) (string, []string) {
	var primary string
	var others []string
	for _, v := range e.attrs["proxyaddresses"] {
		typ, addr, ok := strings.Cut(strings.TrimSpace(v), ":")
		if !ok || !strings.EqualFold(typ, "smtp") || !strings.Contains(addr, "@") {
			continue
		}
		if typ == "SMTP" && primary == "" {
			primary = addr
		} else {
			others = append(others, addr)
		}
	}
	if mail == "" {
		mail = primary
	} else if primary != "" {
		others = append([]string{primary}, others...)
	}
	var aliases []string
	for _, a := range others {
		same := func(b string) bool { return strings.EqualFold(a, b) }
		if !same(mail) && !slices.ContainsFunc(aliases, same) {
			aliases = append(aliases, a)
		}
	}
	return mail, aliases
}

// unshare drops the workstations listed for more than one person: userWorkstations says where an
// account may log on, and a machine that several may use is no one's own.
func unshare(people []Person) {
	count := map[string]int{} // people per workstation
	for _, p := range people {
		own := map[string]bool{}
		for _, ws := range p.Workstations {
			if ws = strings.ToLower(ws); !own[ws] {
				own[ws] = true
				count[ws]++
			}
		}
	}
	for i := range people {
		people[i].Workstations = slices.DeleteFunc(people[i].Workstations, func(ws string) bool {
			return count[strings.ToLower(ws)] > 1
		})
		if len(people[i].Workstations) == 0 {
			people[i].Workstations = nil
		}
	}
}

// rdnValue is the value of a DN's first part: "Vries, Kees de" of CN=Vries\, Kees de,OU=....
func rdnValue(dn string) string {
	var b strings.Builder
	_, v, ok := strings.Cut(dn, "=")
	for i := 0; ok && i < len(v); i++ {
		switch c := v[i]; {
		case c == ',' || c == '+':
			return strings.TrimSpace(b.String())
		case c == '\\' && i+2 < len(v) && isHex(v[i+1]) && isHex(v[i+2]):
			x, _ := hex.DecodeString(v[i+1 : i+3])
			b.Write(x)
			i += 2
		case c == '\\' && i+1 < len(v):
			b.WriteByte(v[i+1])
			i++
		default:
			b.WriteByte(c)
		}
	}
	return strings.TrimSpace(b.String())
}

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

// sidText is an objectSid as S-1-5-21-...: given as text already (Export-Csv), as csvde's X'hex' or
// as the binary SID (LDIF, base64-decoded).
func sidText(v string) (string, error) {
	if len(v) > 4 && strings.EqualFold(v[:4], "S-1-") {
		for i, part := range strings.Split(v[4:], "-") {
			_, err := strconv.ParseUint(part, 10, 32)
			if h, ok := strings.CutPrefix(part, "0x"); ok && i == 0 { // an authority of 2^32 or more
				_, err = strconv.ParseUint(h, 16, 48)
			}
			if err != nil {
				return "", fmt.Errorf("%q: want S-1-5-21-...", v)
			}
		}
		return "S" + v[1:], nil
	}
	if h, ok := strings.CutPrefix(v, "X'"); ok && strings.HasSuffix(h, "'") {
		b, err := hex.DecodeString(strings.TrimSuffix(h, "'"))
		if err != nil {
			return "", fmt.Errorf("X'...' is no hex: %w", err)
		}
		v = string(b)
	}
	return sidFromBinary([]byte(v))
}

// sidFromBinary writes a binary SID (a revision byte, the number of subauthorities, a 6-byte
// big-endian authority, little-endian uint32 subauthorities) as S-R-A-S1-S2-....
func sidFromBinary(b []byte) (string, error) {
	if len(b) < 8 || b[0] != 1 {
		return "", fmt.Errorf("%d bytes: a SID has revision 1 and at least 8 bytes", len(b))
	}
	if n := int(b[1]); len(b) != 8+4*n {
		return "", fmt.Errorf("%d bytes: a SID of %d subauthorities has %d", len(b), n, 8+4*n)
	}
	auth := uint64(0)
	for _, c := range b[2:8] {
		auth = auth<<8 | uint64(c)
	}
	s := "S-1-" + strconv.FormatUint(auth, 10)
	if auth >= 1<<32 {
		s = fmt.Sprintf("S-1-0x%012X", auth)
	}
	for i := 8; i < len(b); i += 4 {
		s += "-" + strconv.FormatUint(uint64(binary.LittleEndian.Uint32(b[i:])), 10)
	}
	return s, nil
}

// fileTime reads a Windows FILETIME (100-ns intervals since 1601-01-01 UTC); 0 and the largest
// int64 mean never (the zero time).
func fileTime(v string) (time.Time, error) {
	n, err := strconv.ParseInt(v, 10, 64)
	switch {
	case err != nil || n < 0:
		return time.Time{}, errors.New("want a FILETIME: 100-ns intervals since 1601")
	case n == 0 || n == math.MaxInt64:
		return time.Time{}, nil
	}
	const toUnix = 11644473600 // seconds from 1601-01-01 to 1970-01-01
	return time.Unix(n/1e7-toUnix, n%1e7*100).UTC(), nil
}

// dateLayouts are the ways Export-Csv writes a date: ISO, then as nl-NL, en-US (with AM/PM), en-GB
// and de-DE write it. Dates are local time.
var dateLayouts = []string{time.RFC3339, "2006-01-02T15:04:05", time.DateTime, time.DateOnly,
	"2-1-2006 15:04:05", "2-1-2006", "1/2/2006 3:04:05 PM", "2/1/2006 15:04:05", "2/1/2006",
	"2.1.2006 15:04:05", "2.1.2006"}

func localDate(v string) (time.Time, error) {
	for _, layout := range dateLayouts {
		if t, err := time.ParseInLocation(layout, v, time.Local); err == nil {
			return t, nil
		}
	}
	return time.Time{}, errors.New("want a date such as 2027-01-01, 1-1-2027 0:00:00 or 1/1/2027 12:00:00 AM")
}

// readLDIF reads LDIF (RFC 2849) as ldifde (and ldapsearch) write it: entries separated by blank
// lines, each starting with dn:, a line starting with one space continuing the one before, #
// comments, attr:: base64 values, a value per line of a multi-valued attribute, changetype: add.
func readLDIF(data []byte, name string) ([]Person, []int, []error) {
	lines, errs := unfold(data, name)
	var entries []*adEntry
	var cur *adEntry
	skip := false // the rest of an entry in error
	for _, l := range lines {
		if l.text == "" {
			cur, skip = nil, false
			continue
		}
		if skip {
			continue
		}
		attr, v, err := ldifAttr(l.text)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("%s:%d: %w", name, l.n, err))
			skip = cur == nil
		case cur == nil && attr == "version" && len(entries) == 0:
			if v != "1" {
				errs = append(errs, fmt.Errorf("%s:%d: version %q: only LDIF version 1 is read", name, l.n, v))
			}
		case cur == nil && attr == "dn":
			cur = &adEntry{line: l.n, dn: v}
			entries = append(entries, cur)
		case cur == nil && (attr == "ref" || attr == "search" || attr == "result"):
			skip = true // ldapsearch's search references and result
		case cur == nil:
			errs = append(errs, fmt.Errorf("%s:%d: %s: an entry starts with dn:", name, l.n, attr))
			skip = true
		case attr == "changetype" && !strings.EqualFold(v, "add"):
			errs = append(errs, fmt.Errorf("%s:%d: changetype %s: an export holds entries (changetype add), not changes", name, l.n, v))
			entries, cur, skip = entries[:len(entries)-1], nil, true
		case attr != "changetype":
			cur.add(attr, v, l.n)
		}
	}
	people, at, perrs := adPeople(entries, name)
	return people, at, append(errs, perrs...)
}

// ldifLine is a line joined with its continuations, and the number of its first line; "" separates
// entries.
type ldifLine struct {
	n    int
	text string
}

// unfold joins continuation lines to the line they continue (in a builder: a photo in a full
// export runs over thousands of lines) and drops comments, with theirs.
func unfold(data []byte, name string) ([]ldifLine, []error) {
	var out []ldifLine
	var errs []error
	var cur strings.Builder
	at, comment := 0, false // at: the number of the line being joined, 0 when there is none
	flush := func() {
		if at > 0 {
			out = append(out, ldifLine{at, cur.String()})
			cur.Reset()
			at = 0
		}
	}
	n := 0
	for line := range strings.Lines(string(data)) {
		n++
		line = strings.TrimRight(line, "\r\n")
		cont := strings.HasPrefix(line, " ")
		switch {
		case cont && comment:
		case cont && at > 0:
			cur.WriteString(line[1:])
		case cont && strings.TrimSpace(line) == "": // nothing to continue, nothing said: a blank line
			out = append(out, ldifLine{n, ""})
		case cont:
			errs = append(errs, fmt.Errorf("%s:%d: a line starting with a space continues the line before, and there is none", name, n))
		case strings.HasPrefix(line, "#"):
			flush()
			comment = true
		case line == "":
			flush()
			comment = false
			out = append(out, ldifLine{n, ""})
		default:
			flush()
			comment = false
			at = n
			cur.WriteString(line)
		}
	}
	flush()
	return out, errs
}

// ldifAttr splits attr: value, attr:: base64 and attr;option: value; attr:< URL is refused.
func ldifAttr(line string) (attr, v string, err error) {
	attr, rest, ok := strings.Cut(line, ":")
	if !ok || attr == "" || strings.ContainsAny(attr, " \t") {
		return "", "", errors.New("want attribute: value, or a continuation line starting with one space")
	}
	attr, _, _ = strings.Cut(strings.ToLower(attr), ";")
	switch {
	case strings.HasPrefix(rest, ":"):
		b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(rest[1:]))
		if err != nil {
			return attr, "", fmt.Errorf("%s:: the value is no base64: %w", attr, err)
		}
		return attr, string(b), nil
	case strings.HasPrefix(rest, "<"):
		return attr, "", fmt.Errorf("%s:< takes the value from a URL; export the values themselves", attr)
	}
	return attr, strings.TrimLeft(rest, " "), nil
}

// psCollection is what Export-Csv writes for a multi-valued property it was given whole.
const psCollection = "Microsoft.ActiveDirectory.Management.ADPropertyValueCollection"

// multiValued are the columns whose values csvde joins with ';'.
var multiValued = []string{"proxyaddresses", "objectclass"}

// readADCSV reads a csvde or Export-Csv file: a row per object, a column per attribute.
func readADCSV(data []byte, name string) ([]Person, []int, []error) {
	cr := csv.NewReader(bytes.NewReader(data))
	cr.Comma = separator(firstLine(data))
	cr.Comment = '#'
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return nil, nil, []error{fmt.Errorf("%s:1: read header: %w", name, err)}
	}
	headerLine, _ := cr.FieldPos(0)
	for i, h := range header {
		header[i] = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
	}
	if !slices.Contains(header, "samaccountname") {
		return nil, nil, []error{fmt.Errorf("%s:%d: no sAMAccountName column", name, headerLine)}
	}
	var entries []*adEntry
	var errs []error
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil { // a csv.ParseError names the line; the rest of the file cannot be trusted
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
			break
		}
		line, _ := cr.FieldPos(0)
		entries = append(entries, csvEntry(header, rec, line))
	}
	people, lines, perrs := adPeople(entries, name)
	return people, lines, append(errs, perrs...)
}

func csvEntry(header, rec []string, line int) *adEntry {
	e := &adEntry{line: line}
	for i, v := range rec[:min(len(rec), len(header))] {
		col := header[i]
		if v = strings.TrimSpace(v); v == "" || v == psCollection {
			continue
		}
		switch {
		case col == "dn" || col == "distinguishedname":
			e.dn = v
		case slices.Contains(multiValued, col):
			for _, x := range strings.Split(v, ";") {
				e.add(col, x, line)
			}
		default:
			e.add(col, v, line)
		}
	}
	return e
}
