package server

// Refusals, route by route: every API route without a token, with a wrong one, with a revoked one,
// with a web session instead of a token and with each role; every page and form without a session,
// with a made-up one, with a revoked or changed token's session, with each role, and every form
// with a missing, forged or foreign CSRF token or from another origin. A test reads server.go and
// web.go so that a new route cannot be left out of the tables.

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/lekwacht/lekwacht/register"
)

// permRoute is one registered route: its pattern as in server.go or web.go, the permission it needs
// ("" for public routes) and a request that passes authorisation without changing the register.
type permRoute struct {
	pattern string
	perm    Permission
	api     bool
	form    url.Values // page POST: the form (csrf added); API POST: body is used
	body    string
	id      string // fills {id} instead of the open incident (a person's name)
}

// permRoutes lists every route; {id} is filled with an open incident.
func permRoutes() []permRoute {
	rs := []permRoute{
		{pattern: "GET /healthz"},
		{pattern: "GET /metrics"},
		{pattern: "GET /static/"},
		{pattern: "GET /login"},
		{pattern: "POST /login"},
		{pattern: "GET /api/v1/incidents", perm: PermRead, api: true},
		{pattern: "GET /api/v1/incidents/{id}", perm: PermRead, api: true},
		{pattern: "POST /api/v1/incidents/{id}/triage", perm: PermTriage, api: true, body: `{"decision":"maybe","reason":"x"}`},
		{pattern: "POST /api/v1/incidents/{id}/assessment", perm: PermAssess, api: true, body: `{"answers":{"colour":true}}`},
		{pattern: "GET /api/v1/persons/{id}", perm: PermRead, api: true, id: "a.bakker"},
		{pattern: "POST /logout", perm: PermRead, form: url.Values{}},
		{pattern: "GET /{$}", perm: PermRead},
		{pattern: "GET /incidents/{id}", perm: PermRead},
		{pattern: "POST /incidents/{id}/assessment", perm: PermAssess, form: url.Values{}},                  // no answers: nothing saved
		{pattern: "POST /incidents/{id}/triage", perm: PermTriage, form: url.Values{"decision": {"maybe"}}}, // refused with a message
		{pattern: "GET /persons/{id}", perm: PermRead, id: "a.bakker"},
		{pattern: "POST /incidents/{id}/close", perm: PermAssess, form: url.Values{}},       // no reason: refused with a message
		{pattern: "POST /incidents/{id}/corrections", perm: PermAssess, form: url.Values{}}, // nothing changed: nothing saved
		{pattern: "POST /incidents/{id}/revert", perm: PermRevert, form: url.Values{}},      // no reason: refused with a message
		{pattern: "GET /incidents/{id}/evidence.zip", perm: PermRead},
		{pattern: "GET /incidents/{id}/ap-melding", perm: PermRead},
		{pattern: "GET /incidents/{id}/brief", perm: PermRead},
		{pattern: "GET /register.csv", perm: PermExport},
		{pattern: "GET /register.xlsx", perm: PermExport},
	}
	for _, doc := range documentKinds {
		rs = append(rs, permRoute{pattern: "GET /incidents/{id}/" + doc.File, perm: PermRead})
	}
	return rs
}

func (r permRoute) method() string { m, _, _ := strings.Cut(r.pattern, " "); return m }

func (r permRoute) path(id string) string {
	if r.id != "" {
		id = r.id
	}
	_, p, _ := strings.Cut(r.pattern, " ")
	p = strings.ReplaceAll(strings.ReplaceAll(p, "{id}", id), "{$}", "")
	if p == "/static/" {
		p += "style.css"
	}
	return p
}

var routePattern = regexp.MustCompile(`Handle(?:Func)?\("((?:GET|POST|PUT|PATCH|DELETE|HEAD) [^"]+)"(\+doc\.File)?`)

// The tables above name every route server.go and web.go register.
func TestPermRouteTableIsComplete(t *testing.T) {
	var registered []string
	for _, f := range []string{"server.go", "web.go"} {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range routePattern.FindAllStringSubmatch(string(src), -1) {
			if m[2] == "" {
				registered = append(registered, m[1])
				continue
			}
			for _, doc := range documentKinds {
				registered = append(registered, m[1]+doc.File)
			}
		}
	}
	var listed []string
	for _, r := range permRoutes() {
		listed = append(listed, r.pattern)
	}
	for _, p := range registered {
		if !slices.Contains(listed, p) {
			t.Errorf("route %q is registered but not in permRoutes: add it with its permission", p)
		}
	}
	for _, p := range listed {
		if !slices.Contains(registered, p) {
			t.Errorf("permRoutes lists %q, which is not registered", p)
		}
	}
}

// permRequest sends one request to the fixture's server; headers are "Name: value".
func permRequest(t *testing.T, f *webFixture, method, path, body string, headers ...string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(method, f.web.URL+path, strings.NewReader(body))
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ": ")
		req.Header.Set(k, v)
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

// unchanged fails the test when a refused request left a trace in the register: the incident's
// status, history and answers are as the fixture made them.
func unchanged(t *testing.T, f *webFixture, id string, status register.Status, history int) {
	t.Helper()
	in, err := f.reg.Summary(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if in.Status != status || len(in.History) != history {
		t.Fatalf("%s: status %s, %d changes; want %s, %d: a refused request changed the register", id, in.Status, len(in.History), status, history)
	}
	if in.Assessment != nil {
		for _, q := range in.Assessment.Questions {
			if q.Answer != "" {
				t.Fatalf("%s: question %s answered by a refused request", id, q.ID)
			}
		}
		if len(in.Assessment.Details) != 0 {
			t.Fatalf("%s: details %v recorded by a refused request", id, in.Assessment.Details)
		}
	}
}

func tokensWith(t *testing.T, entries ...Token) *Tokens {
	t.Helper()
	var b strings.Builder
	b.WriteString("tokens:\n")
	for _, e := range entries {
		fmt.Fprintf(&b, "  - {name: %s, role: %s, sha256: %s}\n", e.Name, e.Role, e.SHA256)
	}
	tokens, err := ParseTokens([]byte(b.String()), "test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return tokens
}

func hashOf(secret string) string {
	s := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(s[:])
}

func TestAPIRoutesRefuse(t *testing.T) {
	f := newWebFixture(t)
	id := f.ids[0]
	f.open(t, id)
	session := f.browser(t)
	session.login(f.secrets[RoleAdmin])
	u, _ := url.Parse(f.web.URL)
	cookie := session.c.Jar.Cookies(u)[0]
	refusals := map[string][]string{
		"no token":                  nil,
		"a wrong token":             {"Authorization: Bearer lw_wrongwrongwrong"},
		"an empty bearer":           {"Authorization: Bearer "},
		"a token with extra text":   {"Authorization: Bearer " + f.secrets[RoleAdmin] + "x"},
		"the secret as basic auth":  {"Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte("x:"+f.secrets[RoleAdmin]))},
		"the secret without scheme": {"Authorization: " + f.secrets[RoleAdmin]},
		"the secret in a header":    {"X-Api-Token: " + f.secrets[RoleAdmin]},
		"a web session, no token":   {"Cookie: " + cookie.Name + "=" + cookie.Value, "Origin: " + f.web.URL},
	}
	for _, r := range permRoutes() {
		if !r.api {
			continue
		}
		for name, headers := range refusals {
			resp := permRequest(t, f, r.method(), r.path(id), r.body, headers...)
			if resp.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("%s with %s: %d %q, want 401 with WWW-Authenticate: Bearer", r.pattern, name, resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
			}
		}
		for _, role := range Roles {
			resp := permRequest(t, f, r.method(), r.path(id), r.body, "Authorization: Bearer "+f.secrets[role])
			switch allowed := role.Allows(r.perm); {
			case !allowed && resp.StatusCode != http.StatusForbidden:
				t.Errorf("%s as %s: %d, want 403", r.pattern, role, resp.StatusCode)
			case allowed && (resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden):
				t.Errorf("%s as %s: %d, want it let through", r.pattern, role, resp.StatusCode)
			}
		}
	}
	unchanged(t, f, id, register.StatusOpen, 2)

	// Tokens reloaded without them (SIGHUP): every old secret is refused at once.
	f.tokens.Store(tokensWith(t))
	for _, r := range permRoutes() {
		if !r.api {
			continue
		}
		for _, role := range Roles {
			if resp := permRequest(t, f, r.method(), r.path(id), r.body, "Authorization: Bearer "+f.secrets[role]); resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("%s with the revoked %s token: %d, want 401", r.pattern, role, resp.StatusCode)
			}
		}
	}
	unchanged(t, f, id, register.StatusOpen, 2)
}

func TestPublicRoutesNeedNoLogin(t *testing.T) {
	f := newWebFixture(t)
	for _, r := range permRoutes() {
		if r.perm != "" || r.method() != "GET" || r.pattern == "GET /metrics" { // the web fixture has no metrics
			continue
		}
		if resp := permRequest(t, f, "GET", r.path(""), ""); resp.StatusCode != http.StatusOK {
			t.Errorf("%s: %d, want 200 without login", r.pattern, resp.StatusCode)
		}
	}
}

func TestPageRoutesRefuse(t *testing.T) {
	f := newWebFixture(t)
	id := f.ids[0]
	f.open(t, id)
	for _, r := range permRoutes() {
		if r.api || r.perm == "" {
			continue
		}
		path := r.path(id)
		post := r.method() == http.MethodPost
		// Without a session, or with a made-up one: a GET goes to the login form, a POST gets a 401.
		for name, headers := range map[string][]string{
			"no session":            nil,
			"a made-up session":     {"Cookie: " + sessionCookie + "=made-up"},
			"an empty session":      {"Cookie: " + sessionCookie + "="},
			"a bearer token":        {"Authorization: Bearer " + f.secrets[RoleAdmin]},
			"the login form cookie": {"Cookie: " + loginCookie + "=x"},
		} {
			headers = append(headers, "Content-Type: application/x-www-form-urlencoded", "Origin: "+f.web.URL)
			resp := permRequest(t, f, r.method(), path, "csrf=x", headers...)
			switch {
			case post && resp.StatusCode != http.StatusUnauthorized:
				t.Errorf("%s with %s: %d, want 401", r.pattern, name, resp.StatusCode)
			case !post && (resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login?next=")):
				t.Errorf("%s with %s: %d %q, want 303 to the login form", r.pattern, name, resp.StatusCode, resp.Header.Get("Location"))
			}
		}
		// Each role: refused with 403 unless it has the permission.
		for _, role := range Roles {
			b := f.browser(t)
			b.login(f.secrets[role])
			var resp *http.Response
			if post {
				form := cloneForm(r.form)
				form.Set("csrf", b.csrf)
				resp, _ = b.post(path, form, "Origin: "+f.web.URL)
			} else {
				resp, _ = b.get(path)
			}
			allowed := role.Allows(r.perm)
			switch {
			case !allowed && resp.StatusCode != http.StatusForbidden:
				t.Errorf("%s as %s: %d, want 403", r.pattern, role, resp.StatusCode)
			case allowed && post && resp.StatusCode != http.StatusSeeOther:
				t.Errorf("%s as %s with its CSRF token: %d, want 303", r.pattern, role, resp.StatusCode)
			case allowed && !post && resp.StatusCode != http.StatusOK:
				t.Errorf("%s as %s: %d, want 200", r.pattern, role, resp.StatusCode)
			}
		}
	}
	unchanged(t, f, id, register.StatusOpen, 2)
}

func cloneForm(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = slices.Clone(vs)
	}
	return out
}

func TestPageFormsRefuseForgedRequests(t *testing.T) {
	f := newWebFixture(t)
	id := f.ids[0]
	f.open(t, id)
	other := f.browser(t)
	other.login(f.secrets[RoleAdmin])
	for _, r := range permRoutes() {
		if r.api || r.perm == "" || r.method() != http.MethodPost {
			continue
		}
		b := f.browser(t)
		b.login(f.secrets[RoleAdmin])
		with := func(csrf string) url.Values {
			form := cloneForm(r.form)
			if csrf != "" {
				form.Set("csrf", csrf)
			}
			return form
		}
		for name, tc := range map[string]struct {
			form    url.Values
			headers []string
		}{
			"no CSRF token":           {with(""), []string{"Origin: " + f.web.URL}},
			"an empty CSRF token":     {with(""), []string{"Origin: " + f.web.URL}},
			"a forged CSRF token":     {with(strings.Repeat("A", len(b.csrf))), []string{"Origin: " + f.web.URL}},
			"another session's token": {with(other.csrf), []string{"Origin: " + f.web.URL}},
			"the login form's token":  {with("x"), []string{"Origin: " + f.web.URL, "Cookie: " + loginCookie + "=x"}},
			"a cross-origin Origin":   {with(b.csrf), []string{"Origin: https://evil.example"}},
			"a null Origin":           {with(b.csrf), []string{"Origin: null"}},
			"a cross-site fetch":      {with(b.csrf), []string{"Sec-Fetch-Site: cross-site"}},
			"a same-site fetch":       {with(b.csrf), []string{"Sec-Fetch-Site: same-site"}},
			"a cross-origin Referer":  {with(b.csrf), []string{"Referer: https://evil.example/incidents/" + id}},
			"a look-alike Referer":    {with(b.csrf), []string{"Referer: " + f.web.URL + ".evil.example/"}},
			"a cross-site navigation": {with(b.csrf), []string{"Origin: https://evil.example", "Sec-Fetch-Site: cross-site", "Sec-Fetch-Mode: navigate"}},
		} {
			if name == "an empty CSRF token" {
				tc.form.Set("csrf", "")
			}
			resp, body := b.post(r.path(id), tc.form, tc.headers...)
			if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "Verzoek geweigerd") {
				t.Errorf("%s with %s: %d, want 403", r.pattern, name, resp.StatusCode)
			}
		}
		// The session survived every refusal: the real form still works (logout ends it).
		if resp, _ := b.post(r.path(id), with(b.csrf), "Origin: "+f.web.URL, "Sec-Fetch-Site: same-origin"); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("%s, the real form: %d, want 303", r.pattern, resp.StatusCode)
		}
	}
	unchanged(t, f, id, register.StatusOpen, 2)
}

func TestLoginRefusesCrossOrigin(t *testing.T) {
	f := newWebFixture(t)
	for _, h := range []string{"Origin: https://evil.example", "Sec-Fetch-Site: cross-site", "Referer: https://evil.example/"} {
		b := f.browser(t)
		b.get("/login")
		resp, _ := b.post("/login", url.Values{"csrf": {b.csrf}, "token": {f.secrets[RoleFG]}}, h)
		if resp.StatusCode != http.StatusForbidden || cookieNamed(resp, sessionCookie) != nil {
			t.Errorf("login with %s: %d, want 403 and no session", h, resp.StatusCode)
		}
	}
}

// A session lives only as long as its token: removed from the tokens file, or changed (another
// role under the same secret), every page and form refuses it.
func TestPageRoutesRefuseSessionsOfChangedTokens(t *testing.T) {
	for _, change := range []string{"removed", "role changed", "renamed"} {
		t.Run(change, func(t *testing.T) {
			f := newWebFixture(t)
			id := f.ids[0]
			f.open(t, id)
			b := f.browser(t)
			b.login(f.secrets[RoleFG])
			var keep []Token
			for _, role := range Roles {
				tok := Token{Name: f.names[role], Role: role, SHA256: hashOf(f.secrets[role])}
				if role == RoleFG {
					switch change {
					case "removed":
						continue
					case "role changed":
						tok.Role = RoleAdmin
					case "renamed":
						tok.Name = "fg.nieuw"
					}
				}
				keep = append(keep, tok)
			}
			f.tokens.Store(tokensWith(t, keep...))
			csrf := b.csrf
			for _, r := range permRoutes() {
				if r.api || r.perm == "" {
					continue
				}
				if r.method() == http.MethodPost {
					form := cloneForm(r.form)
					form.Set("csrf", csrf)
					if resp, _ := b.post(r.path(id), form, "Origin: "+f.web.URL); resp.StatusCode != http.StatusUnauthorized {
						t.Errorf("%s with the session of a %s token: %d, want 401", r.pattern, change, resp.StatusCode)
					}
				} else if resp, _ := b.get(r.path(id)); resp.StatusCode != http.StatusSeeOther {
					t.Errorf("%s with the session of a %s token: %d, want 303 to the login form", r.pattern, change, resp.StatusCode)
				}
			}
			unchanged(t, f, id, register.StatusOpen, 2)
			if change != "removed" { // the changed token logs in anew, with its new role
				b.login(f.secrets[RoleFG])
				if _, body := b.get("/"); !strings.Contains(body, "Datalekregister") {
					t.Errorf("a new login with the %s token failed", change)
				}
			}
		})
	}
}
