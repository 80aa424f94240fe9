package sharedcreds

import (
	"fmt"
	"net/netip"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/lekwacht/lekwacht/detectors/baseline"
	"github.com/lekwacht/lekwacht/directory"
	"github.com/lekwacht/lekwacht/event"
	"github.com/lekwacht/lekwacht/hit"
)

// A colleague's password used over the network (issue 20): `net use \\fs01\sociaal /user:tvisser`
// typed at one's own PC shows nowhere on that PC, but the file server logs a network logon (4624
// type 3) naming the workstation or its address, and the domain controllers check the password
// (4776 NTLM with the workstation's name, 4768/4769 Kerberos and 4771 failures with its address).
// In baseline mode each such authentication is judged by the PC it came from.

// Defaults of the network judgement.
const (
	// DefaultGrace is how long a network authentication waits before it is judged: a Kerberos
	// ticket is asked for seconds before the interactive logon it is for, so an account that sits
	// down at the PC within it was no one else's guest there. Within it, the same account from the
	// same PC is one logon (the file server's 4624 and the domain controller's 4769 of it).
	DefaultGrace = 2 * time.Minute
	// DefaultAddressTTL is how long an address learned from the events names its workstation.
	DefaultAddressTTL = 12 * time.Hour
	// Signal weights: a source used once before, an attempt that failed, a PC whose owner was not
	// logged on there.
	weightNetworkKnown, weightNetworkFailure, weightNetworkUnattended = 30, 20, 20
	maxNetLines                                                       = 4
	// PatternNetwork is the pattern of a network logon or credential check judged by its source.
	PatternNetwork = "network-logon-from-colleague-pc"
)

// netUse is a network authentication waiting for the grace period to be judged.
type netUse struct {
	user, account string
	source        string // the workstation it came from, lower case
	via           string // how the source was known: its name, or an address and where that came from
	computer      string // the server or domain controller that logged it first
	at            int64
	lines         []*hit.Line
	failed, ok    int                  // failed and successful checks seen
	fam, desk     baseline.Familiarity // the source to the account: over the network, and at its keyboard
	others        []sitter             // who was logged on at the source then
}

// sitter is an account in an interactive session on a host: the other employee a network
// authentication from that host may have come from.
type sitter struct {
	user, account string
	remote        bool // a remote desktop session (the host is then no one's own desk)
	start         int64
	line          *hit.Line
}

// address is an address learned from the events and the workstation it named then.
type address struct {
	host string
	at   int64
	// other is the workstation the address named before host, until otherAt: an address that
	// named two within the TTL (DHCP handed it on, a laptop on the desk's network point) is unsure
	other   string
	otherAt int64
}

// networkParam reads the params of the network judgement; false when k is none of them.
func (d *Detector) networkParam(k string, v any) (bool, error) {
	switch k {
	case "network":
		on, ok := v.(bool)
		if !ok {
			return true, fmt.Errorf("params.network: want true or false, got %v", v)
		}
		d.networkOff = !on
	case "grace", "address_ttl":
		s, _ := v.(string)
		dur, err := time.ParseDuration(s)
		if err != nil || dur <= 0 {
			return true, fmt.Errorf("params.%s: want a duration such as 2m, got %v", k, v)
		}
		if k == "grace" {
			d.grace = dur
		} else {
			d.addressTTL = dur
		}
	case "addresses":
		m, ok := v.(map[string]any)
		if !ok {
			return true, fmt.Errorf("params.addresses: want a map of address to workstation, such as {10.20.1.15: WS-0050}, got %v", v)
		}
		d.addresses = map[string]string{}
		for a, h := range m {
			ip, err := netip.ParseAddr(a)
			name, _ := h.(string)
			if err != nil || name == "" {
				return true, fmt.Errorf("params.addresses: %q: %v: want an IP address and a workstation name", a, h)
			}
			d.addresses[ip.Unmap().String()] = hostName(name)
		}
	default:
		return false, nil
	}
	return true, nil
}

// SetServiceAccounts makes the accounts that match globs (organisation.service_accounts) no one's:
// their network logons come from wherever their service runs.
func (d *Detector) SetServiceAccounts(globs []string) {
	d.serviceAccounts = nil
	for _, g := range globs {
		d.serviceAccounts = append(d.serviceAccounts, strings.ToLower(g))
	}
}

func (d *Detector) service(account string) bool {
	return slices.ContainsFunc(d.serviceAccounts, func(g string) bool { ok, _ := path.Match(g, account); return ok })
}

// networkOn says whether network authentications are judged: in baseline mode, unless params.network is false.
func (d *Detector) networkOn() bool { return d.baselineDays > 0 && !d.networkOff }

// networkAuth says whether an event is an account's password or ticket used over the network: a
// network logon (4624/4625 of type 3 or 8) or a domain controller's credential check.
func networkAuth(ev *event.Event) bool {
	switch ev.Event.Action {
	case event.ActionAuthenticate:
		return true
	case event.ActionLogon, event.ActionLogonFailed:
		return ev.Logon != nil && (ev.Logon.Type == "network" || ev.Logon.Type == "network_cleartext")
	}
	return false
}

// hostName is a workstation's name as the detector keys it: lower case, without \\ and the DNS domain.
func hostName(s string) string {
	s = strings.TrimPrefix(strings.TrimSpace(s), `\\`)
	if i := strings.IndexByte(s, '.'); i > 0 {
		if _, err := netip.ParseAddr(s); err != nil {
			s = s[:i]
		}
	}
	return strings.ToLower(s)
}

// learnAddress learns which workstation an address is from an event that names both: a machine
// account's own authentication (WS-0050$ asks for a ticket from 10.20.1.15), or a logon that gives
// the client's name and address (4624 of type 3 with NTLM, type 10, 4778).
func (d *Detector) learnAddress(ev *event.Event) {
	ip := ev.Source.IP
	if ip == "" || ip == "127.0.0.1" || ip == "::1" {
		return
	}
	var host string
	if name := ev.User.Name; strings.HasSuffix(name, "$") && ev.Event.Outcome != event.OutcomeFailure {
		host = hostName(strings.TrimSuffix(name, "$"))
	} else if ev.Host.Workstation != "" && ev.Event.Action != event.ActionAuthenticate {
		host = hostName(ev.Host.Workstation)
	}
	if host == "" || host == computerOf(ev) {
		return
	}
	now := ev.Time.UnixNano()
	a, ok := d.learned.Peek(ip)
	switch {
	case ok && a.host == host && time.Duration(now-a.at) < d.addressTTL/4:
		return // known and fresh: spare the write
	case ok && a.host == host:
		a.at = now
	case ok && time.Duration(now-a.at) <= d.addressTTL:
		a = address{host: host, at: now, other: a.host, otherAt: a.at}
	default:
		a = address{host: host, at: now}
	}
	d.learned.Add(ip, a)
}

// computerOf is the short name of the computer that logged an event, lower case.
func computerOf(ev *event.Event) string {
	c, _, _ := strings.Cut(ev.Host.Name, ".")
	return strings.ToLower(c)
}

// sourceOf is the workstation a network authentication came from and how it is known: the name it
// gives, else its address through params.addresses or what the events taught.
func (d *Detector) sourceOf(ev *event.Event) (host, via string) {
	if ev.Host.Workstation != "" {
		if h := hostName(ev.Host.Workstation); h != computerOf(ev) {
			return h, "werkplek " + h
		}
		return "", ""
	}
	ip := ev.Source.IP
	if ip == "" || ip == "127.0.0.1" || ip == "::1" {
		return "", ""
	}
	if h, ok := d.addresses[ip]; ok {
		return h, "adres " + ip + " (adressenlijst)"
	}
	if a, ok := d.learned.Get(ip); ok && time.Duration(ev.Time.UnixNano()-a.at) <= d.addressTTL && a.host != computerOf(ev) {
		if a.other != "" && a.other != a.host && time.Duration(ev.Time.UnixNano()-a.otherAt) <= d.addressTTL {
			return a.host, "adres " + ip + ", dat ook " + a.other + " noemde"
		}
		return a.host, "adres " + ip
	}
	return "", ""
}

// network takes a network authentication: machine accounts only teach addresses; an admin account
// linked to its owner (identity.admin_accounts), a service account (organisation.service_accounts),
// an account the directory does not know, an allow-listed one and a source the account is at home
// on are not judged; the rest waits the grace period, the same account from the same PC within it
// joined as one logon.
func (d *Detector) network(ev *event.Event, dir *directory.Directory) {
	name := ev.User.Name
	if name == "" || strings.HasSuffix(name, "$") {
		return
	}
	user, account := strings.ToLower(name), strings.ToLower(ev.User.AccountName())
	if account != user || d.service(account) {
		return
	}
	source, via := d.sourceOf(ev)
	if source == "" || d.shared(source) {
		return
	}
	if !d.match.Matches(ev) {
		return
	}
	failed := ev.Event.Outcome == event.OutcomeFailure
	var fam baseline.Familiarity
	if failed {
		fam = d.netFrom.Peek(account, source, ev.Time) // a wrong password teaches nothing
	} else {
		fam = d.netFrom.Observe(account, source, ev.Time)
	}
	desk := d.hostsOf.Peek(user, source, ev.Time)
	if !fam.New && fam.DaysUsed >= familiarDays || !desk.New && (desk.DaysUsed == 0 || desk.DaysUsed >= familiarDays) {
		if !failed {
			d.atWork(user, account, source, ev.Time.UnixNano())
		}
		return // the account's normal: it sat there today, or works from there often
	}
	at := ev.Time.UnixNano()
	for i := range d.pending {
		if p := &d.pending[i]; p.account == account && p.source == source {
			p.add(d.lines.Of(ev), failed)
			return
		}
	}
	if !fam.New && fam.DaysUsed == 0 {
		return // judged earlier today
	}
	if dir != nil && dir.Len() > 0 {
		p, ok := dir.User(user)
		if !ok || p.Left(ev.Time) {
			return // no one's account, or a leaver's (reported as such)
		}
	}
	u := netUse{user: user, account: account, source: source, via: via, computer: computerOf(ev), at: at, fam: fam, desk: desk,
		others: d.loggedOn(source, account, at)}
	u.add(d.lines.Of(ev), failed)
	if len(d.pending) >= d.size {
		d.pending = slices.Delete(d.pending, 0, 1)
	}
	d.pending = append(d.pending, u)
}

func (u *netUse) add(l *hit.Line, failed bool) {
	if failed {
		u.failed++
	} else {
		u.ok++
	}
	if len(u.lines) < maxNetLines {
		u.lines = append(u.lines, l)
	}
}

// due judges the pending network authentications whose grace period ended before now.
func (d *Detector) due(now int64, dir *directory.Directory) []hit.Hit {
	n := 0
	for n < len(d.pending) && now-d.pending[n].at > int64(d.grace) {
		n++
	}
	if n == 0 {
		return nil
	}
	var hits []hit.Hit
	for _, u := range d.pending[:n] {
		if h, ok := d.judge(u, dir); ok {
			hits = append(hits, h)
		}
	}
	d.pending = slices.Delete(d.pending, 0, n)
	return hits
}

// loggedOn are the accounts other than account in an unlocked interactive session on host at at,
// begun within the session span.
func (d *Detector) loggedOn(host, account string, at int64) []sitter {
	list, _ := d.seated.Get(host)
	var out []sitter
	for _, s := range list {
		if s.account == account {
			continue
		}
		sessions, _ := d.users.Get(s.account)
		i := slices.IndexFunc(sessions, func(x session) bool { return x.host == host })
		if i < 0 {
			continue
		}
		ses := sessions[i]
		if ses.last == 0 || ses.start > at || time.Duration(at-max(ses.start, ses.last)) > d.session {
			continue // locked, or begun so long ago it may have ended unseen
		}
		s.start, s.line = ses.start, ses.line
		out = append(out, s)
	}
	if r, ok := d.recent.Peek(host); ok && r.account != account && r.start <= at && time.Duration(at-r.start) <= d.session &&
		!slices.ContainsFunc(out, func(s sitter) bool { return s.account == r.account }) {
		out = append(out, r)
	}
	return out
}

// atWork notes an account's own network authentication from a PC it is at home on.
func (d *Detector) atWork(user, account, host string, at int64) {
	if r, ok := d.recent.Peek(host); ok && r.account == account && time.Duration(at-r.start) < 5*time.Minute {
		return // spare the write
	}
	d.recent.Add(host, sitter{user: user, account: account, start: at})
}

// sit notes an account in an interactive session on host; stand takes it away at its logoff.
func (d *Detector) sit(user, account, host string, remote bool) {
	list, _ := d.seated.Get(host)
	if i := slices.IndexFunc(list, func(s sitter) bool { return s.account == account }); i >= 0 {
		list[i].remote = remote
		return
	}
	if len(list) >= 16 {
		list = slices.Delete(list, 0, 1)
	}
	d.seated.Add(host, append(list, sitter{user: user, account: account, remote: remote}))
}

func (d *Detector) stand(account, host string) {
	if list, ok := d.seated.Get(host); ok {
		d.seated.Add(host, slices.DeleteFunc(list, func(s sitter) bool { return s.account == account }))
	}
	if r, ok := d.recent.Peek(host); ok && r.account == account {
		d.recent.Remove(host) // logged off: its earlier tickets say nothing of now
	}
}

// belongs says whether host is s's own: the directory gives it to them, or (a desk of no one in
// the directory, a hot desk) they worked at its keyboard on familiarDays earlier days.
func (d *Detector) belongs(dir *directory.Directory, s sitter, host string, t time.Time) bool {
	if dir != nil {
		if owner, ok := dir.WorkstationOwner(host); ok {
			return strings.EqualFold(owner.User, s.user)
		}
	}
	return !s.remote && d.hostsOf.Peek(s.user, host, t).DaysUsed >= familiarDays
}

// judge weighs one network logon after its grace period: from a PC that is another employee's own
// while they are logged on there, by an account never used from it (at the keyboard or over the
// network) and that did not sit down there since, is a draft; the same once used before, a failed
// attempt, or a PC whose owner was not logged on there, a signal.
func (d *Detector) judge(u netUse, dir *directory.Directory) (hit.Hit, bool) {
	t := time.Unix(0, u.at)
	if d.sitting(u.account, u.source) || u.desk.New && !d.hostsOf.Peek(u.user, u.source, t).New {
		return hit.Hit{}, false // the account sat down there: its own logon
	}
	history := max(u.fam.HistoryDays, u.desk.HistoryDays, d.hostsOf.Peek(u.user, "", t).HistoryDays)
	if history < d.baselineDays {
		return hit.Hit{}, false
	}
	never := u.fam.New && u.desk.New
	var owner *sitter
	for i := range u.others {
		if d.belongs(dir, u.others[i], u.source, t) {
			owner = &u.others[i]
			break
		}
	}
	var attended string
	if owner == nil {
		if !never || u.ok == 0 || dir == nil {
			return hit.Hit{}, false
		}
		o, ok := dir.WorkstationOwner(u.source)
		if !ok || strings.EqualFold(o.User, u.user) {
			return hit.Hit{}, false
		}
		attended = fmt.Sprintf("de werkplek van %s, die daar niet aangemeld was", strings.ToLower(o.User))
	} else {
		attended = fmt.Sprintf("de werkplek van %s, terwijl %s daar aangemeld was (sinds %s)", owner.user, owner.user,
			time.Unix(0, owner.start).In(d.loc()).Format("15:04"))
		if owner.line == nil {
			attended = fmt.Sprintf("de werkplek van %s, terwijl %s daar aan het werk was (eigen aanmelding over het netwerk om %s)", owner.user, owner.user,
				time.Unix(0, owner.start).In(d.loc()).Format("15:04"))
		}
	}
	lines := hit.Evidences(u.lines)
	if owner != nil && owner.line != nil {
		lines = append(lines, owner.line.Evidence())
	}
	hosts := []string{u.source}
	if u.computer != "" && u.computer != u.source {
		hosts = append(hosts, u.computer)
	}
	h := d.hitAt(t, u.user, PatternNetwork, hosts, lines,
		"wachtwoord van een medewerker over het netwerk gebruikt vanaf de werkplek van een andere medewerker")
	text := fmt.Sprintf("account van %s vanaf %s (%s), %s", u.user, u.source, u.via, attended)
	switch {
	case u.fam.New && u.desk.New:
		text += fmt.Sprintf("; in %d dagen nooit vanaf deze werkplek gebruikt", history)
	default:
		n := max(u.fam.DaysUsed, u.desk.DaysUsed)
		text += fmt.Sprintf("; eerder op %d %s vanaf deze werkplek gebruikt", n, map[bool]string{true: "dag", false: "dagen"}[n == 1])
	}
	if u.failed > 0 {
		text += fmt.Sprintf("; %d mislukte controle(s) van het wachtwoord", u.failed)
	}
	h.Deviation = &hit.Deviation{Text: text, HistoryDays: history, First: never}
	switch {
	case u.ok == 0:
		h.Signal, h.Weight = true, weightNetworkFailure
		h.Summary = "mislukte aanmelding met het wachtwoord van een medewerker vanaf de werkplek van een andere medewerker"
	case owner == nil:
		h.Signal, h.Weight = true, weightNetworkUnattended
	case !never, strings.Contains(u.via, ", dat ook "):
		h.Signal, h.Weight = true, weightNetworkKnown // used before, or an address that named two PCs
	}
	return h, true
}

// sitting says whether an account is in a session on host.
func (d *Detector) sitting(account, host string) bool {
	s, _ := d.users.Peek(account)
	return slices.ContainsFunc(s, func(s session) bool { return s.host == host })
}

func (d *Detector) loc() *time.Location {
	if d.location == nil {
		return time.UTC
	}
	return d.location
}

// savedNetwork is the network judgement's part of the detector state.
type savedNetwork struct {
	Seated    map[string][]savedSitter `json:"seated,omitempty"`
	Addresses map[string]savedAddress  `json:"addresses,omitempty"`
	Sources   baseline.FamiliarState   `json:"sources,omitempty"`
	Pending   []savedNetUse            `json:"pending,omitempty"`
	Recent    map[string]savedSitter   `json:"recent,omitempty"`
}

type savedSitter struct {
	User    string       `json:"user"`
	Account string       `json:"account"`
	Remote  bool         `json:"remote,omitempty"`
	Start   time.Time    `json:"start,omitzero"`
	Ev      hit.Evidence `json:"ev,omitzero"`
}

type savedAddress struct {
	Host    string    `json:"host"`
	At      time.Time `json:"at"`
	Other   string    `json:"other,omitempty"`
	OtherAt time.Time `json:"other_at,omitzero"`
}

type savedNetUse struct {
	User     string               `json:"user"`
	Account  string               `json:"account"`
	Source   string               `json:"source"`
	Via      string               `json:"via"`
	Computer string               `json:"computer,omitempty"`
	At       time.Time            `json:"at"`
	Evs      []hit.Evidence       `json:"evs"`
	Failed   int                  `json:"failed,omitempty"`
	OK       int                  `json:"ok,omitempty"`
	Fam      baseline.Familiarity `json:"fam"`
	Desk     baseline.Familiarity `json:"desk"`
	Others   []savedSitter        `json:"others,omitempty"`
}

func saveSitter(s sitter) savedSitter {
	out := savedSitter{User: s.user, Account: s.account, Remote: s.remote}
	if s.line != nil {
		out.Start, out.Ev = time.Unix(0, s.start).UTC(), s.line.Evidence()
	}
	return out
}

func (d *Detector) restoreSitter(s savedSitter) sitter {
	out := sitter{user: s.User, account: s.Account, remote: s.Remote}
	if s.Ev != (hit.Evidence{}) {
		out.start, out.line = s.Start.UnixNano(), d.lines.From(s.Ev)
	}
	return out
}

func (d *Detector) saveNetwork() *savedNetwork {
	n := &savedNetwork{Seated: map[string][]savedSitter{}, Addresses: map[string]savedAddress{}, Sources: d.netFrom.Save()}
	for _, h := range d.seated.Keys() {
		list, _ := d.seated.Peek(h)
		for _, s := range list {
			n.Seated[h] = append(n.Seated[h], saveSitter(s))
		}
	}
	n.Recent = map[string]savedSitter{}
	for _, h := range d.recent.Keys() {
		r, _ := d.recent.Peek(h)
		n.Recent[h] = savedSitter{User: r.user, Account: r.account, Start: time.Unix(0, r.start).UTC()}
	}
	for _, ip := range d.learned.Keys() {
		a, _ := d.learned.Peek(ip)
		n.Addresses[ip] = savedAddress{Host: a.host, At: time.Unix(0, a.at).UTC(), Other: a.other, OtherAt: time.Unix(0, a.otherAt).UTC()}
	}
	for _, u := range d.pending {
		s := savedNetUse{User: u.user, Account: u.account, Source: u.source, Via: u.via, Computer: u.computer, At: time.Unix(0, u.at).UTC(),
			Evs: hit.Evidences(u.lines), Failed: u.failed, OK: u.ok, Fam: u.fam, Desk: u.desk}
		for _, o := range u.others {
			s.Others = append(s.Others, saveSitter(o))
		}
		n.Pending = append(n.Pending, s)
	}
	return n
}

func (d *Detector) restoreNetwork(n *savedNetwork) {
	for h, list := range n.Seated {
		var ss []sitter
		for _, s := range list {
			ss = append(ss, d.restoreSitter(s))
		}
		d.seated.Add(h, ss)
	}
	for ip, a := range n.Addresses {
		d.learned.Add(ip, address{host: a.Host, at: a.At.UnixNano(), other: a.Other, otherAt: a.OtherAt.UnixNano()})
	}
	d.netFrom.Restore(n.Sources)
	for h, r := range n.Recent {
		d.recent.Add(h, sitter{user: r.User, account: r.Account, start: r.Start.UnixNano()})
	}
	for _, s := range n.Pending {
		u := netUse{user: s.User, account: s.Account, source: s.Source, via: s.Via, computer: s.Computer, at: s.At.UnixNano(),
			failed: s.Failed, ok: s.OK, fam: s.Fam, desk: s.Desk}
		for _, e := range s.Evs {
			u.lines = append(u.lines, d.lines.From(e))
		}
		for _, o := range s.Others {
			u.others = append(u.others, d.restoreSitter(o))
		}
		d.pending = append(d.pending, u)
	}
}
