// Package directory reads the gemeente's staff directory (CONTRACT.md: a CSV of people, their mail
// addresses and workstations) that every detector asks whose workstation, colleague or address is whose.
package directory

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/lekwacht/lekwacht/config"
)

// Status says whether a person still works for the gemeente.
type Status string

// The statuses.
const (
	StatusActive Status = "active"
	StatusLeave  Status = "leave" // on leave: the account should be quiet
	StatusLeft   Status = "left"  // gone: any use of the account is suspect
)

// Statuses lists every Status.
var Statuses = []Status{StatusActive, StatusLeave, StatusLeft}

// Columns is the header the CSV must have, in any order.
var Columns = []string{"user", "name", "email", "private_email", "department", "workstations", "status", "end_date"}

// OptionalColumns may follow (in any order, any of them): every other identifier a person has.
// Lists (aliases, admin_accounts, like workstations) are separated by ';'.
var OptionalColumns = []string{"aliases", "upn", "sid", "employee_id", "manager", "admin_accounts"}

// Person is one row: a person and every identifier they have.
type Person struct {
	User         string // the directory account (sAMAccountName): the name the person goes by in lekwacht
	Name         string
	Email        string
	PrivateEmail string
	Department   string
	Workstations []string
	Status       Status
	EndDate      time.Time // zero when none
	// Aliases are more mail addresses (proxyAddresses) and more account names of the person.
	Aliases []string
	// UPN is the userPrincipalName (jdevries@voorbeeld.local).
	UPN string
	// SID is the objectSid (S-1-5-21-...).
	SID string
	// EmployeeID is the medewerkernummer of the HR and zaak systems ("004711"; leading zeros do not
	// matter when matching).
	EmployeeID string
	// Manager is the manager's account.
	Manager string
	// AdminAccounts are the person's own admin accounts (adm_jdevries): linked to the person, and kept
	// apart from their own account (event.User.Account).
	AdminAccounts []string
	// AdminIDs are the identifiers of the person's admin accounts (their SID, UPN, addresses), when
	// an export lists the admin account as a user of its own: it is folded into its owner (Fold).
	AdminIDs []AdminID
}

// AdminID is an identifier of one of a person's admin accounts.
type AdminID struct {
	Account string // the admin account (adm_jdevries)
	Value   string // its SID, UPN or address
}

// Kind says which of a person's identifiers a name was.
type Kind string

// The kinds of identifier.
const (
	KindAccount  Kind = "account"  // the directory account
	KindAlias    Kind = "alias"    // another account name or mail address of the person
	KindEmail    Kind = "email"    // the work mail address
	KindUPN      Kind = "upn"      // the userPrincipalName
	KindSID      Kind = "sid"      // the objectSid
	KindEmployee Kind = "employee" // the employee number
	KindName     Kind = "name"     // the display name (only when no one else has it)
	KindAdmin    Kind = "admin"    // an admin account of the person
)

// Identifier is one name a person has, and which kind; Account is the admin account a KindAdmin
// identifier belongs to.
type Identifier struct {
	Value   string
	Kind    Kind
	Account string
}

// Identifiers lists every name the person has, the account first.
func (p *Person) Identifiers() []Identifier {
	ids := []Identifier{{p.User, KindAccount, ""}}
	add := func(v string, k Kind) {
		if v != "" {
			ids = append(ids, Identifier{Value: v, Kind: k})
		}
	}
	add(p.Email, KindEmail)
	add(p.UPN, KindUPN)
	add(p.SID, KindSID)
	add(p.EmployeeID, KindEmployee)
	for _, a := range p.Aliases {
		add(a, KindAlias)
	}
	for _, a := range p.AdminAccounts {
		ids = append(ids, Identifier{a, KindAdmin, a})
	}
	for _, a := range p.AdminIDs {
		ids = append(ids, Identifier{a.Value, KindAdmin, a.Account})
	}
	return ids
}

// LogValue keeps names and addresses out of lekwacht's own logs.
func (p Person) LogValue() slog.Value {
	return slog.GroupValue(slog.String("department", p.Department), slog.String("status", string(p.Status)))
}

// Left says whether the person had left at t: status left, or an end date before t.
func (p *Person) Left(t time.Time) bool {
	return p.Status == StatusLeft || (!p.EndDate.IsZero() && !t.Before(p.EndDate))
}

// Directory is a loaded directory; lookups are case-insensitive.
type Directory struct {
	people        []Person
	byUser        map[string]*Person
	byEmail       map[string]*Person // work addresses and mail aliases: colleagues
	byPrivate     map[string]*Person
	byWorkstation map[string]*Person
	byID          map[string]identified // every identifier, normalised (see key)
	adminPatterns []string              // identity.admin_accounts, for fold
}

// identified is a person under one of their identifiers.
type identified struct {
	p       *Person
	kind    Kind
	account string // of an admin account
}

// Match is who an identifier belongs to: the person, which of theirs it is, and for an admin
// account's identifier the admin account.
type Match struct {
	Person  *Person
	Kind    Kind
	Account string
}

// People calls f for every person, in the file's order, until f returns false.
func (d *Directory) People(f func(*Person) bool) {
	for i := range d.people {
		if !f(&d.people[i]) {
			return
		}
	}
}

// Identify returns the person who has this identifier, and which of theirs it is: an account, an
// alias, a mail address, a UPN, a SID, an employee number (with or without leading zeros), an admin
// account, or a display name no one else has. Case does not matter; the caller strips DOMAIN\ and
// the like (package identity).
func (d *Directory) Identify(id string) (*Person, Kind, bool) {
	m, ok := d.Lookup(id)
	return m.Person, m.Kind, ok
}

// Lookup is Identify with the admin account an admin identifier belongs to.
func (d *Directory) Lookup(id string) (Match, bool) {
	k, ok := key(id)
	if !ok {
		return Match{}, false
	}
	if e, ok := d.byID[k]; ok {
		return Match{e.p, e.kind, e.account}, true
	}
	return Match{}, false
}

// key is the normalised form of an identifier: trimmed, lower case (without allocating when it is
// already), an employee number without its leading zeros and marked '#'.
func key(id string) (string, bool) {
	id = strings.TrimSpace(id)
	if id == "" {
		return "", false
	}
	if digits(id) {
		n := strings.TrimLeft(id, "0")
		if n == "" {
			n = "0"
		}
		return "#" + n, true
	}
	return lowerASCII(id), true
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' || c >= 0x80 {
			return strings.ToLower(s)
		}
	}
	return s
}

// Len is the number of people.
func (d *Directory) Len() int { return len(d.people) }

// User returns the person with this account name.
func (d *Directory) User(user string) (*Person, bool) { return lookup(d.byUser, user) }

// Email returns the person with this work mail address (a colleague).
func (d *Directory) Email(addr string) (*Person, bool) { return lookup(d.byEmail, addr) }

// PrivateEmail returns the person whose private address this is.
func (d *Directory) PrivateEmail(addr string) (*Person, bool) { return lookup(d.byPrivate, addr) }

// WorkstationOwner returns the person a workstation belongs to.
func (d *Directory) WorkstationOwner(host string) (*Person, bool) {
	return lookup(d.byWorkstation, host)
}

func lookup(m map[string]*Person, k string) (*Person, bool) {
	if d := m[lowerASCII(strings.TrimSpace(k))]; d != nil {
		return d, true
	}
	return nil, false
}

// Load reads a directory file: the staff CSV, or an Active Directory export (LDIF from ldifde, CSV
// from csvde or Export-Csv; see ReadLDIF and ReadADCSV), told apart by what the file holds.
func Load(path string) (*Directory, error) { return load(path, nil) }

// load is Load with the patterns of admin accounts to fold into their owners.
func load(path string, adminPatterns []string) (*Directory, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("directory: %w", err)
	}
	return readFile(data, path, adminPatterns)
}

// Read parses the CSV; every problem is reported at once, with file and line.
func Read(r io.Reader, name string) (*Directory, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return readCSV(text(data), name, nil)
}

// readCSV reads the staff CSV, separated by ',' or, when the header has ';' and no ',', by ';' (what
// Excel writes in Dutch); a UTF-8 byte order mark and CRLF line ends are read as well. Every line has
// as many fields as the header.
func readCSV(data []byte, name string, adminPatterns []string) (*Directory, error) {
	cr := csv.NewReader(bytes.NewReader(data))
	comma := separator(firstLine(data))
	cr.Comma = comma
	cr.FieldsPerRecord = -1 // counted below, to say more than encoding/csv does
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("%s:1: read header: %w", name, err)
	}
	col, err := columns(header, name)
	if err != nil {
		return nil, err
	}
	sep := "','"
	if comma == ';' {
		sep = "';' (read from the header)"
	}
	d := &Directory{adminPatterns: adminPatterns}
	var errs []error
	var lines []int // of each person
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil { // a csv.ParseError names the line
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
			if !errors.Is(err, csv.ErrFieldCount) {
				break
			}
			continue
		}
		line, _ := cr.FieldPos(0) // only after a record was read: it panics after an error
		if len(rec) != len(header) {
			errs = append(errs, fmt.Errorf("%s:%d: %d fields, the header has %d (fields separated by %s; a field holding the separator needs quotes)",
				name, line, len(rec), len(header), sep))
			continue
		}
		p, perr := person(rec, col)
		if perr != nil {
			errs = append(errs, fmt.Errorf("%s:%d: %w", name, line, perr))
			continue
		}
		d.people = append(d.people, p)
		lines = append(lines, line)
	}
	errs = append(errs, d.index(name, lines)...)
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return d, nil
}

func columns(header []string, name string) (map[string]int, error) {
	col := map[string]int{}
	var errs []error
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if !slices.Contains(Columns, h) && !slices.Contains(OptionalColumns, h) {
			errs = append(errs, fmt.Errorf("%s:1: unknown column %q; the header is %s, optionally followed by %s", name, h, strings.Join(Columns, ","), strings.Join(OptionalColumns, ",")))
			continue
		}
		col[h] = i
	}
	for _, c := range Columns {
		if _, ok := col[c]; !ok {
			errs = append(errs, fmt.Errorf("%s:1: column %q is missing; the header is %s", name, c, strings.Join(Columns, ",")))
		}
	}
	return col, errors.Join(errs...)
}

func person(rec []string, col map[string]int) (Person, error) {
	get := func(c string) string {
		if i, ok := col[c]; ok && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	p := Person{User: get("user"), Name: get("name"), Email: get("email"), PrivateEmail: get("private_email"),
		Department: get("department"), Status: Status(strings.ToLower(get("status"))),
		Aliases: list(get("aliases")), UPN: get("upn"), SID: get("sid"), EmployeeID: get("employee_id"),
		Manager: get("manager"), AdminAccounts: list(get("admin_accounts"))}
	var errs []error
	if p.User == "" {
		errs = append(errs, errors.New("user is empty"))
	}
	if p.Status == "" {
		p.Status = StatusActive
	}
	if !slices.Contains(Statuses, p.Status) {
		errs = append(errs, fmt.Errorf("status %q%s (use one of %v)", p.Status, config.DidYouMean(p.Status, Statuses), Statuses))
	}
	p.Workstations = list(get("workstations"))
	if p.SID != "" && !strings.HasPrefix(strings.ToUpper(p.SID), "S-1-") {
		errs = append(errs, fmt.Errorf("sid %q: write it as S-1-5-21-...", p.SID))
	}
	if s := get("end_date"); s != "" {
		t, err := time.ParseInLocation(time.DateOnly, s, time.Local)
		if err != nil {
			errs = append(errs, fmt.Errorf("end_date %q: use YYYY-MM-DD", s))
		}
		p.EndDate = t
	}
	for _, a := range []string{p.Email, p.PrivateEmail} {
		if a != "" && !strings.Contains(a, "@") {
			errs = append(errs, errors.New("a mail address without @"))
		}
	}
	return p, errors.Join(errs...)
}

// list splits a ';'-separated cell (',' inside it is read the same: a list pasted from elsewhere).
func list(cell string) []string {
	var out []string
	for _, v := range strings.FieldsFunc(cell, func(r rune) bool { return r == ';' || r == ',' }) {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// index fills the lookup maps; a user, address, workstation or other identifier given for two
// people is an error. lines are the people's lines in the file (0 where there is none).
func (d *Directory) index(name string, lines []int) []error {
	d.people, lines = fold(d.people, lines, d.adminPatterns)
	d.byUser, d.byEmail, d.byPrivate = map[string]*Person{}, map[string]*Person{}, map[string]*Person{}
	d.byWorkstation, d.byID = map[string]*Person{}, make(map[string]identified, 3*len(d.people))
	var errs []error
	line := map[*Person]int{}
	where := func(p *Person) string {
		if line[p] > 0 {
			return fmt.Sprintf("%s:%d", name, line[p])
		}
		return name
	}
	also := func(p *Person) string { // where else, when the other has a line
		if line[p] > 0 {
			return fmt.Sprintf(" (line %d)", line[p])
		}
		return ""
	}
	put := func(m map[string]*Person, k, what string, p *Person) {
		k = strings.ToLower(k)
		if k == "" {
			return
		}
		if other, ok := m[k]; ok && other != p {
			errs = append(errs, fmt.Errorf("%s: %s of user %q is also given for user %q%s", where(p), what, p.User, other.User, also(other)))
			return
		}
		m[k] = p
	}
	for i := range d.people {
		p := &d.people[i]
		line[p] = lines[i]
		put(d.byUser, p.User, "the account", p)
		put(d.byEmail, p.Email, "the mail address", p)
		put(d.byPrivate, p.PrivateEmail, "the private address", p)
		for _, ws := range p.Workstations {
			put(d.byWorkstation, ws, "workstation "+ws, p)
		}
		for _, a := range p.Aliases {
			if strings.Contains(a, "@") {
				put(d.byEmail, a, "the mail alias "+a, p)
			}
		}
	}
	for i := range d.people {
		p := &d.people[i]
		for _, id := range p.Identifiers() {
			k, _ := key(id.Value)
			if other, ok := d.byID[k]; ok && other.p != p {
				errs = append(errs, fmt.Errorf("%s: %s %q of user %q is also given for user %q%s", where(p), id.Kind, id.Value, p.User, other.p.User, also(other.p)))
				continue
			} else if ok && other.kind == KindAccount {
				continue // the account wins over the same name given again as an alias
			}
			d.byID[k] = identified{p, id.Kind, id.Account}
		}
	}
	d.indexNames()
	return errs
}

// indexNames adds the display names that only one person has and that are no one's identifier.
func (d *Directory) indexNames() {
	count := map[string]int{}
	for i := range d.people {
		if k, ok := key(d.people[i].Name); ok {
			count[k]++
		}
	}
	for i := range d.people {
		p := &d.people[i]
		k, ok := key(p.Name)
		if _, taken := d.byID[k]; ok && count[k] == 1 && !taken {
			d.byID[k] = identified{p: p, kind: KindName}
		}
	}
}

// New builds a directory from people (an AD export read by ReadLDIF or ReadADCSV, people made in
// code); name is for the errors. The same checks apply as for a CSV file.
func New(people []Person, name string) (*Directory, error) {
	return NewWith(people, name, nil)
}

// NewWith is New with the patterns of admin accounts (adm_{user}): a person whose account matches
// one, for an owner who is in the directory too, is folded into the owner as an admin account.
func NewWith(people []Person, name string, adminPatterns []string) (*Directory, error) {
	d := &Directory{people: slices.Clone(people), adminPatterns: adminPatterns}
	if errs := d.index(name, make([]int, len(people))); len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return d, nil
}

// Merge adds what more knows of the same people (matched by account, case-insensitive) to what d
// has: empty fields are filled, identifiers and workstations added. People only in more are added.
// The result is checked as a whole, so an identifier of two people is still an error.
func Merge(d *Directory, more *Directory, name string) (*Directory, error) {
	people := slices.Clone(d.people)
	at := map[string]int{}
	for i := range people {
		at[strings.ToLower(people[i].User)] = i
	}
	for _, q := range more.people {
		i, ok := at[strings.ToLower(q.User)]
		if !ok {
			at[strings.ToLower(q.User)] = len(people)
			people = append(people, q)
			continue
		}
		people[i] = fill(people[i], q)
	}
	return NewWith(people, name, d.adminPatterns)
}

// fill completes p with what q has and p lacks.
func fill(p, q Person) Person {
	for _, f := range []struct {
		to   *string
		from string
	}{{&p.Name, q.Name}, {&p.Email, q.Email}, {&p.PrivateEmail, q.PrivateEmail},
		{&p.Department, q.Department}, {&p.UPN, q.UPN}, {&p.SID, q.SID}, {&p.EmployeeID, q.EmployeeID}, {&p.Manager, q.Manager}} {
		if *f.to == "" {
			*f.to = f.from
		}
	}
	if p.EndDate.IsZero() {
		p.EndDate = q.EndDate
	}
	if p.Status == StatusActive && q.Status != "" {
		p.Status = q.Status // a disabled account in AD is a leaver, whatever the staff list says
	}
	union := func(a, b []string) []string {
		out := slices.Clone(a)
		for _, v := range b {
			if !slices.ContainsFunc(out, func(x string) bool { return strings.EqualFold(x, v) }) {
				out = append(out, v)
			}
		}
		return out
	}
	p.Workstations = union(p.Workstations, q.Workstations)
	p.Aliases = union(p.Aliases, q.Aliases)
	p.AdminAccounts = union(p.AdminAccounts, q.AdminAccounts)
	for _, a := range q.AdminIDs {
		if !slices.ContainsFunc(p.AdminIDs, func(b AdminID) bool { return strings.EqualFold(a.Value, b.Value) }) {
			p.AdminIDs = append(p.AdminIDs, a)
		}
	}
	if q.Email != "" && !strings.EqualFold(q.Email, p.Email) {
		p.Aliases = union(p.Aliases, []string{q.Email})
	}
	return p
}
