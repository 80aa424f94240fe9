// Package people is the person view of the register: who an identifier belongs to (their entry in
// the directory and every name they go by) with all their incidents on one timeline, and what an
// incident says about people: whose it is, their related incidents, whose workstations it touched.
package people

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/lekwacht/lekwacht/config"
	"github.com/lekwacht/lekwacht/directory"
	"github.com/lekwacht/lekwacht/event"
	"github.com/lekwacht/lekwacht/identity"
	"github.com/lekwacht/lekwacht/register"
)

// Ref names a person briefly: the incident's person, a manager, a workstation's owner.
type Ref struct {
	Account    string `json:"account"`
	Name       string `json:"name,omitempty"`
	Department string `json:"department,omitempty"`
}

// LogValue keeps names out of lekwacht's own logs.
func (r Ref) LogValue() slog.Value { return slog.GroupValue(slog.String("department", r.Department)) }

func refOf(p *directory.Person) *Ref {
	return &Ref{Account: p.User, Name: p.Name, Department: p.Department}
}

// Identifier is one name a person goes by, and which kind (account, email, upn, sid, employee,
// alias, admin).
type Identifier struct {
	Value string         `json:"value"`
	Kind  directory.Kind `json:"kind"`
}

// LogValue keeps the name out of lekwacht's own logs: only its kind.
func (i Identifier) LogValue() slog.Value {
	return slog.GroupValue(slog.String("kind", string(i.Kind)))
}

// Profile is a person as the directory has them.
type Profile struct {
	Account      string           `json:"account"`
	Name         string           `json:"name"`
	Email        string           `json:"email,omitempty"`
	Department   string           `json:"department,omitempty"`
	Manager      *Ref             `json:"manager,omitempty"`
	Status       directory.Status `json:"status"`
	EndDate      string           `json:"end_date,omitempty"` // YYYY-MM-DD
	Workstations []string         `json:"workstations"`
	Identifiers  []Identifier     `json:"identifiers"`
}

// LogValue keeps the person out of lekwacht's own logs.
func (p Profile) LogValue() slog.Value {
	return slog.GroupValue(slog.String("department", p.Department), slog.String("status", string(p.Status)))
}

// View is what a person view shows: the person an identifier belongs to (nil when no one has it)
// and every incident of theirs, any status, oldest first. When no one has the identifier, the
// incidents are those whose user is the identifier itself (an account nobody owns can have them).
type View struct {
	Query string `json:"query"`
	// Identity is what the identifier is: person, admin, service, system or unknown; empty when
	// there is no directory to ask.
	Identity event.Identity `json:"identity,omitempty"`
	*Profile
	Incidents []*register.Incident `json:"incidents"`
}

// Found says whether the view shows anything: a person, or incidents of the name.
func (v *View) Found() bool { return v.Profile != nil || len(v.Incidents) > 0 }

// Key is whom the view is of: the person's account, else the identifier as asked.
func (v *View) Key() string {
	if v.Profile != nil {
		return v.Account
	}
	return strings.TrimSpace(v.Query)
}

// LogValue keeps the person out of lekwacht's own logs: only how many incidents were shown.
func (v View) LogValue() slog.Value {
	return slog.GroupValue(slog.Bool("person", v.Profile != nil), slog.Int("incidents", len(v.Incidents)))
}

// HostOwner is a host of an incident that is the workstation of someone other than the incident's
// person.
type HostOwner struct {
	Host string `json:"host"`
	Ref
}

// LogValue keeps the owner out of lekwacht's own logs.
func (h HostOwner) LogValue() slog.Value { return slog.GroupValue(slog.String("host", h.Host)) }

// Incident is an incident with what the directory and the register add to it: its person, the
// related incidents (other incidents of the same person within identity.related_within: linked, not
// merged) and the other people whose workstations it names. It marshals as the incident's own JSON
// plus "person", "related" (ids) and "host_owners".
type Incident struct {
	*register.Incident
	Person     *Ref                 `json:"person,omitempty"`
	Related    []*register.Incident `json:"-"`
	RelatedIDs []string             `json:"related"`
	HostOwners []HostOwner          `json:"host_owners,omitempty"`
}

// ErrNoOne is returned by Show for an identifier that no one has and no incident names. It is a
// register.ErrNotFound (the API answers 404).
var ErrNoOne error = noOne{}

type noOne struct{}

func (noOne) Error() string { return "no one in the directory has this name and no incident names it" }

func (noOne) Is(target error) bool { return target == register.ErrNotFound }

// Finder looks people up for the person view and the incident page. It is safe for concurrent use:
// it guards its own identity.Resolver (which is not).
type Finder struct {
	reg    *register.Register
	dir    func() *directory.Directory
	within time.Duration

	mu  sync.Mutex
	res *identity.Resolver
}

// New makes a Finder over the register and the directory in force (dir nil: no directory; names are
// taken as they are). res must be a Resolver of the Finder's own over the same directory (it is
// not safe for concurrent use); nil makes one without the config's identity options. within is
// identity.related_within (0: config.DefaultRelatedWithin).
func New(reg *register.Register, res *identity.Resolver, dir func() *directory.Directory, within time.Duration) *Finder {
	if within <= 0 {
		within = config.DefaultRelatedWithin
	}
	if dir == nil {
		dir, res = func() *directory.Directory { return nil }, nil
	} else if res == nil {
		res = identity.New(dir, identity.Options{})
	}
	return &Finder{reg: reg, dir: dir, within: within, res: res}
}

// Within is the period within which incidents of one person are related.
func (f *Finder) Within() time.Duration { return f.within }

// person resolves any identifier to the person who has it.
func (f *Finder) person(name string) (*directory.Person, event.Identity) {
	if f.res == nil || strings.TrimSpace(name) == "" {
		return nil, ""
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.res.Person(strings.TrimSpace(name))
}

// Show is the person view of an identifier (any form: account, DOMAIN\user, UPN, mail address or
// alias, SID, employee number, admin account). The view is personal data: the read is recorded in
// the register's access log (register.LogPersonAccess, under Key) with who read it and how, before
// anything is returned. ErrNoOne when no one has the identifier and no incident names it (nothing
// is logged then: nothing was shown).
func (f *Finder) Show(ctx context.Context, query, by, action string) (*View, error) {
	v := &View{Query: query}
	p, id := f.person(query)
	v.Identity = id
	names := []string{strings.TrimSpace(query)}
	if p != nil {
		v.Profile = f.profile(p)
		var err error
		if names, err = f.names(ctx, p); err != nil {
			return nil, err
		}
	}
	var err error
	if v.Incidents, err = f.reg.UserIncidents(ctx, names...); err != nil {
		return nil, err
	}
	if !v.Found() {
		return nil, ErrNoOne
	}
	if err := f.reg.LogPersonAccess(ctx, v.Key(), by, action); err != nil {
		return nil, err
	}
	return v, nil
}

// names are the users incidents of p are registered under: p's account, and every other name in
// the register that resolves to p (DOMAIN\user, a UPN, an address, an admin account: incidents from
// before identity resolution, or from a name the directory learned later).
func (f *Finder) names(ctx context.Context, p *directory.Person) ([]string, error) {
	users, err := f.reg.Users(ctx)
	if err != nil {
		return nil, err
	}
	names := []string{p.User}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, u := range users {
		if strings.EqualFold(u, p.User) {
			continue
		}
		if q, _ := f.res.Person(u); q != nil && strings.EqualFold(q.User, p.User) {
			names = append(names, u)
		}
	}
	return names, nil
}

func (f *Finder) profile(p *directory.Person) *Profile {
	pr := &Profile{Account: p.User, Name: p.Name, Email: p.Email, Department: p.Department, Status: p.Status,
		Workstations: slices.Clone(p.Workstations), Identifiers: []Identifier{}}
	if pr.Workstations == nil {
		pr.Workstations = []string{}
	}
	if !p.EndDate.IsZero() {
		pr.EndDate = p.EndDate.Format(time.DateOnly)
	}
	if p.Manager != "" {
		pr.Manager = &Ref{Account: p.Manager}
		if d := f.dir(); d != nil {
			if m, ok := d.User(p.Manager); ok {
				pr.Manager = refOf(m)
			}
		}
	}
	for _, i := range p.Identifiers() {
		if i.Kind != directory.KindAccount {
			pr.Identifiers = append(pr.Identifiers, Identifier{i.Value, i.Kind})
		}
	}
	return pr
}

// Incident adds the incident's person, its related incidents and the owners of its hosts.
func (f *Finder) Incident(ctx context.Context, in *register.Incident) (*Incident, error) {
	out := &Incident{Incident: in, RelatedIDs: []string{}}
	p, _ := f.person(in.User)
	var also []string
	if p != nil {
		out.Person = refOf(p)
		var err error
		if also, err = f.names(ctx, p); err != nil {
			return nil, err
		}
	}
	related, err := f.reg.Related(ctx, in, f.within, also...)
	if err != nil {
		return nil, err
	}
	out.Related = related
	for _, r := range related {
		out.RelatedIDs = append(out.RelatedIDs, r.ID)
	}
	out.HostOwners = f.hostOwners(in, p)
	return out, nil
}

// hostOwners are the incident's hosts that are someone else's workstation, with that someone.
func (f *Finder) hostOwners(in *register.Incident, p *directory.Person) []HostOwner {
	d := f.dir()
	if d == nil {
		return nil
	}
	self := in.User
	if p != nil {
		self = p.User
	}
	var out []HostOwner
	for _, h := range in.Hosts {
		owner, ok := d.WorkstationOwner(h)
		if short, _, cut := strings.Cut(h, "."); !ok && cut {
			owner, ok = d.WorkstationOwner(short) // ws-0042.voorbeeld.local
		}
		if ok && !strings.EqualFold(owner.User, self) {
			out = append(out, HostOwner{Host: h, Ref: *refOf(owner)})
		}
	}
	return out
}
