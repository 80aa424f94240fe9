package esindex

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/lekwacht/lekwacht/config"
	"github.com/lekwacht/lekwacht/register"
)

// KibanaSink is the outbox name of the alert sync: every change of an incident after its creation
// is queued for it, so the alert's workflow status follows triage made in lekwacht.
const KibanaSink = "kibana-alerts"

// KibanaOutbox says which incidents the alert sync wants: every change but the creation (the rule
// makes the alert; there is nothing to set yet).
func KibanaOutbox(_ *register.Incident, created bool) []string {
	if created {
		return nil
	}
	return []string{KibanaSink}
}

// Workflow statuses of a Security alert (AlertStatus in Kibana's
// security_solution/common/api/model/alert.schema.yaml).
const (
	AlertOpen         = "open"
	AlertAcknowledged = "acknowledged"
	AlertClosed       = "closed"
)

// AlertStatusFor is the workflow status an alert of an incident in status st has: a draft is open
// (not triaged), open and assessed are acknowledged (in the FG's hands), dismissed and closed closed.
func AlertStatusFor(st register.Status) string {
	switch st {
	case register.StatusOpen, register.StatusAssessed:
		return AlertAcknowledged
	case register.StatusDismissed, register.StatusClosed:
		return AlertClosed
	}
	return AlertOpen
}

// Fields of the alerts-as-data documents the sync reads (Kibana's @kbn/rule-data-utils names).
const (
	fieldWorkflowStatus    = "kibana.alert.workflow_status"
	fieldWorkflowUser      = "kibana.alert.workflow_user" // the user profile uid of who set the status
	fieldWorkflowUpdatedAt = "kibana.alert.workflow_status_updated_at"
	fieldWorkflowTags      = "kibana.alert.workflow_tags"
	fieldWorkflowReason    = "kibana.alert.workflow_reason" // the closing reason of newer Kibanas
	fieldAlertUUID         = "kibana.alert.uuid"
	fieldRuleID            = "kibana.alert.rule.rule_id"
	fieldAncestorsID       = "kibana.alert.ancestors.id" // the source document's _id: the incident id
)

// Defaults of the alert sync.
const (
	DefaultSyncPage = 500
	// syncOverlap is how far before its cursor a poll looks again: a status change becomes visible to
	// search after a refresh, possibly after a later one. Reading a change twice changes nothing.
	syncOverlap = 2 * time.Minute
	// alertWait is how long after discovery an incident may still have no alert: the rule runs
	// every 5 minutes over the last 6. Until then a status lekwacht sets is tried again.
	alertWait = 15 * time.Minute
)

// CursorFile is the file in register.dir that holds how far the alert sync has read.
const CursorFile = "kibana-alerts.cursor"

// AlertSync keeps Elastic Security's alerts of the rule "lekwacht incident" and the register in
// step. Poll reads the alerts whose workflow status changed since its cursor and applies a change
// an analyst made in Kibana as triage (acknowledged: open, closed: dismissed), with the Kibana user
// as who and the alert's closing reason or tags as why; a change the lifecycle does not allow is
// refused and the alert set back. Push sets the alerts of incidents triaged in lekwacht to match,
// from the register's outbox. The register is the source of truth: every decision is a state
// compared with the register's, so reading a change twice (a restart before the cursor was saved)
// applies nothing twice.
type AlertSync struct {
	syncBase
	reg    *register.Register
	ruleID string
}

// syncBase is what the alert sync and the case sync share: the Kibana client, the cursor file,
// the poll interval and page size, the log, the clock, and the kick that makes them work now.
type syncBase struct {
	kc     *kibanaClient
	cursor string // file
	every  time.Duration
	page   int
	log    *slog.Logger
	now    func() time.Time
	kick   chan struct{}
	turns  *turnQueue
}

// turnQueue holds the callers of Turn waiting for the next push and poll to end.
type turnQueue struct {
	mu   sync.Mutex
	list []chan error
}

func (q *turnQueue) add(c chan error) { q.mu.Lock(); q.list = append(q.list, c); q.mu.Unlock() }

// take returns and forgets the callers waiting now.
func (q *turnQueue) take() []chan error {
	q.mu.Lock()
	defer q.mu.Unlock()
	l := q.list
	q.list = nil
	return l
}

// newSyncBase makes the Kibana client and fills in the defaults: kibana.poll, page, a log that
// says which sync (name) speaks, the clock.
func newSyncBase(url, space string, auth config.Elasticsearch, cursor string, every time.Duration, page, defaultPage int,
	log *slog.Logger, now func() time.Time, name string) (syncBase, error) {
	kc, err := newKibanaClient(KibanaOptions{URL: url, Space: space, Auth: auth})
	if err != nil {
		return syncBase{}, err
	}
	if every <= 0 {
		every = config.DefaultKibanaPoll
	}
	if page <= 0 {
		page = defaultPage
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if now == nil {
		now = time.Now
	}
	return syncBase{kc: kc, cursor: cursor, every: every, page: page, log: log.With("sync", name), now: now,
		kick: make(chan struct{}, 1), turns: &turnQueue{}}, nil
}

// Kick makes the sync push and poll now.
func (s *syncBase) Kick() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// Turn makes the sync push and poll now and waits until a push and poll that began after the call
// have ended (or ctx ends); it returns what failed of them. It needs Run to be running.
func (s *syncBase) Turn(ctx context.Context) error {
	done := make(chan error, 1)
	s.turns.add(done)
	s.Kick()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// loop pushes and polls at once (a change made in Kibana while lekwacht was down is applied on
// start), then every poll interval and after each kick, until ctx ends; a failure is logged with
// what did not happen (pushFailed, pollFailed) and tried again at the next turn.
func (s *syncBase) loop(ctx context.Context, push func(context.Context) (int, error), poll func(context.Context) (PollResult, error),
	pushFailed, pollFailed string) error {
	tick := time.NewTicker(s.every)
	defer tick.Stop()
	for {
		waiting := s.turns.take() // those who asked before this turn began
		_, perr := push(ctx)
		if perr != nil && ctx.Err() == nil {
			s.log.Warn(pushFailed, "err", perr.Error())
		}
		_, err := poll(ctx)
		if err != nil && ctx.Err() == nil {
			s.log.Warn(pollFailed, "err", err.Error())
		}
		for _, w := range waiting {
			w <- errors.Join(perr, err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		case <-s.kick:
		}
	}
}

// SyncOptions configure an alert sync.
type SyncOptions struct {
	URL    string // kibana.url (a /s/<space> suffix names the space)
	Space  string
	Auth   config.Elasticsearch // the credentials Kibana takes (elasticsearch.*)
	Prefix string               // elasticsearch.index_prefix: which rule's alerts
	Dir    string               // register.dir, where the cursor is kept
	Every  time.Duration        // kibana.poll
	Page   int                  // alerts per search request
	Log    *slog.Logger
	Now    func() time.Time
}

// NewAlertSync prepares the sync of reg with the alerts in Kibana.
func NewAlertSync(reg *register.Register, o SyncOptions) (*AlertSync, error) {
	base, err := newSyncBase(o.URL, o.Space, o.Auth, filepath.Join(o.Dir, CursorFile), o.Every, o.Page, DefaultSyncPage, o.Log, o.Now, "kibana-alerts")
	if err != nil {
		return nil, err
	}
	return &AlertSync{syncBase: base, reg: reg, ruleID: SecurityRuleID(o.Prefix)}, nil
}

// Run pushes and polls at once (a change made in Kibana while lekwacht was down is applied on
// start), then every poll interval and after each kick, until ctx ends.
func (s *AlertSync) Run(ctx context.Context) error {
	return s.loop(ctx, s.Push, s.Poll, "kibana: alert status not set, trying again later", "kibana: alerts not read, trying again at the next poll")
}

// Alert is what the sync reads of a Security alert.
type Alert struct {
	ID        string // _id (kibana.alert.uuid)
	Incident  string
	Status    string
	User      string // kibana.alert.workflow_user: a user profile uid; "" when the change was made without one (an API key)
	UpdatedAt time.Time
	Tags      []string
	Reason    string
}

// PollResult says what one poll did.
type PollResult struct {
	Read, Applied, Refused int
}

type syncCursor struct {
	UpdatedAt time.Time `json:"updated_at"` // the newest workflow_status_updated_at applied
}

// Poll reads every alert of the rule whose workflow status changed since the cursor (less
// syncOverlap), page by page in the order (workflow_status_updated_at, kibana.alert.uuid), applies
// or refuses each, then saves the cursor. The alerts search API (query_signals_route.schema.yaml)
// takes no search_after: a page after the first asks for the keys after the last one in its query.
func (s *AlertSync) Poll(ctx context.Context) (PollResult, error) {
	var res PollResult
	cur, err := s.loadCursor()
	if err != nil {
		return res, err
	}
	newest := cur.UpdatedAt
	var after *Alert
	for {
		alerts, err := s.search(ctx, cur.UpdatedAt, after)
		if err != nil {
			return res, err
		}
		for i := range alerts {
			a := &alerts[i]
			res.Read++
			applied, refused, err := s.reconcile(ctx, a)
			if err != nil {
				return res, err
			}
			res.Applied += applied
			res.Refused += refused
			if a.UpdatedAt.After(newest) {
				newest = a.UpdatedAt
			}
		}
		if len(alerts) < s.page {
			break
		}
		after = &alerts[len(alerts)-1]
	}
	if newest.After(cur.UpdatedAt) {
		if err := s.saveCursor(syncCursor{UpdatedAt: newest}); err != nil {
			return res, err
		}
	}
	return res, nil
}

// searchRequest is the body of POST /api/detection_engine/signals/search (SearchAlertsRequestBody).
type searchRequest struct {
	Query  map[string]any `json:"query"`
	Size   int            `json:"size"`
	Sort   []any          `json:"sort"`
	Source []string       `json:"_source"`
}

func term(field string, v any) map[string]any {
	return map[string]any{"term": map[string]any{field: v}}
}

func rangeOf(field, op string, v any) map[string]any {
	return map[string]any{"range": map[string]any{field: map[string]any{op: v}}}
}

func (s *AlertSync) search(ctx context.Context, since time.Time, after *Alert) ([]Alert, error) {
	filter := []any{term(fieldRuleID, s.ruleID), map[string]any{"exists": map[string]any{"field": fieldWorkflowUpdatedAt}}}
	if !since.IsZero() {
		filter = append(filter, rangeOf(fieldWorkflowUpdatedAt, "gte", since.Add(-syncOverlap).UTC().Format(time.RFC3339Nano)))
	}
	if after != nil {
		at := after.UpdatedAt.UTC().Format(time.RFC3339Nano)
		filter = append(filter, map[string]any{"bool": map[string]any{"minimum_should_match": 1, "should": []any{
			rangeOf(fieldWorkflowUpdatedAt, "gt", at),
			map[string]any{"bool": map[string]any{"filter": []any{term(fieldWorkflowUpdatedAt, at), rangeOf(fieldAlertUUID, "gt", after.ID)}}},
		}}})
	}
	req := searchRequest{Query: map[string]any{"bool": map[string]any{"filter": filter}}, Size: s.page,
		Sort: []any{map[string]any{fieldWorkflowUpdatedAt: "asc"}, map[string]any{fieldAlertUUID: "asc"}},
		Source: []string{fieldAlertUUID, fieldWorkflowStatus, fieldWorkflowUser, fieldWorkflowUpdatedAt, fieldWorkflowTags,
			fieldWorkflowReason, "kibana.alert.ancestors", "lekwacht.id"}}
	_, body, err := s.kc.do(ctx, http.MethodPost, "/api/detection_engine/signals/search", req)
	if err != nil {
		return nil, err
	}
	var r struct {
		Hits struct {
			Hits []struct {
				ID     string         `json:"_id"`
				Source map[string]any `json:"_source"`
			} `json:"hits"`
		} `json:"hits"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, fmt.Errorf("kibana alerts search: unreadable answer: %w", err)
	}
	out := make([]Alert, 0, len(r.Hits.Hits))
	for _, h := range r.Hits.Hits {
		out = append(out, alertOf(h.ID, h.Source))
	}
	return out, nil
}

// alertOf reads an alert's _source, whose kibana.* fields are flat dotted keys and whose copied
// source fields may be objects.
func alertOf(id string, src map[string]any) Alert {
	a := Alert{ID: id, Status: str(lookup(src, fieldWorkflowStatus)), User: str(lookup(src, fieldWorkflowUser)),
		Reason: str(lookup(src, fieldWorkflowReason))}
	if u := str(lookup(src, fieldAlertUUID)); u != "" {
		a.ID = u
	}
	a.UpdatedAt, _ = time.Parse(time.RFC3339Nano, str(lookup(src, fieldWorkflowUpdatedAt)))
	for _, v := range list(lookup(src, fieldWorkflowTags)) {
		if t := strings.TrimSpace(str(v)); t != "" {
			a.Tags = append(a.Tags, t)
		}
	}
	for _, anc := range list(lookup(src, "kibana.alert.ancestors")) {
		if m, ok := anc.(map[string]any); ok && a.Incident == "" {
			a.Incident = str(m["id"])
		}
	}
	if id := str(lookup(src, "lekwacht.id")); id != "" {
		a.Incident = id
	}
	return a
}

// lookup finds a dotted field in a _source that holds it as one flat key, as objects, or mixed.
func lookup(src map[string]any, field string) any {
	if v, ok := src[field]; ok {
		return v
	}
	for i := 0; i < len(field); i++ {
		if field[i] != '.' {
			continue
		}
		if m, ok := src[field[:i]].(map[string]any); ok {
			if v := lookup(m, field[i+1:]); v != nil {
				return v
			}
		}
	}
	return nil
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func list(v any) []any {
	switch l := v.(type) {
	case []any:
		return l
	case nil:
		return nil
	}
	return []any{v}
}

// who is the register's who of a change made in Kibana. Kibana 8 records the user profile uid of
// who set the status (the status route's script: workflowUser = user.profile_uid), not a name.
func (a *Alert) who() string {
	if profileUID.MatchString(a.User) {
		return kibanaWho("", "", a.User)
	}
	return kibanaWho(a.User, "", "")
}

// profileUID is the form of a Kibana user profile uid: u_<base64url>_<n>.
var profileUID = regexp.MustCompile(`^u_[A-Za-z0-9_-]+_[0-9]+$`)

// kibanaWho is the register's who of a change made in Kibana: kibana:<user name>, else
// kibana:<full name>, else the user profile uid, labelled as one: kibana-profile:<uid>. A uid is
// not looked up: the only documented API that resolves it (Elasticsearch's GET
// /_security/profile/<uid>) is meant for Kibana alone and needs read_security, more than the sync
// asks for. "kibana" when Kibana names no one.
func kibanaWho(username, fullName, profile string) string {
	switch {
	case strings.TrimSpace(username) != "":
		return "kibana:" + strings.TrimSpace(username)
	case strings.TrimSpace(fullName) != "":
		return "kibana:" + strings.TrimSpace(fullName)
	case strings.TrimSpace(profile) != "":
		return "kibana-profile:" + strings.TrimSpace(profile)
	}
	return "kibana"
}

// why is the reason of a change made in Kibana: the closing reason and the alert's tags.
func (a *Alert) why() string {
	var parts []string
	if a.Reason != "" {
		parts = append(parts, a.Reason)
	}
	parts = append(parts, a.Tags...)
	return strings.Join(parts, "; ")
}

// reconcile compares an alert with its incident: a triage of a draft made in Kibana is applied;
// any other difference is refused and the alert set back to the register's status.
func (s *AlertSync) reconcile(ctx context.Context, a *Alert) (applied, refused int, err error) {
	log := s.log.With("alert", a.ID, "incident", a.Incident, "kibana_status", a.Status, "kibana_user", a.User)
	in, err := s.reg.Get(ctx, a.Incident)
	if errors.Is(err, register.ErrNotFound) {
		log.Warn("kibana: alert of an incident the register does not have: left as is")
		return 0, 0, nil
	}
	if err != nil {
		return 0, 0, err
	}
	want := AlertStatusFor(in.Status)
	if a.Status == want {
		return 0, 0, nil
	}
	why := "only a draft is triaged, by acknowledging (open) or closing (dismiss) its alert"
	if in.Status == register.StatusDraft && (a.Status == AlertAcknowledged || a.Status == AlertClosed) {
		to, reason := register.StatusOpen, a.why()
		if a.Status == AlertClosed {
			to = register.StatusDismissed
		}
		if reason == "" && to == register.StatusOpen {
			reason = "in behandeling genomen in Kibana"
		}
		if reason == "" {
			why = "a dismissal needs a reason: close the alert with a reason or give it a tag (e.g. False Positive)"
		} else {
			reason += " (Kibana Security-alert " + a.ID + ")"
			moved, err := s.reg.Move(ctx, in.ID, to, a.who(), reason)
			if err == nil {
				log.Info("kibana: triage applied to the register", "status", moved.Status, "by", a.who(), "reason", reason)
				return 1, 0, nil
			}
			if !errors.Is(err, register.ErrTransition) && !errors.Is(err, register.ErrInvalid) {
				return 0, 0, err
			}
			why = err.Error()
			if in, err = s.reg.Get(ctx, in.ID); err != nil {
				return 0, 0, err
			}
			want = AlertStatusFor(in.Status)
		}
	}
	log.Warn("kibana: status change refused: the register is the source of truth", "register_status", in.Status, "why", why)
	if err := s.setStatus(ctx, map[string]any{"signal_ids": []string{a.ID}, "status": want}); err != nil {
		return 0, 1, err
	}
	log.Warn("kibana: alert set back", "status", want)
	return 0, 1, nil
}

// updateByQueryAnswer is the answer of the status API: Elasticsearch's update by query response.
type updateByQueryAnswer struct {
	Total   int   `json:"total"`
	Updated int   `json:"updated"`
	Failure []any `json:"failures"`
}

// setStatus calls POST /api/detection_engine/signals/status (SetAlertsStatusByIds or ByQuery).
func (s *AlertSync) setStatus(ctx context.Context, body map[string]any) error {
	_, _, err := s.setStatusAnswer(ctx, body)
	return err
}

func (s *AlertSync) setStatusAnswer(ctx context.Context, body map[string]any) (updateByQueryAnswer, []byte, error) {
	var a updateByQueryAnswer
	_, b, err := s.kc.do(ctx, http.MethodPost, "/api/detection_engine/signals/status", body)
	if err != nil {
		return a, b, err
	}
	if err := json.Unmarshal(b, &a); err != nil {
		return a, b, fmt.Errorf("kibana alert status: unreadable answer: %w", err)
	}
	if len(a.Failure) > 0 {
		return a, b, fmt.Errorf("kibana alert status: %d failures: %v", len(a.Failure), a.Failure[0])
	}
	return a, b, nil
}

// Push sets the alerts of the incidents changed in the register (the outbox's KibanaSink rows) to
// the status their incident's status asks for. An incident without an alert yet (the rule runs
// every 5 minutes) is tried again for alertWait after its discovery; Kibana unreachable, all rows
// stay due. It returns how many rows it settled.
func (s *AlertSync) Push(ctx context.Context) (int, error) {
	due, err := s.reg.Due(ctx, KibanaSink, s.now(), 200)
	if err != nil || len(due) == 0 {
		return 0, err
	}
	rows := map[string][]register.OutboxItem{}
	var order []string
	for _, it := range due {
		if _, seen := rows[it.Incident]; !seen {
			order = append(order, it.Incident)
		}
		rows[it.Incident] = append(rows[it.Incident], it)
	}
	var done []int64
	var later []register.OutboxItem
	now := s.now()
	settle := func() error {
		if err := s.reg.DeliveredAll(ctx, done); err != nil {
			return err
		}
		return s.reg.RetryAll(ctx, later, "no alert yet", func(int) time.Time { return now.Add(time.Minute) }, func(int) bool { return false })
	}
	for _, id := range order {
		in, err := s.reg.Get(ctx, id)
		if errors.Is(err, register.ErrNotFound) {
			for _, it := range rows[id] {
				done = append(done, it.ID)
			}
			continue
		}
		if err != nil {
			return 0, errors.Join(err, settle())
		}
		want := AlertStatusFor(in.Status)
		ans, _, err := s.setStatusAnswer(ctx, map[string]any{"status": want, "conflicts": "proceed",
			"query": map[string]any{"bool": map[string]any{"filter": []any{term(fieldRuleID, s.ruleID), term(fieldAncestorsID, in.ID)}}}})
		if err != nil {
			// Kibana down or refusing: what was settled stays settled, the rest is due again.
			return len(done) + len(later), errors.Join(err, settle())
		}
		if ans.Total == 0 && now.Sub(in.DiscoveredAt) < alertWait {
			later = append(later, rows[id]...)
			continue
		}
		if ans.Total > 0 {
			s.log.Info("kibana: alert status set from the register", "incident", id, "status", want, "alerts", ans.Total)
		}
		for _, it := range rows[id] {
			done = append(done, it.ID)
		}
	}
	return len(done) + len(later), settle()
}

func (s *syncBase) loadCursor() (syncCursor, error) { return loadCursorFile(s.cursor) }

func (s *syncBase) saveCursor(c syncCursor) error { return saveCursorFile(s.cursor, c) }

func loadCursorFile(path string) (syncCursor, error) {
	var c syncCursor
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return c, err
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return c, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// saveCursorFile writes a cursor atomically (a new file renamed over the old one).
func saveCursorFile(path string, c syncCursor) error {
	b, err := json.Marshal(c)
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("save kibana cursor: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("save kibana cursor: %w", err)
	}
	return nil
}
