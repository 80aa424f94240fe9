package server

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lekwacht/lekwacht/hit"
	"github.com/lekwacht/lekwacht/people"
	"github.com/lekwacht/lekwacht/register"
	"github.com/prometheus/client_golang/prometheus"
)

var t0 = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)

// fixture is a real register with two drafts, a tokens file with one token per role, and the
// server listening on 127.0.0.1.
type fixture struct {
	reg     *register.Register
	people  *people.Finder // over testStaff
	srv     *httptest.Server
	secrets map[Role]string
	ids     []string
	healthy error
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	reg, err := register.Open(context.Background(), t.TempDir(), register.Options{Now: func() time.Time { return t0.Add(time.Hour) }, Location: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { reg.Close() })
	f := &fixture{reg: reg, secrets: map[Role]string{}, people: testPeople(t, reg)}
	for i, user := range []string{"a.bakker", "j.devries"} {
		h := hit.Hit{Detector: "bulk_bsn_export", Rule: "lw-bulk-bsn-export", Severity: hit.SeverityHigh, User: user, Pattern: "export",
			Time: t0.Add(time.Duration(i) * time.Minute), Window: time.Hour, Categories: []hit.Category{hit.CategoryBSN}, Subjects: 250,
			Summary: "export van 250 records",
			Evidence: []hit.Evidence{{Kind: hit.EvidenceLine, Input: "zaak", Source: "/logs/zaak.jsonl", Offset: int64(i * 100),
				Time: t0, Text: `{"action":"export.csv","count":250}`}}}
		res, err := reg.Add(context.Background(), []hit.Hit{h})
		if err != nil {
			t.Fatal(err)
		}
		f.ids = append(f.ids, res[0].Incident)
	}
	path := filepath.Join(t.TempDir(), "tokens.yaml")
	for _, r := range Roles {
		s, err := AddToken(path, "user-"+string(r), r)
		if err != nil {
			t.Fatal(err)
		}
		f.secrets[r] = s
	}
	tokens, err := LoadTokens(path)
	if err != nil {
		t.Fatal(err)
	}
	metrics := prometheus.NewRegistry()
	c := prometheus.NewCounter(prometheus.CounterOpts{Name: "lekwacht_test_total", Help: "a test counter"})
	c.Add(3)
	metrics.MustRegister(c)
	s := New(Options{Register: reg, Tokens: func() *Tokens { return tokens }, Metrics: metrics,
		Health: func() error { return f.healthy }, Now: func() time.Time { return t0.Add(time.Hour) }, People: f.people})
	f.srv = httptest.NewServer(s)
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fixture) do(t *testing.T, method, path, secret, body string) (int, map[string]any, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, f.srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if secret != "" {
		req.Header.Set("Authorization", "Bearer "+secret)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	json.Unmarshal(b, &m)
	return resp.StatusCode, m, b
}

func TestHealthzAndMetrics(t *testing.T) {
	f := newFixture(t)
	if code, m, _ := f.do(t, "GET", "/healthz", "", ""); code != 200 || m["status"] != "ok" {
		t.Fatalf("healthz %d %v", code, m)
	}
	f.healthy = errors.New("register not writable")
	if code, m, _ := f.do(t, "GET", "/healthz", "", ""); code != 503 || m["reason"] != "register not writable" {
		t.Fatalf("unhealthy healthz %d %v", code, m)
	}
	code, _, body := f.do(t, "GET", "/metrics", "", "")
	if code != 200 || !strings.Contains(string(body), "lekwacht_test_total 3") {
		t.Fatalf("metrics %d %s", code, body)
	}
}

func TestAPIRefusesWithoutAValidToken(t *testing.T) {
	f := newFixture(t)
	for _, secret := range []string{"", "lw_wrong", f.secrets[RoleFG] + "x"} {
		req, _ := http.NewRequest("GET", f.srv.URL+"/api/v1/incidents", nil)
		if secret != "" {
			req.Header.Set("Authorization", "Bearer "+secret)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 401 || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("token %q: %d %q", secret, resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
		}
	}
	// Basic auth with the secret as password is no bearer token.
	req, _ := http.NewRequest("GET", f.srv.URL+"/api/v1/incidents", nil)
	req.SetBasicAuth("x", f.secrets[RoleAdmin])
	resp, _ := http.DefaultClient.Do(req)
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Errorf("basic auth: %d", resp.StatusCode)
	}
}

func TestListAndShow(t *testing.T) {
	f := newFixture(t)
	code, _, body := f.do(t, "GET", "/api/v1/incidents?status=draft", f.secrets[RoleAnalyst], "")
	var list []map[string]any
	if err := json.Unmarshal(body, &list); code != 200 || err != nil || len(list) != 2 {
		t.Fatalf("list %d %v %s", code, err, body)
	}
	for _, k := range []string{"id", "status", "detector", "rule", "severity", "user", "hosts", "first_seen", "last_seen",
		"discovered_at", "deadline", "data_categories", "subjects", "evidence_count", "summary"} {
		if _, ok := list[0][k]; !ok {
			t.Errorf("list item lacks %q", k)
		}
	}
	code, _, body = f.do(t, "GET", "/api/v1/incidents?status=open", f.secrets[RoleAnalyst], "")
	if code != 200 || strings.TrimSpace(string(body)) != "[]" {
		t.Fatalf("no open incidents: %d %s", code, body)
	}
	code, m, _ := f.do(t, "GET", "/api/v1/incidents/"+f.ids[0], f.secrets[RoleFG], "")
	if code != 200 || m["id"] != f.ids[0] || m["evidence"] == nil {
		t.Fatalf("show %d %v", code, m)
	}
	log, err := f.reg.AccessLog(context.Background(), f.ids[0])
	if err != nil || len(log) != 1 || log[0].By != "user-fg" {
		t.Fatalf("access log %+v %v: the read must be logged with the token's name", log, err)
	}
	if code, _, _ := f.do(t, "GET", "/api/v1/incidents/LW-2026-999999", f.secrets[RoleFG], ""); code != 404 {
		t.Fatalf("unknown id: %d", code)
	}
	if code, _, _ := f.do(t, "GET", "/api/v1/incidents?due_within=soon", f.secrets[RoleFG], ""); code != 400 {
		t.Fatalf("bad due_within: %d", code)
	}
}

func TestRolesTriageAndAssess(t *testing.T) {
	f := newFixture(t)
	id := f.ids[0]
	triage := `{"decision":"open","reason":"export zonder zaak"}`
	if code, m, _ := f.do(t, "POST", "/api/v1/incidents/"+id+"/triage", f.secrets[RoleFG], triage); code != 403 {
		t.Fatalf("fg triage: %d %v", code, m)
	}
	answers := `{"answers":{"security_incident":true,"personal_data":true},"details":{"measures_taken":"account geblokkeerd"}}`
	if code, _, _ := f.do(t, "POST", "/api/v1/incidents/"+id+"/assessment", f.secrets[RoleAnalyst], answers); code != 403 {
		t.Fatalf("analyst assess: %d", code)
	}
	// A draft is not assessed before it is opened: 409.
	if code, _, _ := f.do(t, "POST", "/api/v1/incidents/"+id+"/assessment", f.secrets[RoleFG], answers); code != 409 {
		t.Fatalf("assess a draft: %d", code)
	}
	for _, bad := range []string{`{"decision":"maybe","reason":"x"}`, `{"decision":"open"}`, `{"decision":"open","reason":"x","extra":1}`, `not json`} {
		if code, m, _ := f.do(t, "POST", "/api/v1/incidents/"+id+"/triage", f.secrets[RoleAnalyst], bad); code != 400 {
			t.Errorf("triage %s: %d %v", bad, code, m)
		}
	}
	code, m, _ := f.do(t, "POST", "/api/v1/incidents/"+id+"/triage", f.secrets[RoleAnalyst], triage)
	if code != 200 || m["status"] != "open" {
		t.Fatalf("analyst triage: %d %v", code, m)
	}
	if code, _, _ := f.do(t, "POST", "/api/v1/incidents/"+id+"/triage", f.secrets[RoleAnalyst], triage); code != 409 {
		t.Fatalf("open an open incident: %d", code)
	}
	if code, m, _ := f.do(t, "POST", "/api/v1/incidents/"+id+"/assessment", f.secrets[RoleFG], `{"answers":{"colour":true}}`); code != 400 {
		t.Fatalf("unknown question: %d %v", code, m)
	}
	code, m, _ = f.do(t, "POST", "/api/v1/incidents/"+id+"/assessment", f.secrets[RoleFG], answers)
	if code != 200 || m["status"] != "open" {
		t.Fatalf("fg assess: %d %v", code, m)
	}
	in, err := f.reg.Show(context.Background(), id, "test", "test")
	if err != nil {
		t.Fatal(err)
	}
	q := in.Assessment.Questions
	if len(q) == 0 || q[0].Answer != "yes" || q[0].By != "user-fg" {
		t.Fatalf("answers not recorded with the token's name: %+v", q)
	}
	if h := in.History[len(in.History)-1]; h.By != "user-analyst" || h.To != register.StatusOpen {
		t.Fatalf("history %+v", h)
	}
	// The admin may do both.
	if code, _, _ := f.do(t, "POST", "/api/v1/incidents/"+f.ids[1]+"/triage", f.secrets[RoleAdmin], `{"decision":"dismiss","reason":"test"}`); code != 200 {
		t.Fatalf("admin triage: %d", code)
	}
}

func TestTokensFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "tokens.yaml")
	secret, err := AddToken(path, "fg.gerritsen", RoleFG)
	if err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("tokens file mode %v %v", st.Mode(), err)
	}
	data, _ := os.ReadFile(path)
	if strings.Contains(string(data), secret) || !strings.HasPrefix(secret, "lw_") {
		t.Fatal("the secret is stored in the tokens file")
	}
	if _, err := AddToken(path, "fg.gerritsen", RoleAdmin); err == nil || !strings.Contains(err.Error(), "twice") {
		t.Fatalf("a second token of one name: %v", err)
	}
	if _, err := AddToken(path, "x", "boss"); err == nil || !strings.Contains(err.Error(), "role") {
		t.Fatalf("an unknown role: %v", err)
	}
	tokens, err := LoadTokens(path)
	if err != nil || tokens.Len() != 1 {
		t.Fatal(err)
	}
	if tok, ok := tokens.Lookup(secret); !ok || tok.Name != "fg.gerritsen" || tok.Role != RoleFG {
		t.Fatalf("lookup %+v %v", tok, ok)
	}
	for _, tc := range []struct{ text, want string }{
		{"tokens:\n  - {name: a, role: fg, sha256: abc}\n", "t.yaml:2: sha256"},
		{"tokens:\n  - {name: a, role: fg, sha256: " + strings.Repeat("0", 64) + "}\n  - {name: b, role: root, sha256: " + strings.Repeat("0", 64) + "}\n", "t.yaml:3: role"},
		{"tokens:\n  - {name: a, rol: fg}\n", `t.yaml:2: unknown key "rol": did you mean "role"? (the keys of a token are name, role, sha256, created)`},
		{"tokens:\n  - {name: 'a b', role: fg, sha256: " + strings.Repeat("0", 64) + "}\n", "t.yaml:2: name"},
	} {
		if _, err := ParseTokens([]byte(tc.text), "t.yaml"); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: err %v, want %q", tc.text, err, tc.want)
		}
	}
	if tokens, err := ParseTokens(nil, "empty.yaml"); err != nil || tokens.Len() != 0 {
		t.Fatalf("an empty file: %v", err)
	}
}

func TestTokensFileRefusesOneSecretTwice(t *testing.T) {
	sum := strings.Repeat("ab", 32)
	_, err := ParseTokens([]byte("tokens:\n  - {name: a, role: analyst, sha256: "+sum+"}\n  - {name: b, role: admin, sha256: "+sum+"}\n"), "t.yaml")
	if err == nil || !strings.Contains(err.Error(), "t.yaml:3: sha256 is also the secret of \"a\"") {
		t.Fatalf("err %v", err)
	}
	if _, err := ParseTokens([]byte("<<: {tokens: [{name: a, role: root, sha256: "+sum+"}]}\n"), "m.yaml"); err == nil || strings.Contains(err.Error(), "m.yaml:0") {
		t.Fatalf("a merge key: %v", err)
	}
}
