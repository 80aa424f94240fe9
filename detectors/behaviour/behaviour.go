// Package behaviour raises the weak signals of a change in a person's own behaviour, measured against
// their baseline and their department's: a first removable storage device, far more files copied to
// removable storage than they or their team usually do, work at an hour new for them; each weighs
// more in the weeks before the person's end date. Signals go to the risk rule (detectors/risk).
package behaviour

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/lekwacht/lekwacht/config"
	"github.com/lekwacht/lekwacht/detectors/baseline"
	"github.com/lekwacht/lekwacht/directory"
	"github.com/lekwacht/lekwacht/event"
	"github.com/lekwacht/lekwacht/hit"
	"github.com/lekwacht/lekwacht/rules"
)

// Defaults when the rule's params leave them out.
const (
	DefaultBaselineDays = 5                   // days of a person's history before a deviation counts
	DefaultNotice       = 30 * 24 * time.Hour // the weeks before an end date in which signals weigh more
	DefaultFactor       = 3.0                 // how many times the usual volume is unusual
	DefaultMinFiles     = 20                  // files a day to removable storage that are never unusual below it
	noticeFactor        = 1.5
	attachedFor         = 8 * time.Hour // writes to another drive this long after a storage device was attached count
)

// Signal weights.
const (
	weightFirstRemovable = 30
	weightVolume         = 40
	weightNewHour        = 15
	weightUpload         = 40
	weightJobSite        = 10
	weightNewMailDomain  = 15
)

// DefaultUploadBytes is the size of a request to a file-sharing, webmail or paste site that counts as
// an upload; DefaultMailBytes of a mail to a domain new for the sender that counts as one with
// attachments.
const (
	DefaultUploadBytes = 1 << 20
	DefaultMailBytes   = 1 << 20
)

// DefaultUploadSites are file-sharing, webmail and paste sites (params.upload_sites replaces them).
var DefaultUploadSites = []string{"wetransfer.com", "we.tl", "dropbox.com", "dropboxusercontent.com", "drive.google.com",
	"docs.google.com", "onedrive.live.com", "1drv.ms", "box.com", "mega.nz", "mega.io", "pcloud.com", "transfernow.net",
	"filemail.com", "sendspace.com", "smash.gg", "fromsmash.com", "swisstransfer.com", "pastebin.com", "paste.ee",
	"ghostbin.com", "privatebin.net", "mail.google.com", "outlook.live.com", "mail.yahoo.com", "mail.proton.me", "icloud.com"}

// DefaultJobSites are job sites (params.job_sites replaces them).
var DefaultJobSites = []string{"indeed.nl", "indeed.com", "nationalevacaturebank.nl", "werkenvoornederland.nl",
	"werkenbijdeoverheid.nl", "werkenbijgemeenten.nl", "gemeentebanen.nl", "monsterboard.nl", "jobbird.com",
	"intermediair.nl", "glassdoor.nl", "glassdoor.com", "randstad.nl", "youngcapital.nl", "stepstone.nl"}

// Detector keeps the baselines and raises the signals.
type Detector struct {
	rule         *rules.Rule
	match        *rules.Matcher
	dir          func() *directory.Directory
	loc          *time.Location
	hoursOfWork  config.WorkingHours // organisation.working_hours: new hours inside them are no signal
	baselineDays int
	notice       time.Duration
	factor       float64
	minFiles     float64
	uploadSites  []string
	jobSites     []string
	seen         *baseline.Familiar // person -> "removable" (devices used), "active" (any day active)
	files        *baseline.Amounts  // person, and "dept:" + department -> files to removable storage a day
	hours        *baseline.Hours    // person -> hours worked
	attached     *lru.Cache[string, time.Time]
	signalled    *lru.Cache[string, int32] // person|signal|day -> the amount last signalled that day (1 for a signal once a day)
}

// New builds the detector; params: baseline_days, notice (duration), factor, min_files.
func New(r *rules.Rule, dir func() *directory.Directory, hours config.WorkingHours, loc *time.Location, size int) (*Detector, error) {
	if size <= 0 {
		size = 100_000
	}
	if loc == nil {
		loc = time.Local
	}
	if dir == nil {
		dir = func() *directory.Directory { return nil }
	}
	if hours == (config.WorkingHours{}) {
		hours, _ = config.ParseWorkingHours("Mon-Fri 07:00-19:00")
	}
	d := &Detector{rule: r, match: r.Matcher(), dir: dir, loc: loc, hoursOfWork: hours, baselineDays: DefaultBaselineDays, notice: DefaultNotice,
		factor: DefaultFactor, minFiles: DefaultMinFiles,
		seen: baseline.NewFamiliar(size, 32, loc), files: baseline.NewAmounts(size, loc), hours: baseline.NewHours(size, loc)}
	for k, v := range r.Params {
		n, isNum := rules.Number(v)
		switch k {
		case "baseline_days":
			if !isNum || n < 1 {
				return nil, fmt.Errorf("params.baseline_days: want a number of days of 1 or more, got %v", v)
			}
			d.baselineDays = int(n)
		case "factor":
			if !isNum || n <= 1 {
				return nil, fmt.Errorf("params.factor: want a number above 1, got %v", v)
			}
			d.factor = n
		case "min_files":
			if !isNum || n < 1 {
				return nil, fmt.Errorf("params.min_files: want a number of 1 or more, got %v", v)
			}
			d.minFiles = n
		case "upload_sites", "job_sites":
			list, ok := v.([]any)
			if !ok || len(list) == 0 {
				return nil, fmt.Errorf("params.%s: want a list of domains, got %v", k, v)
			}
			var domains []string
			for _, x := range list {
				s, ok := x.(string)
				if !ok || s == "" || strings.ContainsAny(s, "/@ ") {
					return nil, fmt.Errorf("params.%s: %v is not a domain (write it as wetransfer.com)", k, x)
				}
				domains = append(domains, strings.ToLower(s))
			}
			if k == "upload_sites" {
				d.uploadSites = domains
			} else {
				d.jobSites = domains
			}
		case "notice":
			s, _ := v.(string)
			dur, err := time.ParseDuration(s)
			if err != nil || dur < 0 {
				return nil, fmt.Errorf("params.notice: want a duration such as 720h, got %v", v)
			}
			d.notice = dur
		default:
			return nil, fmt.Errorf("params.%s: unknown; behaviour takes baseline_days, notice, factor, min_files, upload_sites and job_sites", k)
		}
	}
	if d.uploadSites == nil {
		d.uploadSites = DefaultUploadSites
	}
	if d.jobSites == nil {
		d.jobSites = DefaultJobSites
	}
	var err error
	if d.attached, err = lru.New[string, time.Time](size); err != nil {
		return nil, err
	}
	d.signalled, err = lru.New[string, int32](size)
	return d, err
}

// Observe learns from every event of a known person and raises the signals.
func (d *Detector) Observe(ev *event.Event) []hit.Hit {
	if !d.person(ev) || ev.Event.Outcome == event.OutcomeFailure || !d.match.Matches(ev) {
		return nil
	}
	user := strings.ToLower(ev.User.Name)
	active := d.seen.Observe(user, "active", ev.Time)
	var hits []hit.Hit
	if h, ok := d.hour(ev, user); ok {
		hits = append(hits, h)
	}
	switch {
	case ev.Event.Category == event.CategoryDevice && ev.Event.Action == event.ActionAttach && ev.Device.Removable():
		d.attached.Add(user+"|"+strings.ToLower(ev.Host.Name), ev.Time)
		if h, ok := d.firstRemovable(ev, user, active); ok {
			hits = append(hits, h)
		}
	case ev.Event.Category == event.CategoryWeb && ev.Destination.Domain != "":
		if h, ok := d.web(ev, user); ok {
			hits = append(hits, h)
		}
	case ev.Mail != nil && ev.Event.Action == event.ActionDeliver && ev.Mail.Status == "sent" && ev.Mail.Hop == "":
		if h, ok := d.mail(ev, user); ok {
			hits = append(hits, h)
		}
	case ev.File != nil && ev.Event.Category == event.CategoryFile && (ev.Event.Action == event.ActionWrite || ev.Event.Action == event.ActionCreate) &&
		event.RemovablePath(ev.File.Path):
		if at, ok := d.attached.Get(user + "|" + strings.ToLower(ev.Host.Name)); ok && !ev.Time.Before(at) && ev.Time.Sub(at) <= attachedFor {
			if h, ok := d.volume(ev, user); ok {
				hits = append(hits, h)
			}
		}
	}
	return hits
}

// person says whether the event's user is a person: resolved as one (or as their admin account), or,
// for events not resolved (rules tests), an account of the directory. Service and unknown accounts
// have no behaviour of their own to deviate from.
func (d *Detector) person(ev *event.Event) bool {
	switch ev.User.Identity {
	case event.IdentityPerson, event.IdentityAdmin:
		return ev.User.Name != ""
	case "":
		if dir := d.dir(); dir != nil && ev.User.Name != "" {
			_, ok := dir.User(ev.User.Name)
			return ok
		}
	}
	return false
}

// hour is the signal of activity outside working hours at an hour of the day (weekday or weekend) in
// which the person never worked before, once a day.
func (d *Detector) hour(ev *event.Event, user string) (hit.Hit, bool) {
	u := d.hours.Observe(user, ev.Time)
	if u.ActiveDays < d.baselineDays || u.DaysInHour > 0 || d.hoursOfWork.Contains(ev.Time.In(d.loc)) || !d.once(user, "new-hour", ev.Time) {
		return hit.Hit{}, false
	}
	kind := "werkdagen"
	if u.Weekend {
		kind = "weekenddagen"
	}
	lt := ev.Time.In(d.loc)
	h := d.signal(ev, "new-hour", weightNewHour, fmt.Sprintf("actief om %02d uur, een uur waarin deze medewerker niet eerder werkte", lt.Hour()),
		&hit.Deviation{Text: fmt.Sprintf("nooit eerder tussen %02d en %02d uur in %d %s", lt.Hour(), lt.Hour()+1, u.ActiveDays, kind), HistoryDays: u.ActiveDays, First: true})
	return h, true
}

// firstRemovable is the signal of the first removable storage a person attaches after
// baseline_days of history, or the first in 30 days.
func (d *Detector) firstRemovable(ev *event.Event, user string, active baseline.Familiarity) (hit.Hit, bool) {
	fam := d.seen.Observe(user, "removable", ev.Time)
	if active.HistoryDays < d.baselineDays || !fam.New && fam.SinceLast < 30 || fam.DaysUsed > 0 && fam.SinceLast == 0 {
		return hit.Hit{}, false
	}
	text := fmt.Sprintf("eerste verwisselbare opslag in %d dagen", active.HistoryDays)
	if !fam.New {
		text = fmt.Sprintf("verwisselbare opslag voor het eerst in %d dagen", fam.SinceLast)
	}
	return d.signal(ev, "first-removable", weightFirstRemovable, "verwisselbare opslag aangesloten",
		&hit.Deviation{Text: text, HistoryDays: active.HistoryDays, First: fam.New}), true
}

// volume counts the files a person writes to removable storage a day, and raises a signal (once a
// day) when the count is factor times their usual and their department's, and at least min_files.
func (d *Detector) volume(ev *event.Event, user string) (hit.Hit, bool) {
	dept := ""
	if dir := d.dir(); dir != nil {
		if p, ok := dir.User(user); ok && p.Department != "" {
			dept = "dept:" + strings.ToLower(p.Department)
		}
	}
	before := d.files.Peek(user, ev.Time).Today
	own := d.files.Add(user, ev.Time, 1, 0)
	var peer baseline.Usual
	if dept != "" {
		member := 0
		if before == 0 {
			member = 1
		}
		peer = d.files.Add(dept, ev.Time, 1, member)
	}
	limit := d.minFiles
	if own.ActiveDays >= 3 {
		limit = max(limit, d.factor*own.Mean)
	}
	if peer.ActiveDays >= 3 {
		// The department's usual day is never a deviation, but its factor is the person's own: a
		// mean of member-days is pulled up by one heavy user (an archivist's 500 files), and at
		// factor times it would hide everyone else's change.
		limit = max(limit, peer.Mean)
		if own.ActiveDays < 3 {
			limit = max(limit, d.factor*peer.Mean) // no history of their own: the department's
		}
	}
	if own.Today < limit || !d.grew(user, "removable-volume", ev.Time, own.Today) {
		return hit.Hit{}, false
	}
	text := fmt.Sprintf("%.0f bestanden vandaag", own.Today)
	if own.ActiveDays > 0 && own.Mean > 0 {
		text += fmt.Sprintf(", %.0fx het eigen gebruikelijke aantal (%.0f op %d dagen)", own.Today/own.Mean, own.Mean, own.ActiveDays)
	} else {
		text += ", de eerste keer dat deze medewerker bestanden naar verwisselbare opslag kopieert"
	}
	if peer.ActiveDays > 0 && peer.Mean > 0 {
		text += fmt.Sprintf(", %.0fx dat van de afdeling", own.Today/peer.Mean)
	}
	return d.signal(ev, "removable-volume", weightVolume, fmt.Sprintf("%.0f bestanden gekopieerd naar verwisselbare opslag", own.Today),
		&hit.Deviation{Text: text, HistoryDays: own.ActiveDays, Value: own.Today, Usual: own.Mean, PeerUsual: peer.Mean}), true
}

// web is the signal of an upload to a file-sharing, webmail or paste site (a request that sent at
// least DefaultUploadBytes), stronger the first time for the person, and of a visit to a job site,
// once a day each.
func (d *Detector) web(ev *event.Event, user string) (hit.Hit, bool) {
	site := strings.ToLower(strings.TrimSuffix(ev.Destination.Domain, "."))
	switch {
	case ev.HTTP != nil && ev.HTTP.RequestBytes >= DefaultUploadBytes && matchDomain(site, d.uploadSites):
		fam := d.seen.Observe(user, "upload:"+site, ev.Time)
		if !d.once(user, "upload", ev.Time) {
			return hit.Hit{}, false
		}
		text := fmt.Sprintf("%.1f MB verstuurd naar %s", float64(ev.HTTP.RequestBytes)/(1<<20), site)
		w := float64(weightUpload)
		if fam.New {
			text += ", voor het eerst"
		} else {
			w /= 2
			text += fmt.Sprintf(", eerder op %d dagen", fam.DaysUsed)
		}
		return d.signal(ev, "upload", w, "upload naar een bestandsdeel-, webmail- of plaksite",
			&hit.Deviation{Text: text, HistoryDays: fam.HistoryDays, Value: float64(ev.HTTP.RequestBytes), First: fam.New}), true
	case matchDomain(site, d.jobSites) && d.once(user, "job-site", ev.Time):
		return d.signal(ev, "job-site", weightJobSite, "bezoek aan een vacaturesite", &hit.Deviation{Text: "vacaturesite " + site}), true
	}
	return hit.Hit{}, false
}

// mail is the signal of mail with attachments (at least DefaultMailBytes) to an external domain the
// sender never mailed before, once a day. Consumer mailboxes are private_mail's.
func (d *Detector) mail(ev *event.Event, user string) (hit.Hit, bool) {
	if ev.Mail.Size < DefaultMailBytes || ev.Mail.Direction == "inbound" || ev.Mail.Direction == "internal" {
		return hit.Hit{}, false
	}
	var domains []string
	for _, to := range ev.Mail.To {
		if dom := event.AddressDomain(to); dom != "" && !slices.Contains(domains, dom) {
			domains = append(domains, dom)
		}
	}
	for _, dom := range domains {
		fam := d.seen.Observe(user, "mail:"+dom, ev.Time)
		if !fam.New || fam.HistoryDays < d.baselineDays || !d.once(user, "new-mail-domain", ev.Time) {
			continue
		}
		return d.signal(ev, "new-mail-domain", weightNewMailDomain, fmt.Sprintf("mail van %d kB met bijlagen naar een extern domein", ev.Mail.Size>>10),
			&hit.Deviation{Text: fmt.Sprintf("eerste mail naar dit domein in %d dagen", fam.HistoryDays), HistoryDays: fam.HistoryDays, First: true}), true
	}
	return hit.Hit{}, false
}

// matchDomain says whether site is one of domains or a subdomain of one.
func matchDomain(site string, domains []string) bool {
	for _, d := range domains {
		if site == d || strings.HasSuffix(site, "."+d) {
			return true
		}
	}
	return false
}

// once says whether a signal of the person was not raised yet on t's day, and marks it raised.
func (d *Detector) once(user, signal string, t time.Time) bool { return d.grew(user, signal, t, 1) }

// grew says whether a day's amount is a signal again: the first time it crosses the limit, and each
// time it doubles the amount last signalled that day (3x the usual, then 6x, 12x...: a bigger
// deviation weighs more, through more signals of the kind).
func (d *Detector) grew(user, signal string, t time.Time, amount float64) bool {
	k := fmt.Sprintf("%s|%s|%d", user, signal, baseline.Day(t, d.loc)) // per day: a replay reads the days of one log after another's
	if last, ok := d.signalled.Get(k); ok && amount < 2*float64(last) {
		return false
	}
	d.signalled.Add(k, int32(min(amount, 1<<30)))
	return true
}

// signal is a weak signal, weighing more in the notice period before the person's end date.
func (d *Detector) signal(ev *event.Event, pattern string, weight float64, summary string, dev *hit.Deviation) hit.Hit {
	h := hit.Hit{Detector: "behaviour", Rule: d.rule.ID, RuleTitle: d.rule.Title, Severity: d.rule.Level, User: ev.User.Name,
		Pattern: pattern, Time: ev.Time, Window: time.Duration(d.rule.Window), Categories: d.rule.Categories, Summary: summary,
		Signal: true, Weight: weight, Deviation: dev, Evidence: []hit.Evidence{hit.LineOf(ev)}}
	if len(h.Categories) == 0 {
		h.Categories = []hit.Category{hit.CategoryOther}
	}
	if host := ev.Host.Workstation; host != "" {
		h.Hosts = []string{host}
	} else if ev.Host.Name != "" {
		h.Hosts = []string{ev.Host.Name}
	}
	if dir := d.dir(); dir != nil {
		if p, ok := dir.User(ev.User.Name); ok && !p.EndDate.IsZero() && ev.Time.Before(p.EndDate) && p.EndDate.Sub(ev.Time) <= d.notice {
			h.Weight *= noticeFactor
			dev.Text += fmt.Sprintf("; uit dienst over %d dagen", int(p.EndDate.Sub(ev.Time).Hours()/24)+1)
		}
	}
	return h
}

type snapshot struct {
	Seen      baseline.FamiliarState `json:"seen"`
	Files     baseline.AmountsState  `json:"files"`
	Hours     baseline.HoursState    `json:"hours"`
	Attached  map[string]time.Time   `json:"attached"`
	Signalled map[string]int32       `json:"signalled"`
}

// SaveState returns the baselines.
func (d *Detector) SaveState() ([]byte, error) {
	s := snapshot{Seen: d.seen.Save(), Files: d.files.Save(), Hours: d.hours.Save(), Attached: map[string]time.Time{}, Signalled: map[string]int32{}}
	for _, k := range d.attached.Keys() {
		s.Attached[k], _ = d.attached.Peek(k)
	}
	for _, k := range d.signalled.Keys() {
		s.Signalled[k], _ = d.signalled.Peek(k)
	}
	return json.Marshal(s)
}

// LoadState restores what SaveState saved.
func (d *Detector) LoadState(b []byte) error {
	var s snapshot
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	d.seen.Restore(s.Seen)
	d.files.Restore(s.Files)
	d.hours.Restore(s.Hours)
	for k, v := range s.Attached {
		d.attached.Add(k, v)
	}
	for k, v := range s.Signalled {
		d.signalled.Add(k, v)
	}
	return nil
}
