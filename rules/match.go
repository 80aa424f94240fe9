package rules

import (
	"path"
	"strconv"
	"strings"

	"github.com/lekwacht/lekwacht/event"
)

// Matcher is a rule's `match` and `allow` conditions made ready once, for the detectors that test
// every event against them: the same answers as Rule.Matches, without looking up fields by name or
// building slices per event.
type Matcher struct {
	match, allow []condition
}

type condition struct {
	field string
	get   Getter
	pats  []pattern
}

// pattern is one value of a condition.
type pattern struct {
	raw    string // as written (Values are lower case when read from YAML, not when built in code)
	lower  string
	glob   bool
	prefix string // of a glob that is a plain prefix and a final '*' (`svc_*`)
	ascii  bool
}

// Matcher makes the rule's conditions ready; the rule's maps are read now, later changes are not seen.
func (r *Rule) Matcher() *Matcher {
	m := &Matcher{}
	for _, field := range keysOf(r.Match) {
		m.match = append(m.match, compile(field, r.Match[field]))
	}
	for _, field := range keysOf(r.Allow) {
		m.allow = append(m.allow, compile(field, r.Allow[field]))
	}
	return m
}

func compile(field string, v Values) condition {
	c := condition{field: field, get: FieldGetter(field)}
	if field == "user.name" {
		c.get = anyUserName
	}
	for _, p := range v {
		pat := pattern{raw: p, lower: strings.ToLower(p), glob: strings.ContainsAny(p, "*?[\\"), ascii: isASCII(p)}
		if pre, ok := strings.CutSuffix(pat.lower, "*"); ok && pre != "" && !strings.ContainsAny(pre, "*?[\\") {
			pat.prefix = pre
		}
		c.pats = append(c.pats, pat)
	}
	return c
}

// Matches says whether an event meets every `match` condition and no allow-list.
func (m *Matcher) Matches(e *event.Event) bool {
	for i := range m.match {
		if !m.match[i].holds(e) {
			return false
		}
	}
	for i := range m.allow {
		if m.allow[i].holds(e) {
			return false
		}
	}
	return true
}

// Allowed says whether the rule selects e but its allow list lets it pass: the detector does not
// judge it, but may learn from it (where a person worked, with which account).
func (m *Matcher) Allowed(e *event.Event) bool {
	for i := range m.match {
		if !m.match[i].holds(e) {
			return false
		}
	}
	for i := range m.allow {
		if m.allow[i].holds(e) {
			return true
		}
	}
	return false
}

// Accepts says whether an event of this category and action may match: false when a condition on
// event.category or event.action rules out every such event, so a detector need never see them.
func (m *Matcher) Accepts(c event.Category, a event.Action) bool {
	kind := func(cond *condition) (string, bool) {
		switch cond.field {
		case "event.category":
			return string(c), true
		case "event.action":
			return string(a), true
		}
		return "", false
	}
	for i := range m.match {
		if s, ok := kind(&m.match[i]); ok && (s == "" || !m.match[i].matchOne(s)) {
			return false
		}
	}
	for i := range m.allow {
		if s, ok := kind(&m.allow[i]); ok && s != "" && m.allow[i].matchOne(s) {
			return false
		}
	}
	return true
}

// anyUserName is what a match or allow condition on user.name tests: the person, and also the account
// that acted and the name the log wrote when they differ, so an allow-list of `adm_*` accounts or of
// names as a source writes them keeps working once the names are resolved to people.
func anyUserName(e *event.Event) (string, []string) {
	u := &e.User
	if u.Account == "" && u.Original == "" {
		return u.Name, nil
	}
	names := make([]string, 0, 3)
	for _, n := range []string{u.Name, u.Account, u.Original} {
		if n != "" {
			names = append(names, n)
		}
	}
	return "", names
}

func (c *condition) holds(e *event.Event) bool {
	one, many := c.get(e)
	if many != nil {
		for _, s := range many {
			if c.matchOne(s) {
				return true
			}
		}
		return false
	}
	return one != "" && c.matchOne(one)
}

// matchOne is Values.Match for one value.
func (c *condition) matchOne(s string) bool {
	s, ascii := lowerASCIIFlag(s)
	for i := range c.pats {
		p := &c.pats[i]
		if p.raw == s {
			return true
		}
		if p.glob {
			if p.prefix != "" && prefixMatch(p.prefix, s) || p.prefix == "" && globMatch(p.lower, s) {
				return true
			}
			continue
		}
		if p.lower == s && p.ascii && ascii || (!p.ascii || !ascii) && strings.EqualFold(p.raw, s) {
			return true
		}
	}
	return false
}

// prefixMatch is path.Match for a pattern `prefix*`: the star matches anything but a '/'.
func prefixMatch(prefix, s string) bool {
	return strings.HasPrefix(s, prefix) && !strings.Contains(s[len(prefix):], "/")
}

func globMatch(pat, s string) bool {
	ok, _ := path.Match(pat, s)
	return ok
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// lowerASCIIFlag is lowerASCII, and whether s is plain ASCII.
func lowerASCIIFlag(s string) (string, bool) {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' || c >= 0x80 {
			return strings.ToLower(s), isASCII(s)
		}
	}
	return s, true
}

// Lower is s in lower case, without allocating when it has no upper-case letters: how detectors
// key their state by account or host.
func Lower(s string) string { return lowerASCII(s) }

// Getter reads one field of an event: its one value (empty when it has none) or, for email.to, its
// values.
type Getter func(e *event.Event) (one string, many []string)

// FieldGetter is the Getter of a field name (event.Fields); it reads what event.Field reads.
func FieldGetter(name string) Getter {
	if g, ok := getters[name]; ok {
		return g
	}
	return func(*event.Event) (string, []string) { return "", nil }
}

var getters = map[string]Getter{
	"event.category":     func(e *event.Event) (string, []string) { return string(e.Event.Category), nil },
	"event.action":       func(e *event.Event) (string, []string) { return string(e.Event.Action), nil },
	"event.outcome":      func(e *event.Event) (string, []string) { return string(e.Event.Outcome), nil },
	"event.code":         func(e *event.Event) (string, []string) { return e.Event.Code, nil },
	"event.dataset":      func(e *event.Event) (string, []string) { return e.Event.Dataset, nil },
	"user.name":          func(e *event.Event) (string, []string) { return e.User.Name, nil },
	"user.domain":        func(e *event.Event) (string, []string) { return e.User.Domain, nil },
	"user.id":            func(e *event.Event) (string, []string) { return e.User.ID, nil },
	"user.account":       func(e *event.Event) (string, []string) { return e.User.AccountName(), nil },
	"user.original":      func(e *event.Event) (string, []string) { return e.User.Original, nil },
	"user.identity":      func(e *event.Event) (string, []string) { return string(e.User.Identity), nil },
	"host.name":          func(e *event.Event) (string, []string) { return e.Host.Name, nil },
	"host.workstation":   func(e *event.Event) (string, []string) { return e.Host.Workstation, nil },
	"source.ip":          func(e *event.Event) (string, []string) { return e.Source.IP, nil },
	"source.domain":      func(e *event.Event) (string, []string) { return e.Source.Domain, nil },
	"destination.domain": func(e *event.Event) (string, []string) { return e.Destination.Domain, nil },
	"destination.ip":     func(e *event.Event) (string, []string) { return e.Destination.IP, nil },
	"log.input":          func(e *event.Event) (string, []string) { return e.Log.Input, nil },
	"log.file":           func(e *event.Event) (string, []string) { return e.Log.Path, nil },
	"email.to": func(e *event.Event) (string, []string) {
		if e.Mail == nil || len(e.Mail.To) == 0 {
			return "", nil
		}
		return "", e.Mail.To
	},
	"email.from":      mail(func(m *event.Mail) string { return m.From }),
	"email.status":    mail(func(m *event.Mail) string { return m.Status }),
	"email.direction": mail(func(m *event.Mail) string { return m.Direction }),
	"email.hop":       mail(func(m *event.Mail) string { return m.Hop }),
	"file.path":       file(func(f *event.File) string { return f.Path }),
	"file.share":      file(func(f *event.File) string { return f.Share }),
	"file.operation":  file(func(f *event.File) string { return f.Operation }),
	"app.name":        app(func(a *event.App) string { return a.Name }),
	"app.action":      app(func(a *event.App) string { return a.Action }),
	"app.object":      app(func(a *event.App) string { return a.Object }),
	"logon.type":      logon(func(l *event.Logon) string { return l.Type }),
	"logon.method":    logon(func(l *event.Logon) string { return l.Method }),
	"device.class": func(e *event.Event) (string, []string) {
		if e.Device == nil {
			return "", nil
		}
		return e.Device.Class, nil
	},
	"http.method": httpField(func(h *event.HTTP) string { return h.Method }),
	"http.path":   httpField(func(h *event.HTTP) string { return h.Path }),
	"http.status": httpField(func(h *event.HTTP) string {
		if h.Status == 0 {
			return ""
		}
		return strconv.Itoa(h.Status)
	}),
}

func mail(f func(*event.Mail) string) Getter {
	return func(e *event.Event) (string, []string) {
		if e.Mail == nil {
			return "", nil
		}
		return f(e.Mail), nil
	}
}

func file(f func(*event.File) string) Getter {
	return func(e *event.Event) (string, []string) {
		if e.File == nil {
			return "", nil
		}
		return f(e.File), nil
	}
}

func app(f func(*event.App) string) Getter {
	return func(e *event.Event) (string, []string) {
		if e.App == nil {
			return "", nil
		}
		return f(e.App), nil
	}
}

func logon(f func(*event.Logon) string) Getter {
	return func(e *event.Event) (string, []string) {
		if e.Logon == nil {
			return "", nil
		}
		return f(e.Logon), nil
	}
}

func httpField(f func(*event.HTTP) string) Getter {
	return func(e *event.Event) (string, []string) {
		if e.HTTP == nil {
			return "", nil
		}
		return f(e.HTTP), nil
	}
}
