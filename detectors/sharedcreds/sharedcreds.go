// Package sharedcreds is the shared_credentials detector: one account in sessions on two hosts at
// once (not its owner's own workstations), one host used by several accounts in a short window, a
// logon on another employee's workstation, and any use of the account of someone who has left.
package sharedcreds

import (
	"encoding/json"
	"fmt"
	"path"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/lekwacht/lekwacht/detectors/baseline"
	"github.com/lekwacht/lekwacht/directory"
	"github.com/lekwacht/lekwacht/event"
	"github.com/lekwacht/lekwacht/hit"
	"github.com/lekwacht/lekwacht/rules"
)

// Defaults when the rule's params leave them out.
const (
	DefaultSession         = 10 * time.Hour // a session without a logoff is taken to end this long after its last sign
	DefaultAccountsPerHost = 3              // distinct accounts on one host within the window
	DefaultWindow          = 30 * time.Minute
)

// interactive are the logon types of a person at a Windows keyboard or remote desktop. SSH logons
// are left out: admins in sessions on several servers at once, and many accounts on one server, are
// normal.
var interactive = []string{"interactive", "remote_interactive", "cached_interactive", "cached_remote_interactive", "unlock", "cached_unlock"}

// Detector tracks sessions per account and accounts per host.
type Detector struct {
	rule            *rules.Rule
	dir             func() *directory.Directory
	sharedHosts     []string
	session         time.Duration
	window          time.Duration
	accountsPerHost int
	match           *rules.Matcher
	users           *lru.Cache[string, []session] // account -> open sessions, one per host
	hosts           *lru.Cache[string, []logon]   // host -> recent interactive logons
	leavers         *lru.Cache[string, time.Time] // account of a leaver -> last reported
	lines           *hit.Lines
	evictions       atomic.Int64
	// With baselineDays > 0 (params.baseline_days) the detector judges by the person's own normal:
	// a workstation the person (or their department) uses regularly is theirs; a first logon at a
	// colleague's PC, several people on one PC and sessions that merely may overlap are weak signals
	// for the risk rule; only sessions that provably overlap in presence (activity on both within
	// params.presence) and a leaver's account are drafts of their own.
	baselineDays int
	presence     time.Duration
	size         int                // bound of each state
	hostsOf      *baseline.Familiar // person -> workstations used
	peerHosts    *baseline.Familiar // "dept:" + department -> workstations used
	// ends are the presence segments that ended with a logoff within the presence window, oldest
	// first (bounded by size): stand-in looks among them when someone comes back to their desk.
	ends []segment
	// The network judgement (network.go): network logons and domain controllers' checks of a
	// password, by the PC they come from.
	networkOff        bool
	grace, addressTTL time.Duration
	addresses         map[string]string            // params.addresses: address -> workstation
	learned           *lru.Cache[string, address]  // address -> the workstation the events named
	seated            *lru.Cache[string, []sitter] // host -> accounts in interactive sessions there
	recent            *lru.Cache[string, sitter]   // host -> the last account at home there that authenticated from it
	netFrom           *baseline.Familiar           // account -> workstations it was used from over the network
	pending           []netUse                     // waiting for the grace period, oldest first
	serviceAccounts   []string                     // organisation.service_accounts, lower case
	location          *time.Location
}

// segment is a stretch of presence of an account on a workstation: from a logon or resumption to
// a logoff.
type segment struct {
	user, host string
	start, end int64 // Unix nanoseconds
	line       *hit.Line
	logoff     hit.Evidence
}

// Defaults of the baseline mode.
const (
	DefaultPresence = 15 * time.Minute
	// familiarDays are the earlier days a workstation must have been used on (by the person, or by
	// their department) to be normal for them.
	familiarDays, peerFamiliarDays = 2, 3
	// roamDays: a person who took up a workstation new to them on this many earlier days (flex desks,
	// a trainer, a building manager) is judged as one who roams: a new desk is their normal, and only
	// a desk whose owner is present there is a signal.
	roamDays = 2
	// Signal weights (the risk rule may override them per pattern).
	weightForeign, weightForeignOwnerPresent, weightManyAccounts, weightConcurrent, weightInterleaved, weightStandIn = 30, 60, 20, 25, 50, 50
)

// session is an account's open session on a host.
type session struct {
	host  string
	start int64  // Unix nanoseconds of the logon
	id    string // the logon id (4624 TargetLogonId): a logoff of another session on the host leaves this one open
	last  int64  // Unix nanoseconds
	// there: when this session began, the account already had one in use on the host (stand-in
	// leaves it out)
	there bool
	// locked is when the session was last locked or disconnected (0: in use since), lockEv its line
	locked int64
	lockEv hit.Evidence
	line   *hit.Line
	// paired is the other session's sign of presence that interleave last reported with this one:
	// a 4624 of type 7 and the 4801 that follows it are one resumption
	paired int64
}

// logon is an interactive logon on a host.
type logon struct {
	user string
	at   int64 // Unix nanoseconds
	line *hit.Line
}

// New builds the detector. sharedHosts are organisation.shared_hosts (globs); params:
// `session` (duration), `accounts_per_host` (number).
func New(r *rules.Rule, dir func() *directory.Directory, sharedHosts []string, size int) (*Detector, error) {
	if size <= 0 {
		size = 100_000
	}
	d := &Detector{rule: r, match: r.Matcher(), dir: dir, sharedHosts: sharedHosts, session: DefaultSession, window: time.Duration(r.Window),
		accountsPerHost: DefaultAccountsPerHost}
	if d.window == 0 {
		d.window = DefaultWindow
	}
	if d.dir == nil {
		d.dir = func() *directory.Directory { return nil }
	}
	for k, v := range r.Params {
		switch k {
		case "session":
			s, _ := v.(string)
			dur, err := time.ParseDuration(s)
			if err != nil || dur <= 0 {
				return nil, fmt.Errorf("params.session: want a duration such as 10h, got %v", v)
			}
			d.session = dur
		case "baseline_days":
			n, ok := v.(int)
			if !ok || n < 0 {
				return nil, fmt.Errorf("params.baseline_days: want the days of history a person needs before a workstation new to them is a signal (0: off), got %v", v)
			}
			d.baselineDays = n
		case "presence":
			s, _ := v.(string)
			dur, err := time.ParseDuration(s)
			if err != nil || dur <= 0 {
				return nil, fmt.Errorf("params.presence: want a duration such as 15m, got %v", v)
			}
			d.presence = dur
		case "accounts_per_host":
			n, ok := v.(int)
			if !ok || n < 2 {
				return nil, fmt.Errorf("params.accounts_per_host: want a number of 2 or more, got %v", v)
			}
			d.accountsPerHost = n
		default:
			if ok, err := d.networkParam(k, v); ok {
				if err != nil {
					return nil, err
				}
				continue
			}
			return nil, fmt.Errorf("params.%s: unknown; shared_credentials takes session, accounts_per_host, baseline_days, presence, network, grace, addresses and address_ttl", k)
		}
	}
	evict := func(string, any) { d.evictions.Add(1) }
	var err error
	if d.users, err = lru.NewWithEvict(size, func(k string, v []session) { evict(k, v) }); err != nil {
		return nil, err
	}
	if d.hosts, err = lru.NewWithEvict(size, func(k string, v []logon) { evict(k, v) }); err != nil {
		return nil, err
	}
	if d.leavers, err = lru.New[string, time.Time](size); err != nil {
		return nil, err
	}
	if d.learned, err = lru.New[string, address](size); err != nil {
		return nil, err
	}
	if d.seated, err = lru.New[string, []sitter](size); err != nil {
		return nil, err
	}
	d.recent, err = lru.New[string, sitter](size)
	if d.grace == 0 {
		d.grace = DefaultGrace
	}
	if d.addressTTL == 0 {
		d.addressTTL = DefaultAddressTTL
	}
	if d.presence == 0 {
		d.presence = DefaultPresence
	}
	d.size = size
	d.SetLocation(time.Local)
	return d, err
}

// SetLocation makes days the gemeente's days (organisation.timezone) for the baselines.
func (d *Detector) SetLocation(loc *time.Location) {
	if loc != nil {
		d.hostsOf = baseline.NewFamiliar(d.size, 64, loc)
		d.peerHosts = baseline.NewFamiliar(max(d.size/10, 100), 4096, loc)
		d.netFrom = baseline.NewFamiliar(d.size, 64, loc)
		d.location = loc
	}
}

// Evictions counts accounts and hosts pushed out of the bounded state.
func (d *Detector) Evictions() int64 { return d.evictions.Load() }

// ShareLines makes the detector keep the lines ls hands out, shared with the engine's other rules.
func (d *Detector) ShareLines(ls *hit.Lines) { d.lines = ls }

// KeptLines yields every line the detector keeps.
func (d *Detector) KeptLines(yield func(*hit.Line)) {
	for _, ss := range d.users.Values() {
		for _, s := range ss {
			yield(s.line)
		}
	}
	for _, ls := range d.hosts.Values() {
		for _, l := range ls {
			yield(l.line)
		}
	}
	for _, e := range d.ends {
		yield(e.line)
	}
	for _, u := range d.pending {
		for _, l := range u.lines {
			yield(l)
		}
	}
}

// Observe follows logons and logoffs, network authentications and any activity of leavers.
func (d *Detector) Observe(ev *event.Event) []hit.Hit {
	if !d.networkOn() {
		return d.observe(ev)
	}
	var hits []hit.Hit
	if len(d.pending) > 0 {
		hits = d.due(ev.Time.UnixNano(), d.dir())
	}
	if ev.Event.Category == event.CategoryAuthentication {
		d.learnAddress(ev)
		if networkAuth(ev) {
			d.network(ev, d.dir())
		}
	}
	return append(hits, d.observe(ev)...)
}

// observe follows interactive logons and logoffs, and any activity of leavers.
func (d *Detector) observe(ev *event.Event) []hit.Hit {
	if ev.User.Name == "" || ev.Event.Outcome == event.OutcomeFailure {
		return nil
	}
	dir := d.dir()
	auth := ev.Event.Category == event.CategoryAuthentication
	if !auth && dir == nil {
		return nil // only an authentication event or a leaver's activity is of interest
	}
	if !d.match.Matches(ev) {
		// An allow-listed logon (an admin account, say) is not judged, but where a person worked
		// is still their history: stand-in needs the desks an admin helped at.
		if d.baselineDays > 0 && auth && d.match.Allowed(ev) && ev.Event.Action == event.ActionLogon && ev.Logon != nil && slices.Contains(interactive, ev.Logon.Type) {
			if host := strings.ToLower(hostOf(ev)); host != "" {
				d.hostsOf.Observe(strings.ToLower(ev.User.Name), host, ev.Time)
			}
		}
		return nil
	}
	// Sessions are an account's (an admin account's apart from its owner's own); workstations,
	// leavers and incidents are the person's.
	user, account := strings.ToLower(ev.User.Name), strings.ToLower(ev.User.AccountName())
	var hits []hit.Hit
	if h, ok := d.leaver(ev, dir, user); ok {
		hits = append(hits, h)
	}
	if !auth {
		return hits
	}
	host := strings.ToLower(hostOf(ev))
	if host == "" {
		return hits
	}
	if d.baselineDays > 0 && account == user && resumes(ev) {
		if h, ok := d.interleave(ev, dir, user, host); ok {
			hits = append(hits, h)
		}
		hits = append(hits, d.standIn(ev, dir, user, host)...)
	}
	switch {
	case ev.Event.Action == event.ActionLock || ev.Event.Action == event.ActionDisconnect:
		d.touch(account, host, 0) // a locked or disconnected session is no presence
		d.lockedAt(account, host, ev)
	case ev.Event.Action == event.ActionUnlock || ev.Event.Action == event.ActionReconnect:
		d.touch(account, host, ev.Time.UnixNano())
	case ev.Event.Action == event.ActionLogoff:
		if s, ok := d.users.Get(account); ok {
			if i := slices.IndexFunc(s, func(s session) bool { return s.host == host }); i >= 0 && sameSession(s[i], ev) {
				if d.baselineDays > 0 && s[i].last != 0 && !s[i].there && account == user {
					d.ended(segment{user: user, host: host, start: s[i].last, end: ev.Time.UnixNano(), line: s[i].line, logoff: hit.LineOf(ev)})
				}
				d.users.Add(account, slices.Delete(s, i, i+1))
				if d.networkOn() {
					d.stand(account, host)
				}
			}
		}
	case ev.Event.Action == event.ActionLogon && ev.Logon != nil && slices.Contains(interactive, ev.Logon.Type):
		hits = append(hits, d.logon(ev, dir, user, account, host)...)
	}
	return hits
}

func hostOf(ev *event.Event) string {
	// A remote session runs on the computer that logged it; WorkstationName is then the client the
	// person sits at (an admin's own desk, a thin client), not the host being used. A logoff (4634)
	// names no workstation: the computer that logged it is the host.
	computer, _, _ := strings.Cut(ev.Host.Name, ".")
	if remote(ev) && computer != "" {
		return computer
	}
	if ev.Host.Workstation != "" && ev.Host.Workstation != "-" {
		return ev.Host.Workstation
	}
	return computer
}

func remote(ev *event.Event) bool {
	return ev.Logon != nil && (ev.Logon.Type == "remote_interactive" || ev.Logon.Type == "cached_remote_interactive")
}

func (d *Detector) shared(host string) bool {
	for _, p := range d.sharedHosts {
		if ok, _ := path.Match(strings.ToLower(p), host); ok {
			return true
		}
	}
	return false
}

// logon checks an interactive logon against the account's open sessions, the host's recent
// people and the directory's owner of the host. user is the person, account the account used.
func (d *Detector) logon(ev *event.Event, dir *directory.Directory, user, account, host string) []hit.Hit {
	var hits []hit.Hit
	line := d.lines.Of(ev)
	e := hit.LineOf(ev) // what line holds, without reading it back
	at := ev.Time.UnixNano()
	var person *directory.Person
	if dir != nil {
		person, _ = dir.User(user)
	}
	if d.shared(host) {
		d.open(account, host, logonID(ev), at, line, unlocks(ev))
		return nil
	}
	if d.networkOn() {
		d.sit(user, account, host, remote(ev))
	}
	// 1. the same account in an open session on another host. An account the directory does not
	// know (a service account) and an admin account (used on many servers at once by its owner)
	// have no workstations to explain their sessions by: not judged.
	sessions, _ := d.users.Get(account)
	if person == nil && dir != nil && dir.Len() > 0 || account != user || d.baselineDays > 0 && unlocks(ev) {
		sessions = nil // (an unlock resumes a session: interleave judged it)
	}
	for _, s := range sessions {
		if s.host == host || d.shared(s.host) || time.Duration(at-s.last) > d.session {
			continue
		}
		if bothOwn(person, host, s.host) {
			continue // a laptop and a desktop of the same person
		}
		if d.baselineDays > 0 && (s.last == 0 || time.Duration(at-s.last) > d.presence) {
			continue // the other session may have ended without a logoff, or be locked: not proven
		}
		h := d.hit(ev, user, "concurrent-sessions", []string{s.host, host}, []hit.Evidence{s.line.Evidence(), e},
			"account tegelijk aangemeld op twee werkplekken die niet allebei van de eigenaar zijn")
		if d.baselineDays > 0 {
			// A new logon minutes after activity elsewhere may be the person walking over (the
			// other session's logoff lost): a signal; interleave below proves the overlap.
			h.Signal, h.Weight = true, weightConcurrent
			h.Deviation = &hit.Deviation{Text: fmt.Sprintf("aanmelding %s na het laatste teken van aanwezigheid op %s", time.Duration(at-s.last).Round(time.Minute), s.host)}
		}
		hits = append(hits, h)
	}
	d.open(account, host, logonID(ev), at, line, unlocks(ev))
	// 2. a workstation that belongs to another employee
	if d.baselineDays > 0 {
		if h, ok := d.foreign(ev, dir, person, user, host, at, e); ok {
			hits = append(hits, h)
		}
	} else if dir != nil {
		if owner, ok := dir.WorkstationOwner(host); ok && !strings.EqualFold(owner.User, user) {
			hits = append(hits, d.hit(ev, user, "foreign-workstation", []string{host}, []hit.Evidence{e},
				"aanmelding op de werkplek van een andere medewerker"))
		}
	}
	// 3. several accounts on one host within the window; remote sessions on a server (no one's
	// workstation) are admins at work
	if remote(ev) && dir != nil {
		if _, ok := dir.WorkstationOwner(host); !ok {
			return hits
		}
	}
	recent, _ := d.hosts.Get(host)
	keep := recent[:0]
	for _, l := range recent {
		if time.Duration(at-l.at) <= d.window && l.user != user {
			keep = append(keep, l)
		}
	}
	clear(recent[len(keep):])
	before := distinctUsers(keep)
	keep = append(keep, logon{user: user, at: at, line: line})
	d.hosts.Add(host, keep)
	if accounts := distinctUsers(keep); accounts >= d.accountsPerHost {
		// The crossing carries every logon in the window; later ones only their own line, the
		// register joins them.
		lines := []hit.Evidence{e}
		if before < d.accountsPerHost {
			lines = lines[:0]
			for _, l := range keep {
				lines = append(lines, l.line.Evidence())
			}
		}
		h := d.hit(ev, user, "host-many-accounts:"+host, []string{host}, lines,
			fmt.Sprintf("%d accounts aangemeld op één werkplek binnen %s", accounts, d.window))
		if d.baselineDays > 0 {
			h.Signal, h.Weight = true, weightManyAccounts
		}
		hits = append(hits, h)
	}
	return hits
}

// interleave finds sessions used in turn: an account resumes its session on host (unlock, reconnect)
// while its session on another host, not both the owner's own, showed presence after this one began
// and within the presence window. Two people on one password do that, but so does one person who
// walks to a colleague's desk, logs on, and walks back, leaving that session to lock itself: logons
// cannot prove two people, so it is a signal (50), twice a single logon's.
func (d *Detector) interleave(ev *event.Event, dir *directory.Directory, user, host string) (hit.Hit, bool) {
	sessions, _ := d.users.Get(user)
	i := slices.IndexFunc(sessions, func(s session) bool { return s.host == host })
	if i < 0 || d.shared(host) {
		return hit.Hit{}, false
	}
	here, at := sessions[i], ev.Time.UnixNano()
	var person *directory.Person
	if dir != nil {
		person, _ = dir.User(user)
	}
	for _, s := range sessions {
		if s.host == host || d.shared(s.host) || s.last == 0 || s.last <= here.start || time.Duration(at-s.last) > d.presence || s.last == here.paired {
			continue
		}
		if bothOwn(person, host, s.host) {
			continue
		}
		h := d.hit(ev, user, "concurrent-sessions", []string{s.host, host}, []hit.Evidence{here.line.Evidence(), s.line.Evidence(), hit.LineOf(ev)},
			"account tegelijk in gebruik op twee werkplekken die niet allebei van de eigenaar zijn")
		sessions[i].paired = s.last
		h.Signal, h.Weight = true, weightInterleaved
		h.Deviation = &hit.Deviation{Text: fmt.Sprintf("sessie op %s hervat %s na aanwezigheid op %s, dat na deze sessie begon",
			host, time.Duration(at-s.last).Round(time.Minute), s.host)}
		return h, true
	}
	return hit.Hit{}, false
}

// lockedAt notes when an account's session on host was locked, and the line that says so.
func (d *Detector) lockedAt(account, host string, ev *event.Event) {
	if s, ok := d.users.Get(account); ok {
		if i := slices.IndexFunc(s, func(s session) bool { return s.host == host }); i >= 0 {
			s[i].locked, s[i].lockEv = ev.Time.UnixNano(), hit.LineOf(ev)
		}
	}
}

// ended keeps a presence segment that ended with a logoff for standIn, and lets go of those that
// ended longer than the presence window before it (and the oldest beyond the detector's size).
func (d *Detector) ended(seg segment) {
	drop := 0
	for drop < len(d.ends) && (seg.end-d.ends[drop].end > int64(d.presence) || len(d.ends)-drop >= d.size) {
		drop++
	}
	d.ends = append(slices.Delete(d.ends, 0, drop), seg)
}

// standIn finds another person's account used while this person was away from their own desk, at
// a workstation this person worked at on earlier days: when user resumes their session on host,
// locked since L, a session of another employee's account at that employee's own workstation that
// began within the presence window after L and ended with a logoff within the presence window
// before now. An admin who helped his manager at the manager's PC and later sits down there with
// the manager's password does exactly that; two colleagues who walk to a meeting together do not
// (a meeting-room PC is no one's). Logons cannot prove it was him: a signal for the risk picture
// of the account's owner, naming who was away.
func (d *Detector) standIn(ev *event.Event, dir *directory.Directory, user, host string) []hit.Hit {
	if dir == nil || len(d.ends) == 0 {
		return nil
	}
	sessions, _ := d.users.Get(user)
	i := slices.IndexFunc(sessions, func(s session) bool { return s.host == host })
	if i < 0 || sessions[i].locked == 0 || sessions[i].last != 0 {
		return nil
	}
	away, at := sessions[i], ev.Time.UnixNano()
	person, _ := dir.User(user)
	var hits []hit.Hit
	for j := 0; j < len(d.ends); j++ {
		seg := d.ends[j]
		if seg.user == user || seg.host == host || seg.start < away.locked || time.Duration(seg.start-away.locked) > d.presence ||
			seg.end > at || time.Duration(at-seg.end) > d.presence || ownWorkstation(person, seg.host) {
			continue
		}
		if owner, ok := dir.WorkstationOwner(seg.host); !ok || !strings.EqualFold(owner.User, seg.user) {
			continue
		}
		fam := d.hostsOf.Peek(user, seg.host, ev.Time)
		if fam.DaysUsed == 0 {
			continue
		}
		lines := []hit.Evidence{seg.line.Evidence(), seg.logoff, hit.LineOf(ev)}
		if away.lockEv != (hit.Evidence{}) {
			lines = append([]hit.Evidence{away.lockEv}, lines...)
		}
		h := d.hit(ev, seg.user, "stand-in", []string{seg.host, host}, lines,
			"account gebruikt op de eigen werkplek van de eigenaar terwijl een collega die daar eerder werkte van de eigen werkplek weg was")
		h.Signal, h.Weight = true, weightStandIn
		days := "dagen"
		if fam.DaysUsed == 1 {
			days = "dag"
		}
		h.Deviation = &hit.Deviation{Text: fmt.Sprintf("sessie van het account van %s op %s (%s) begon %s nadat %s de eigen werkplek %s vergrendelde en eindigde %s voor %s terugkwam; %s werkte eerder op %s (op %d %s)",
			seg.user, seg.host, time.Duration(seg.end-seg.start).Round(time.Minute), time.Duration(seg.start-away.locked).Round(time.Minute), user, host,
			time.Duration(at-seg.end).Round(time.Minute), user, user, seg.host, fam.DaysUsed, days),
			HistoryDays: fam.HistoryDays}
		hits = append(hits, h)
		d.ends = slices.Delete(d.ends, j, j+1)
		j--
	}
	return hits
}

// foreign judges a logon at a workstation by the person's own normal: a workstation the person used
// on earlier days, or one their department uses, is normal (hot desks, a part-timer's desk); after
// baseline_days of history, a first logon at another employee's workstation is a signal, a stronger
// one while its owner is present there. It learns the workstation either way.
func (d *Detector) foreign(ev *event.Event, dir *directory.Directory, person *directory.Person, user, host string, at int64, e hit.Evidence) (hit.Hit, bool) {
	fam := d.hostsOf.Observe(user, host, ev.Time)
	peer := baseline.Familiarity{}
	if person != nil && person.Department != "" {
		peer = d.peerHosts.Observe("dept:"+strings.ToLower(person.Department), host, ev.Time)
	}
	if dir == nil {
		return hit.Hit{}, false
	}
	owner, ok := dir.WorkstationOwner(host)
	if !ok || strings.EqualFold(owner.User, user) || fam.DaysUsed >= familiarDays || peer.DaysUsed >= peerFamiliarDays ||
		fam.HistoryDays < d.baselineDays {
		return hit.Hit{}, false
	}
	newDays, _ := d.hostsOf.Novelty(user, ev.Time)
	present := d.present(owner.User, host, at)
	if newDays >= roamDays && !present {
		return hit.Hit{}, false // a person who takes up new desks: one more is their normal
	}
	h := d.hit(ev, user, "foreign-workstation", []string{host}, []hit.Evidence{e}, "aanmelding op de werkplek van een andere medewerker")
	h.Signal, h.Weight = true, weightForeign
	text := fmt.Sprintf("eerste aanmelding op deze werkplek in %d dagen", fam.HistoryDays)
	if !fam.New {
		text = fmt.Sprintf("werkplek %d dagen geleden voor het laatst gebruikt (%d van %d dagen)", fam.SinceLast, fam.DaysUsed, fam.HistoryDays)
	}
	if newDays == 0 {
		text += "; in die dagen nooit een andere nieuwe werkplek"
	}
	switch {
	case present && newDays >= roamDays:
		text += fmt.Sprintf(", terwijl de eigenaar daar aangemeld is (gebruikt vaker een nieuwe werkplek: op %d dagen)", newDays)
	case present:
		h.Weight = weightForeignOwnerPresent
		text += ", terwijl de eigenaar daar aangemeld is"
	}
	h.Deviation = &hit.Deviation{Text: text, HistoryDays: fam.HistoryDays, First: fam.New}
	return h, true
}

// present says whether an account showed presence in a session on host within the presence window
// before at.
func (d *Detector) present(account, host string, at int64) bool {
	s, _ := d.users.Get(strings.ToLower(account))
	return slices.ContainsFunc(s, func(s session) bool {
		return s.host == host && s.last != 0 && time.Duration(at-s.last) <= d.presence
	})
}

// touch sets the last sign of presence of an account's session on a host (0: none).
func (d *Detector) touch(account, host string, at int64) {
	if s, ok := d.users.Get(account); ok {
		if i := slices.IndexFunc(s, func(s session) bool { return s.host == host }); i >= 0 {
			s[i].last = at
		}
	}
}

// resumes says whether an event resumes a session: an unlock (4801, or a 4624 of type 7 with its
// interactive logon) or a reconnect (4778).
func resumes(ev *event.Event) bool {
	return ev.Event.Action == event.ActionUnlock || ev.Event.Action == event.ActionReconnect ||
		ev.Event.Action == event.ActionLogon && unlocks(ev) && slices.Contains(interactive, ev.Logon.Type)
}

// unlocks says whether a logon unlocks a session (4624 type 7): the session goes on.
func unlocks(ev *event.Event) bool {
	return ev.Logon != nil && (ev.Logon.Type == "unlock" || ev.Logon.Type == "cached_unlock")
}

// open records an account's session on a host, in place of an earlier one there; an unlock (resume)
// keeps the session's start.
func (d *Detector) open(user, host, id string, at int64, line *hit.Line, resume bool) {
	s, _ := d.users.Get(user)
	ses := session{host: host, start: at, id: id, last: at, line: line}
	// logged off here minutes ago (to test a repair, say): the account was at this workstation
	ses.there = slices.ContainsFunc(d.ends, func(e segment) bool {
		return e.user == user && e.host == host && e.end <= at && time.Duration(at-e.end) <= d.presence
	})
	if i := slices.IndexFunc(s, func(s session) bool { return s.host == host }); i >= 0 {
		if resume {
			ses.start, ses.paired = s[i].start, s[i].paired
		}
		// a session in use here (not locked, a sign within the session's span): the account was
		// at this workstation already, so what follows is no one standing in for it
		ses.there = ses.there || s[i].last != 0 && time.Duration(at-s[i].last) <= d.session
		s[i] = ses
		return
	}
	d.users.Add(user, append(s, ses))
}

// sameSession says whether a logoff ends s: when both name a logon id they must match (an earlier
// session on the same host ending leaves the later one open); without ids the host decides.
func sameSession(s session, ev *event.Event) bool {
	if s.id == "" || ev.Logon == nil || ev.Logon.ID == "" {
		return true
	}
	return strings.EqualFold(s.id, ev.Logon.ID)
}

func logonID(ev *event.Event) string {
	if ev.Logon == nil {
		return ""
	}
	return ev.Logon.ID
}

func distinctUsers(ls []logon) int {
	n := 0
	for i, l := range ls {
		if !slices.ContainsFunc(ls[:i], func(o logon) bool { return o.user == l.user }) {
			n++
		}
	}
	return n
}

func ownWorkstation(p *directory.Person, host string) bool {
	return slices.ContainsFunc(p.Workstations, func(w string) bool { return strings.EqualFold(w, host) })
}

// bothOwn says whether both hosts are the person's own workstations (nil: no one's).
func bothOwn(p *directory.Person, a, b string) bool {
	return p != nil && ownWorkstation(p, a) && ownWorkstation(p, b)
}

// leaver reports activity of an account whose owner has left: every logon, other activity at most
// once per window.
func (d *Detector) leaver(ev *event.Event, dir *directory.Directory, user string) (hit.Hit, bool) {
	if dir == nil {
		return hit.Hit{}, false
	}
	p, ok := dir.User(user)
	if !ok || !p.Left(ev.Time) {
		return hit.Hit{}, false
	}
	if last, seen := d.leavers.Get(user); seen && ev.Event.Action != event.ActionLogon && ev.Time.Sub(last) < d.window {
		return hit.Hit{}, false
	}
	d.leavers.Add(user, ev.Time)
	h := d.hit(ev, user, "account-of-leaver", nil, []hit.Evidence{hit.LineOf(ev)}, "gebruik van het account van een medewerker die uit dienst is")
	h.Severity = hit.SeverityCritical
	if host := hostOf(ev); host != "" {
		h.Hosts = []string{host}
	}
	return h, true
}

func (d *Detector) hit(ev *event.Event, user, pattern string, hosts []string, lines []hit.Evidence, summary string) hit.Hit {
	return d.hitAt(ev.Time, user, pattern, hosts, lines, summary)
}

func (d *Detector) hitAt(t time.Time, user, pattern string, hosts []string, lines []hit.Evidence, summary string) hit.Hit {
	h := hit.Hit{Detector: "shared_credentials", Rule: d.rule.ID, RuleTitle: d.rule.Title, Severity: d.rule.Level,
		User: user, Pattern: pattern, Hosts: hosts, Time: t, Window: d.window, Categories: d.rule.Categories,
		Summary: summary, Evidence: lines}
	if len(h.Categories) == 0 {
		h.Categories = []hit.Category{hit.CategoryCredential}
	}
	return h
}

type savedSession struct {
	Host  string       `json:"host"`
	Start time.Time    `json:"start,omitzero"`
	ID    string       `json:"id,omitempty"`
	Last  time.Time    `json:"last"`
	Ev    hit.Evidence `json:"ev"`
	// Locked and LockEv: when and by which line the session was last locked (stand-in)
	Locked time.Time    `json:"locked,omitzero"`
	LockEv hit.Evidence `json:"lock_ev,omitzero"`
	There  bool         `json:"there,omitempty"`
}

// savedSegment is a presence segment that ended with a logoff, kept for stand-in.
type savedSegment struct {
	User   string       `json:"user"`
	Host   string       `json:"host"`
	Start  time.Time    `json:"start"`
	End    time.Time    `json:"end"`
	Ev     hit.Evidence `json:"ev"`
	Logoff hit.Evidence `json:"logoff"`
}

type savedLogon struct {
	User string       `json:"user"`
	At   time.Time    `json:"at"`
	Ev   hit.Evidence `json:"ev"`
}

type snapshot struct {
	Users   map[string][]savedSession `json:"users"`
	Hosts   map[string][]savedLogon   `json:"hosts"`
	Leavers map[string]time.Time      `json:"leavers"`
	// the baselines: the workstations of each person and of each department
	Workstations     baseline.FamiliarState `json:"workstations,omitempty"`
	PeerWorkstations baseline.FamiliarState `json:"peer_workstations,omitempty"`
	Ends             []savedSegment         `json:"ends,omitempty"`
	Network          *savedNetwork          `json:"network,omitempty"`
}

// SaveState returns the open sessions, the recent logons per host and the leavers last reported.
func (d *Detector) SaveState() ([]byte, error) {
	s := snapshot{Users: map[string][]savedSession{}, Hosts: map[string][]savedLogon{}, Leavers: map[string]time.Time{}}
	for _, u := range d.users.Keys() {
		list, _ := d.users.Peek(u)
		for _, ses := range list {
			saved := savedSession{Host: ses.host, Start: time.Unix(0, ses.start).UTC(), ID: ses.id, Last: time.Unix(0, ses.last).UTC(), Ev: ses.line.Evidence(), LockEv: ses.lockEv, There: ses.there}
			if ses.locked != 0 {
				saved.Locked = time.Unix(0, ses.locked).UTC()
			}
			s.Users[u] = append(s.Users[u], saved)
		}
	}
	for _, h := range d.hosts.Keys() {
		ls, _ := d.hosts.Peek(h)
		for _, l := range ls {
			s.Hosts[h] = append(s.Hosts[h], savedLogon{User: l.user, At: time.Unix(0, l.at).UTC(), Ev: l.line.Evidence()})
		}
	}
	for _, u := range d.leavers.Keys() {
		s.Leavers[u], _ = d.leavers.Peek(u)
	}
	s.Workstations, s.PeerWorkstations = d.hostsOf.Save(), d.peerHosts.Save()
	for _, e := range d.ends {
		s.Ends = append(s.Ends, savedSegment{User: e.user, Host: e.host, Start: time.Unix(0, e.start).UTC(), End: time.Unix(0, e.end).UTC(), Ev: e.line.Evidence(), Logoff: e.logoff})
	}
	if d.networkOn() {
		s.Network = d.saveNetwork()
	}
	return json.Marshal(s)
}

// startOf is a saved session's start; one saved before starts were kept started at its last sign.
func startOf(s savedSession) int64 {
	if s.Start.IsZero() {
		return s.Last.UnixNano()
	}
	return s.Start.UnixNano()
}

// LoadState restores what SaveState saved.
func (d *Detector) LoadState(b []byte) error {
	var s snapshot
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	for u, list := range s.Users {
		var ss []session
		for _, ses := range list {
			restored := session{host: ses.Host, start: startOf(ses), id: ses.ID, last: ses.Last.UnixNano(), line: d.lines.From(ses.Ev), lockEv: ses.LockEv, there: ses.There}
			if !ses.Locked.IsZero() {
				restored.locked = ses.Locked.UnixNano()
			}
			ss = append(ss, restored)
		}
		d.users.Add(u, ss)
	}
	for h, list := range s.Hosts {
		var ls []logon
		for _, l := range list {
			ls = append(ls, logon{user: l.User, at: l.At.UnixNano(), line: d.lines.From(l.Ev)})
		}
		d.hosts.Add(h, ls)
	}
	for u, t := range s.Leavers {
		d.leavers.Add(u, t)
	}
	d.hostsOf.Restore(s.Workstations)
	d.peerHosts.Restore(s.PeerWorkstations)
	for _, e := range s.Ends {
		d.ends = append(d.ends, segment{user: e.User, host: e.Host, start: e.Start.UnixNano(), end: e.End.UnixNano(), line: d.lines.From(e.Ev), logoff: e.Logoff})
	}
	if s.Network != nil && d.networkOn() {
		d.restoreNetwork(s.Network)
	}
	return nil
}
