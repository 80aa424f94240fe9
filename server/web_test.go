package server

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/lekwacht/lekwacht/hit"
	"github.com/lekwacht/lekwacht/register"
)

func TestWebLogin(t *testing.T) {
	f := newWebFixture(t)
	b := f.browser(t)
	resp, _ := b.get("/")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login?next=%2F" {
		t.Fatalf("no session: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	b.get("/login")
	wrong := "lw_wrongwrongwrong"
	resp, body := b.post("/login", url.Values{"csrf": {b.csrf}, "token": {wrong}})
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "onbekend of ingetrokken") || cookieNamed(resp, sessionCookie) != nil {
		t.Fatalf("wrong token: %d %s", resp.StatusCode, body)
	}
	resp, _ = b.post("/login", url.Values{"csrf": {b.csrf}, "token": {f.secrets[RoleFG]}})
	c := cookieNamed(resp, sessionCookie)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" || c == nil {
		t.Fatalf("good token: %d %q %v", resp.StatusCode, resp.Header.Get("Location"), c)
	}
	if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/" || c.Secure || c.MaxAge != int(sessionTTL/time.Second) {
		t.Errorf("session cookie %+v: want HttpOnly, SameSite=Strict, Path=/, not Secure over plain HTTP, 8 h", c)
	}
	resp, body = b.get("/")
	if resp.StatusCode != 200 || !strings.Contains(body, "fg.gerritsen (FG)") || !strings.Contains(body, "Datalekregister") {
		t.Fatalf("list after login: %d %s", resp.StatusCode, body)
	}
	log := f.log.String()
	if !strings.Contains(log, "web: login failed") || !strings.Contains(log, "by=fg.gerritsen") {
		t.Errorf("the log lacks the failed or the good login:\n%s", log)
	}
	if strings.Contains(log, wrong) || strings.Contains(log, f.secrets[RoleFG]) {
		t.Errorf("a secret is in the log:\n%s", log)
	}

	// A login form's own CSRF token is required, and another form's will not do.
	other := f.browser(t)
	resp, _ = other.post("/login", url.Values{"token": {f.secrets[RoleFG]}})
	if resp.StatusCode != http.StatusForbidden || cookieNamed(resp, sessionCookie) != nil {
		t.Fatalf("login without the form's csrf token: %d", resp.StatusCode)
	}
	resp, _ = other.post("/login", url.Values{"csrf": {"forged"}, "token": {f.secrets[RoleFG]}}, "Cookie: "+loginCookie+"=other")
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("login with a forged csrf token: %d", resp.StatusCode)
	}
}

func TestWebLoginGoesBackToThePageAsked(t *testing.T) {
	f := newWebFixture(t)
	for next, want := range map[string]string{
		"/incidents/" + f.ids[0]:                    "/incidents/" + f.ids[0],
		"//evil.example/x":                          "/",
		"https://evil.example/":                     "/",
		"/incidents/../healthz":                     "/",
		"/incidents/a\\b":                           "/",
		"/incidents/\t/x":                           "/",
		"/incidents/" + f.ids[0] + "/ap-melding.md": "/incidents/" + f.ids[0] + "/ap-melding.md",
	} {
		b := f.browser(t)
		b.get("/login?next=" + url.QueryEscape(next))
		resp, _ := b.post("/login", url.Values{"csrf": {b.csrf}, "token": {f.secrets[RoleAdmin]}, "next": {next}})
		if got := resp.Header.Get("Location"); got != want {
			t.Errorf("next %q: redirected to %q, want %q", next, got, want)
		}
	}
}

func TestWebSecureCookieOverTLS(t *testing.T) {
	f := newWebFixture(t)
	srv := httptest.NewTLSServer(f.handler)
	t.Cleanup(srv.Close)
	b := f.browser(t)
	b.base, b.c.Transport = srv.URL, srv.Client().Transport
	b.get("/login")
	resp, _ := b.post("/login", url.Values{"csrf": {b.csrf}, "token": {f.secrets[RoleFG]}})
	if c := cookieNamed(resp, sessionCookie); c == nil || !c.Secure || !c.HttpOnly {
		t.Fatalf("session cookie over TLS: %+v", c)
	}
}

func TestWebLoginFailuresAreLimited(t *testing.T) {
	setFor(t, &loginFailureLimit, 3)
	f := newWebFixture(t)
	b := f.browser(t)
	for i := range 3 {
		b.get("/login")
		if resp, _ := b.post("/login", url.Values{"csrf": {b.csrf}, "token": {"lw_guess"}}); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d", i+1, resp.StatusCode)
		}
	}
	b.get("/login")
	resp, body := b.post("/login", url.Values{"csrf": {b.csrf}, "token": {f.secrets[RoleFG]}})
	if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, "Te veel mislukte pogingen") {
		t.Fatalf("after the limit: %d", resp.StatusCode)
	}
}

func TestWebSessionRequired(t *testing.T) {
	f := newWebFixture(t)
	b := f.browser(t)
	id := f.ids[0]
	if resp, _ := b.get("/incidents/" + id); resp.StatusCode != http.StatusSeeOther ||
		resp.Header.Get("Location") != "/login?next="+url.QueryEscape("/incidents/"+id) {
		t.Fatalf("page without session: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp, _ := b.get("/incidents/" + id + "/ap-melding.md"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("document without session: %d", resp.StatusCode)
	}
	for _, path := range []string{"/incidents/" + id + "/assessment", "/incidents/" + id + "/triage", "/logout"} {
		if resp, _ := b.post(path, url.Values{"csrf": {"x"}}); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("POST %s without session: %d", path, resp.StatusCode)
		}
	}
	req, _ := http.NewRequest("GET", f.web.URL+"/", nil)
	req.AddCookie(&http.Cookie{Name: sessionCookie, Value: "made-up"})
	if resp, _ := b.do(req); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("a made-up session: %d", resp.StatusCode)
	}
	// A bearer token is for the API; the page wants a session.
	req, _ = http.NewRequest("GET", f.web.URL+"/", nil)
	req.Header.Set("Authorization", "Bearer "+f.secrets[RoleFG])
	if resp, _ := b.do(req); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("bearer token on the page: %d", resp.StatusCode)
	}
}

func TestWebRoles(t *testing.T) {
	f := newWebFixture(t)
	f.open(t, f.ids[1])
	fg, analyst := f.browser(t), f.browser(t)
	fg.login(f.secrets[RoleFG])
	analyst.login(f.secrets[RoleAnalyst])

	// The FG sees the drafts too: their 72 hours run from discovery.
	_, body := fg.get("/")
	if !strings.Contains(body, f.ids[0]) || !strings.Contains(body, f.ids[1]) {
		t.Errorf("the FG's list lacks the draft or the open incident:\n%s", body)
	}
	_, body = analyst.get("/")
	if !strings.Contains(body, f.ids[0]) || !strings.Contains(body, f.ids[1]) {
		t.Errorf("the security team's list lacks the draft or the open incident")
	}
	// Every role reads; the forms follow the role.
	_, body = fg.get("/incidents/" + f.ids[1])
	if !strings.Contains(body, `id="assessment-submit"`) || strings.Contains(body, `id="triage-form"`) {
		t.Error("the FG's page: want the assessment form, no triage form")
	}
	_, body = analyst.get("/incidents/" + f.ids[0])
	if !strings.Contains(body, `id="triage-form"`) || strings.Contains(body, `id="assessment-submit"`) {
		t.Error("the security team's page of a draft: want the triage form, no assessment form")
	}

	fg.get("/incidents/" + f.ids[0])
	resp, body := fg.post("/incidents/"+f.ids[0]+"/triage", url.Values{"csrf": {fg.csrf}, "decision": {"open"}, "reason": {"x"}})
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "Geen toegang") ||
		!strings.Contains(body, "alleen het securityteam of een beheerder kan een concept openen of afwijzen") {
		t.Errorf("FG triage: %d, want 403 saying who can: %s", resp.StatusCode, body)
	}
	resp, _ = analyst.post("/incidents/"+f.ids[1]+"/assessment", url.Values{"csrf": {analyst.csrf}, "q_security_incident": {"yes"}})
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("analyst assessment: %d", resp.StatusCode)
	}
	in, _ := f.reg.Show(context.Background(), f.ids[1], "test", "test")
	if in.Assessment.Questions[0].Answer != "" {
		t.Fatal("a refused request recorded an answer")
	}
}

func TestWebCSRF(t *testing.T) {
	f := newWebFixture(t)
	id := f.ids[0]
	f.open(t, id)
	fg, analyst := f.browser(t), f.browser(t)
	fg.login(f.secrets[RoleFG])
	analyst.login(f.secrets[RoleAdmin])
	path := "/incidents/" + id + "/assessment"
	answer := func(csrf string) url.Values {
		return url.Values{"csrf": {csrf}, "q_security_incident": {"yes"}}
	}
	for name, tc := range map[string]struct {
		form    url.Values
		headers []string
	}{
		"missing":               {url.Values{"q_security_incident": {"yes"}}, nil},
		"forged":                {answer("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"), nil},
		"another session's":     {answer(analyst.csrf), nil},
		"cross-origin Origin":   {answer(fg.csrf), []string{"Origin: https://evil.example"}},
		"cross-site fetch":      {answer(fg.csrf), []string{"Sec-Fetch-Site: cross-site"}},
		"cross-origin Referer":  {answer(fg.csrf), []string{"Referer: https://evil.example/page"}},
		"same-site, not origin": {answer(fg.csrf), []string{"Sec-Fetch-Site: same-site"}},
	} {
		if resp, _ := fg.post(path, tc.form, tc.headers...); resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s csrf token: %d, want 403", name, resp.StatusCode)
		}
	}
	in, _ := f.reg.Show(context.Background(), id, "test", "test")
	if in.Assessment.Questions[0].Answer != "" {
		t.Fatal("a forged request recorded an answer")
	}
	// The real form from this site, as a browser sends it.
	resp, _ := fg.post(path, answer(fg.csrf), "Origin: "+f.web.URL, "Sec-Fetch-Site: same-origin", "Referer: "+f.web.URL+"/incidents/"+id)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("same-origin form: %d", resp.StatusCode)
	}
	if !strings.Contains(f.log.String(), "csrf token missing or wrong") {
		t.Error("refused csrf tokens are not logged")
	}
}

func TestWebEscapesRegisterText(t *testing.T) {
	f := newWebFixture(t)
	h := hit.Hit{Detector: "record_snooping", Rule: "lw-snoop", Severity: hit.SeverityMedium, User: `<img src=x onerror=alert(1)>`,
		Pattern: "snoop", Time: t0, Window: time.Hour, Categories: []hit.Category{hit.CategoryName}, Subjects: 3,
		Summary:  `dossiers bekeken <script>alert("summary")</script>`,
		Evidence: []hit.Evidence{{Kind: hit.EvidenceLine, Input: "zaak", Source: `/logs/"><script>alert(3)</script>`, Time: t0, Text: `{"q":"<script>alert('evidence')</script>"}`}}}
	res, err := f.reg.Add(context.Background(), []hit.Hit{h})
	if err != nil {
		t.Fatal(err)
	}
	id := res[0].Incident
	f.open(t, id)
	b := f.browser(t)
	b.login(f.secrets[RoleFG])
	for _, path := range []string{"/", "/incidents/" + id} {
		resp, body := b.get(path)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d", path, resp.StatusCode)
		}
		for _, bad := range []string{"<script>alert", "<img src=x", `"><script>`} {
			if strings.Contains(body, bad) {
				t.Errorf("%s renders %q unescaped", path, bad)
			}
		}
		if !strings.Contains(body, "&lt;script&gt;alert(&#34;summary&#34;)&lt;/script&gt;") {
			t.Errorf("%s lacks the escaped summary", path)
		}
	}
	if _, body := b.get("/incidents/" + id); !strings.Contains(body, "&lt;script&gt;alert(&#39;evidence&#39;)") {
		t.Error("the evidence line is not shown escaped")
	}
}

func TestWebAssessment(t *testing.T) {
	f := newWebFixture(t)
	id := f.ids[0]
	f.open(t, id)
	b := f.browser(t)
	b.login(f.secrets[RoleFG])
	resp, body := b.get("/incidents/" + id)
	if resp.StatusCode != 200 || !strings.Contains(body, `id="q-security_incident-yes"`) || !strings.Contains(body, "nog 72 uur") {
		t.Fatalf("incident page: %d\n%s", resp.StatusCode, body)
	}
	form := url.Values{"csrf": {b.csrf},
		"q_security_incident": {"yes"}, "q_personal_data": {"yes"}, "q_sensitive": {"yes"}, "q_readable": {"yes"},
		"q_remedied": {"no"}, "q_disproportionate_effort": {"no"},
		"d_motivation": {"BSN's van 250 inwoners geëxporteerd\r\nzonder zaak."}, "d_measures_taken": {"account geblokkeerd"},
		"d_consequences": {""}, "d_ap_reported_on": {""}}
	resp, _ = b.post("/incidents/"+id+"/assessment", form)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/incidents/"+id {
		t.Fatalf("assessment: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	in, err := f.reg.Show(context.Background(), id, "test", "test")
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range in.Assessment.Questions {
		if q.By != "fg.gerritsen" || q.Answer == "" {
			t.Errorf("question %s: answer %q by %q, want the session's name", q.ID, q.Answer, q.By)
		}
	}
	d := in.Assessment.Details
	if d["motivation"].Value != "BSN's van 250 inwoners geëxporteerd\nzonder zaak." || d["motivation"].By != "fg.gerritsen" {
		t.Errorf("motivation %+v", d["motivation"])
	}
	if _, ok := d["consequences"]; ok {
		t.Error("an empty, untouched field was recorded")
	}
	if in.Status != register.StatusAssessed || in.History[len(in.History)-1].By != "fg.gerritsen" {
		t.Fatalf("status %s, history %+v", in.Status, in.History)
	}
	_, body = b.get("/incidents/" + id)
	for _, want := range []string{"Beoordeling opgeslagen: 6 antwoord(en), 2 toelichting(en). De beoordeling is compleet.",
		"registreren, melden bij de AP, betrokkenen informeren", "Antwoord FG: <strong>ja</strong> (fg.gerritsen,",
		"melding bij de AP nog te doen"} {
		if !strings.Contains(body, want) {
			t.Errorf("the page after the assessment lacks %q", want)
		}
	}
	if _, body = b.get("/incidents/" + id); strings.Contains(body, "Beoordeling opgeslagen") {
		t.Error("the flash message shows twice")
	}

	// The same answers again change nothing; a wrong date is refused.
	b.post("/incidents/"+id+"/assessment", url.Values{"csrf": {b.csrf}, "q_sensitive": {"yes"}})
	if _, body = b.get("/incidents/" + id); !strings.Contains(body, "Geen wijzigingen") {
		t.Error("no message for an unchanged form")
	}
	b.post("/incidents/"+id+"/assessment", url.Values{"csrf": {b.csrf}, "d_ap_reported_on": {"morgen"}})
	if _, body = b.get("/incidents/" + id); !strings.Contains(body, "Datum melding bij de AP moet een datum zijn") {
		t.Error("no message for a wrong date")
	}
	b.post("/incidents/"+id+"/assessment", url.Values{"csrf": {b.csrf}, "d_ap_reported_on": {"21-11-2026"}})
	if _, body = b.get("/?view=gemeld"); !strings.Contains(body, "gemeld bij de AP op 21-11-2026") || !strings.Contains(body, id) {
		t.Error("the list's view gemeld does not show the melding bij de AP as dd-mm-jjjj")
	}
	if in, _ := f.reg.Summary(context.Background(), id); in.Assessment.Details["ap_reported_on"].Value != "2026-11-21" {
		t.Errorf("the date is stored as %q, want 2026-11-21", in.Assessment.Details["ap_reported_on"].Value)
	}
}

func TestWebTriage(t *testing.T) {
	f := newWebFixture(t)
	b := f.browser(t)
	b.login(f.secrets[RoleAnalyst])
	path := "/incidents/" + f.ids[0] + "/triage"
	b.post(path, url.Values{"csrf": {b.csrf}, "decision": {"open"}, "reason": {"  "}})
	if _, body := b.get("/incidents/" + f.ids[0]); !strings.Contains(body, "geef een reden") {
		t.Error("no message for a missing reason")
	}
	resp, _ := b.post(path, url.Values{"csrf": {b.csrf}, "decision": {"open"}, "reason": {"export zonder zaak"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("triage: %d", resp.StatusCode)
	}
	in, _ := f.reg.Get(context.Background(), f.ids[0])
	if in.Status != register.StatusOpen {
		t.Fatalf("status %s", in.Status)
	}
	if _, body := b.get("/incidents/" + f.ids[0]); !strings.Contains(body, "Besluit vastgelegd: open.") || !strings.Contains(body, "export zonder zaak") {
		t.Error("the page after triage lacks the message or the history")
	}
	b.post(path, url.Values{"csrf": {b.csrf}, "decision": {"dismiss"}, "reason": {"toch niet"}})
	if _, body := b.get("/incidents/" + f.ids[0]); !strings.Contains(body, "Niet opgeslagen") {
		t.Error("triage of an open incident: no message")
	}
}

func TestWebDocuments(t *testing.T) {
	f := newWebFixture(t)
	id := f.ids[0]
	f.open(t, id)
	b := f.browser(t)
	b.login(f.secrets[RoleFG])
	for _, doc := range []string{"ap-melding.md", "ap-melding.json", "brief.md"} {
		resp, body := b.get("/incidents/" + id + "/" + doc)
		cd := resp.Header.Get("Content-Disposition")
		if resp.StatusCode != 200 || cd != `attachment; filename=`+id+"-"+doc || !strings.Contains(body, id) {
			t.Errorf("%s: %d %q\n%s", doc, resp.StatusCode, cd, body)
		}
		if resp.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("%s: Cache-Control %q", doc, resp.Header.Get("Cache-Control"))
		}
		if strings.HasSuffix(doc, ".json") && !json.Valid([]byte(body)) {
			t.Errorf("%s is not JSON", doc)
		}
		if strings.Contains(body, `"count":250`) {
			t.Errorf("%s holds evidence text", doc)
		}
	}
	log, err := f.reg.AccessLog(context.Background(), id)
	if err != nil || len(log) != 3 || log[0].By != "fg.gerritsen" || log[0].Action != "web ap-melding.md" {
		t.Fatalf("downloads not logged as reads: %+v %v", log, err)
	}
	if resp, _ := b.get("/incidents/LW-2026-999999/brief.md"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown incident: %d", resp.StatusCode)
	}
	// Reading the page is logged too, with the session's name.
	b.get("/incidents/" + id)
	log, _ = f.reg.AccessLog(context.Background(), id)
	if last := log[len(log)-1]; last.By != "fg.gerritsen" || last.Action != "web show" {
		t.Errorf("page view logged as %+v", last)
	}
}

func TestWebSecurityHeaders(t *testing.T) {
	f := newWebFixture(t)
	b := f.browser(t)
	resp, _ := b.get("/login")
	check := func(what string, h http.Header) {
		t.Helper()
		csp := h.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'self'", "frame-ancestors 'none'", "object-src 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: CSP %q lacks %q", what, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-inline") {
			t.Errorf("%s: CSP allows inline script or style", what)
		}
		for k, v := range map[string]string{"X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer", "Cache-Control": "no-store",
			"X-Content-Type-Options": "nosniff"} {
			if h.Get(k) != v {
				t.Errorf("%s: %s %q, want %q", what, k, h.Get(k), v)
			}
		}
	}
	check("login", resp.Header)
	b.login(f.secrets[RoleFG])
	resp, _ = b.get("/")
	check("list", resp.Header)
	resp, _ = b.get("/incidents/LW-2026-999999")
	check("404", resp.Header)
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown incident: %d", resp.StatusCode)
	}
	for _, asset := range []string{"/static/style.css", "/static/countdown.js"} {
		if resp, body := b.get(asset); resp.StatusCode != 200 || len(body) == 0 {
			t.Errorf("%s: %d", asset, resp.StatusCode)
		}
	}
}

func TestWebLogoutAndRevokedTokens(t *testing.T) {
	f := newWebFixture(t)
	b := f.browser(t)
	b.login(f.secrets[RoleFG])
	u, _ := url.Parse(f.web.URL)
	old := b.c.Jar.Cookies(u)
	resp, _ := b.post("/logout", url.Values{"csrf": {b.csrf}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login" {
		t.Fatalf("logout: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	b.c.Jar.SetCookies(u, old) // the old cookie, replayed
	if resp, _ := b.get("/"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("after logout: %d", resp.StatusCode)
	}

	b.login(f.secrets[RoleFG])
	if resp, _ := b.get("/"); resp.StatusCode != 200 {
		t.Fatalf("logged in again: %d", resp.StatusCode)
	}
	empty, _ := ParseTokens(nil, "empty.yaml") // tokens reloaded on SIGHUP without this one
	f.tokens.Store(empty)
	if resp, _ := b.get("/"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("a revoked token's session: %d", resp.StatusCode)
	}
}

func TestSessionsExpire(t *testing.T) {
	s := newSessions(8 * time.Hour)
	now := t0
	s.now = func() time.Time { return now }
	id := s.start(Token{Name: "fg", Role: RoleFG})
	if _, sess, ok := s.get(id); !ok || sess.token.Name != "fg" || len(sess.csrf) < 40 {
		t.Fatalf("new session %+v %v", sess, ok)
	}
	if _, _, ok := s.get(id + "x"); ok {
		t.Fatal("another id found the session")
	}
	now = now.Add(8 * time.Hour)
	if _, _, ok := s.get(id); ok || len(s.m) != 0 {
		t.Fatal("an expired session is still valid or kept")
	}
}

func TestCountdown(t *testing.T) {
	dl := t0.Add(72 * time.Hour)
	for _, tc := range []struct {
		left        time.Duration
		text, class string
	}{
		{72 * time.Hour, "nog 72 uur", "ok"},
		{41*time.Hour + 59*time.Minute, "nog 41 uur", "ok"},
		{23 * time.Hour, "nog 23 uur", "soon"},
		{59 * time.Minute, "nog 59 min", "soon"},
		{10 * time.Second, "nog 1 min", "soon"},
		{0, "termijn verstreken", "overdue"},
		{-30 * time.Hour, "termijn verstreken", "overdue"},
	} {
		if c := countdown(dl, dl.Add(-tc.left)); c.Text != tc.text || c.Class != tc.class || !c.Live {
			t.Errorf("%v left: %+v, want %q %s", tc.left, c, tc.text, tc.class)
		}
	}
}
