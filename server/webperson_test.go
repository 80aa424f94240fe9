package server

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lekwacht/lekwacht/directory"
	"github.com/lekwacht/lekwacht/hit"
	"github.com/lekwacht/lekwacht/identity"
	"github.com/lekwacht/lekwacht/people"
	"github.com/lekwacht/lekwacht/register"
)

// testStaff is the fixtures' directory: a.bakker and j.devries (the fixture's two drafts) and their
// manager m.smit.
const testStaff = `user,name,email,private_email,department,workstations,status,end_date,aliases,upn,sid,employee_id,manager,admin_accounts
a.bakker,Anna Bakker,a.bakker@voorbeeld.nl,,Burgerzaken,WS-0101;LT-0101,active,,anna.bakker@voorbeeld.nl;abakker,abakker@voorbeeld.local,S-1-5-21-3623811015-3361044348-30300820-1101,001101,m.smit,adm_abakker
j.devries,Jan de Vries,j.devries@voorbeeld.nl,,Sociaal Domein,WS-0102,leave,2026-12-31,,jdevries@voorbeeld.local,,001102,m.smit,
m.smit,Marieke Smit,m.smit@voorbeeld.nl,,Burgerzaken,WS-0100,active,,,msmit@voorbeeld.local,,001100,,
`

func testPeople(t *testing.T, reg *register.Register) *people.Finder {
	t.Helper()
	return peopleOf(t, reg, testStaff)
}

func peopleOf(t *testing.T, reg *register.Register, csv string) *people.Finder {
	t.Helper()
	d, err := directory.Read(strings.NewReader(csv), "staff.csv")
	if err != nil {
		t.Fatal(err)
	}
	dir := func() *directory.Directory { return d }
	return people.New(reg, identity.New(dir, identity.Options{OwnDomains: []string{"voorbeeld.nl"}}), dir, 7*24*time.Hour)
}

// addIncident registers one hit and returns its incident.
func addIncident(t *testing.T, reg *register.Register, user, detector, pattern string, at time.Time, summary string, hosts ...string) string {
	t.Helper()
	res, err := reg.Add(context.Background(), []hit.Hit{{Detector: detector, Rule: "lw-" + detector, Severity: hit.SeverityMedium,
		User: user, Pattern: pattern, Hosts: hosts, Time: at, Window: time.Hour, Subjects: 2, Summary: summary,
		Evidence: []hit.Evidence{{Kind: hit.EvidenceLine, Input: "windows", Source: "/logs/" + pattern + ".log", Offset: at.Unix(), Time: at, Text: "{}"}}}})
	if err != nil {
		t.Fatal(err)
	}
	return res[0].Incident
}

// story is Anna Bakker's month on top of the fixture's two drafts: a logon on Jan de Vries's
// workstation a day later, an export under her old DOMAIN\ name two days later, snooping that was
// dismissed, and a mail to a private address three weeks before.
type story struct {
	foreign, legacy, dismissed, earlier string
}

func (f *fixture) story(t *testing.T) story {
	t.Helper()
	day := 24 * time.Hour
	s := story{
		foreign: addIncident(t, f.reg, "a.bakker", "shared_credentials", "foreign-workstation", t0.Add(day),
			"aanmelding op de werkplek van een andere medewerker", "WS-0101", "WS-0102"),
		legacy: addIncident(t, f.reg, `VOORBEELD\abakker`, "threshold", "exports", t0.Add(2*day), "37 exports in een uur"),
		dismissed: addIncident(t, f.reg, "a.bakker", "record_snooping", "snoop", t0.Add(3*day),
			"12 dossiers van buiten de eigen zaken bekeken"),
		earlier: addIncident(t, f.reg, "a.bakker", "private_mail", "private", t0.Add(-20*day), "bijlage naar privé-adres gestuurd"),
	}
	if _, err := f.reg.Move(context.Background(), s.dismissed, register.StatusDismissed, "sec.jansen", "zaak van een collega waargenomen"); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestAPIPerson(t *testing.T) {
	f := newFixture(t)
	s := f.story(t)
	timeline := []string{s.earlier, f.ids[0], s.foreign, s.legacy, s.dismissed}
	for _, id := range []string{"a.bakker", "A.Bakker", `VOORBEELD\abakker`, "abakker@voorbeeld.local", "anna.bakker@voorbeeld.nl",
		"S-1-5-21-3623811015-3361044348-30300820-1101", "1101", "adm_abakker", "Anna Bakker"} {
		code, m, body := f.do(t, "GET", "/api/v1/persons/"+url.PathEscape(id), f.secrets[RoleAnalyst], "")
		if code != 200 || m["account"] != "a.bakker" {
			t.Fatalf("%q: %d %s", id, code, body)
		}
		var v struct {
			Incidents []register.Incident `json:"incidents"`
		}
		json.Unmarshal(body, &v)
		var got []string
		for _, in := range v.Incidents {
			got = append(got, in.ID)
		}
		if !slices.Equal(got, timeline) {
			t.Errorf("%q: incidents %v, want %v", id, got, timeline)
		}
	}
	_, m, body := f.do(t, "GET", "/api/v1/persons/a.bakker", f.secrets[RoleFG], "")
	if m["name"] != "Anna Bakker" || m["department"] != "Burgerzaken" || m["status"] != "active" ||
		m["manager"].(map[string]any)["name"] != "Marieke Smit" || len(m["identifiers"].([]any)) != 7 || len(m["workstations"].([]any)) != 2 {
		t.Errorf("the person: %s", body)
	}
	first := m["incidents"].([]any)[0].(map[string]any)
	for _, k := range []string{"id", "status", "detector", "rule", "severity", "user", "hosts", "first_seen", "last_seen",
		"discovered_at", "deadline", "data_categories", "subjects", "evidence_count", "summary"} {
		if _, ok := first[k]; !ok {
			t.Errorf("an incident in the person view lacks the list's %q", k)
		}
	}
	if _, ok := first["evidence"]; ok {
		t.Error("the person view carries evidence")
	}
	// Every read is logged under the token's name.
	log, err := f.reg.PersonAccessLog(context.Background(), "a.bakker")
	if err != nil || len(log) != 10 || log[9].By != "user-fg" || log[9].Action != "api person" {
		t.Errorf("person access log: %d %+v %v", len(log), log, err)
	}

	// An account nobody owns that has incidents: shown, without a person.
	ghost := addIncident(t, f.reg, "oud-account", "shared_credentials", "x", t0, "aanmelding met een oud account")
	code, m, body := f.do(t, "GET", "/api/v1/persons/oud-account", f.secrets[RoleAdmin], "")
	if code != 200 || m["identity"] != "unknown" || m["account"] != nil || len(m["incidents"].([]any)) != 1 ||
		m["incidents"].([]any)[0].(map[string]any)["id"] != ghost {
		t.Errorf("an unowned account: %d %s", code, body)
	}
	// No one, and no incident: 404 with a JSON error. A '/' in the name stays part of it.
	for _, id := range []string{"niemand", "a.bakker/extra", "../incidents"} {
		code, m, body = f.do(t, "GET", "/api/v1/persons/"+url.PathEscape(id), f.secrets[RoleAnalyst], "")
		if code != 404 || !strings.Contains(m["error"].(string), "no one in the directory has this name") {
			t.Errorf("%q: %d %s, want 404 with a JSON error", id, code, body)
		}
	}
}

func TestAPIIncidentAddsPersonRelatedAndHostOwners(t *testing.T) {
	f := newFixture(t)
	s := f.story(t)
	code, m, body := f.do(t, "GET", "/api/v1/incidents/"+f.ids[0], f.secrets[RoleFG], "")
	if code != 200 {
		t.Fatalf("%d %s", code, body)
	}
	if p := m["person"].(map[string]any); p["account"] != "a.bakker" || p["name"] != "Anna Bakker" || p["department"] != "Burgerzaken" {
		t.Errorf("person %v", p)
	}
	if rel := m["related"].([]any); len(rel) != 2 || rel[0] != s.foreign || rel[1] != s.legacy {
		t.Errorf("related %v, want [%s %s] (not the dismissed %s, not %s three weeks before)", rel, s.foreign, s.legacy, s.dismissed, s.earlier)
	}
	for _, k := range []string{"id", "status", "user", "evidence", "assessment", "history", "deadline", "summary"} {
		if _, ok := m[k]; !ok {
			t.Errorf("show lost %q", k)
		}
	}
	_, m, _ = f.do(t, "GET", "/api/v1/incidents/"+s.foreign, f.secrets[RoleFG], "")
	if o := m["host_owners"].([]any); len(o) != 1 || o[0].(map[string]any)["host"] != "WS-0102" || o[0].(map[string]any)["account"] != "j.devries" {
		t.Errorf("host owners %v, want WS-0102 of j.devries", o)
	}
	if _, ok := m["user"]; !ok || m["user"] != "a.bakker" {
		t.Errorf("user %v", m["user"])
	}
}

func TestWebPersonPage(t *testing.T) {
	f := newWebFixture(t)
	s := f.story(t)
	b := f.browser(t)
	b.login(f.secrets[RoleFG])
	resp, body := b.get("/persons/" + url.PathEscape(`VOORBEELD\abakker`))
	if resp.StatusCode != 200 {
		t.Fatalf("person page: %d\n%s", resp.StatusCode, body)
	}
	for _, want := range []string{"Anna Bakker", "Burgerzaken", `href="/persons/m.smit">Marieke Smit</a>`, "in dienst", "WS-0101", "LT-0101",
		"abakker@voorbeeld.local", "S-1-5-21-3623811015-3361044348-30300820-1101", "personeelsnummer", "beheeraccount", "adm_abakker",
		"Incidenten (5)", `href="/incidents/` + s.earlier + `"`, `href="/incidents/` + s.dismissed + `"`, "afgewezen",
		"uw inzage is vastgelegd", "Toegangslog: wie heeft deze medewerker opgezocht (1)"} {
		if !strings.Contains(body, want) {
			t.Errorf("the person page lacks %q", want)
		}
	}
	// Oldest first.
	order := []string{s.earlier, f.ids[0], s.foreign, s.legacy, s.dismissed}
	for i := 1; i < len(order); i++ {
		if strings.Index(body, `"/incidents/`+order[i-1]+`"`) > strings.Index(body, `"/incidents/`+order[i]+`"`) {
			t.Errorf("%s comes after %s on the timeline", order[i-1], order[i])
		}
	}
	if log, _ := f.reg.PersonAccessLog(context.Background(), "a.bakker"); len(log) != 1 || log[0].By != "fg.gerritsen" || log[0].Action != "web person" {
		t.Errorf("the page view is logged as %+v", log)
	}
	// The manager's page, with a status and an end date.
	if _, body = b.get("/persons/j.devries"); !strings.Contains(body, "met verlof, einddatum 31-12-2026") || !strings.Contains(body, "Sociaal Domein") {
		t.Errorf("j.devries's page lacks the status and end date")
	}
	// A name nobody owns that has incidents, and one that has none.
	addIncident(t, f.reg, "oud-account", "shared_credentials", "x", t0, "aanmelding met een oud account")
	if resp, body = b.get("/persons/oud-account"); resp.StatusCode != 200 || !strings.Contains(body, "Niemand in het personeelsbestand heeft deze naam") ||
		!strings.Contains(body, "aanmelding met een oud account") || !strings.Contains(body, "lekwacht identities unresolved") {
		t.Errorf("an unowned account's page: %d", resp.StatusCode)
	}
	if resp, body = b.get("/persons/niemand"); resp.StatusCode != 404 || !strings.Contains(body, "Niemand gevonden") {
		t.Errorf("nobody's page: %d", resp.StatusCode)
	}
	// lekwacht's own log names no one: the paths of person pages are logged without the name.
	if log := f.log.String(); strings.Contains(log, "bakker") || strings.Contains(log, "oud-account") || strings.Contains(log, "niemand") ||
		!strings.Contains(log, "path=/persons/{id}") {
		t.Errorf("the log names the person looked up:\n%s", log)
	}
	// The list links each user to their page.
	analyst := f.browser(t)
	analyst.login(f.secrets[RoleAnalyst])
	if _, body = analyst.get("/"); !strings.Contains(body, `<a href="/persons/a.bakker" class="person-link">a.bakker</a>`) {
		t.Error("the list does not link the user to their page")
	}
}

func TestWebIncidentPageShowsPersonRelatedAndOwners(t *testing.T) {
	f := newWebFixture(t)
	s := f.story(t)
	b := f.browser(t)
	b.login(f.secrets[RoleAnalyst])
	_, body := b.get("/incidents/" + s.foreign)
	for _, want := range []string{`href="/persons/a.bakker" id="person-link">Anna Bakker</a>, Burgerzaken`,
		`<code>WS-0102</code> is de werkplek van <a href="/persons/j.devries">Jan de Vries</a>, Sociaal Domein`,
		"Gerelateerde incidenten", "binnen 7 dagen", `href="/incidents/` + f.ids[0] + `"`, `href="/incidents/` + s.legacy + `"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the incident page lacks %q", want)
		}
	}
	for _, not := range []string{`href="/incidents/` + s.dismissed + `"`, `href="/incidents/` + s.earlier + `"`, "WS-0101</code> is de werkplek"} {
		if strings.Contains(body, not) {
			t.Errorf("the incident page shows %q (dismissed, too long before, or her own workstation)", not)
		}
	}
	_, body = b.get("/incidents/" + s.earlier)
	if !strings.Contains(body, `id="no-related"`) {
		t.Error("an incident without related ones does not say so")
	}
	// An incident of a name nobody owns links to that name's page.
	ghost := addIncident(t, f.reg, "oud account/x", "shared_credentials", "x", t0, "aanmelding met een oud account")
	_, body = b.get("/incidents/" + ghost)
	if !strings.Contains(body, `href="/persons/oud%20account%2Fx" id="person-link">oud account/x</a>`) {
		t.Errorf("the unowned account's link is wrong:\n%s", body[strings.Index(body, "Medewerker"):][:300])
	}
	if resp, body := b.get("/persons/oud%20account%2Fx"); resp.StatusCode != 200 || !strings.Contains(body, ghost) {
		t.Errorf("following that link: %d", resp.StatusCode)
	}
}

// Names and directory fields are escaped everywhere, and a name makes no link of its own.
func TestWebPersonEscapes(t *testing.T) {
	f := newWebFixture(t)
	evil := `user,name,email,private_email,department,workstations,status,end_date,manager
x.evil,"<script>alert(""naam"")</script>",,,"""><img src=x onerror=alert(1)>",<b>WS-1</b>,active,,javascript:alert(2)
`
	f.web = httptest.NewServer(New(Options{Register: f.reg, Tokens: f.tokens.Load, Now: func() time.Time { return t0.Add(time.Hour) },
		People: peopleOf(t, f.reg, evil)}))
	t.Cleanup(f.web.Close)
	id := addIncident(t, f.reg, "x.evil", "shared_credentials", "x", t0, "s", "<b>WS-1</b>")
	addIncident(t, f.reg, `"><script>alert(3)</script>`, "shared_credentials", "y", t0, "s")
	b := f.browser(t)
	b.login(f.secrets[RoleFG])
	for _, path := range []string{"/persons/x.evil", "/persons/" + url.PathEscape(`"><script>alert(3)</script>`), "/incidents/" + id, "/"} {
		resp, body := b.get(path)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d", path, resp.StatusCode)
		}
		for _, bad := range []string{"<script>alert", "<img src=x", "<b>WS-1", `href="javascript:`, `"><script>`} {
			if strings.Contains(body, bad) {
				t.Errorf("%s renders %q unescaped", path, bad)
			}
		}
	}
	if _, body := b.get("/persons/x.evil"); !strings.Contains(body, `&lt;script&gt;alert(&#34;naam&#34;)&lt;/script&gt;`) ||
		!strings.Contains(body, `href="/persons/javascript:alert%282%29"`) {
		t.Errorf("the escaped name or the manager's link is missing")
	}
}

func TestWebLoginGoesBackToAPersonPage(t *testing.T) {
	f := newWebFixture(t)
	for next, want := range map[string]string{
		"/persons/a.bakker":              "/persons/a.bakker",
		"/persons/abakker@voorbeeld.nl":  "/persons/abakker@voorbeeld.nl",
		"/persons/../healthz":            "/",
		`/persons/VOORBEELD\abakker`:     "/",
		"/persons//evil.example":         "/",
		"/persons/a.bakker/../../x":      "/",
		"/persons/.hidden":               "/",
		"/persons/a.bakker?x=//evil.com": "/",
	} {
		b := f.browser(t)
		b.get("/login?next=" + url.QueryEscape(next))
		resp, _ := b.post("/login", url.Values{"csrf": {b.csrf}, "token": {f.secrets[RoleFG]}, "next": {next}})
		if got := resp.Header.Get("Location"); got != want {
			t.Errorf("next %q: redirected to %q, want %q", next, got, want)
		}
	}
	// Without a session, a person page sends to the login form and back.
	b := f.browser(t)
	if resp, _ := b.get("/persons/a.bakker"); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login?next=%2Fpersons%2Fa.bakker" {
		t.Errorf("person page without a session: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
}
