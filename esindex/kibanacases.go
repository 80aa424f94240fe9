package esindex

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/lekwacht/lekwacht/config"
	"github.com/lekwacht/lekwacht/register"
)

// CasesSink is the outbox name of the case sync: every change of an incident, its creation too, is
// queued for it, so a draft gets its case and the case's status follows triage made in lekwacht.
const CasesSink = "kibana-cases"

// CasesOutbox says which incidents the case sync wants: all of them, from their creation on.
func CasesOutbox(_ *register.Incident, _ bool) []string { return []string{CasesSink} }

// Case statuses (case_status.yaml of Kibana's Cases OpenAPI spec).
const (
	CaseOpen       = "open"
	CaseInProgress = "in-progress"
	CaseClosed     = "closed"
)

// CaseStatusFor is the status the case of an incident in status st has: a draft is open, open and
// assessed are in progress (in the FG's hands), dismissed and closed are closed.
func CaseStatusFor(st register.Status) string {
	switch st {
	case register.StatusOpen, register.StatusAssessed:
		return CaseInProgress
	case register.StatusDismissed, register.StatusClosed:
		return CaseClosed
	}
	return CaseOpen
}

// CaseOwner is the owner of lekwacht's cases: Elastic Security's Cases.
const CaseOwner = "securitySolution"

// CaseTag is the tag every case of lekwacht carries; CaseTagOf(id) the one that names its incident,
// by which the sync finds the case again after a restart.
const CaseTag = "lekwacht"

// CaseTagOf is the tag of the case of incident id.
func CaseTagOf(id string) string { return "lekwacht:" + id }

// ownComment starts every comment lekwacht writes on a case: such a comment is never taken as an
// analyst's reason.
const ownComment = "[lekwacht] "

// CasesCursorFile is the file in register.dir that holds how far the case sync has read.
const CasesCursorFile = "kibana-cases.cursor"

// DefaultCasesPage is perPage of the case sync's _find requests.
const DefaultCasesPage = 100

// CaseSync keeps one Kibana Case per incident (owner securitySolution) and the register in step.
// Push opens a case for every new draft (its masked summary as a comment) and sets the status of
// the case of every incident triaged in lekwacht, from the register's outbox. Poll reads the cases
// changed since its cursor and applies a status an analyst set in Kibana as triage (in-progress:
// open, closed: dismissed) with the case's updated_by as who and the newest analyst comment as why;
// a change the lifecycle does not allow is refused, the case set back with a comment saying why.
// Every decision compares states, so reading a change twice applies nothing twice.
type CaseSync struct {
	syncBase
	reg *register.Register
	url string            // http.public_url
	ids map[string]string // incident -> case id, as found or made
}

// CaseOptions configure a case sync; see SyncOptions.
type CaseOptions struct {
	URL       string
	Space     string
	Auth      config.Elasticsearch
	Dir       string
	Every     time.Duration
	Page      int
	PublicURL string // the link to the incident's page in the case's description
	Log       *slog.Logger
	Now       func() time.Time
}

// NewCaseSync prepares the sync of reg with Kibana's Cases.
func NewCaseSync(reg *register.Register, o CaseOptions) (*CaseSync, error) {
	base, err := newSyncBase(o.URL, o.Space, o.Auth, filepath.Join(o.Dir, CasesCursorFile), o.Every, o.Page, DefaultCasesPage, o.Log, o.Now, "kibana-cases")
	if err != nil {
		return nil, err
	}
	return &CaseSync{syncBase: base, reg: reg, url: o.PublicURL, ids: map[string]string{}}, nil
}

// Run pushes and polls at once (a change made in Kibana while lekwacht was down is applied on
// start), then every poll interval and after each kick, until ctx ends.
func (s *CaseSync) Run(ctx context.Context) error {
	return s.loop(ctx, s.Push, s.Poll, "kibana: cases not brought up to date, trying again later", "kibana: cases not read, trying again at the next poll")
}

// Case is what the sync reads of a Kibana Case (case_response_properties.yaml).
type Case struct {
	ID        string    `json:"id"`
	Version   string    `json:"version"`
	Status    string    `json:"status"`
	Tags      []string  `json:"tags"`
	UpdatedAt time.Time `json:"-"`
	// UpdatedBy is who changed the case last (case_response_updated_by_properties.yaml,
	// user_properties.yaml): username, full_name and email may be null, profile_uid absent.
	UpdatedBy struct {
		Username   string `json:"username"`
		FullName   string `json:"full_name"`
		ProfileUID string `json:"profile_uid"`
	} `json:"updated_by"`
	RawUpdatedAt *string `json:"updated_at"`
	CreatedAt    string  `json:"created_at"`
	TotalComment int     `json:"totalComment"`
}

func (c *Case) parse() {
	at := c.CreatedAt
	if c.RawUpdatedAt != nil {
		at = *c.RawUpdatedAt
	}
	c.UpdatedAt, _ = time.Parse(time.RFC3339Nano, at)
}

// Incident is the incident the case belongs to, from its tag lekwacht:<id>.
func (c *Case) Incident() string {
	for _, t := range c.Tags {
		if id, ok := strings.CutPrefix(t, "lekwacht:"); ok && id != "" {
			return id
		}
	}
	return ""
}

// who is the register's who of a change made in Kibana: the case's updated_by, by user name, full
// name or profile uid (kibanaWho).
func (c *Case) who() string {
	u := c.UpdatedBy
	return kibanaWho(u.Username, u.FullName, u.ProfileUID)
}

// casePayload is the body of POST /api/cases (create_case_request.yaml).
type casePayload struct {
	Title       string         `json:"title"`
	Description string         `json:"description"`
	Tags        []string       `json:"tags"`
	Owner       string         `json:"owner"`
	Severity    string         `json:"severity"`
	Connector   map[string]any `json:"connector"`
	Settings    map[string]any `json:"settings"`
}

// Limits of create_case_request.yaml (case_title.yaml, case_description.yaml).
const (
	caseTitleMax   = 160
	caseTextMax    = 30000
	caseCommentMax = 30000
)

func cut(s string, n int) string {
	if len([]rune(s)) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

// newCase is the case of a draft: the incident's id and rule as its title; what the document
// holds (masked summary, counts, categories, the link to the incident's page) as its description.
func (s *CaseSync) newCase(in *register.Incident) casePayload {
	title := in.ID
	if in.RuleTitle != "" {
		title += ": " + in.RuleTitle
	}
	return casePayload{Title: cut(title, caseTitleMax), Description: cut(caseDescription(in, s.url), caseTextMax),
		Tags: []string{CaseTag, CaseTagOf(in.ID)}, Owner: CaseOwner, Severity: caseSeverity(in),
		Connector: map[string]any{"id": "none", "name": "none", "type": ".none", "fields": nil},
		Settings:  map[string]any{"syncAlerts": false}}
}

func caseSeverity(in *register.Incident) string {
	switch s := string(in.Severity); s {
	case "low", "medium", "high", "critical":
		return s
	}
	return "low"
}

// caseDescription says what the case is for and links to the incident's page.
func caseDescription(in *register.Incident, publicURL string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Concept-datalek %s uit lekwacht (%s, ernst %s).\n", in.ID, in.Detector, in.Severity)
	if u := IncidentURL(publicURL, in.ID); u != "" {
		fmt.Fprintf(&b, "\nBeoordelen in lekwacht: %s\n", u)
	}
	b.WriteString("\nZet de case op in-progress (open in het register) of closed (afwijzen, met de reden als laatste opmerking); " +
		"het register is leidend.")
	return b.String()
}

// evidenceComment carries only what the indexed document carries: the register's masked summary
// (never a BSN, a mail address or a subject line), counts, categories, account and period.
func evidenceComment(in *register.Incident) string {
	var b strings.Builder
	b.WriteString("samenvatting van het bewijs\n\n")
	if in.Summary != "" {
		fmt.Fprintf(&b, "%s\n\n", in.Summary)
	}
	fmt.Fprintf(&b, "- Account: %s\n- Bewijsstukken: %d\n- Betrokkenen: %d\n", in.User, in.EvidenceCount, in.Subjects)
	if len(in.DataCategories) > 0 {
		cats := make([]string, len(in.DataCategories))
		for i, c := range in.DataCategories {
			cats[i] = string(c)
		}
		fmt.Fprintf(&b, "- Categorieën: %s\n", strings.Join(cats, ", "))
	}
	if !in.FirstSeen.IsZero() {
		fmt.Fprintf(&b, "- Periode: %s tot %s\n", in.FirstSeen.UTC().Format(time.RFC3339), in.LastSeen.UTC().Format(time.RFC3339))
	}
	return b.String()
}

// caseFor finds the case of an incident: known, or by its tag (one case per incident, also after
// a restart that came between creating a case and settling its outbox row); nil when none.
func (s *CaseSync) caseFor(ctx context.Context, id string) (*Case, error) {
	if cid, ok := s.ids[id]; ok {
		return s.getCase(ctx, cid)
	}
	q := url.Values{"owner": {CaseOwner}, "tags": {CaseTagOf(id)}, "perPage": {"10"}, "page": {"1"},
		"sortField": {"createdAt"}, "sortOrder": {"asc"}}
	cases, _, err := s.find(ctx, q)
	if err != nil || len(cases) == 0 {
		return nil, err
	}
	if len(cases) > 1 {
		s.log.Warn("kibana: more than one case of an incident: the oldest is kept in step", "incident", id, "cases", len(cases))
	}
	s.ids[id] = cases[0].ID
	return &cases[0], nil
}

func (s *CaseSync) getCase(ctx context.Context, cid string) (*Case, error) {
	_, b, err := s.kc.do(ctx, http.MethodGet, "/api/cases/"+url.PathEscape(cid), nil)
	if err != nil {
		return nil, err
	}
	var c Case
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("kibana case %s: unreadable answer: %w", cid, err)
	}
	c.parse()
	return &c, nil
}

// find calls GET /api/cases/_find (api@cases@_find.yaml) and returns the cases and the total.
func (s *CaseSync) find(ctx context.Context, q url.Values) ([]Case, int, error) {
	_, b, err := s.kc.do(ctx, http.MethodGet, "/api/cases/_find?"+q.Encode(), nil)
	if err != nil {
		return nil, 0, err
	}
	var r struct {
		Cases []Case `json:"cases"`
		Total int    `json:"total"`
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, 0, fmt.Errorf("kibana cases _find: unreadable answer: %w", err)
	}
	for i := range r.Cases {
		r.Cases[i].parse()
	}
	return r.Cases, r.Total, nil
}

func (s *CaseSync) create(ctx context.Context, in *register.Incident) (*Case, error) {
	_, b, err := s.kc.do(ctx, http.MethodPost, "/api/cases", s.newCase(in))
	if err != nil {
		return nil, err
	}
	var c Case
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("kibana create case: unreadable answer: %w", err)
	}
	c.parse()
	s.ids[in.ID] = c.ID
	s.log.Info("kibana: case opened for a draft", "incident", in.ID, "case", c.ID)
	return &c, nil
}

// comment adds a user comment by lekwacht (add_user_comment_request_properties.yaml).
func (s *CaseSync) comment(ctx context.Context, cid, text string) error {
	body := map[string]any{"type": "user", "owner": CaseOwner, "comment": cut(ownComment+text, caseCommentMax)}
	_, _, err := s.kc.do(ctx, http.MethodPost, "/api/cases/"+url.PathEscape(cid)+"/comments", body)
	return err
}

// setStatus sets a case's status with PATCH /api/cases (update_case_request.yaml: id and version
// required). A 409 (the case changed since it was read) is answered by reading it again: when it
// already has the status, nothing is left to do; else the patch is tried with the new version.
func (s *CaseSync) setStatus(ctx context.Context, c *Case, status string) (*Case, error) {
	for range 3 {
		if c.Status == status {
			return c, nil
		}
		body := map[string]any{"cases": []any{map[string]any{"id": c.ID, "version": c.Version, "status": status}}}
		code, b, err := s.kc.do(ctx, http.MethodPatch, "/api/cases", body, http.StatusConflict)
		if err != nil {
			return nil, err
		}
		if code == http.StatusConflict {
			s.log.Info("kibana: case changed since it was read (409): reading it again", "case", c.ID)
			if c, err = s.getCase(ctx, c.ID); err != nil {
				return nil, err
			}
			continue
		}
		var out []Case
		if err := json.Unmarshal(b, &out); err != nil || len(out) == 0 {
			return nil, fmt.Errorf("kibana update case %s: unreadable answer", c.ID)
		}
		out[0].parse()
		return &out[0], nil
	}
	return nil, fmt.Errorf("kibana update case %s: still in conflict after reading it again", c.ID)
}

// Push brings the case of every incident changed in the register (the outbox's CasesSink rows) up
// to date: a case made for a draft that has none (with its summary as the first comment), the
// status its incident's status asks for otherwise, with a comment naming the register's last step.
// Kibana unreachable, what is not settled stays due. It returns how many rows it settled.
func (s *CaseSync) Push(ctx context.Context) (int, error) {
	due, err := s.reg.Due(ctx, CasesSink, s.now(), 200)
	if err != nil || len(due) == 0 {
		return 0, err
	}
	rows := map[string][]int64{}
	var order []string
	for _, it := range due {
		if _, seen := rows[it.Incident]; !seen {
			order = append(order, it.Incident)
		}
		rows[it.Incident] = append(rows[it.Incident], it.ID)
	}
	var done []int64
	for _, id := range order {
		if err := s.pushOne(ctx, id); err != nil {
			return len(done), errors.Join(err, s.reg.DeliveredAll(ctx, done))
		}
		done = append(done, rows[id]...)
	}
	return len(done), s.reg.DeliveredAll(ctx, done)
}

func (s *CaseSync) pushOne(ctx context.Context, id string) error {
	in, err := s.reg.Summary(ctx, id)
	if errors.Is(err, register.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	c, err := s.caseFor(ctx, id)
	if err != nil {
		return err
	}
	if c == nil {
		if in.Status != register.StatusDraft {
			// No case was made while it was a draft (cases mode switched on later): none now.
			return nil
		}
		if c, err = s.create(ctx, in); err != nil {
			return err
		}
	}
	if c.TotalComment == 0 {
		// The evidence's summary as the first comment (also when an earlier push made the case
		// and stopped before the comment).
		if err := s.comment(ctx, c.ID, evidenceComment(in)); err != nil {
			return err
		}
	}
	want := CaseStatusFor(in.Status)
	if c.Status == want {
		return nil
	}
	if _, err := s.setStatus(ctx, c, want); err != nil {
		return err
	}
	text := "status in het register: " + string(in.Status)
	if n := len(in.History); n > 0 {
		h := in.History[n-1]
		text += fmt.Sprintf(" (door %s: %s)", h.By, h.Reason)
	}
	s.log.Info("kibana: case status set from the register", "incident", id, "case", c.ID, "status", want)
	return s.comment(ctx, c.ID, text)
}

// Poll reads the cases of lekwacht changed since the cursor (less syncOverlap), newest first
// (sortField updatedAt, sortOrder desc, page by page until a case older than that), applies or
// refuses each, then saves the cursor. A case changed while paging moves to the first page, which
// this poll has read already: its updated_at is newer than the cursor saved, so the next poll reads it.
func (s *CaseSync) Poll(ctx context.Context) (PollResult, error) {
	var res PollResult
	cur, err := s.loadCursor()
	if err != nil {
		return res, err
	}
	since := cur.UpdatedAt.Add(-syncOverlap)
	newest := cur.UpdatedAt
	for page := 1; ; page++ {
		q := url.Values{"owner": {CaseOwner}, "tags": {CaseTag}, "sortField": {"updatedAt"}, "sortOrder": {"desc"},
			"page": {strconv.Itoa(page)}, "perPage": {strconv.Itoa(s.page)}}
		cases, total, err := s.find(ctx, q)
		if err != nil {
			return res, err
		}
		older := false
		for i := range cases {
			c := &cases[i]
			if !cur.UpdatedAt.IsZero() && c.UpdatedAt.Before(since) {
				older = true
				break
			}
			res.Read++
			applied, refused, err := s.reconcile(ctx, c)
			if err != nil {
				return res, err
			}
			res.Applied += applied
			res.Refused += refused
			if c.UpdatedAt.After(newest) {
				newest = c.UpdatedAt
			}
		}
		if older || len(cases) < s.page || page*s.page >= total || page*s.page >= 10000 {
			break
		}
	}
	if newest.After(cur.UpdatedAt) {
		if err := s.saveCursor(syncCursor{UpdatedAt: newest}); err != nil {
			return res, err
		}
	}
	return res, nil
}

// reason is the newest comment on a case not written by lekwacht (GET .../comments/_find, newest
// first): the analyst's why.
func (s *CaseSync) reason(ctx context.Context, cid string) (string, error) {
	q := url.Values{"sortOrder": {"desc"}, "page": {"1"}, "perPage": {"20"}}
	_, b, err := s.kc.do(ctx, http.MethodGet, "/api/cases/"+url.PathEscape(cid)+"/comments/_find?"+q.Encode(), nil)
	if err != nil {
		return "", err
	}
	var r struct {
		Comments []struct {
			Type    string `json:"type"`
			Comment string `json:"comment"`
		} `json:"comments"`
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return "", fmt.Errorf("kibana case comments: unreadable answer: %w", err)
	}
	for _, c := range r.Comments {
		if t := strings.TrimSpace(c.Comment); c.Type == "user" && t != "" && !strings.HasPrefix(t, strings.TrimSpace(ownComment)) {
			return t, nil
		}
	}
	return "", nil
}

// reconcile compares a case with its incident: a triage of a draft made in Kibana is applied; any
// other difference is refused and the case set back to the register's status, with a comment.
func (s *CaseSync) reconcile(ctx context.Context, c *Case) (applied, refused int, err error) {
	id := c.Incident()
	log := s.log.With("case", c.ID, "incident", id, "kibana_status", c.Status, "kibana_user", c.who())
	in, err := s.reg.Get(ctx, id)
	if errors.Is(err, register.ErrNotFound) || id == "" {
		log.Warn("kibana: case of an incident the register does not have: left as is")
		return 0, 0, nil
	}
	if err != nil {
		return 0, 0, err
	}
	s.ids[id] = c.ID
	want := CaseStatusFor(in.Status)
	if c.Status == want {
		return 0, 0, nil
	}
	why := "alleen een concept wordt in Kibana beoordeeld: in-progress (open) of closed (afwijzen)"
	if in.Status == register.StatusDraft && (c.Status == CaseInProgress || c.Status == CaseClosed) {
		to := register.StatusOpen
		if c.Status == CaseClosed {
			to = register.StatusDismissed
		}
		reason, err := s.reason(ctx, c.ID)
		if err != nil {
			return 0, 0, err
		}
		if reason == "" && to == register.StatusOpen {
			reason = "in behandeling genomen in Kibana"
		}
		if reason == "" {
			why = "afwijzen vraagt een reden: zet die als opmerking op de case en sluit haar dan"
		} else {
			reason += " (Kibana Case " + c.ID + ")"
			moved, err := s.reg.Move(ctx, in.ID, to, c.who(), reason)
			if err == nil {
				log.Info("kibana: triage applied to the register", "status", moved.Status, "by", c.who(), "reason", reason)
				return 1, 0, nil
			}
			if !errors.Is(err, register.ErrTransition) && !errors.Is(err, register.ErrInvalid) {
				return 0, 0, err
			}
			why = err.Error()
			if in, err = s.reg.Get(ctx, in.ID); err != nil {
				return 0, 0, err
			}
			want = CaseStatusFor(in.Status)
		}
	}
	log.Warn("kibana: status change refused: the register is the source of truth", "register_status", in.Status, "why", why)
	if _, err := s.setStatus(ctx, c, want); err != nil {
		return 0, 1, err
	}
	if err := s.comment(ctx, c.ID, fmt.Sprintf("status teruggezet naar %s: %s (status in het register: %s)", want, why, in.Status)); err != nil {
		return 0, 1, err
	}
	log.Warn("kibana: case set back", "status", want)
	return 0, 1, nil
}
