// Package misdirected is the misdirected_mail detector: mail delivered to a domain that looks like
// an own or partner domain (a typo, look-alike characters, another top-level domain), and mail that
// bounced, which was not delivered and says so (the protocol's letter returned unopened).
package misdirected

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/lekwacht/lekwacht/event"
	"github.com/lekwacht/lekwacht/hit"
	"github.com/lekwacht/lekwacht/rules"
)

// Detector checks every recipient domain of outbound mail against the known domains.
type Detector struct {
	rule  *rules.Rule
	known []string // own and partner domains
}

// New builds the detector; known are organisation.domains and organisation.partner_domains.
// Params: `domains` adds more known correspondents.
func New(r *rules.Rule, known []string) (*Detector, error) {
	d := &Detector{rule: r}
	for _, k := range known {
		d.known = append(d.known, strings.ToLower(k))
	}
	for k, v := range r.Params {
		list, ok := v.([]any)
		if k != "domains" || !ok {
			return nil, fmt.Errorf("params.%s: misdirected_mail takes domains (a list)", k)
		}
		for _, x := range list {
			d.known = append(d.known, strings.ToLower(fmt.Sprint(x)))
		}
	}
	return d, nil
}

func domain(addr string) string {
	_, d, _ := strings.Cut(strings.ToLower(strings.Trim(addr, "<> ")), "@")
	return d
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
	if !d.rule.Matches(ev) {
		return nil
	}
	var hits []hit.Hit
	for _, to := range m.To {
		rd := domain(to)
		if rd == "" || slices.Contains(d.known, rd) {
			continue
		}
		for _, k := range d.known {
			if like, ok := Resembles(rd, k); ok {
				hits = append(hits, d.hit(ev, k, like))
				break
			}
		}
	}
	return hits
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
	h.Evidence = []hit.Evidence{{Kind: hit.EvidenceLine, Input: ev.Log.Input, Source: ev.Log.Path, Offset: ev.Log.Offset,
		Line: ev.Log.Line, Time: ev.Time, Text: ev.Log.Original}}
	return h
}

func user(ev *event.Event) string {
	switch {
	case ev.Mail.SASLUser != "":
		return ev.Mail.SASLUser
	case ev.User.Name != "":
		return ev.User.Name
	}
	if local, _, ok := strings.Cut(ev.Mail.From, "@"); ok && local != "" {
		return strings.Trim(local, "<> ")
	}
	return "(onbekend)"
}
