// Package server is lekwacht's HTTP side: /healthz, /metrics (Prometheus), the JSON API of the
// contract under /api/v1 with bearer tokens and roles, and the FG's web page at /.
package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/lekwacht/lekwacht/assessment"
	"github.com/lekwacht/lekwacht/config"
	"github.com/lekwacht/lekwacht/people"
	"github.com/lekwacht/lekwacht/register"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Options are what the server serves from.
type Options struct {
	Register     *register.Register
	Tokens       func() *Tokens // the tokens in force (reloaded with the config); nil refuses every request
	Metrics      prometheus.Gatherer
	Organisation config.Organisation
	Log          *slog.Logger
	Now          func() time.Time
	// Health says why the daemon is not healthy (nil: healthy).
	Health func() error
	// Degraded lists what works but wants an admin's eye (an input whose paths match no file);
	// /healthz stays 200 with status "degraded" and these as details. nil: never degraded.
	Degraded func() []string
	// TokenUsed is told the name of the token of every request it authenticated (API, login, page
	// of a session); nil: nobody is told.
	TokenUsed func(name string)
	// Report adds to /healthz what `lekwacht status` shows: version, start, inputs, reloads. nil:
	// only the status.
	Report func(*HealthReport)
	// People looks people up for the person view and adds the person, the related incidents and the
	// owners of the hosts to an incident; nil: no directory (names are taken as the incidents write
	// them, related incidents within config.DefaultRelatedWithin).
	People *people.Finder
}

// Server handles lekwacht's HTTP requests.
type Server struct {
	o   Options
	mux *http.ServeMux
}

// New builds the handler.
func New(o Options) *Server {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Tokens == nil {
		o.Tokens = func() *Tokens { return nil }
	}
	if o.People == nil {
		o.People = people.New(o.Register, nil, nil, 0)
	}
	s := &Server{o: o, mux: http.NewServeMux()}
	s.mux.HandleFunc("GET /healthz", s.healthz)
	if o.Metrics != nil {
		s.mux.Handle("GET /metrics", promhttp.HandlerFor(o.Metrics, promhttp.HandlerOpts{}))
	}
	s.mux.Handle("GET /api/v1/incidents", s.api(PermRead, s.list))
	s.mux.Handle("GET /api/v1/incidents/{id}", s.api(PermRead, s.show))
	s.mux.Handle("POST /api/v1/incidents/{id}/triage", s.api(PermTriage, s.triage))
	s.mux.Handle("POST /api/v1/incidents/{id}/assessment", s.api(PermAssess, s.assess))
	s.mux.Handle("GET /api/v1/persons/{id}", s.api(PermRead, s.person))
	// The FG's web page at / (login, incidents, assessment, documents): web*.go.
	newWeb(o).routes(s.mux)
	return s
}

// ServeHTTP logs every request without personal data: method, path, status, the token's name.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	began := time.Now()
	w.Header().Set("X-Content-Type-Options", "nosniff")
	s.mux.ServeHTTP(rec, r)
	if rec.by != "" && s.o.TokenUsed != nil {
		s.o.TokenUsed(rec.by)
	}
	s.o.Log.Info("http", "method", r.Method, "path", logPath(r.URL.Path), "status", rec.status, "by", rec.by,
		"ms", time.Since(began).Milliseconds())
}

// logPath is a request's path as lekwacht's log shows it: the name in a person's path (an account,
// a mail address) is left out.
func logPath(p string) string {
	for _, prefix := range []string{"/api/v1/persons/", "/persons/"} {
		if strings.HasPrefix(p, prefix) && len(p) > len(prefix) {
			return prefix + "{id}"
		}
	}
	return p
}

type statusRecorder struct {
	http.ResponseWriter
	status int
	by     string
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	rep := HealthReport{Status: "ok"}
	if s.o.Report != nil {
		s.o.Report(&rep)
	}
	code := http.StatusOK
	if s.o.Degraded != nil {
		if details := s.o.Degraded(); len(details) > 0 {
			rep.Status, rep.Details = "degraded", details
		}
	}
	if s.o.Health != nil {
		if err := s.o.Health(); err != nil {
			rep.Status, rep.Reason, code = "unhealthy", err.Error(), http.StatusServiceUnavailable
		}
	}
	writeJSON(w, code, rep)
}

type principalKey struct{}

// principal is who a request is from.
func principal(ctx context.Context) Token {
	t, _ := ctx.Value(principalKey{}).(Token)
	return t
}

// api checks the bearer token and its role, then calls h.
func (s *Server) api(p Permission, h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, ok := s.authenticate(r)
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="lekwacht"`)
			writeError(w, http.StatusUnauthorized, "a valid bearer token is required (Authorization: Bearer lw_...)")
			return
		}
		if rec, ok := w.(*statusRecorder); ok {
			rec.by = tok.Name
		}
		if !tok.Role.Allows(p) {
			writeError(w, http.StatusForbidden, fmt.Sprintf("role %s may not %s", tok.Role, p))
			return
		}
		h(w, r.WithContext(context.WithValue(r.Context(), principalKey{}, tok)))
	})
}

func (s *Server) authenticate(r *http.Request) (Token, bool) {
	h := r.Header.Get("Authorization")
	scheme, secret, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return Token{}, false
	}
	return s.o.Tokens().Lookup(strings.TrimSpace(secret))
}

func (s *Server) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var f register.Filter
	for _, st := range q["status"] {
		f.Status = append(f.Status, register.Status(st))
	}
	f.Detector = q.Get("detector")
	if q.Get("overdue") == "true" {
		f.DueBefore = s.o.Now()
	}
	if d := q.Get("due_within"); d != "" {
		dur, err := time.ParseDuration(d)
		if err != nil {
			writeError(w, http.StatusBadRequest, "due_within: want a duration such as 24h")
			return
		}
		f.DueBefore = s.o.Now().Add(dur)
	}
	incs, err := s.o.Register.List(r.Context(), f)
	if err != nil {
		s.fail(w, err)
		return
	}
	if incs == nil {
		incs = []*register.Incident{}
	}
	writeJSON(w, http.StatusOK, incs)
}

func (s *Server) show(w http.ResponseWriter, r *http.Request) {
	in, err := s.o.Register.Show(r.Context(), r.PathValue("id"), principal(r.Context()).Name, "api show")
	if err != nil {
		s.fail(w, err)
		return
	}
	x, err := s.o.People.Incident(r.Context(), in)
	if err != nil {
		s.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, x)
}

// person is the person view of any identifier (URL-escaped): the person's fields, every name they go
// by and their incidents (the list's shape), the read logged under the token's name. 404 when no
// one has the identifier and no incident names it.
func (s *Server) person(w http.ResponseWriter, r *http.Request) {
	v, err := s.o.People.Show(r.Context(), r.PathValue("id"), principal(r.Context()).Name, "api person")
	if err != nil {
		s.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

// TriageRequest is the body of POST .../triage.
type TriageRequest struct {
	Decision string `json:"decision"` // open or dismiss
	Reason   string `json:"reason"`
}

func (s *Server) triage(w http.ResponseWriter, r *http.Request) {
	var req TriageRequest
	if !decode(w, r, &req) {
		return
	}
	to := map[string]register.Status{"open": register.StatusOpen, "dismiss": register.StatusDismissed}[req.Decision]
	if to == "" {
		writeError(w, http.StatusBadRequest, `decision: want "open" or "dismiss"`)
		return
	}
	in, err := s.o.Register.Move(r.Context(), r.PathValue("id"), to, principal(r.Context()).Name, req.Reason)
	if err != nil {
		s.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, in)
}

// AssessmentRequest is the body of POST .../assessment: answers to the flow's questions and the
// free-text details (register.Details).
type AssessmentRequest struct {
	Answers map[string]bool   `json:"answers"`
	Details map[string]string `json:"details"`
}

func (s *Server) assess(w http.ResponseWriter, r *http.Request) {
	var req AssessmentRequest
	if !decode(w, r, &req) {
		return
	}
	var a register.Answers
	for q, v := range req.Answers {
		if _, ok := assessment.Lookup(assessment.QuestionID(q)); !ok {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("answers: unknown question %q; questions are %v", q, assessment.IDs()))
			return
		}
		if a.Flow == nil {
			a.Flow = map[assessment.QuestionID]bool{}
		}
		a.Flow[assessment.QuestionID(q)] = v
	}
	for k, v := range req.Details {
		if err := a.ParseAnswer(k + "=" + v); err != nil {
			writeError(w, http.StatusBadRequest, "details: "+err.Error())
			return
		}
	}
	in, err := s.o.Register.Assess(r.Context(), r.PathValue("id"), principal(r.Context()).Name, a)
	if err != nil {
		s.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, in)
}

// fail maps the register's errors onto status codes; anything else is a 500 whose detail stays in
// the log.
func (s *Server) fail(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, register.ErrNotFound):
		writeError(w, http.StatusNotFound, err.Error())
	case errors.Is(err, register.ErrTransition):
		writeError(w, http.StatusConflict, err.Error())
	case errors.Is(err, register.ErrInvalid):
		writeError(w, http.StatusBadRequest, err.Error())
	default:
		s.o.Log.Error("http request failed", "err", err)
		writeError(w, http.StatusInternalServerError, "internal error; see lekwacht's log")
	}
}

const maxBody = 1 << 20

func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		writeError(w, http.StatusBadRequest, "body: "+err.Error())
		return false
	}
	return true
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}
