package estest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Alerts is Kibana 8's Security alerts API for lekwacht's alert sync, in any space:
//
//   - POST /api/detection_engine/signals/search: the body checked against SearchAlertsRequestBody of
//     x-pack/solutions/security/plugins/security_solution/common/api/detection_engine/signals/
//     query_signals/query_signals_route.schema.yaml (query, aggs, size, track_total_hits, _source,
//     fields, runtime_mappings, sort; Kibana's zod schema drops any other key, such as search_after,
//     so this fake refuses one with 400 to catch a client that counts on it); the answer an
//     Elasticsearch search response.
//   - POST /api/detection_engine/signals/status: SetAlertsStatusByIds (signal_ids, minItems 1,
//     status, reason) or SetAlertsStatusByQuery (query, status, conflicts abort|proceed, reason) of
//     .../signals/set_signal_status/set_signals_status_route.schema.yaml, status one of AlertStatus
//     (open, closed, acknowledged, in-progress); the answer Elasticsearch's update by query
//     response (total, updated, failures, ...). As Kibana's painless script does, a status that
//     differs sets kibana.alert.workflow_status, workflow_user (the caller's profile uid, or null)
//     and workflow_status_updated_at; an equal one changes nothing but counts as updated.
//
// The queries understood are those of Elasticsearch's query DSL the sync sends: bool (filter, must,
// should with minimum_should_match, must_not), term, terms, range (gt, gte, lt, lte; dates compared
// as times), exists, match_all. Alert documents keep kibana.* fields as flat dotted keys, as the
// alerts-as-data indices do.
type Alerts struct {
	mu       sync.Mutex
	docs     map[string]map[string]any // space/_id -> _source
	Requests []Request
	// ProfileUID is the user profile uid of the credentials lekwacht calls with ("" for an API key
	// without a profile: workflow_user null).
	ProfileUID string
	Now        func() time.Time
	// Down answers every request with 503 while true.
	Down bool
}

// Request is one call the fake answered: space, path and body.
type Request struct {
	Space, Path string
	Body        map[string]any
	Status      int
}

// NewAlerts starts the fake Kibana; the caller closes the server.
func NewAlerts() (*Alerts, *httptest.Server) {
	a := &Alerts{docs: map[string]map[string]any{}, Now: time.Now}
	return a, httptest.NewServer(a)
}

// AddAlert is the rule "lekwacht incident" (rule_id ruleID) making an open alert of incident in space.
func (a *Alerts) AddAlert(space, id, ruleID, incident string, at time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.docs[space+"/"+id] = map[string]any{"@timestamp": at.UTC().Format(time.RFC3339Nano), "kibana.alert.uuid": id,
		"kibana.alert.rule.rule_id": ruleID, "kibana.alert.rule.name": "lekwacht incident", "kibana.alert.workflow_status": "open",
		"kibana.alert.ancestors": []any{map[string]any{"id": incident, "index": "lekwacht-incidents-v1", "depth": 0, "type": "event"}},
		"event":                  map[string]any{"kind": "signal"}, "lekwacht": map[string]any{"id": incident}}
}

// Analyst is a person changing an alert in Kibana's Alerts table: status, their profile uid, the
// alert's tags (Kibana's workflow tags) and, when not "", the closing reason.
func (a *Alerts) Analyst(space, id, status, profileUID string, tags []string, reason string, at time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	d := a.docs[space+"/"+id]
	if d == nil {
		panic("no alert " + id)
	}
	if d["kibana.alert.workflow_status"] != status {
		d["kibana.alert.workflow_status"] = status
		d["kibana.alert.workflow_user"] = profileUID
		d["kibana.alert.workflow_status_updated_at"] = at.UTC().Format(time.RFC3339Nano)
	}
	var t []any
	for _, s := range tags {
		t = append(t, s)
	}
	d["kibana.alert.workflow_tags"] = t
	if reason != "" {
		d["kibana.alert.workflow_reason"] = reason
	}
}

// Status is an alert's workflow status and who set it last.
func (a *Alerts) Status(space, id string) (status, user string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	d := a.docs[space+"/"+id]
	s, _ := d["kibana.alert.workflow_status"].(string)
	u, _ := d["kibana.alert.workflow_user"].(string)
	return s, u
}

// Calls returns the requests answered so far with path, in order.
func (a *Alerts) Calls(path string) []Request {
	a.mu.Lock()
	defer a.mu.Unlock()
	return requestsTo(a.Requests, path)
}

// requestsTo are the requests of list whose Path is path, in order.
func requestsTo(list []Request, path string) []Request {
	var out []Request
	for _, r := range list {
		if r.Path == path {
			out = append(out, r)
		}
	}
	return out
}

var alertsPath = regexp.MustCompile(`^(?:/s/([a-z0-9_-]+))?(/api/detection_engine/signals/(?:search|status))$`)

var (
	searchKeys    = []string{"query", "aggs", "size", "track_total_hits", "_source", "fields", "runtime_mappings", "sort"}
	statusByIDs   = []string{"signal_ids", "status", "reason"}
	statusByQuery = []string{"query", "status", "conflicts", "reason"}
	alertStatuses = []string{"open", "closed", "acknowledged", "in-progress"}
	closeReasons  = []string{"false_positive", "issue_resolved", "acceptable_risk", "expected_activity", "low_severity", "duplicate", "investigation_required"}
)

func (a *Alerts) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	m := alertsPath.FindStringSubmatch(r.URL.Path)
	var body map[string]any
	dec := json.NewDecoder(r.Body)
	dec.UseNumber()
	bodyErr := dec.Decode(&body)
	req := Request{Path: r.URL.Path, Body: body}
	fail := func(status int, msg string) {
		req.Status = status
		a.Requests = append(a.Requests, req)
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(map[string]any{"statusCode": status, "error": http.StatusText(status), "message": msg})
	}
	switch {
	case m == nil || r.Method != http.MethodPost:
		fail(404, "Not Found")
		return
	case a.Down:
		fail(503, "Kibana server is not ready yet")
		return
	case r.Header.Get("kbn-xsrf") == "":
		fail(400, "Request must contain a kbn-xsrf header.")
		return
	case bodyErr != nil:
		fail(400, "[request body]: "+bodyErr.Error())
		return
	}
	req.Space, req.Path = m[1], m[2]
	if req.Space == "" {
		req.Space = "default"
	}
	if req.Path == "/api/detection_engine/signals/search" {
		if msg := onlyKeys(body, searchKeys); msg != "" {
			fail(400, msg)
			return
		}
		req.Status = 200
		a.Requests = append(a.Requests, req)
		json.NewEncoder(w).Encode(a.search(req.Space, body))
		return
	}
	keys := statusByQuery
	if _, ok := body["signal_ids"]; ok {
		keys = statusByIDs
		if ids, _ := body["signal_ids"].([]any); len(ids) == 0 {
			fail(400, "[request body]: signal_ids: Array must contain at least 1 element(s)")
			return
		}
	} else if _, ok := body["query"].(map[string]any); !ok {
		fail(400, "[request body]: query: Required")
		return
	}
	if msg := onlyKeys(body, keys); msg != "" {
		fail(400, msg)
		return
	}
	if st, _ := body["status"].(string); !slices.Contains(alertStatuses, st) {
		fail(400, fmt.Sprintf("[request body]: status: Invalid enum value. Expected %v, received %v", alertStatuses, body["status"]))
		return
	}
	if c, ok := body["conflicts"]; ok && c != "abort" && c != "proceed" {
		fail(400, "[request body]: conflicts: Invalid enum value")
		return
	}
	if rs, ok := body["reason"]; ok && !slices.Contains(closeReasons, fmt.Sprint(rs)) {
		fail(400, "[request body]: reason: Invalid enum value")
		return
	}
	req.Status = 200
	a.Requests = append(a.Requests, req)
	json.NewEncoder(w).Encode(a.setStatus(req.Space, body))
}

func onlyKeys(body map[string]any, allowed []string) string {
	for k := range body {
		if !slices.Contains(allowed, k) {
			return fmt.Sprintf("[request body]: unrecognized key %q (this fake refuses what Kibana's schema drops; allowed: %v)", k, allowed)
		}
	}
	return ""
}

func (a *Alerts) inSpace(space string) []string {
	var ids []string
	for k := range a.docs {
		if sp, id, _ := strings.Cut(k, "/"); sp == space {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids
}

func (a *Alerts) search(space string, body map[string]any) map[string]any {
	q, _ := body["query"].(map[string]any)
	var ids []string
	for _, id := range a.inSpace(space) {
		if q == nil || matches(q, a.docs[space+"/"+id]) {
			ids = append(ids, id)
		}
	}
	var keys []sortKey
	for _, s := range list(body["sort"]) {
		switch s := s.(type) {
		case string:
			keys = append(keys, sortKey{s, false})
		case map[string]any:
			for f, o := range s {
				order := fmt.Sprint(o)
				if m, ok := o.(map[string]any); ok {
					order = fmt.Sprint(m["order"])
				}
				keys = append(keys, sortKey{f, order == "desc"})
			}
		}
	}
	sort.SliceStable(ids, func(i, j int) bool {
		di, dj := a.docs[space+"/"+ids[i]], a.docs[space+"/"+ids[j]]
		for _, k := range keys {
			c := compare(first(field(di, k.field)), first(field(dj, k.field)))
			if c != 0 {
				return (c < 0) != k.desc
			}
		}
		return false
	})
	total := len(ids)
	size := 10
	if n, ok := body["size"].(json.Number); ok {
		v, _ := n.Int64()
		size = int(v)
	}
	if len(ids) > size {
		ids = ids[:size]
	}
	hits := []any{}
	for _, id := range ids {
		src := map[string]any{}
		for k, v := range a.docs[space+"/"+id] {
			src[k] = v
		}
		hits = append(hits, map[string]any{"_index": ".internal.alerts-security.alerts-" + space + "-000001", "_id": id, "_score": nil, "_source": src})
	}
	return map[string]any{"took": 1, "timed_out": false, "_shards": map[string]any{"total": 1, "successful": 1, "skipped": 0, "failed": 0},
		"hits": map[string]any{"total": map[string]any{"value": total, "relation": "eq"}, "max_score": nil, "hits": hits}}
}

type sortKey struct {
	field string
	desc  bool
}

func (a *Alerts) setStatus(space string, body map[string]any) map[string]any {
	status := body["status"].(string)
	var ids []string
	if sig, ok := body["signal_ids"].([]any); ok {
		for _, s := range sig {
			if a.docs[space+"/"+fmt.Sprint(s)] != nil {
				ids = append(ids, fmt.Sprint(s))
			}
		}
	} else {
		q := body["query"].(map[string]any)
		for _, id := range a.inSpace(space) {
			if matches(q, a.docs[space+"/"+id]) {
				ids = append(ids, id)
			}
		}
	}
	for _, id := range ids {
		d := a.docs[space+"/"+id]
		if d["kibana.alert.workflow_status"] != status {
			d["kibana.alert.workflow_status"] = status
			if a.ProfileUID != "" {
				d["kibana.alert.workflow_user"] = a.ProfileUID
			} else {
				d["kibana.alert.workflow_user"] = nil
			}
			d["kibana.alert.workflow_status_updated_at"] = a.Now().UTC().Format(time.RFC3339Nano)
		}
	}
	return map[string]any{"took": 3, "timed_out": false, "total": len(ids), "updated": len(ids), "deleted": 0, "batches": 1,
		"version_conflicts": 0, "noops": 0, "retries": map[string]any{"bulk": 0, "search": 0}, "throttled_millis": 0,
		"requests_per_second": -1, "throttled_until_millis": 0, "failures": []any{}}
}

// matches evaluates a query of the DSL subset on a document.
func matches(q map[string]any, doc map[string]any) bool {
	for kind, arg := range q {
		m, _ := arg.(map[string]any)
		switch kind {
		case "match_all":
		case "bool":
			for _, c := range list(m["filter"]) {
				if !matches(c.(map[string]any), doc) {
					return false
				}
			}
			for _, c := range list(m["must"]) {
				if !matches(c.(map[string]any), doc) {
					return false
				}
			}
			for _, c := range list(m["must_not"]) {
				if matches(c.(map[string]any), doc) {
					return false
				}
			}
			if should := list(m["should"]); len(should) > 0 {
				need := 1
				if n, ok := m["minimum_should_match"].(json.Number); ok {
					v, _ := n.Int64()
					need = int(v)
				}
				got := 0
				for _, c := range should {
					if matches(c.(map[string]any), doc) {
						got++
					}
				}
				if got < need {
					return false
				}
			}
		case "term":
			for f, v := range m {
				if vm, ok := v.(map[string]any); ok {
					v = vm["value"]
				}
				if !slices.ContainsFunc(field(doc, f), func(x any) bool { return compare(x, v) == 0 }) {
					return false
				}
			}
		case "terms":
			for f, vs := range m {
				if !slices.ContainsFunc(field(doc, f), func(x any) bool {
					return slices.ContainsFunc(list(vs), func(v any) bool { return compare(x, v) == 0 })
				}) {
					return false
				}
			}
		case "range":
			for f, b := range m {
				bounds := b.(map[string]any)
				if !slices.ContainsFunc(field(doc, f), func(x any) bool { return inRange(x, bounds) }) {
					return false
				}
			}
		case "exists":
			if len(field(doc, fmt.Sprint(m["field"]))) == 0 {
				return false
			}
		default:
			panic("estest alerts: query " + kind + " not modelled")
		}
	}
	return true
}

func inRange(x any, b map[string]any) bool {
	for op, v := range b {
		c := compare(x, v)
		switch op {
		case "gt":
			if c <= 0 {
				return false
			}
		case "gte":
			if c < 0 {
				return false
			}
		case "lt":
			if c >= 0 {
				return false
			}
		case "lte":
			if c > 0 {
				return false
			}
		case "format":
		default:
			panic("estest alerts: range " + op + " not modelled")
		}
	}
	return true
}

// field is a dotted field's values in a document of flat keys and objects; arrays of objects are
// looked into, as Elasticsearch flattens them.
func field(doc map[string]any, f string) []any {
	if v, ok := doc[f]; ok {
		if v == nil {
			return nil
		}
		return list(v)
	}
	var out []any
	for i := 0; i < len(f); i++ {
		if f[i] != '.' {
			continue
		}
		for _, sub := range list(doc[f[:i]]) {
			if m, ok := sub.(map[string]any); ok {
				out = append(out, field(m, f[i+1:])...)
			}
		}
	}
	return out
}

func list(v any) []any {
	switch l := v.(type) {
	case nil:
		return nil
	case []any:
		return l
	}
	return []any{v}
}

func first(v []any) any {
	if len(v) == 0 {
		return nil
	}
	return v[0]
}

// compare orders two values: times when both are dates, numbers when both are numbers, else text;
// a missing value last.
func compare(x, y any) int {
	if x == nil || y == nil {
		switch {
		case x == nil && y == nil:
			return 0
		case x == nil:
			return 1
		}
		return -1
	}
	xs, ys := fmt.Sprint(x), fmt.Sprint(y)
	if tx, err := time.Parse(time.RFC3339Nano, xs); err == nil {
		if ty, err := time.Parse(time.RFC3339Nano, ys); err == nil {
			return tx.Compare(ty)
		}
	}
	if fx, err := strconv.ParseFloat(xs, 64); err == nil {
		if fy, err := strconv.ParseFloat(ys, 64); err == nil {
			switch {
			case fx < fy:
				return -1
			case fx > fy:
				return 1
			}
			return 0
		}
	}
	return strings.Compare(xs, ys)
}
