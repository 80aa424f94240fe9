// Package misdirected is the misdirected_mail detector: mail delivered to a domain that looks like
// an own or partner domain (a typo, look-alike characters, another top-level domain), and mail that
// bounced, which was not delivered and says so (the protocol's letter returned unopened).
package misdirected

import (
	"fmt"
	"slices"
	"strings"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/lekwacht/lekwacht/event"
	"github.com/lekwacht/lekwacht/hit"
	"github.com/lekwacht/lekwacht/rules"
)

// DefaultBCCRecipients is the number of external recipients of one message from which it is
// reported as a possible BCC mistake (recipients visible to each other).
const DefaultBCCRecipients = 10

// Detector checks every recipient domain of outbound mail against the known domains, and counts the
// external recipients of each message.
type Detector struct {
	rule          *rules.Rule
	match         *rules.Matcher
	lines         *hit.Lines
	known         []string // own and partner domains
	bccRecipients int
	messages      *lru.Cache[string, *message]
	learnAfter    int
	senders       *lru.Cache[string, map[string]int] // sender -> recipient domain -> deliveries
}

// DefaultLearnAfter is the number of deliveries after which a domain counts as one the sender
// mails often.
const DefaultLearnAfter = 3

// message is one outbound message's external recipients so far.
type message struct {
	to       map[string]bool
	lines    []*hit.Line
	reported bool
}

// New builds the detector; known are organisation.domains and organisation.partner_domains.
// Params: `domains` adds more known correspondents.
// Params: `domains` (more known correspondents), `bcc_recipients` (external recipients of one message).
func New(r *rules.Rule, known []string, size int) (*Detector, error) {
	if size <= 0 {
		size = 100_000
	}
	d := &Detector{rule: r, match: r.Matcher(), bccRecipients: DefaultBCCRecipients, learnAfter: DefaultLearnAfter}
	for _, k := range known {
		d.known = append(d.known, strings.ToLower(k))
	}
	for k, v := range r.Params {
		switch k {
		case "domains":
			list, ok := v.([]any)
			if !ok {
				return nil, fmt.Errorf("params.domains: want a list of domains")
			}
			for _, x := range list {
				d.known = append(d.known, strings.ToLower(fmt.Sprint(x)))
			}
		case "bcc_recipients", "learn_after":
			n, ok := v.(int)
			if !ok || n < 2 {
				return nil, fmt.Errorf("params.%s: want a number of 2 or more, got %v", k, v)
			}
			if k == "learn_after" {
				d.learnAfter = n
			} else {
				d.bccRecipients = n
			}
		default:
			return nil, fmt.Errorf("params.%s: unknown; misdirected_mail takes domains, bcc_recipients and learn_after", k)
		}
	}
	var err error
	if d.senders, err = lru.New[string, map[string]int](size); err != nil {
		return nil, err
	}
	d.messages, err = lru.New[string, *message](size)
	return d, err
}

// Accepts says whether events of this category and action can be deliveries the rule checks.
func (d *Detector) Accepts(c event.Category, a event.Action) bool {
	return a == event.ActionDeliver && d.match.Accepts(c, a)
}

// ShareLines makes the detector keep the lines ls hands out, shared with the engine's other rules.
func (d *Detector) ShareLines(ls *hit.Lines) { d.lines = ls }

// KeptLines yields every line the detector keeps.
func (d *Detector) KeptLines(yield func(*hit.Line)) {
	for _, m := range d.messages.Values() {
		for _, l := range m.lines {
			yield(l)
		}
	}
}

// Observe reports each recipient at a look-alike domain: delivered, or bounced (then not delivered).
func (d *Detector) Observe(ev *event.Event) []hit.Hit {
	m := ev.Mail
	if m == nil || ev.Event.Action != event.ActionDeliver || m.Hop != "" || m.Direction == "local" {
		return nil
	}
	if m.Status != "sent" && m.Status != "bounced" {
		return nil
	}
	if !d.match.Matches(ev) {
		return nil
	}
	var hits []hit.Hit
	sender := strings.ToLower(strings.Trim(m.From, "<> "))
	learned, _ := d.senders.Get(sender)
	for _, to := range m.To {
		rd := event.AddressDomain(to)
		if rd == "" || slices.Contains(d.known, rd) {
			continue
		}
		if h, ok := d.lookalike(ev, rd, learned); ok {
			hits = append(hits, h)
		}
	}
	if m.Status == "sent" && sender != "" {
		d.learn(sender, learned, m.To)
	}
	if h, ok := d.bcc(ev); ok {
		hits = append(hits, h)
	}
	return hits
}

// lookalike checks a recipient domain against the known domains, then against the domains this
// sender mails often.
func (d *Detector) lookalike(ev *event.Event, rd string, learned map[string]int) (hit.Hit, bool) {
	for _, k := range d.known {
		if like, ok := Resembles(rd, k); ok {
			return d.hit(ev, k, like), true
		}
	}
	if learned[rd] >= d.learnAfter {
		return hit.Hit{}, false // a domain this sender mails often is itself known
	}
	for k, n := range learned {
		if n < d.learnAfter {
			continue
		}
		if like, ok := Resembles(rd, k); ok {
			h := d.hit(ev, "", like)
			h.Pattern = "lookalike-learned"
			h.Summary = fmt.Sprintf("mail naar een domein dat lijkt op een domein waar de afzender vaak naar mailt (%s)", like)
			if ev.Mail.Status != "sent" {
				h.Summary += ", niet afgeleverd: teruggestuurd door de ontvangende server"
			}
			return h, true
		}
	}
	return hit.Hit{}, false
}

// learn counts a delivered message's recipient domains for its sender.
func (d *Detector) learn(sender string, learned map[string]int, to []string) {
	if learned == nil {
		learned = map[string]int{}
		d.senders.Add(sender, learned)
	}
	for _, addr := range to {
		if rd := event.AddressDomain(addr); rd != "" && !slices.Contains(d.known, rd) {
			learned[rd]++
		}
	}
}

// bcc counts a delivered message's external recipients (not own domains) and reports the message
// once when they reach bcc_recipients: a list that should have gone as BCC, everyone seeing the
// others' addresses.
func (d *Detector) bcc(ev *event.Event) (hit.Hit, bool) {
	m := ev.Mail
	id := m.MessageID
	if id == "" {
		id = m.QueueID
	}
	if id == "" || m.Status != "sent" {
		return hit.Hit{}, false
	}
	msg, ok := d.messages.Get(id)
	if !ok {
		msg = &message{to: map[string]bool{}}
		d.messages.Add(id, msg)
	}
	added := false
	for _, to := range m.To {
		addr := strings.ToLower(strings.Trim(to, "<> "))
		if rd := event.AddressDomain(addr); rd != "" && !slices.Contains(d.known, rd) && !msg.to[addr] {
			msg.to[addr] = true
			added = true
		}
	}
	if added && len(msg.lines) < 1000 {
		msg.lines = append(msg.lines, d.lines.Of(ev))
	}
	if msg.reported || len(msg.to) < d.bccRecipients {
		return hit.Hit{}, false
	}
	msg.reported = true
	delivered := true
	h := hit.Hit{Detector: "misdirected_mail", Rule: d.rule.ID, RuleTitle: d.rule.Title, Severity: hit.Max(d.rule.Level, hit.SeverityMedium),
		User: user(ev), Pattern: "visible-recipients", Time: ev.Time, Window: time.Duration(d.rule.Window),
		Categories: []hit.Category{hit.CategoryContact}, Subjects: len(msg.to), Facts: hit.Facts{Delivered: &delivered},
		Summary:  fmt.Sprintf("één bericht aan %d externe ontvangers: mogelijk zichtbaar voor elkaar (BCC vergeten)", len(msg.to)),
		Evidence: hit.Evidences(msg.lines)}
	return h, true
}

func (d *Detector) hit(ev *event.Event, known string, like Likeness) hit.Hit {
	delivered := ev.Mail.Status == "sent"
	h := hit.Hit{Detector: "misdirected_mail", Rule: d.rule.ID, RuleTitle: d.rule.Title, Severity: d.rule.Level,
		User: user(ev), Pattern: "lookalike-" + known, Time: ev.Time, Window: time.Duration(d.rule.Window),
		Categories: d.rule.Categories, Facts: hit.Facts{Delivered: &delivered},
		Summary: fmt.Sprintf("mail afgeleverd bij een domein dat lijkt op %s (%s)", known, like)}
	if !delivered {
		h.Severity = hit.SeverityLow
		h.Summary = fmt.Sprintf("mail naar een domein dat lijkt op %s (%s), niet afgeleverd: teruggestuurd door de ontvangende server", known, like)
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

// user is the person behind the mail: the event's user (the directory account once identity
// resolution ran), the SASL login, else the sender's local part.
func user(ev *event.Event) string {
	switch {
	case ev.User.Name != "":
		return ev.User.Name
	case ev.Mail.SASLUser != "":
		return ev.Mail.SASLUser
	}
	if local, _, ok := strings.Cut(ev.Mail.From, "@"); ok && local != "" {
		return strings.Trim(local, "<> ")
	}
	return "(onbekend)"
}
