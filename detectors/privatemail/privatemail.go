// Package privatemail is the private_mail detector: mail of notable size (an attachment) from staff
// to private mailboxes at webmail and Dutch consumer providers, above all to the sender's own
// private address from the directory.
package privatemail

import (
	"crypto/sha256"
	"fmt"
	"slices"
	"strings"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/lekwacht/lekwacht/directory"
	"github.com/lekwacht/lekwacht/event"
	"github.com/lekwacht/lekwacht/hit"
	"github.com/lekwacht/lekwacht/rules"
)

// Providers are the private mailbox domains known out of the box; `params.private_domains` adds more.
var Providers = []string{
	"gmail.com", "googlemail.com", "hotmail.com", "hotmail.nl", "outlook.com", "outlook.nl", "live.com", "live.nl",
	"msn.com", "yahoo.com", "yahoo.nl", "icloud.com", "me.com", "mac.com", "aol.com", "gmx.com", "gmx.net",
	"proton.me", "protonmail.com", "ziggo.nl", "kpnmail.nl", "kpnplanet.nl", "planet.nl", "home.nl", "hetnet.nl",
	"xs4all.nl", "chello.nl", "upcmail.nl", "telfort.nl", "tele2.nl", "quicknet.nl", "zonnet.nl", "casema.nl",
	"online.nl", "caiway.nl", "solcon.nl", "delta.nl", "zeelandnet.nl",
}

// DefaultMinSize is the size from which a mail counts as carrying an attachment (bytes).
const DefaultMinSize = 100 << 10

// Detector watches delivered outbound mail.
type Detector struct {
	rule      *rules.Rule
	match     *rules.Matcher
	providers []string
	own       []string
	minSize   int64
	dir       func() *directory.Directory
	// correspondents are the private addresses that wrote to the gemeente (a keyed hash of each, and
	// when): an answer to one of them, attachment and all, is the gemeente's work.
	correspondents *lru.Cache[[16]byte, time.Time]
}

// CorrespondentFor is how long an address that wrote in counts as a correspondent.
const CorrespondentFor = 90 * 24 * time.Hour

// New builds the detector. Params: `min_size` (bytes, default 100 KiB), `private_domains` (more
// provider domains). ownDomains are organisation.domains: the sender must be one of them.
func New(r *rules.Rule, ownDomains []string, dir func() *directory.Directory) (*Detector, error) {
	d := &Detector{rule: r, match: r.Matcher(), providers: slices.Clone(Providers), own: lower(ownDomains), minSize: DefaultMinSize, dir: dir}
	var err error
	if d.correspondents, err = lru.New[[16]byte, time.Time](100_000); err != nil {
		return nil, err
	}
	for k, v := range r.Params {
		switch k {
		case "min_size":
			n, ok := v.(int)
			if !ok || n < 0 {
				return nil, fmt.Errorf("params.min_size: want a number of bytes, got %v", v)
			}
			d.minSize = int64(n)
		case "private_domains":
			list, ok := v.([]any)
			if !ok {
				return nil, fmt.Errorf("params.private_domains: want a list of domains")
			}
			for _, x := range list {
				d.providers = append(d.providers, strings.ToLower(fmt.Sprint(x)))
			}
		default:
			return nil, fmt.Errorf("params.%s: unknown; private_mail takes min_size and private_domains", k)
		}
	}
	return d, nil
}

func lower(list []string) []string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = strings.ToLower(s)
	}
	return out
}

// Observe reports a delivered mail from an own domain to a private mailbox: to the sender's own
// private address at any size, to another private mailbox from min_size on.
func (d *Detector) Observe(ev *event.Event) []hit.Hit {
	m := ev.Mail
	if m == nil {
		return nil
	}
	d.learn(ev)
	if ev.Event.Action != event.ActionDeliver || m.Status != "sent" || m.Hop != "" || m.Direction == "local" {
		return nil
	}
	if len(d.own) > 0 && !slices.Contains(d.own, event.AddressDomain(m.From)) {
		return nil
	}
	if !d.match.Matches(ev) {
		return nil
	}
	sender := d.sender(ev)
	// With a directory, a sender that is no one in it is a function mailbox or an application (the
	// zaaksysteem's notifications): only its mail to a staff member's private address counts.
	staff := sender != nil || !d.haveDirectory()
	var hits []hit.Hit
	for _, to := range m.To {
		if !slices.Contains(d.providers, event.AddressDomain(to)) {
			continue
		}
		addr := strings.ToLower(strings.Trim(to, "<> "))
		own := sender != nil && sender.PrivateEmail != "" && strings.EqualFold(addr, sender.PrivateEmail)
		if !own && sender == nil && d.haveDirectory() {
			if p, ok := d.dir().PrivateEmail(addr); ok {
				sender, own = p, true // a function mailbox used to mail someone's own private address
			}
		}
		if !own && (!staff || m.Size < d.minSize || d.correspondent(addr, ev.Time)) {
			continue
		}
		hits = append(hits, d.hit(ev, sender, own))
	}
	return hits
}

// learn remembers the private address of mail coming in from outside to an own domain.
func (d *Detector) learn(ev *event.Event) {
	m := ev.Mail
	if ev.Event.Outcome == event.OutcomeFailure || (m.Status != "sent" && m.Status != "received") || m.Hop != "" {
		return
	}
	from := strings.ToLower(strings.Trim(m.From, "<> "))
	fd := event.AddressDomain(from)
	if fd == "" || slices.Contains(d.own, fd) || !slices.Contains(d.providers, fd) {
		return
	}
	for _, to := range m.To {
		if slices.Contains(d.own, event.AddressDomain(to)) {
			d.correspondents.Add(addressKey(from), ev.Time)
			return
		}
	}
}

// correspondent says whether addr wrote to the gemeente within CorrespondentFor before t.
func (d *Detector) correspondent(addr string, t time.Time) bool {
	at, ok := d.correspondents.Get(addressKey(addr))
	return ok && !at.After(t) && t.Sub(at) <= CorrespondentFor
}

// addressKey keeps no address in clear text in memory or in saved state.
func addressKey(addr string) [16]byte {
	sum := sha256.Sum256([]byte("lekwacht/private_mail/" + addr))
	return [16]byte(sum[:16])
}

func (d *Detector) haveDirectory() bool {
	return d.dir != nil && d.dir() != nil && d.dir().Len() > 0
}

// sender is the person who sent the mail: the user identity resolution found (package identity),
// else the directory's owner of the sender address (events that were not resolved: rules tests).
func (d *Detector) sender(ev *event.Event) *directory.Person {
	if d.dir == nil || d.dir() == nil {
		return nil
	}
	switch ev.User.Identity {
	case event.IdentityPerson, event.IdentityAdmin:
		p, _ := d.dir().User(ev.User.Name)
		return p
	case "":
		p, _ := d.person(ev.Mail.From)
		return p
	}
	return nil
}

func (d *Detector) person(addr string) (*directory.Person, bool) {
	if d.dir == nil {
		return nil, false
	}
	dir := d.dir()
	if dir == nil {
		return nil, false
	}
	return dir.Email(strings.Trim(addr, "<> "))
}

func (d *Detector) hit(ev *event.Event, sender *directory.Person, own bool) hit.Hit {
	delivered := true
	h := hit.Hit{Detector: "private_mail", Rule: d.rule.ID, RuleTitle: d.rule.Title, Severity: d.rule.Level,
		User: user(ev, sender), Pattern: "private-mailbox", Time: ev.Time, Window: time.Duration(d.rule.Window),
		Categories: d.rule.Categories, Facts: hit.Facts{Delivered: &delivered},
		Summary: fmt.Sprintf("mail van %d kB naar een privé-mailbox bij een consumentenprovider", ev.Mail.Size>>10)}
	if own {
		h.Pattern = "own-private-address"
		h.Severity = hit.Max(h.Severity, hit.Severities[min(h.Severity.Rank(), len(hit.Severities)-1)])
		h.Summary = fmt.Sprintf("mail van %d kB naar het eigen privéadres van de afzender", ev.Mail.Size>>10)
	}
	if len(h.Categories) == 0 {
		h.Categories = []hit.Category{hit.CategoryOther}
	}
	if ev.Host.Workstation != "" {
		h.Hosts = []string{ev.Host.Workstation}
	}
	h.Evidence = []hit.Evidence{hit.LineOf(ev)}
	return h
}

// user is the person behind the mail: the directory's, the event's user, or the SASL login.
func user(ev *event.Event, p *directory.Person) string {
	switch {
	case p != nil:
		return p.User
	case ev.User.Name != "":
		return ev.User.Name
	case ev.Mail.SASLUser != "":
		return ev.Mail.SASLUser
	}
	return "(onbekend)"
}
