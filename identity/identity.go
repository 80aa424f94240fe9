// Package identity resolves the names the logs give a person (DOMAIN\user, a UPN, a mail address or
// alias, a SID, an employee number, an admin account) to the person in the directory, once per
// event, between the parsers and the detectors: everything downstream sees one name per person.
package identity

import (
	"hash/maphash"
	"path"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lekwacht/lekwacht/directory"
	"github.com/lekwacht/lekwacht/event"
)

// Options are what the configuration says about names.
type Options struct {
	// OwnDomains are organisation.domains: a sender in one of them is a member of staff to resolve.
	OwnDomains []string
	// ServiceAccounts are organisation.service_accounts (globs): identities of their own, not people.
	ServiceAccounts []string
	// AdminAccounts are identity.admin_accounts: patterns such as adm_{user}.
	AdminAccounts []string
	// MaxUnresolved bounds the distinct unresolved identifiers kept for listing (0: DefaultMaxUnresolved).
	MaxUnresolved int
}

// DefaultMaxUnresolved is how many distinct unresolved identifiers a Resolver keeps for listing.
const DefaultMaxUnresolved = 10_000

// cacheSize bounds the cache of names already resolved; it is emptied when full.
const cacheSize = 1 << 16

// Resolver resolves the users of events against the directory in force. Resolve is called by one
// goroutine at a time (the pipeline's); the counters and the unresolved list may be read from others.
type Resolver struct {
	dir     func() *directory.Directory
	opts    Options
	admin   []affix
	own     map[string]bool // own mail domains and UPN suffixes, lower case
	current *directory.Directory
	// cache is what names (or SIDs) resolved to, keyed by a 64-bit hash of the name: the look-up
	// then touches one slot of the map and no key string, which matters on the hot path, where the
	// rest of the pipeline has pushed the map out of the processor's cache (the profile showed it).
	cache map[uint64]cachedResult
	seed  maphash.Seed

	mu         sync.Mutex
	unresolved map[Unresolved]*Seen
	dropped    int64
	counts     sync.Map // input -> *atomic.Int64: events whose identifier no one has
}

// affix is an admin account pattern: what comes before and after {user}.
type affix struct{ pre, post string }

// result is what a name resolved to.
type result struct {
	person  *directory.Person
	account string // the admin account, when it was one
	id      event.Identity
}

// Unresolved is an identifier no one in the directory has, and the input that wrote it.
type Unresolved struct {
	Identifier string
	Input      string
}

// Seen is how often and when an unresolved identifier was seen (event time).
type Seen struct {
	First, Last time.Time
	Events      int64
}

// New makes a Resolver over the directory dir returns (nil: no directory, nothing is resolved).
func New(dir func() *directory.Directory, opts Options) *Resolver {
	r := &Resolver{dir: dir, opts: opts, unresolved: map[Unresolved]*Seen{}, seed: maphash.MakeSeed()}
	if r.opts.MaxUnresolved <= 0 {
		r.opts.MaxUnresolved = DefaultMaxUnresolved
	}
	for _, a := range opts.AdminAccounts {
		pre, post, ok := strings.Cut(strings.ToLower(a), "{user}")
		if ok && pre+post != "" {
			r.admin = append(r.admin, affix{pre, post})
		}
	}
	return r
}

// Resolve sets the event's user to the person in the directory, keeping what the source wrote in
// User.Original. For a mail event without a user, the sender in an own domain is the user. An
// identifier no one has is left as it is, marked unknown and counted.
func (r *Resolver) Resolve(ev *event.Event) {
	d := r.directory()
	if d == nil {
		return
	}
	u := &ev.User
	name, fromMail := u.Name, false
	if name == "" && ev.Mail != nil {
		name, fromMail = r.sender(ev.Mail), true
	}
	sid := ""
	if isSID(u.ID) {
		sid = u.ID
	}
	if name == "" && sid == "" {
		return
	}
	// One cached look-up by the name; the SID only when the name is no one's (most events name
	// someone: hashing a 45-character SID for each of them showed in the profile).
	res := r.cached(d, name, "")
	if res.id == event.IdentityUnknown && sid != "" || name == "" {
		if bySID := r.cached(d, "", sid); bySID.person != nil || name == "" {
			res = bySID
		}
	}
	u.Identity = res.id
	switch {
	case res.person != nil:
		if !res.same {
			u.Original = name
		}
		u.Name, u.Account = res.user, res.account
	case res.id == event.IdentityUnknown:
		r.note(ev, name, sid)
		if !fromMail {
			u.Name = name
		} // an unknown sender's address does not become a user name (it would reach incidents and Elasticsearch)
	default:
		u.Name = name
	}
}

// directory is the directory in force; the cache is dropped when it changes.
func (r *Resolver) directory() *directory.Directory {
	d := r.dir()
	if d != r.current {
		r.current, r.cache = d, make(map[uint64]cachedResult, 1024)
		r.own = map[string]bool{}
		for _, dom := range r.opts.OwnDomains {
			r.own[strings.ToLower(dom)] = true
		}
		if d != nil {
			d.People(func(p *directory.Person) bool {
				for _, a := range []string{p.UPN, p.Email} {
					if _, dom, ok := strings.Cut(a, "@"); ok {
						r.own[strings.ToLower(dom)] = true
					}
				}
				return true
			})
		}
	}
	return d
}

// sender is the user of a mail event that names none: the SASL login, or the sender when it is in
// an own domain (mail from outside has no user of ours).
func (r *Resolver) sender(m *event.Mail) string {
	if m.SASLUser != "" {
		return m.SASLUser
	}
	from := strings.Trim(m.From, "<> ")
	if _, dom, ok := strings.Cut(from, "@"); ok && r.own[strings.ToLower(dom)] {
		return from
	}
	return ""
}

// cachedResult is a result with what Resolve needs of it at hand: the person's account and whether
// the name was written as that account, so no pointer into the directory is followed per event.
type cachedResult struct {
	result
	user    string
	same    bool  // the name is the account, as written
	nameLen int32 // of the name hashed: a cheap guard against a collision of hashes
}

// cached is resolve of a name or of a SID, remembered until the directory changes.
func (r *Resolver) cached(d *directory.Directory, name, sid string) cachedResult {
	k := name
	if name == "" {
		k = sid
	}
	h := maphash.String(r.seed, k)
	if c, ok := r.cache[h]; ok && c.nameLen == int32(len(k)) {
		return c
	}
	c := cachedResult{result: r.resolve(d, name, sid), nameLen: int32(len(k))}
	if c.person != nil {
		c.user, c.same = c.person.User, k == c.person.User
	}
	if len(r.cache) >= cacheSize {
		clear(r.cache)
	}
	r.cache[h] = c
	return c
}

// resolve looks a name (or a SID) up in every form it can take.
func (r *Resolver) resolve(d *directory.Directory, name, sid string) result {
	if name != "" {
		if system(name) {
			return result{id: event.IdentitySystem}
		}
		for _, cand := range r.forms(name) {
			if m, ok := d.Lookup(cand); ok {
				if m.Kind == directory.KindAdmin {
					return result{person: m.Person, account: strings.ToLower(m.Account), id: event.IdentityAdmin}
				}
				return result{person: m.Person, id: event.IdentityPerson}
			}
		}
		bare := strings.ToLower(bareAccount(name))
		for _, a := range r.admin {
			owner, ok := strings.CutPrefix(bare, a.pre)
			if owner, ok2 := strings.CutSuffix(owner, a.post); ok && ok2 && owner != "" {
				if p, kind, ok := d.Identify(owner); ok && kind == directory.KindAccount {
					return result{person: p, account: bare, id: event.IdentityAdmin}
				}
			}
		}
		if r.service(bare) {
			return result{id: event.IdentityService}
		}
	}
	if sid != "" {
		if m, ok := d.Lookup(sid); ok {
			if m.Kind == directory.KindAdmin {
				return result{person: m.Person, account: strings.ToLower(m.Account), id: event.IdentityAdmin}
			}
			return result{person: m.Person, id: event.IdentityPerson}
		}
	}
	return result{id: event.IdentityUnknown}
}

// forms are the ways to look a name up: as written; without DOMAIN\; a UPN or address whole, and
// its local part when the domain is one of ours.
func (r *Resolver) forms(name string) []string {
	name = strings.TrimSpace(strings.Trim(name, "<>"))
	forms := []string{name}
	if _, user, ok := strings.Cut(name, `\`); ok && user != "" {
		forms = append(forms, user)
	}
	if local, dom, ok := strings.Cut(name, "@"); ok && local != "" && r.own[strings.ToLower(dom)] {
		forms = append(forms, local)
	}
	return forms
}

// bareAccount is a name without DOMAIN\ and without @domain.
func bareAccount(name string) string {
	if _, user, ok := strings.Cut(name, `\`); ok {
		name = user
	}
	if local, _, ok := strings.Cut(name, "@"); ok {
		name = local
	}
	return name
}

func (r *Resolver) service(account string) bool {
	return slices.ContainsFunc(r.opts.ServiceAccounts, func(g string) bool {
		ok, _ := path.Match(strings.ToLower(g), account)
		return ok
	})
}

// isSID says whether id is a Windows security identifier (S-1-...): the only user ids resolved (a
// Postfix uid or an application's internal id would be mistaken for an employee number).
func isSID(id string) bool {
	return len(id) > 4 && (id[0] == 'S' || id[0] == 's') && id[1] == '-' && id[2] == '1' && id[3] == '-'
}

// system says whether a name is the computer or Windows itself: a machine account (WS-0042$), the
// well-known principals, Windows' "-". They own no data and are no finding.
func system(name string) bool {
	n := strings.ToUpper(bareAccount(name))
	if strings.HasSuffix(n, "$") || n == "-" {
		return true
	}
	switch n {
	case "SYSTEM", "LOCAL SERVICE", "NETWORK SERVICE", "ANONYMOUS LOGON", "LOCAL SYSTEM", "NT AUTHORITY":
		return true
	}
	return strings.HasPrefix(n, "DWM-") || strings.HasPrefix(n, "UMFD-")
}

// note counts an event of an unresolved identifier and remembers the identifier for listing.
func (r *Resolver) note(ev *event.Event, name, sid string) {
	id := name
	if id == "" {
		id = sid
	}
	input := ev.Log.Input
	c, ok := r.counts.Load(input)
	if !ok {
		c, _ = r.counts.LoadOrStore(input, new(atomic.Int64))
	}
	c.(*atomic.Int64).Add(1)
	k := Unresolved{Identifier: strings.ToLower(id), Input: input}
	r.mu.Lock()
	defer r.mu.Unlock()
	s, ok := r.unresolved[k]
	if !ok {
		if len(r.unresolved) >= r.opts.MaxUnresolved {
			r.dropped++
			return
		}
		s = &Seen{First: ev.Time, Last: ev.Time}
		r.unresolved[k] = s
	}
	s.Events++
	if ev.Time.Before(s.First) {
		s.First = ev.Time
	}
	if ev.Time.After(s.Last) {
		s.Last = ev.Time
	}
}

// Counts calls f with the number of events per input whose identifier no one has, since start.
func (r *Resolver) Counts(f func(input string, n int64)) {
	r.counts.Range(func(k, v any) bool {
		f(k.(string), v.(*atomic.Int64).Load())
		return true
	})
}

// TakeUnresolved hands over the unresolved identifiers seen since the last call (for the register,
// which keeps the list), and how many were not kept because the list was full.
func (r *Resolver) TakeUnresolved() (map[Unresolved]Seen, int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.unresolved) == 0 && r.dropped == 0 {
		return nil, 0
	}
	out := make(map[Unresolved]Seen, len(r.unresolved))
	for k, s := range r.unresolved {
		out[k] = *s
	}
	dropped := r.dropped
	clear(r.unresolved)
	r.dropped = 0
	return out, dropped
}

// Restore gives back what TakeUnresolved handed over and could not be kept (a register write that
// failed), to be handed over again with the next.
func (r *Resolver) Restore(seen map[Unresolved]Seen) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for k, s := range seen {
		cur, ok := r.unresolved[k]
		if !ok {
			if len(r.unresolved) >= r.opts.MaxUnresolved {
				r.dropped++
				continue
			}
			cur = &Seen{First: s.First, Last: s.Last}
			r.unresolved[k] = cur
		}
		cur.Events += s.Events
		if s.First.Before(cur.First) {
			cur.First = s.First
		}
		if s.Last.After(cur.Last) {
			cur.Last = s.Last
		}
	}
}

// Person returns who an identifier (any form: account, DOMAIN\user, UPN, mail address or alias,
// SID, employee number, admin account, a display name no one else has) belongs to, and what it is.
// It is counted nowhere: for the person view and `lekwacht identities resolve`.
func (r *Resolver) Person(name string) (*directory.Person, event.Identity) {
	d := r.directory()
	if d == nil {
		return nil, ""
	}
	sid := ""
	if isSID(name) {
		sid = name
	}
	res := r.resolve(d, name, sid)
	return res.person, res.id
}
