package daemon

// Log lines crafted to inject, end to end: real zaaksysteem (JSON), Samba audit, Postfix and sshd
// lines and files in a watched folder whose user names, hosts, paths, addresses and file names carry
// HTML, spreadsheet-formula, markdown and path-traversal payloads go through Replay into the
// register; then a triage reason and the FG's details carry more. Every output the FG gets is
// checked: the web page, the JSON API, the AP melding (markdown and JSON), the brief, the register
// export (CSV and XLSX) and the evidence zip.

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/lekwacht/lekwacht/collectors/jsonlog"
	"github.com/lekwacht/lekwacht/config"
	"github.com/lekwacht/lekwacht/documents"
	"github.com/lekwacht/lekwacht/register"
	"github.com/lekwacht/lekwacht/server"
)

// injPayloads are the attacks: HTML, spreadsheet formulas (OWASP CSV injection), markdown links,
// images, reference definitions and structure, control characters, a NUL and a very long value.
var injPayloads = []string{
	`<script>alert(1)</script>`,
	`"><img src=x onerror=alert(1)>`,
	`=HYPERLINK("http://evil","x")`,
	`+cmd|' /C calc'!A0`,
	`@SUM(1+1)`,
	`-2+3`,
	"\t=1+1",
	"\r=1+1",
	"regel een\n# kop\r\n=1+1\n| a | b |\n|---|---|",
	`[klik hier](javascript:alert(1))`,
	`](javascript:alert(1))`,
	`![x](http://evil.example/x.png)`,
	`[in te vullen door FG]: javascript:alert(1)`,
	`# heading`,
	`| a | b |`,
	`<http://evil.example>`,
	"nul\x00byte",
	"`code` **vet** \\ <b>",
	strings.Repeat("A", 5000) + `<script>alert(2)</script>`,
}

// injUsers are account names in the logs: no "|" (a Samba field separator) and no space (sshd).
var injUsers = []string{
	`<script>alert(1)</script>`,
	`=HYPERLINK("http://evil","x")`,
	`@SUM(1+1)`,
	"-2+3",
	"](javascript:alert(1))",
	"nul\x00user",
	strings.Repeat("u", 3000) + "<b>",
}

// injFileNames are names of files dropped into a watched folder (no "/", no NUL: Linux refuses them).
var injFileNames = []string{
	`..\..\..\etc\passwd.csv`,
	`"><img src=x onerror=alert(1)>.csv`,
	`=HYPERLINK("evil","x").csv`,
	"new\nline\r.csv",
	"tab\tname.csv",
	"..csv",
	strings.Repeat("x", 240) + ".csv",
}

func injBSNs(n int, seed uint64) []string {
	rng := rand.New(rand.NewPCG(seed, 7))
	var out []string
	for len(out) < n {
		d := fmt.Sprintf("%08d", 10000000+rng.IntN(89999999))
		sum := 0
		for i := range 8 {
			sum += (9 - i) * int(d[i]-'0')
		}
		if c := sum % 11; c < 10 {
			out = append(out, d+fmt.Sprint(c))
		}
	}
	return out
}

func injJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// injLogs writes the crafted logs and watched files under dir and returns the config reading them.
func injLogs(t *testing.T, dir string) *config.Config {
	t.Helper()
	logDir, watchDir := filepath.Join(dir, "log"), filepath.Join(dir, "watch")
	for _, d := range []string{logDir, watchDir} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	write := func(name, body string) {
		t.Helper()
		if err := os.WriteFile(name, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}

	// The zaaksysteem: an export of 500 records by each crafted account from a crafted host.
	var zaak strings.Builder
	for i, u := range injUsers {
		line := fmt.Sprintf(`{"ts":"2026-11-20T09:%02d:00+01:00","actor":{"id":%s},"action":"export.csv","subject":{"id":%s},"client":{"host":%s,"ip":"10.20.1.15"},"result":{"status":"ok","count":"500"}}`,
			i, injJSON(u), injJSON(injPayloads[i%len(injPayloads)]), injJSON(injPayloads[(i+1)%len(injPayloads)]))
		zaak.WriteString(line + "\n")
	}
	write(filepath.Join(logDir, "zaak.jsonl"), zaak.String())

	// Samba: one crafted account deletes 120 files with crafted paths (lw-mass-deletion: 100 in 10 min).
	var audit strings.Builder
	for i := range 120 {
		p := []string{"/srv/shares/../../etc/passwd", `..\..\windows\system32`, `=HYPERLINK("http://evil","x")`,
			`<script>alert(1)<\script>`, "](javascript:alert(1))"}[i%5]
		fmt.Fprintf(&audit, "Nov 20 10:%02d:%02d fs01 smbd_audit[4121]: VOORBEELD\\%s|10.20.1.15|%s|burgerzaken|unlinkat|ok|%s/f%03d.docx\n",
			i/60, i%60, injUsers[0], `"><img src=x onerror=alert(1)>`, p, i)
	}
	write(filepath.Join(logDir, "audit.log"), audit.String())

	// Postfix: large mails from an own domain to crafted gmail addresses by crafted SASL users.
	var mail strings.Builder
	for i, rcpt := range []string{`=HYPERLINK("http://evil")@gmail.com`, `"<img/src=x/onerror=alert(1)"@gmail.com`, `[x](javascript:alert(1))@gmail.com`} {
		q := fmt.Sprintf("%dA7B8C9D0E", i+1)
		fmt.Fprintf(&mail, "Feb 17 13:4%d:00 mx1 postfix/smtpd[3100]: %s: client=ws-0404.voorbeeld.nl[10.1.4.4], sasl_method=PLAIN, sasl_username=%s\n", i, q, injUsers[i])
		fmt.Fprintf(&mail, "Feb 17 13:4%d:00 mx1 postfix/cleanup[3101]: %s: info: header Subject: %s from ws-0404.voorbeeld.nl[10.1.4.4]; from=<l.meijer@voorbeeld.nl> to=<%s> proto=ESMTP helo=<ws-0404.voorbeeld.nl>\n",
			i, q, strings.ReplaceAll(injPayloads[i], "\n", " "), rcpt)
		fmt.Fprintf(&mail, "Feb 17 13:4%d:00 mx1 postfix/qmgr[900]: %s: from=<l.meijer@voorbeeld.nl>, size=880000, nrcpt=1 (queue active)\n", i, q)
		fmt.Fprintf(&mail, "Feb 17 13:4%d:01 mx1 postfix/smtp[3102]: %s: to=<%s>, relay=gmail-smtp-in.l.google.example[203.0.113.26]:25, delay=1, delays=0.1/0/0.4/0.5, dsn=2.0.0, status=sent (250 2.0.0 OK - gsmtp)\n", i, q, rcpt)
		fmt.Fprintf(&mail, "Feb 17 13:4%d:01 mx1 postfix/qmgr[900]: %s: removed\n", i, q)
	}
	write(filepath.Join(logDir, "mail.log"), mail.String())

	// sshd: crafted accounts of leavers log on (lw-shared-credentials, critical).
	var auth, staff strings.Builder
	staff.WriteString("user,name,email,private_email,department,workstations,status,end_date\n")
	cw := csv.NewWriter(&staff)
	for i, u := range injUsers[:3] {
		fmt.Fprintf(&auth, "Nov 20 11:00:%02d srv sshd[%d]: Accepted password for %s from 192.0.2.1 port %d ssh2\n", i, 1000+i, u, 10000+i)
		cw.Write([]string{u, injPayloads[1], fmt.Sprintf("u%d@voorbeeld.nl", i), "", injPayloads[i], fmt.Sprintf("WS-%d", i), "left", "2026-10-01"})
	}
	cw.Write([]string{"l.meijer", "L. Meijer", "l.meijer@voorbeeld.nl", "", "Sociaal Domein", "WS-0404", "active", ""})
	cw.Flush()
	write(filepath.Join(logDir, "auth.log"), auth.String())
	write(filepath.Join(dir, "staff.csv"), staff.String())

	// A watched folder: files with BSN columns, under crafted names.
	for i, name := range injFileNames {
		write(filepath.Join(watchDir, name), "bsn;naam\n"+strings.Join(injBSNs(30, uint64(i)), ";x\n")+";x\n")
	}

	mapping, err := jsonlog.LoadMapping("../collectors/jsonlog/mappings/zaaksysteem.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg := testConfig(t, dir,
		config.Input{Name: "zaaksysteem", Format: "json", Mapping: mapping, Paths: []string{filepath.Join(logDir, "zaak.jsonl")}},
		config.Input{Name: "shares", Format: "samba-audit", Paths: []string{filepath.Join(logDir, "audit.log")}},
		config.Input{Name: "mail", Format: "postfix", Paths: []string{filepath.Join(logDir, "mail.log")}},
		config.Input{Name: "ssh", Format: "sshd", Paths: []string{filepath.Join(logDir, "auth.log")}})
	cfg.Watch = []config.Watch{{Path: watchDir}}
	cfg.Directory = filepath.Join(dir, "staff.csv")
	cfg.Organisation.Domains = []string{"voorbeeld.nl"}
	cfg.Organisation.Name = `=HYPERLINK("http://evil","Gemeente") <b>Voorbeeld</b>`
	cfg.Organisation.FG = config.Contact{Name: "+FG [x](javascript:alert(1))", Email: "@fg@voorbeeld.nl", Phone: "-14 0123"}
	return cfg
}

// injSite is the server over the replayed register, with a token per role.
type injSite struct {
	srv     *httptest.Server
	secrets map[server.Role]string
}

func newInjSite(t *testing.T, reg *register.Register, org config.Organisation, now time.Time) *injSite {
	t.Helper()
	path := filepath.Join(t.TempDir(), "tokens.yaml")
	s := &injSite{secrets: map[server.Role]string{}}
	for _, r := range server.Roles {
		secret, err := server.AddToken(path, "tok-"+string(r), r)
		if err != nil {
			t.Fatal(err)
		}
		s.secrets[r] = secret
	}
	tokens, err := server.LoadTokens(path)
	if err != nil {
		t.Fatal(err)
	}
	h := server.New(server.Options{Register: reg, Tokens: func() *server.Tokens { return tokens }, Organisation: org,
		Now: func() time.Time { return now }})
	s.srv = httptest.NewServer(h)
	t.Cleanup(s.srv.Close)
	return s
}

// api sends a request with the role's bearer token and returns the status and body.
func (s *injSite) api(t *testing.T, method, p string, role server.Role, body any) (int, []byte) {
	t.Helper()
	var r io.Reader
	if body != nil {
		r = strings.NewReader(injJSON(body))
	}
	req, _ := http.NewRequest(method, s.srv.URL+p, r)
	req.Header.Set("Authorization", "Bearer "+s.secrets[role])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

var injCSRF = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// injBrowser logs in through the web form and returns a client with the session cookie.
type injBrowser struct {
	c    *http.Client
	base string
	csrf string
}

func (s *injSite) login(t *testing.T, role server.Role) *injBrowser {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	b := &injBrowser{base: s.srv.URL, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	b.get(t, "/login")
	resp := b.post(t, "/login", url.Values{"token": {s.secrets[role]}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login as %s: %d", role, resp.StatusCode)
	}
	return b
}

func (b *injBrowser) get(t *testing.T, p string) (int, string) {
	t.Helper()
	resp, err := b.c.Get(b.base + p)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if m := injCSRF.FindSubmatch(body); m != nil {
		b.csrf = string(m[1])
	}
	return resp.StatusCode, string(body)
}

func (b *injBrowser) post(t *testing.T, p string, form url.Values) *http.Response {
	t.Helper()
	form.Set("csrf", b.csrf)
	req, _ := http.NewRequest("POST", b.base+p, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", b.base)
	resp, err := b.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

func TestInjectedLogLinesThroughEveryOutput(t *testing.T) {
	dir := t.TempDir()
	cfg := injLogs(t, dir)
	ctx := context.Background()
	sum, err := Replay(ctx, cfg, ReplayOptions{})
	if err != nil {
		t.Fatal(err)
	}
	reg, err := register.Open(ctx, cfg.Register.Dir, register.Options{Location: cfg.Location()})
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Close()
	list, err := reg.List(ctx, register.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	// The crafted values arrived in the register as they were: escaping is the outputs' job.
	detectors := map[string]int{}
	users := map[string]bool{}
	for _, in := range list {
		detectors[in.Detector]++
		users[in.User] = true
	}
	for _, d := range []string{"bulk_bsn_export", "mass_deletion", "private_mail", "shared_credentials"} {
		if detectors[d] == 0 {
			t.Errorf("no %s incident from the crafted lines (replay %s; incidents by detector %v)", d, sum, detectors)
		}
	}
	for _, u := range injUsers {
		if !users[u] {
			t.Errorf("no incident of the crafted user %.40q", u)
		}
	}
	if t.Failed() {
		t.FailNow()
	}

	now := time.Now()
	site := newInjSite(t, reg, cfg.Organisation, now)
	analyst, fg := site.login(t, server.RoleAnalyst), site.login(t, server.RoleFG)
	// The security team's list of drafts, before any triage.
	if code, body := analyst.get(t, "/"); code != 200 || strings.Count(body, `class="incident-link"`) != len(list) {
		t.Fatalf("the drafts list: %d, want %d drafts", code, len(list))
	} else {
		injCheckHTML(t, "drafts list", body)
	}
	// Every incident is opened with a crafted reason (through the API and through the web form)
	// and assessed with crafted details, so each payload starts a cell of the register export.
	for i, in := range list {
		reason := injPayloads[i%len(injPayloads)]
		if i%2 == 0 {
			if code, b := site.api(t, "POST", "/api/v1/incidents/"+in.ID+"/triage", server.RoleAnalyst,
				server.TriageRequest{Decision: "open", Reason: reason}); code != 200 {
				t.Fatalf("triage %s: %d %s", in.ID, code, b)
			}
		} else {
			analyst.get(t, "/incidents/"+in.ID)
			if resp := analyst.post(t, "/incidents/"+in.ID+"/triage", url.Values{"decision": {"open"}, "reason": {reason}}); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("web triage %s: %d", in.ID, resp.StatusCode)
			}
		}
		details := map[string]string{}
		for j, k := range register.Details {
			details[k] = injPayloads[(i*len(register.Details)+j)%len(injPayloads)]
		}
		req := server.AssessmentRequest{Details: details, Answers: map[string]bool{"security_incident": true, "personal_data": true,
			"sensitive": true, "readable": true, "remedied": false, "disproportionate_effort": false}}
		if code, b := site.api(t, "POST", "/api/v1/incidents/"+in.ID+"/assessment", server.RoleFG, req); code != 200 {
			t.Fatalf("assess %s: %d %s", in.ID, code, b)
		}
	}

	var summaries []*register.Incident
	var fileEntries []string // files/ entries of the evidence zips: the watched files
	for _, in := range list {
		s, err := reg.Summary(ctx, in.ID)
		if err != nil {
			t.Fatal(err)
		}
		summaries = append(summaries, s)
		late := s.Deadline.Add(time.Hour) // the late reason is shown as a quote
		m := documents.NewAPMelding(cfg.Organisation, s, late)
		injCheckMarkdown(t, s.ID+" ap-melding.md", m.Markdown())
		js, err := json.MarshalIndent(m, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		injCheckJSON(t, s.ID+" ap-melding.json", js)
		injCheckBrief(t, s.ID+" brief", documents.Brief(cfg.Organisation, s))

		shown, err := reg.Show(ctx, in.ID, "test", "evidence export")
		if err != nil {
			t.Fatal(err)
		}
		var zb bytes.Buffer
		if err := documents.EvidenceZip(&zb, shown, func(e register.Evidence) (io.ReadCloser, error) { return reg.EvidenceFile(e) }); err != nil {
			t.Fatalf("%s evidence zip: %v", s.ID, err)
		}
		fileEntries = append(fileEntries, injCheckZip(t, s.ID, zb.Bytes(), len(shown.Evidence))...)

		for _, p := range []string{"/", "/incidents/" + s.ID} {
			code, body := fg.get(t, p)
			if code != 200 {
				t.Fatalf("GET %s: %d", p, code)
			}
			injCheckHTML(t, "page "+p, body)
		}
		for _, doc := range []string{"ap-melding.md", "ap-melding.json", "brief.md"} {
			code, body := fg.get(t, "/incidents/"+s.ID+"/"+doc)
			if code != 200 {
				t.Fatalf("GET %s: %d", doc, code)
			}
			switch doc {
			case "ap-melding.md":
				injCheckMarkdown(t, s.ID+" web "+doc, body)
			case "ap-melding.json":
				injCheckJSON(t, s.ID+" web "+doc, []byte(body))
			}
		}
		code, body := site.api(t, "GET", "/api/v1/incidents/"+s.ID, server.RoleFG, nil)
		if code != 200 {
			t.Fatalf("API show %s: %d", s.ID, code)
		}
		injCheckJSON(t, "API show "+s.ID, body)
		var got register.Incident
		if err := json.Unmarshal(body, &got); err != nil || got.User != in.User {
			t.Errorf("API show %s: user %.40q, want %.40q (%v)", s.ID, got.User, in.User, err)
		}
	}
	if len(fileEntries) != len(injFileNames) {
		t.Errorf("evidence zips hold files %q, want the %d watched files", fileEntries, len(injFileNames))
	}
	code, body := site.api(t, "GET", "/api/v1/incidents", server.RoleAnalyst, nil)
	if code != 200 {
		t.Fatalf("API list: %d", code)
	}
	injCheckJSON(t, "API list", body)

	var cb bytes.Buffer
	if err := documents.RegisterCSV(&cb, cfg.Organisation, summaries, now); err != nil {
		t.Fatal(err)
	}
	cells := injCheckCSV(t, cb.Bytes(), len(summaries))
	var xb bytes.Buffer
	if err := documents.RegisterXLSX(&xb, cfg.Organisation, summaries, now); err != nil {
		t.Fatal(err)
	}
	cells = append(cells, injCheckXLSX(t, xb.Bytes(), len(summaries))...)
	// Every payload that starts with a formula character is in the exports, neutralised.
	// (The export trims the FG's text: a leading tab or CR goes, the formula after it is caught.)
	for _, p := range injPayloads {
		if p = strings.TrimSpace(p); !injFormula(p) {
			continue
		}
		if !slices.Contains(cells, "'"+p) {
			t.Errorf("no export cell holds %.40q neutralised as %.40q", p, "'"+p)
		}
	}
}

// injOnAttr finds an event-handler attribute in a tag once quoted attribute values are taken out.
var (
	injTag    = regexp.MustCompile(`<[a-zA-Z][^>]*>`)
	injQuoted = regexp.MustCompile(`"[^"]*"|'[^']*'`)
	injOnAttr = regexp.MustCompile(`(?i)[\s/]on[a-z]+\s*=`)
	injJSURL  = regexp.MustCompile(`(?i)(href|src|action|formaction|data)\s*=\s*["']?\s*(javascript|data|vbscript):`)
	// injOwnScripts are lekwacht's own scripts: the countdown, and the copy and print buttons.
	injOwnScripts = []string{`<script src="/static/countdown.js" defer>`, `<script src="/static/copy.js" defer>`}
)

// injCheckHTML: no tag of the page comes from the register: no script but lekwacht's own, no img,
// no event handler, no javascript: URL.
func injCheckHTML(t *testing.T, where, body string) {
	t.Helper()
	for _, tag := range injTag.FindAllString(body, -1) {
		lower := strings.ToLower(tag)
		bare := injQuoted.ReplaceAllString(tag, `""`)
		switch {
		case strings.HasPrefix(lower, "<script") && !slices.Contains(injOwnScripts, tag),
			strings.HasPrefix(lower, "<img"), strings.HasPrefix(lower, "<b>"),
			injOnAttr.MatchString(bare), injJSURL.MatchString(tag):
			t.Errorf("%s: a crafted tag is rendered: %.120q", where, tag)
		}
	}
	if strings.Contains(body, "\x00") {
		t.Errorf("%s: a NUL byte reaches the page", where)
	}
}

func injCheckJSON(t *testing.T, where string, body []byte) {
	t.Helper()
	if !json.Valid(body) {
		t.Fatalf("%s: not valid JSON", where)
	}
	if bytes.ContainsAny(body, "<>") {
		t.Errorf("%s: < or > not escaped in JSON (a browser sniffing it as HTML would run it)", where)
	}
}

var (
	injHeading     = regexp.MustCompile(`^(# Concept melding datalek aan de Autoriteit Persoonsgegevens|## \d+\. [^#]+|### Vraag \d+: .+)$`)
	injUnescaped   = regexp.MustCompile("(^|[^\\\\])([<>`|*]|\\][(\\[:])")
	injLineStarter = regexp.MustCompile(`^(> )?([#+=|]|-[^ ]|\d+[.)] )`)
)

// injCheckMarkdown: crafted text adds no heading, table, list, quote, link, image, reference
// definition, raw HTML or code to the AP melding: it stays on its own line, escaped.
func injCheckMarkdown(t *testing.T, where, md string) {
	t.Helper()
	for n, line := range strings.Split(md, "\n") {
		switch {
		case strings.HasPrefix(line, "#"):
			if !injHeading.MatchString(line) {
				t.Errorf("%s:%d: a heading from crafted text: %.80q", where, n+1, line)
			}
			continue
		case injLineStarter.MatchString(line):
			t.Errorf("%s:%d: a line starts with markdown structure: %.80q", where, n+1, line)
		}
		// The document's own bold labels aside, every *, <, >, |, ` and ]( ][ ]: is escaped.
		rest := line
		for _, own := range []string{"- **", ":**", "Uitkomst: **", "**Antwoord FG:**", "**nog niet compleet**", "advies op basis van de voorgestelde antwoorden: **"} {
			rest = strings.ReplaceAll(rest, own, " ")
		}
		rest = strings.TrimPrefix(rest, "> ")
		if strings.HasPrefix(rest, "*Concept, opgesteld door lekwacht") {
			continue
		}
		rest = strings.TrimSuffix(rest, "**")
		if m := injUnescaped.FindStringSubmatch(rest); m != nil {
			t.Errorf("%s:%d: unescaped %q in %.200q", where, n+1, m[2], line)
		}
	}
	if strings.Contains(md, "\r") {
		t.Errorf("%s: a carriage return in the markdown", where)
	}
}

// injCheckBrief: the letter holds no log-derived text (it is built from the summary, categories and
// the FG's own details), so nothing a log line carries reaches the betrokkene.
func injCheckBrief(t *testing.T, where, brief string) {
	t.Helper()
	for _, u := range injUsers {
		if strings.Contains(brief, u) && !slices.Contains(injPayloads, u) {
			t.Errorf("%s: holds the log's user name %.40q", where, u)
		}
	}
	for _, bad := range []string{"onerror=alert(1)>.csv", "etc/passwd", "@gmail.com"} {
		if strings.Contains(brief, bad) {
			t.Errorf("%s: holds log-derived text %q", where, bad)
		}
	}
}

// injFormula says whether a cell would be read as a formula (OWASP CSV injection): the neutralised
// form starts with an apostrophe.
func injFormula(cell string) bool {
	return cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0]))
}

func injCheckCSV(t *testing.T, data []byte, incidents int) []string {
	t.Helper()
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\ufeff")))).ReadAll()
	if err != nil {
		t.Fatalf("register CSV: %v", err)
	}
	if len(rows) != incidents+1 {
		t.Fatalf("register CSV: %d rows, want a header and %d incidents (a crafted value broke a row)", len(rows), incidents)
	}
	var cells []string
	for r, row := range rows {
		if len(row) != len(documents.Headers()) {
			t.Errorf("CSV row %d: %d cells, want %d", r+1, len(row), len(documents.Headers()))
		}
		for c, cell := range row {
			if injFormula(cell) {
				t.Errorf("CSV row %d column %q: formula not neutralised: %.60q", r+1, documents.Headers()[c], cell)
			}
			cells = append(cells, cell)
		}
	}
	return cells
}

func injCheckXLSX(t *testing.T, data []byte, incidents int) []string {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("register XLSX: %v", err)
	}
	defer f.Close()
	var cells []string
	for _, sheet := range []string{documents.SheetRegister, documents.SheetInfo} {
		rows, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatalf("XLSX sheet %s: %v", sheet, err)
		}
		if sheet == documents.SheetRegister && len(rows) != incidents+1 {
			t.Fatalf("XLSX: %d rows, want %d", len(rows), incidents+1)
		}
		for r, row := range rows {
			for c, v := range row {
				cell, _ := excelize.CoordinatesToCellName(c+1, r+1)
				if formula, _ := f.GetCellFormula(sheet, cell); formula != "" {
					t.Errorf("XLSX %s!%s is a formula: %.60q", sheet, cell, formula)
				}
				if injFormula(v) {
					t.Errorf("XLSX %s!%s: formula not neutralised: %.60q", sheet, cell, v)
				}
				if typ, _ := f.GetCellType(sheet, cell); v != "" && typ != excelize.CellTypeSharedString && typ != excelize.CellTypeInlineString {
					t.Errorf("XLSX %s!%s: type %v, want a string", sheet, cell, typ)
				}
				cells = append(cells, v)
			}
		}
	}
	return cells
}

// injCheckZip: every entry stays inside the archive and SHA256SUMS verifies the evidence entries.
// It returns the names of the file entries.
func injCheckZip(t *testing.T, id string, data []byte, items int) (files []string) {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("%s evidence zip: %v", id, err)
	}
	content := map[string][]byte{}
	for _, f := range zr.File {
		n := f.Name
		if n == "" || path.IsAbs(n) || filepath.IsAbs(n) || strings.Contains(n, "..") || strings.ContainsAny(n, "\\\x00\r\n\t:") ||
			path.Clean(n) != n || !(strings.HasPrefix(n, "items/") || strings.HasPrefix(n, "files/") || n == documents.ManifestName || n == documents.SumsName) {
			t.Errorf("%s evidence zip: unsafe entry name %q", id, n)
		}
		if strings.HasPrefix(n, "files/") {
			files = append(files, n)
		}
		if _, dup := content[n]; dup {
			t.Errorf("%s evidence zip: entry %q twice", id, n)
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		content[n], _ = io.ReadAll(rc)
		rc.Close()
	}
	sums := strings.Split(strings.TrimSuffix(string(content[documents.SumsName]), "\n"), "\n")
	if len(sums) != items {
		t.Fatalf("%s SHA256SUMS: %d lines, want %d", id, len(sums), items)
	}
	for _, line := range sums {
		sum, name, ok := strings.Cut(line, "  ")
		b, found := content[name]
		got := sha256.Sum256(b)
		if !ok || !found || hex.EncodeToString(got[:]) != sum {
			t.Errorf("%s SHA256SUMS line %q does not verify", id, line)
		}
	}
	var man documents.Manifest
	if err := json.Unmarshal(content[documents.ManifestName], &man); err != nil || len(man.Items) != items {
		t.Fatalf("%s manifest: %v, %d items", id, err, len(man.Items))
	}
	for _, it := range man.Items {
		if it.ContentSHA256 != "" {
			t.Errorf("%s manifest item %d: content changed since registration", id, it.Seq)
		}
	}
	return files
}
