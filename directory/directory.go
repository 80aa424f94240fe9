// Package directory reads the gemeente's staff directory (CONTRACT.md: a CSV of people, their mail
// addresses and workstations) that every detector asks whose workstation, colleague or address is whose.
package directory

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"time"
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

// Person is one row.
type Person struct {
	User         string
	Name         string
	Email        string
	PrivateEmail string
	Department   string
	Workstations []string
	Status       Status
	EndDate      time.Time // zero when none
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
	byEmail       map[string]*Person
	byPrivate     map[string]*Person
	byWorkstation map[string]*Person
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
	if d := m[strings.ToLower(strings.TrimSpace(k))]; d != nil {
		return d, true
	}
	return nil, false
}

// Load reads a directory file.
func Load(path string) (*Directory, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("directory: %w", err)
	}
	defer f.Close()
	return Read(f, path)
}

// Read parses the CSV; every problem is reported at once, with file and line.
func Read(r io.Reader, name string) (*Directory, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("%s:1: read header: %w", name, err)
	}
	col, err := columns(header, name)
	if err != nil {
		return nil, err
	}
	d := &Directory{byUser: map[string]*Person{}, byEmail: map[string]*Person{}, byPrivate: map[string]*Person{}, byWorkstation: map[string]*Person{}}
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
		if !slices.Contains(Columns, h) {
			errs = append(errs, fmt.Errorf("%s:1: unknown column %q; the header is %s", name, h, strings.Join(Columns, ",")))
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
		if i := col[c]; i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	p := Person{User: get("user"), Name: get("name"), Email: get("email"), PrivateEmail: get("private_email"),
		Department: get("department"), Status: Status(strings.ToLower(get("status")))}
	var errs []error
	if p.User == "" {
		errs = append(errs, errors.New("user is empty"))
	}
	if p.Status == "" {
		p.Status = StatusActive
	}
	if !slices.Contains(Statuses, p.Status) {
		errs = append(errs, fmt.Errorf("status %q: use one of %v", p.Status, Statuses))
	}
	for _, ws := range strings.Split(get("workstations"), ";") {
		if ws = strings.TrimSpace(ws); ws != "" {
			p.Workstations = append(p.Workstations, ws)
		}
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

// index fills the lookup maps; a user, address or workstation given twice is an error. lines are
// the people's lines in the file.
func (d *Directory) index(name string, lines []int) []error {
	var errs []error
	line := map[*Person]int{}
	put := func(m map[string]*Person, k, what string, p *Person) {
		k = strings.ToLower(k)
		if k == "" {
			return
		}
		if other, ok := m[k]; ok && other != p {
			errs = append(errs, fmt.Errorf("%s:%d: %s of user %q is also given for user %q (line %d)", name, line[p], what, p.User, other.User, line[other]))
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
	}
	return errs
}
