package config

import (
	"fmt"
	"net/url"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Problem is one thing wrong with the configuration. Key is the dotted path of the offending value
// ("inputs.2.format"); Load prefixes it with file:line:col.
type Problem struct {
	Key string
	Msg string
}

// InputCheck validates what only the collectors know about an input (its format name, mapping,
// samba prefix). Keys in its problems are relative to the input ("format", "mapping.time").
type InputCheck func(in Input) []Problem

// Validate reports every problem at once; check may be nil.
func (c *Config) Validate(check InputCheck) []Problem {
	var ps []Problem
	add := func(key, format string, args ...any) {
		ps = append(ps, Problem{Key: key, Msg: fmt.Sprintf(format, args...)})
	}
	o := c.Organisation
	if _, err := time.LoadLocation(o.Timezone); err != nil || o.Timezone == "" {
		add("organisation.timezone", "%q is not a time zone; use an IANA name such as Europe/Amsterdam", o.Timezone)
	}
	if o.WorkingHours != "" {
		if _, err := ParseWorkingHours(o.WorkingHours); err != nil {
			add("organisation.working_hours", "%v", err)
		}
	}
	for i, d := range append(append([]string{}, o.Domains...), o.PartnerDomains...) {
		if !domainRE.MatchString(d) {
			key := "organisation.domains"
			if i >= len(o.Domains) {
				key = "organisation.partner_domains"
			}
			add(key, "%q is not a domain name (write it as example.nl, without @ or scheme)", d)
		}
	}
	for _, g := range append(append([]string{}, o.SharedHosts...), o.ServiceAccounts...) {
		if _, err := path.Match(g, ""); err != nil {
			add("organisation", "bad pattern %q: %v", g, err)
		}
	}
	if c.Register.Dir == "" {
		add("register.dir", "empty: set the folder for register.db, evidence and positions")
	}
	names := map[string]int{}
	for i, in := range c.Inputs {
		key := fmt.Sprintf("inputs.%d", i)
		if in.Name == "" {
			add(key, "input has no name")
		} else if j, dup := names[in.Name]; dup {
			add(key+".name", "duplicate input name %q (also inputs.%d)", in.Name, j)
		} else {
			names[in.Name] = i
		}
		if !nameRE.MatchString(in.Name) && in.Name != "" {
			add(key+".name", "%q: use letters, digits, - and _ only", in.Name)
		}
		if len(in.Paths) == 0 {
			add(key+".paths", "no paths: list the log files or globs to follow")
		}
		for _, p := range append(append([]string{}, in.Paths...), in.Exclude...) {
			if _, err := path.Match(p, ""); err != nil {
				add(key+".paths", "bad glob %q: %v", p, err)
			}
		}
		if in.Poll < 0 {
			add(key+".poll", "negative interval")
		}
		if in.ExpectEvery < 0 {
			add(key+".expect_every", "negative period")
		}
		if in.MaxLineBytes < 0 {
			add(key+".max_line_bytes", "negative")
		}
		if in.Timezone != "" {
			if _, err := time.LoadLocation(in.Timezone); err != nil {
				add(key+".timezone", "%q is not a time zone", in.Timezone)
			}
		}
		if check != nil {
			for _, p := range check(in) {
				ps = append(ps, Problem{Key: key + "." + p.Key, Msg: p.Msg})
			}
		}
	}
	for i, a := range c.Identity.AdminAccounts {
		if strings.Count(a, "{user}") != 1 || strings.TrimSpace(strings.Replace(a, "{user}", "", 1)) == "" {
			add(fmt.Sprintf("identity.admin_accounts.%d", i), "%q: write the admin account with {user} once for the owner's account, e.g. adm_{user}", a)
		}
	}
	for i, src := range c.Identity.Sources {
		if src == "" {
			add(fmt.Sprintf("identity.sources.%d", i), "empty path")
		}
	}
	if len(c.Identity.Sources) > 0 && c.Directory == "" {
		add("identity.sources", "sources are merged into the directory: set directory too (it may be the AD export itself)")
	}
	if c.Identity.RelatedWithin < 0 {
		add("identity.related_within", "negative period")
	}
	for i, w := range c.Watch {
		for _, p := range c.validateWatch(w) {
			ps = append(ps, Problem{Key: fmt.Sprintf("watch.%d", i) + p.Key, Msg: p.Msg})
		}
	}
	if c.HTTP.Listen != "" && !strings.Contains(c.HTTP.Listen, ":") {
		add("http.listen", "%q: write host:port, e.g. 127.0.0.1:8470", c.HTTP.Listen)
	}
	for i, a := range c.Elasticsearch.Addresses {
		if u, err := url.Parse(a); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			add(fmt.Sprintf("elasticsearch.addresses.%d", i), "%q: want an http(s) URL such as https://es1.voorbeeld.local:9200", a)
		}
	}
	if c.Elasticsearch.APIKey != "" && c.Elasticsearch.Username != "" {
		add("elasticsearch.api_key", "give an API key or a username and password, not both")
	}
	if (c.Elasticsearch.Username == "") != (c.Elasticsearch.Password == "") {
		add("elasticsearch.username", "give both username and password, or neither")
	}
	if c.Kibana.URL != "" {
		if u, err := url.Parse(c.Kibana.URL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			add("kibana.url", "%q: want an http(s) URL such as https://kibana.voorbeeld.local:5601", c.Kibana.URL)
		}
	}
	if t := c.Kibana.Triage; t != "" && !slices.Contains(Triages, t) {
		add("kibana.triage", "%q: want one of %v", t, Triages)
	}
	if c.Kibana.Triage.On() && c.Kibana.URL == "" {
		add("kibana.triage", "%q needs kibana.url", c.Kibana.Triage)
	}
	if c.Kibana.Triage == TriageAlerts && len(c.Elasticsearch.Addresses) == 0 {
		add("kibana.triage", "%q needs elasticsearch.addresses (the alerts come from the indexed incidents)", c.Kibana.Triage)
	}
	if c.Kibana.Poll < 0 || (c.Kibana.Poll > 0 && c.Kibana.Poll < time.Second) {
		add("kibana.poll", "%s: want at least 1s (default %s)", c.Kibana.Poll, DefaultKibanaPoll)
	}
	if c.HTTP.PublicURL != "" {
		if u, err := url.Parse(c.HTTP.PublicURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			add("http.public_url", "%q: want the http(s) URL people open lekwacht's page at, such as https://lekwacht.voorbeeld.local:8470", c.HTTP.PublicURL)
		}
	}
	if c.Register.Instance != "" && !instanceRE.MatchString(c.Register.Instance) {
		add("register.instance", "%q: letters and digits only, at most 12 (it becomes part of every incident id)", c.Register.Instance)
	}
	hookNames := map[string]bool{}
	for i, h := range c.Hooks {
		at := fmt.Sprintf("hooks.%d", i)
		switch {
		case !nameRE.MatchString(h.Name):
			add(at+".name", "%q: letters, digits, - and _ only", h.Name)
		case hookNames[h.Name]:
			add(at+".name", "%q is used twice", h.Name)
		}
		hookNames[h.Name] = true
		if h.MinSeverity != "" && !slices.Contains([]string{"low", "medium", "high", "critical"}, h.MinSeverity) {
			add(at+".min_severity", "%q%s (want low, medium, high or critical)", h.MinSeverity, DidYouMean(h.MinSeverity, []string{"low", "medium", "high", "critical"}))
		}
		for _, d := range h.Detectors {
			if !slices.Contains(detectorIDs, d) {
				add(at+".detectors", "%q is no detector%s (detectors: %s)", d, DidYouMean(d, detectorIDs), strings.Join(detectorIDs, ", "))
			}
		}
		if h.Webhook == nil && len(h.Command) == 0 {
			add(at, "give a webhook, a command, or both")
		}
		if h.Webhook != nil {
			if u, err := url.Parse(h.Webhook.URL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
				add(at+".webhook.url", "%q: want an http(s) URL", h.Webhook.URL)
			}
			if h.Webhook.SecretFile == "" {
				add(at+".webhook.secret_file", "required: the receiver checks the HMAC signature with this secret")
			}
		}
		if len(h.Command) > 0 && !filepath.IsAbs(h.Command[0]) {
			add(at+".command", "%q: give the program's absolute path", h.Command[0])
		}
		if h.Timeout < 0 || h.MaxAttempts < 0 {
			add(at, "timeout and max_attempts cannot be negative")
		}
	}
	if c.ServiceUser != "" && !userRE.MatchString(c.ServiceUser) {
		add("service_user", "%q: an account name (letters, digits, . _ -), e.g. lekwacht", c.ServiceUser)
	}
	if (c.HTTP.TLSCert == "") != (c.HTTP.TLSKey == "") {
		add("http.tls_cert", "give both http.tls_cert and http.tls_key, or neither")
	}
	return ps
}

// validateWatch checks a watch folder; keys are relative to it (".input").
func (c *Config) validateWatch(w Watch) []Problem {
	var ps []Problem
	add := func(key, format string, args ...any) {
		ps = append(ps, Problem{Key: key, Msg: fmt.Sprintf(format, args...)})
	}
	if w.Path == "" {
		add(".path", "empty path")
	}
	if w.Share == "" {
		if w.Input != "" || w.SharePath != "" {
			add(".share", "empty: input and share_path say whose audit lines name this folder's share; name the share too")
		}
		return ps
	}
	if strings.ContainsAny(w.Share, "|/") {
		add(".share", "%q: write the share's name (exports, or \\\\*\\exports as Windows events write it), without / or |", w.Share)
	}
	if w.SharePath != "" && !absoluteAnywhere(w.SharePath) {
		add(".share_path", "%q: give the folder as the file server names it, absolute (/srv/shares/exports or D:\\Shares\\Exports)", w.SharePath)
	}
	if w.Input == "" {
		return ps
	}
	in, ok := c.input(w.Input)
	switch {
	case !ok:
		var names []string
		for _, in := range c.Inputs {
			names = append(names, in.Name)
		}
		add(".input", "%q is no configured input%s (inputs: %s)", w.Input, DidYouMean(w.Input, names), strings.Join(names, ", "))
	case !slices.Contains(ShareFormats, in.Format):
		add(".input", "%q reads %s, whose lines name no share; give an input of format %v", w.Input, in.Format, ShareFormats)
	case slices.Contains(WindowsFormats, in.Format) && w.SharePath == "":
		add(".share_path", "required with the Windows input %q: the share's folder on the file server (ShareLocalPath, e.g. D:\\Shares\\Exports)", w.Input)
	}
	return ps
}

func (c *Config) input(name string) (Input, bool) {
	for _, in := range c.Inputs {
		if in.Name == name {
			return in, true
		}
	}
	return Input{}, false
}

// absoluteAnywhere says whether p is absolute on Unix or Windows (D:\x, \\server\share).
func absoluteAnywhere(p string) bool {
	return strings.HasPrefix(p, "/") || strings.HasPrefix(p, `\\`) ||
		len(p) >= 3 && p[1] == ':' && (p[2] == '\\' || p[2] == '/')
}

// detectorIDs are the contract's detector ids (config cannot import the detectors).
var detectorIDs = []string{"shared_credentials", "bulk_bsn_export", "misdirected_mail", "private_mail", "record_snooping", "mass_deletion", "threshold"}

var instanceRE = regexp.MustCompile(`^[A-Za-z0-9]{1,12}$`)

var (
	domainRE = regexp.MustCompile(`^(?i)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$`)
	nameRE   = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)
	userRE   = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]*$`)
)

// WorkingHours are the days and hours staff normally work.
type WorkingHours struct {
	Days       [7]bool // indexed by time.Weekday
	Start, End time.Duration
}

// ParseWorkingHours reads "Mon-Fri 07:00-19:00" or "Mon,Wed,Fri 08:00-17:30".
func ParseWorkingHours(s string) (WorkingHours, error) {
	var wh WorkingHours
	days, hours, ok := strings.Cut(strings.TrimSpace(s), " ")
	if !ok {
		return wh, fmt.Errorf("%q: write days and hours, e.g. \"Mon-Fri 07:00-19:00\"", s)
	}
	idx := map[string]int{"sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6}
	for _, part := range strings.Split(days, ",") {
		from, to, rng := strings.Cut(strings.ToLower(part), "-")
		a, okA := idx[from]
		b := a
		okB := true
		if rng {
			b, okB = idx[to]
		}
		if !okA || !okB {
			return wh, fmt.Errorf("%q: unknown day in %q (use Mon..Sun)", s, part)
		}
		for d := a; ; d = (d + 1) % 7 {
			wh.Days[d] = true
			if d == b {
				break
			}
		}
	}
	from, to, ok := strings.Cut(strings.TrimSpace(hours), "-")
	start, err1 := clock(from)
	end, err2 := clock(to)
	if !ok || err1 != nil || err2 != nil || end <= start {
		return wh, fmt.Errorf("%q: hours must be HH:MM-HH:MM with the end after the start", s)
	}
	wh.Start, wh.End = start, end
	return wh, nil
}

func clock(s string) (time.Duration, error) {
	t, err := time.Parse("15:04", strings.TrimSpace(s))
	if err != nil {
		return 0, err
	}
	return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute, nil
}

// Contains reports whether t (in the gemeente's zone) falls inside working hours.
func (wh WorkingHours) Contains(t time.Time) bool {
	if !wh.Days[t.Weekday()] {
		return false
	}
	d := time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute
	return d >= wh.Start && d < wh.End
}
