package server

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// The login's limits; variables so that tests can shorten them before New.
var (
	sessionTTL         = 8 * time.Hour
	loginFailureDelay  = 500 * time.Millisecond // every failed login waits this long before the answer
	loginFailureLimit  = 10                     // failed logins per client address within the window
	loginFailureWindow = 15 * time.Minute
)

const (
	sessionCookie = "lekwacht_session"
	loginCookie   = "lekwacht_login" // the login form's CSRF token (double submit)
	maxSessions   = 10000
)

// session is one browser's login: the token it was started with and its CSRF token.
type session struct {
	token   Token
	csrf    string
	expires time.Time
	flash   *flash
}

// flash is a one-time message shown on the next page (after a POST's redirect).
type flash struct {
	Text  string
	Error bool
}

// sessions are kept in memory only: a restart of lekwacht logs everyone out. The map's key is the
// SHA-256 of the cookie, so the session ids themselves are not kept.
type sessions struct {
	mu  sync.Mutex
	m   map[string]*session
	ttl time.Duration
	now func() time.Time
}

func newSessions(ttl time.Duration) *sessions {
	return &sessions{m: map[string]*session{}, ttl: ttl, now: time.Now}
}

func randomToken() string {
	b := make([]byte, 32)
	rand.Read(b) // never returns an error (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(b)
}

func sessionKey(cookie string) string {
	sum := sha256.Sum256([]byte(cookie))
	return hex.EncodeToString(sum[:])
}

// start makes a session for tok and returns the cookie's value.
func (s *sessions) start(tok Token) string {
	id := randomToken()
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	for k, sess := range s.m {
		if !now.Before(sess.expires) {
			delete(s.m, k)
		}
	}
	if len(s.m) >= maxSessions { // drop the oldest rather than grow without bound
		var oldest string
		for k, sess := range s.m {
			if oldest == "" || sess.expires.Before(s.m[oldest].expires) {
				oldest = k
			}
		}
		delete(s.m, oldest)
	}
	s.m[sessionKey(id)] = &session{token: tok, csrf: randomToken(), expires: now.Add(s.ttl)}
	return id
}

// get returns the session of a cookie's value while it has not expired.
func (s *sessions) get(cookie string) (key string, sess session, ok bool) {
	key = sessionKey(cookie)
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.m[key]
	if !ok {
		return "", session{}, false
	}
	if !s.now().Before(p.expires) {
		delete(s.m, key)
		return "", session{}, false
	}
	return key, *p, true
}

func (s *sessions) end(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, key)
}

func (s *sessions) setFlash(key string, f flash) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p, ok := s.m[key]; ok {
		p.flash = &f
	}
}

func (s *sessions) takeFlash(key string) *flash {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.m[key]
	if !ok {
		return nil
	}
	f := p.flash
	p.flash = nil
	return f
}

// viewer finds the request's session. A session whose token was revoked or changed since the
// login (tokens are reloaded on SIGHUP) ends at once.
func (wb *web) viewer(r *http.Request) (viewer, bool) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return viewer{}, false
	}
	key, sess, ok := wb.sessions.get(c.Value)
	if !ok {
		return viewer{}, false
	}
	if !wb.o.Tokens().inForce(sess.token) {
		wb.sessions.end(key)
		wb.o.Log.Info("web: session ended, its token is no longer in force", "by", sess.token.Name)
		return viewer{}, false
	}
	return viewer{key: key, Name: sess.token.Name, Role: sess.token.Role, CSRF: sess.csrf}, true
}

// inForce says whether tok is (still) one of the tokens.
func (t *Tokens) inForce(tok Token) bool {
	return t != nil && slices.Contains(t.list, tok)
}

// loginFailures counts failed logins per client address.
type loginFailures struct {
	mu     sync.Mutex
	m      map[string]*failures
	limit  int
	window time.Duration
	now    func() time.Time
}

type failures struct {
	n     int
	since time.Time
}

func newLoginFailures(limit int, window time.Duration) *loginFailures {
	return &loginFailures{m: map[string]*failures{}, limit: limit, window: window, now: time.Now}
}

// blocked says whether addr has used up its failed logins for now.
func (l *loginFailures) blocked(addr string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	f, ok := l.m[addr]
	return ok && l.now().Sub(f.since) < l.window && f.n >= l.limit
}

// add counts a failed login and returns the count within the window.
func (l *loginFailures) add(addr string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	for k, f := range l.m {
		if now.Sub(f.since) >= l.window {
			delete(l.m, k)
		}
	}
	f, ok := l.m[addr]
	if !ok {
		f = &failures{since: now}
		l.m[addr] = f
	}
	f.n++
	return f.n
}

// clientAddr is the request's peer address without the port. Behind a reverse proxy every client
// shares the proxy's address, and so its limit on failed logins.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

type loginData struct {
	base
	LoginCSRF string
	Next      string
	Error     string
}

func (wb *web) cookie(r *http.Request, name, value, path string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: name, Value: value, Path: path, MaxAge: maxAge, HttpOnly: true,
		Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode}
}

// loginForm shows the form for the token's secret, with a fresh login CSRF token in a cookie and
// a hidden field.
func (wb *web) loginForm(w http.ResponseWriter, r *http.Request) {
	if _, ok := wb.viewer(r); ok {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return
	}
	wb.showLogin(w, r, http.StatusOK, "")
}

func (wb *web) showLogin(w http.ResponseWriter, r *http.Request, status int, msg string) {
	nonce := randomToken()
	http.SetCookie(w, wb.cookie(r, loginCookie, nonce, "/login", 3600))
	next := r.URL.Query().Get("next")
	if r.Method == http.MethodPost {
		next = r.PostForm.Get("next")
	}
	wb.render(w, status, "login", loginData{base: wb.base(nil, "Inloggen"), LoginCSRF: nonce, Next: safeNext(next), Error: msg})
}

// login checks the token's secret and starts a session. Failed logins are logged without the
// secret, answered only after a delay, and limited per client address.
func (wb *web) login(w http.ResponseWriter, r *http.Request) {
	if refusal := wb.checkForm(w, r); refusal != "" {
		wb.errorPage(w, nil, http.StatusForbidden, "Verzoek geweigerd", refusal)
		return
	}
	c, err := r.Cookie(loginCookie)
	if err != nil || subtle.ConstantTimeCompare([]byte(c.Value), []byte(r.PostForm.Get("csrf"))) != 1 || c.Value == "" {
		wb.o.Log.Warn("web: login without its form's csrf token", "remote", clientAddr(r))
		wb.showLogin(w, r, http.StatusForbidden, "Het formulier was verlopen. Probeer het nog eens.")
		return
	}
	addr := clientAddr(r)
	if wb.failures.blocked(addr) {
		wb.o.Log.Warn("web: login refused, too many failures", "remote", addr)
		wb.showLogin(w, r, http.StatusTooManyRequests, "Te veel mislukte pogingen. Probeer het over een kwartier opnieuw.")
		return
	}
	tok, ok := wb.o.Tokens().Lookup(strings.TrimSpace(r.PostForm.Get("token")))
	if !ok {
		n := wb.failures.add(addr)
		wb.o.Log.Warn("web: login failed", "remote", addr, "failures", n)
		select {
		case <-time.After(wb.failureDelay):
		case <-r.Context().Done():
			return
		}
		wb.showLogin(w, r, http.StatusUnauthorized, "Deze token is onbekend of ingetrokken.")
		return
	}
	if v, ok := wb.viewer(r); ok { // a new login replaces the browser's old session
		wb.sessions.end(v.key)
	}
	id := wb.sessions.start(tok)
	http.SetCookie(w, wb.cookie(r, sessionCookie, id, "/", int(wb.sessions.ttl/time.Second)))
	http.SetCookie(w, wb.cookie(r, loginCookie, "", "/login", -1))
	if rec, ok := w.(*statusRecorder); ok {
		rec.by = tok.Name
	}
	wb.o.Log.Info("web: login", "by", tok.Name, "role", tok.Role, "remote", addr)
	http.Redirect(w, r, safeNext(r.PostForm.Get("next")), http.StatusSeeOther)
}

func (wb *web) logout(w http.ResponseWriter, r *http.Request, v viewer) {
	wb.sessions.end(v.key)
	http.SetCookie(w, wb.cookie(r, sessionCookie, "", "/", -1))
	wb.o.Log.Info("web: logout", "by", v.Name)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}
