package server

// The FG's web page: server-rendered HTML (html/template, embedded templates and assets, no
// JavaScript needed), a login with a token's secret that starts a server-side session, CSRF
// protection on every form and strict security headers.

import (
	"bytes"
	"crypto/subtle"
	"embed"
	"errors"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/lekwacht/lekwacht/people"
	"github.com/lekwacht/lekwacht/register"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// contentSecurityPolicy allows only lekwacht's own styles and scripts: no inline script or style,
// no plugins, no framing, forms post only to lekwacht.
const contentSecurityPolicy = "default-src 'self'; object-src 'none'; base-uri 'none'; " +
	"form-action 'self'; frame-ancestors 'none'"

// web is the page side of the server.
type web struct {
	o        Options
	loc      *time.Location
	pages    map[string]*template.Template
	sessions *sessions
	failures *loginFailures
	origin   *http.CrossOriginProtection
	// failureDelay is how long a failed login waits before its answer.
	failureDelay time.Duration
}

func newWeb(o Options) *web {
	loc, err := time.LoadLocation(o.Organisation.Timezone)
	if err != nil {
		loc = time.Local
	}
	wb := &web{o: o, loc: loc, pages: map[string]*template.Template{},
		sessions: newSessions(sessionTTL), failures: newLoginFailures(loginFailureLimit, loginFailureWindow),
		origin: http.NewCrossOriginProtection(), failureDelay: loginFailureDelay}
	for _, p := range []string{"login", "list", "incident", "person", "error", "apmelding", "brief"} {
		wb.pages[p] = template.Must(template.New(p).Funcs(wb.funcs()).
			ParseFS(templateFS, "templates/layout.html", "templates/"+p+".html"))
	}
	return wb
}

// routes registers the page's handlers on mux.
func (wb *web) routes(mux *http.ServeMux) {
	static, _ := fs.Sub(staticFS, "static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	mux.HandleFunc("GET /login", wb.loginForm)
	mux.HandleFunc("POST /login", wb.login)
	mux.Handle("POST /logout", wb.page(PermRead, wb.logout))
	mux.Handle("GET /{$}", wb.page(PermRead, wb.list))
	mux.Handle("GET /incidents/{id}", wb.page(PermRead, wb.incident))
	mux.Handle("POST /incidents/{id}/assessment", wb.page(PermAssess, wb.assess))
	mux.Handle("POST /incidents/{id}/triage", wb.page(PermTriage, wb.triage))
	mux.Handle("GET /persons/{id}", wb.page(PermRead, wb.person))
	mux.Handle("POST /incidents/{id}/close", wb.page(PermAssess, wb.closeIncident))
	mux.Handle("POST /incidents/{id}/corrections", wb.page(PermAssess, wb.correct))
	mux.Handle("POST /incidents/{id}/revert", wb.page(PermRevert, wb.revert))
	mux.Handle("GET /incidents/{id}/evidence.zip", wb.page(PermRead, wb.evidenceZip))
	mux.Handle("GET /incidents/{id}/ap-melding", wb.page(PermRead, wb.apMelding))
	mux.Handle("GET /incidents/{id}/brief", wb.page(PermRead, wb.brief))
	mux.Handle("GET /register.csv", wb.page(PermExport, wb.export("csv")))
	mux.Handle("GET /register.xlsx", wb.page(PermExport, wb.export("xlsx")))
	for _, doc := range documentKinds {
		mux.Handle("GET /incidents/{id}/"+doc.File, wb.page(PermRead, wb.document(doc)))
	}
}

// viewer is who looks at a page: the session's token name and role.
type viewer struct {
	key  string // the session's key in the session map
	Name string
	Role Role
	CSRF string
}

type pageHandler func(w http.ResponseWriter, r *http.Request, v viewer)

// page requires a session whose role allows p and, on a POST, a same-origin request carrying the
// session's CSRF token. A GET without a session goes to the login form; anything else gets a 401.
func (wb *web) page(p Permission, h pageHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		pageHeaders(w)
		v, ok := wb.viewer(r)
		if !ok {
			if r.Method == http.MethodGet || r.Method == http.MethodHead {
				http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.Path), http.StatusSeeOther)
				return
			}
			wb.errorPage(w, nil, http.StatusUnauthorized, "Niet ingelogd", "Uw sessie is verlopen of bestaat niet. Log opnieuw in.")
			return
		}
		if rec, ok := w.(*statusRecorder); ok {
			rec.by = v.Name
		}
		if !v.Role.Allows(p) {
			wb.errorPage(w, &v, http.StatusForbidden, "Geen toegang",
				"Uw rol ("+roleName(v.Role)+") mag dit niet: "+whoMay(p)+". Neem contact op met de beheerder als u denkt dat dit niet klopt.")
			return
		}
		if r.Method == http.MethodPost {
			if refusal := wb.checkForm(w, r); refusal != "" {
				wb.errorPage(w, &v, http.StatusForbidden, "Verzoek geweigerd", refusal)
				return
			}
			if subtle.ConstantTimeCompare([]byte(r.PostForm.Get("csrf")), []byte(v.CSRF)) != 1 {
				wb.o.Log.Warn("web: csrf token missing or wrong", "by", v.Name, "path", r.URL.Path)
				wb.errorPage(w, &v, http.StatusForbidden, "Verzoek geweigerd",
					"Het formulier is verlopen of komt niet van deze pagina. Laad de pagina opnieuw en probeer het nog eens.")
				return
			}
		}
		h(w, r, v)
	})
}

const crossOrigin = "Dit verzoek komt van een andere website en is geweigerd."

// checkForm refuses a cross-origin POST (Sec-Fetch-Site or Origin; the Referer when neither is
// sent) and parses the form. It returns why it refused, for the page; "" when the form is fine.
func (wb *web) checkForm(w http.ResponseWriter, r *http.Request) string {
	if err := wb.origin.Check(r); err != nil {
		wb.o.Log.Warn("web: cross-origin request refused", "path", r.URL.Path, "origin", r.Header.Get("Origin"))
		return crossOrigin
	}
	if r.Header.Get("Sec-Fetch-Site") == "" && r.Header.Get("Origin") == "" {
		if ref := r.Header.Get("Referer"); ref != "" {
			if u, err := url.Parse(ref); err != nil || u.Host != r.Host {
				wb.o.Log.Warn("web: cross-origin referer refused", "path", r.URL.Path)
				return crossOrigin
			}
		}
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	if err := r.ParseForm(); err != nil {
		return "Het formulier kon niet gelezen worden."
	}
	return ""
}

// pageHeaders are the security headers of every page and document.
func pageHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
}

// base is what every page template gets.
type base struct {
	Title  string
	Org    string
	Viewer *viewer
	Flash  *flash
	Now    time.Time
}

func (wb *web) base(v *viewer, title string) base {
	b := base{Title: title, Org: wb.o.Organisation.Name, Viewer: v, Now: wb.o.Now()}
	if v != nil {
		b.Flash = wb.sessions.takeFlash(v.key)
	}
	return b
}

// render executes a page into a buffer first, so a template error becomes a clean 500.
func (wb *web) render(w http.ResponseWriter, status int, page string, data any) {
	var buf bytes.Buffer
	if err := wb.pages[page].ExecuteTemplate(&buf, "layout", data); err != nil {
		wb.o.Log.Error("web: render page", "page", page, "err", err)
		http.Error(w, "internal error; see lekwacht's log", http.StatusInternalServerError)
		return
	}
	pageHeaders(w)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

type errorData struct {
	base
	Status  int
	Message string
}

func (wb *web) errorPage(w http.ResponseWriter, v *viewer, status int, title, msg string) {
	wb.render(w, status, "error", errorData{base: wb.base(v, title), Status: status, Message: msg})
}

// fail shows the register's errors as pages; anything else is a 500 whose detail stays in the log.
func (wb *web) fail(w http.ResponseWriter, v viewer, err error) {
	switch {
	case errors.Is(err, people.ErrNoOne):
		wb.errorPage(w, &v, http.StatusNotFound, "Niemand gevonden",
			"Niemand in het personeelsbestand heeft deze naam, en geen incident in het datalekregister noemt hem.")
	case errors.Is(err, register.ErrNotFound):
		wb.errorPage(w, &v, http.StatusNotFound, "Niet gevonden", "Dit incident bestaat niet in het datalekregister.")
	default:
		wb.o.Log.Error("web request failed", "err", err)
		wb.errorPage(w, &v, http.StatusInternalServerError, "Er ging iets mis", "Er ging iets mis; de details staan in het log van lekwacht.")
	}
}

// redirectBack ends a POST with a flash message and a redirect (post/redirect/get).
func (wb *web) redirectBack(w http.ResponseWriter, r *http.Request, v viewer, to string, f flash) {
	wb.sessions.setFlash(v.key, f)
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// nextPage is what a login may go back to: lekwacht's list, one of its incident pages, or the page
// of a person whose name is plain (an account, an address).
var nextPage = regexp.MustCompile(`^/(incidents/[A-Za-z0-9-]+(/[a-z.-]+)?|persons/[A-Za-z0-9][A-Za-z0-9._@-]*)?$`)

// safeNext is where to go after login: only a local page of lekwacht, never another site.
func safeNext(next string) string {
	if nextPage.MatchString(next) && !strings.Contains(next, "..") {
		return next
	}
	return "/"
}
