package server

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lekwacht/lekwacht/config"
	"github.com/lekwacht/lekwacht/register"
)

// webFixture is the API fixture's register (two drafts) behind a server with the web page, tokens
// with people's names, and a log the test can read.
type webFixture struct {
	*fixture
	web     *httptest.Server
	handler http.Handler
	tokens  atomic.Pointer[Tokens]
	secrets map[Role]string
	names   map[Role]string
	log     *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// setFor sets a package variable for one test.
func setFor[T any](t *testing.T, p *T, v T) {
	t.Helper()
	old := *p
	*p = v
	t.Cleanup(func() { *p = old })
}

func newWebFixture(t *testing.T) *webFixture {
	t.Helper()
	setFor(t, &loginFailureDelay, time.Millisecond)
	f := &webFixture{fixture: newFixture(t), secrets: map[Role]string{}, log: &syncBuffer{},
		names: map[Role]string{RoleAnalyst: "sec.jansen", RoleFG: "fg.gerritsen", RoleAdmin: "beheer"}}
	path := filepath.Join(t.TempDir(), "tokens.yaml")
	for _, r := range Roles {
		s, err := AddToken(path, f.names[r], r)
		if err != nil {
			t.Fatal(err)
		}
		f.secrets[r] = s
	}
	tokens, err := LoadTokens(path)
	if err != nil {
		t.Fatal(err)
	}
	f.tokens.Store(tokens)
	f.handler = New(Options{Register: f.reg, Tokens: f.tokens.Load, Now: func() time.Time { return t0.Add(time.Hour) },
		Organisation: config.Organisation{Name: "Gemeente Voorbeeld", Timezone: "Europe/Amsterdam"},
		Log:          slog.New(slog.NewTextHandler(f.log, nil)), People: f.people})
	f.web = httptest.NewServer(f.handler)
	t.Cleanup(f.web.Close)
	return f
}

// open triages a draft to open, as the security team would.
func (f *webFixture) open(t *testing.T, id string) {
	t.Helper()
	if _, err := f.reg.Move(context.Background(), id, register.StatusOpen, "sec.jansen", "echt incident"); err != nil {
		t.Fatal(err)
	}
}

// browser is a client with a cookie jar that does not follow redirects.
type browser struct {
	t    *testing.T
	c    *http.Client
	base string
	csrf string // the session's CSRF token, from the last page read
}

func (f *webFixture) browser(t *testing.T) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, base: f.web.URL, c: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (b *browser) do(req *http.Request) (*http.Response, string) {
	b.t.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if m := csrfField.FindSubmatch(body); m != nil {
		b.csrf = string(m[1])
	}
	return resp, string(body)
}

func (b *browser) get(path string) (*http.Response, string) {
	b.t.Helper()
	req, _ := http.NewRequest("GET", b.base+path, nil)
	return b.do(req)
}

// post sends a form; header lines are "Name: value".
func (b *browser) post(path string, form url.Values, headers ...string) (*http.Response, string) {
	b.t.Helper()
	req, _ := http.NewRequest("POST", b.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ": ")
		req.Header.Set(k, v)
	}
	return b.do(req)
}

// login goes through the form and fails the test unless the token gets a session.
func (b *browser) login(secret string) {
	b.t.Helper()
	if resp, body := b.get("/login"); resp.StatusCode != 200 || !strings.Contains(body, `id="token"`) {
		b.t.Fatalf("login form: %d %s", resp.StatusCode, body)
	}
	resp, body := b.post("/login", url.Values{"csrf": {b.csrf}, "token": {secret}})
	if resp.StatusCode != http.StatusSeeOther {
		b.t.Fatalf("login: %d %s", resp.StatusCode, body)
	}
	b.get("/") // the session's CSRF token
}

func cookieNamed(resp *http.Response, name string) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}
