package estest

import (
	"encoding/base64"
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

// Cases is Kibana 8's Cases API for lekwacht's case sync, in any space, after Kibana's OpenAPI spec
// x-pack/platform/plugins/shared/cases/docs/openapi/ (paths/api@cases.yaml, api@cases@_find.yaml,
// api@cases@{caseid}.yaml, api@cases@{caseid}@comments.yaml, api@cases@{caseid}@comments@_find.yaml;
// components/schemas/create_case_request.yaml, update_case_request.yaml, settings.yaml,
// add_user_comment_request_properties.yaml, case_response_properties.yaml):
//
//   - POST /api/cases: connector, description, owner, settings (syncAlerts required), tags and
//     title required; owner one of cases, observability, securitySolution; severity low, medium,
//     high or critical; title at most 160 characters, description 30,000; unknown keys refused.
//   - GET /api/cases/_find: owner, tags (repeated), sortField, sortOrder, page, perPage; other
//     parameters refused; page*perPage at most 10,000.
//   - DELETE /api/cases?ids=["id",...]: 204, 404 when a case is not there.
//   - GET /api/cases/{id}; PATCH /api/cases: cases (1 to 100) each with id and version required; a
//     version that is not the case's current one is 409, as Kibana's saved objects answer.
//   - POST /api/cases/{id}/comments: type user, comment (1 to 30,000 characters), owner required.
//   - GET /api/cases/{id}/comments/_find: page, perPage, sortOrder (by creation).
//
// Every change sets updated_at, updated_by (Username, the caller; AnalystAs: any User) and a new
// version.
type Cases struct {
	mu       sync.Mutex
	cases    map[string]*kcase // space/id
	order    []string
	seq      int
	Requests []Request
	Username string // who lekwacht's credentials are
	Now      func() time.Time
	Down     bool
	// FailNext answers the next request whose method and path (without the space) match with 503.
	FailNext string
}

type kcase struct {
	space    string
	doc      map[string]any
	comments []map[string]any
	version  int
}

// NewCases starts the fake Kibana; the caller closes the server.
func NewCases() (*Cases, *httptest.Server) {
	c := &Cases{cases: map[string]*kcase{}, Username: "lekwacht_sync", Now: time.Now}
	return c, httptest.NewServer(c)
}

var (
	casesPath     = regexp.MustCompile(`^(?:/s/([a-z0-9_-]+))?(/api/cases(?:/.*)?)$`)
	caseIDPath    = regexp.MustCompile(`^/api/cases/([^/_][^/]*)(/comments(?:/_find)?)?$`)
	createKeys    = []string{"assignees", "connector", "description", "owner", "settings", "severity", "tags", "category", "title", "customFields"}
	createNeeds   = []string{"connector", "description", "owner", "settings", "tags", "title"}
	updateKeys    = []string{"assignees", "category", "connector", "customFields", "description", "id", "settings", "severity", "status", "tags", "title", "version"}
	owners        = []string{"cases", "observability", "securitySolution"}
	caseSeverity  = []string{"low", "medium", "high", "critical"}
	caseStatuses  = []string{"open", "in-progress", "closed"}
	findParams    = []string{"owner", "tags", "sortField", "sortOrder", "page", "perPage", "status", "severity", "search"}
	sortFields    = []string{"createdAt", "updatedAt", "closedAt", "title", "category", "status", "severity"}
	commentParams = []string{"page", "perPage", "sortOrder"}
)

func (k *Cases) now() string { return k.Now().UTC().Format("2006-01-02T15:04:05.000Z") }

// User is a Kibana user as Cases records one (user_properties.yaml): username, full_name and
// email nullable ("" is null), profile_uid left out when "".
type User struct {
	Username, FullName, Email, ProfileUID string
}

func (u User) doc() map[string]any {
	null := func(s string) any {
		if s == "" {
			return nil
		}
		return s
	}
	m := map[string]any{"username": null(u.Username), "full_name": null(u.FullName), "email": null(u.Email)}
	if u.ProfileUID != "" {
		m["profile_uid"] = u.ProfileUID
	}
	return m
}

func (c *kcase) touch(at, user string) { c.touchBy(at, User{Username: user}) }

func (c *kcase) touchBy(at string, u User) {
	c.version++
	c.doc["updated_at"] = at
	c.doc["updated_by"] = u.doc()
	c.doc["version"] = base64.StdEncoding.EncodeToString(fmt.Appendf(nil, "[%d,1]", c.version))
}

func (c *kcase) view() map[string]any {
	out := map[string]any{}
	for k, v := range c.doc {
		out[k] = v
	}
	out["totalComment"] = len(c.comments)
	out["comments"] = []any{} // _find and get answer without them (includeComments is deprecated)
	return out
}

// Analyst is a person in Kibana setting a case's status, with a comment first when not "".
func (k *Cases) Analyst(space, id, status, username, comment string) {
	k.AnalystAs(space, id, status, User{Username: username}, comment)
}

// AnalystAs is Analyst for a user Kibana knows by more, or less, than a user name.
func (k *Cases) AnalystAs(space, id, status string, u User, comment string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	c := k.cases[space+"/"+id]
	if c == nil {
		panic("no case " + id)
	}
	if comment != "" {
		k.addComment(c, comment, u.Username)
	}
	c.doc["status"] = status
	c.touchBy(k.now(), u)
}

// Case returns a case as Kibana shows it (nil when none).
func (k *Cases) Case(space, id string) map[string]any {
	k.mu.Lock()
	defer k.mu.Unlock()
	if c := k.cases[space+"/"+id]; c != nil {
		return c.view()
	}
	return nil
}

// All returns every case of a space in creation order.
func (k *Cases) All(space string) []map[string]any {
	k.mu.Lock()
	defer k.mu.Unlock()
	var out []map[string]any
	for _, key := range k.order {
		if c := k.cases[key]; c.space == space {
			out = append(out, c.view())
		}
	}
	return out
}

// Comments returns the comments of a case, oldest first.
func (k *Cases) Comments(space, id string) []map[string]any {
	k.mu.Lock()
	defer k.mu.Unlock()
	return slices.Clone(k.cases[space+"/"+id].comments)
}

// Bump changes a case behind lekwacht's back (a colleague editing its title): a new version.
func (k *Cases) Bump(space, id, username string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.cases[space+"/"+id].touch(k.now(), username)
}

// Calls returns the requests answered so far with method+" "+path (no query, no space), in order.
func (k *Cases) Calls(call string) []Request {
	k.mu.Lock()
	defer k.mu.Unlock()
	return requestsTo(k.Requests, call)
}

func (k *Cases) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	k.mu.Lock()
	defer k.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	m := casesPath.FindStringSubmatch(r.URL.Path)
	var body map[string]any
	var bodyErr error
	if r.Method == http.MethodPost || r.Method == http.MethodPatch {
		bodyErr = json.NewDecoder(r.Body).Decode(&body)
	}
	req := Request{Path: r.Method + " " + r.URL.Path, Body: body}
	if m != nil {
		req.Space, req.Path = m[1], r.Method+" "+m[2]
		if req.Space == "" {
			req.Space = "default"
		}
	}
	fail := func(status int, msg string) {
		req.Status = status
		k.Requests = append(k.Requests, req)
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(map[string]any{"statusCode": status, "error": http.StatusText(status), "message": msg})
	}
	ok := func(v any) {
		req.Status = 200
		k.Requests = append(k.Requests, req)
		json.NewEncoder(w).Encode(v)
	}
	switch {
	case m == nil:
		fail(404, "Not Found")
		return
	case k.Down:
		fail(503, "Kibana server is not ready yet")
		return
	case k.FailNext != "" && k.FailNext == req.Path:
		k.FailNext = ""
		fail(503, "Kibana server is not ready yet")
		return
	case r.Method != http.MethodGet && r.Header.Get("kbn-xsrf") == "":
		fail(400, "Request must contain a kbn-xsrf header.")
		return
	case bodyErr != nil:
		fail(400, "[request body]: "+bodyErr.Error())
		return
	}
	path, q := m[2], r.URL.Query()
	switch {
	case path == "/api/cases" && r.Method == http.MethodPost:
		if msg := k.checkCreate(body); msg != "" {
			fail(400, msg)
			return
		}
		ok(k.create(req.Space, body))
	case path == "/api/cases" && r.Method == http.MethodPatch:
		status, msg, out := k.update(req.Space, body)
		if status != 200 {
			fail(status, msg)
			return
		}
		ok(out)
	case path == "/api/cases" && r.Method == http.MethodDelete:
		var ids []string
		if err := json.Unmarshal([]byte(q.Get("ids")), &ids); err != nil || len(ids) == 0 {
			fail(400, "[request query]: ids: a JSON array of case ids required")
			return
		}
		for _, id := range ids {
			if k.cases[req.Space+"/"+id] == nil {
				fail(404, fmt.Sprintf("Saved object [cases/%s] not found", id))
				return
			}
		}
		for _, id := range ids {
			delete(k.cases, req.Space+"/"+id)
			k.order = slices.DeleteFunc(k.order, func(key string) bool { return key == req.Space+"/"+id })
		}
		req.Status = http.StatusNoContent
		k.Requests = append(k.Requests, req)
		w.WriteHeader(http.StatusNoContent)
	case path == "/api/cases/_find" && r.Method == http.MethodGet:
		out, msg := k.find(req.Space, q)
		if msg != "" {
			fail(400, msg)
			return
		}
		ok(out)
	default:
		k.serveCase(req.Space, r.Method, path, q, body, fail, ok)
	}
}

func (k *Cases) serveCase(space, method, path string, q map[string][]string, body map[string]any, fail func(int, string), ok func(any)) {
	cm := caseIDPath.FindStringSubmatch(path)
	if cm == nil {
		fail(404, "Not Found")
		return
	}
	c := k.cases[space+"/"+cm[1]]
	if c == nil {
		fail(404, fmt.Sprintf("Saved object [cases/%s] not found", cm[1]))
		return
	}
	switch {
	case cm[2] == "" && method == http.MethodGet:
		ok(c.view())
	case cm[2] == "/comments" && method == http.MethodPost:
		if msg := checkComment(body); msg != "" {
			fail(400, msg)
			return
		}
		k.addComment(c, body["comment"].(string), k.Username)
		c.touch(k.now(), k.Username)
		ok(c.view())
	case cm[2] == "/comments/_find" && method == http.MethodGet:
		for p := range q {
			if !slices.Contains(commentParams, p) {
				fail(400, "invalid query parameter "+p)
				return
			}
		}
		list := slices.Clone(c.comments)
		if qget(q, "sortOrder") == "desc" {
			slices.Reverse(list)
		}
		page, per := atoi(qget(q, "page"), 1), atoi(qget(q, "perPage"), 20)
		out := pageOf(list, page, per)
		ok(map[string]any{"comments": out, "page": page, "per_page": per, "total": len(c.comments)})
	default:
		fail(404, "Not Found")
	}
}

func qget(q map[string][]string, k string) string {
	if v := q[k]; len(v) > 0 {
		return v[0]
	}
	return ""
}

func atoi(s string, def int) int {
	if n, err := strconv.Atoi(s); err == nil {
		return n
	}
	return def
}

func pageOf[T any](list []T, page, per int) []T {
	from := (page - 1) * per
	if from >= len(list) || from < 0 {
		return []T{}
	}
	return list[from:min(from+per, len(list))]
}

func (k *Cases) checkCreate(body map[string]any) string {
	if msg := onlyKeys(body, createKeys); msg != "" {
		return msg
	}
	for _, f := range createNeeds {
		if _, ok := body[f]; !ok {
			return "[request body]: Invalid value \"undefined\" supplied to \"" + f + "\""
		}
	}
	if o, _ := body["owner"].(string); !slices.Contains(owners, o) {
		return fmt.Sprintf("[request body]: owner: want one of %v", owners)
	}
	if s, ok := body["severity"]; ok && !slices.Contains(caseSeverity, fmt.Sprint(s)) {
		return fmt.Sprintf("[request body]: severity: want one of %v", caseSeverity)
	}
	if st, _ := body["settings"].(map[string]any); st == nil {
		return "[request body]: settings: object required"
	} else if _, ok := st["syncAlerts"].(bool); !ok {
		return "[request body]: settings.syncAlerts: boolean required"
	}
	if cn, _ := body["connector"].(map[string]any); cn == nil || cn["id"] == nil || cn["name"] == nil || cn["type"] == nil {
		return "[request body]: connector: id, name, type and fields required"
	} else if _, ok := cn["fields"]; !ok {
		return "[request body]: connector: id, name, type and fields required"
	}
	t, _ := body["title"].(string)
	d, _ := body["description"].(string)
	switch {
	case strings.TrimSpace(t) == "" || len([]rune(t)) > 160:
		return "[request body]: title: 1 to 160 characters"
	case strings.TrimSpace(d) == "" || len([]rune(d)) > 30000:
		return "[request body]: description: 1 to 30000 characters"
	}
	if tags, ok := body["tags"].([]any); !ok || len(tags) > 200 {
		return "[request body]: tags: an array of at most 200"
	}
	return ""
}

func checkComment(body map[string]any) string {
	if msg := onlyKeys(body, []string{"type", "comment", "owner"}); msg != "" {
		return msg
	}
	if body["type"] != "user" {
		return "[request body]: type: this fake takes user comments only"
	}
	if o, _ := body["owner"].(string); !slices.Contains(owners, o) {
		return "[request body]: owner required"
	}
	if s, _ := body["comment"].(string); strings.TrimSpace(s) == "" || len([]rune(s)) > 30000 {
		return "[request body]: comment: 1 to 30000 characters"
	}
	return ""
}

func (k *Cases) create(space string, body map[string]any) map[string]any {
	k.seq++
	id := fmt.Sprintf("case-%04d", k.seq)
	at := k.now()
	sev := body["severity"]
	if sev == nil {
		sev = "low"
	}
	doc := map[string]any{"id": id, "title": body["title"], "description": body["description"], "tags": body["tags"],
		"owner": body["owner"], "connector": body["connector"], "settings": body["settings"], "severity": sev,
		"status": "open", "created_at": at, "created_by": map[string]any{"username": k.Username, "full_name": nil, "email": nil},
		"closed_at": nil, "closed_by": nil, "duration": nil, "external_service": nil, "totalAlerts": 0,
		"observables": []any{}, "total_observables": 0}
	c := &kcase{space: space, doc: doc}
	c.touch(at, k.Username)
	c.doc["updated_at"] = nil // a new case has updated_at null
	k.cases[space+"/"+id] = c
	k.order = append(k.order, space+"/"+id)
	return c.view()
}

func (k *Cases) addComment(c *kcase, text, user string) {
	k.seq++
	c.comments = append(c.comments, map[string]any{"id": fmt.Sprintf("comment-%04d", k.seq), "type": "user", "comment": text,
		"owner": c.doc["owner"], "created_at": k.now(), "created_by": map[string]any{"username": user}})
}

func (k *Cases) update(space string, body map[string]any) (int, string, []any) {
	if msg := onlyKeys(body, []string{"cases"}); msg != "" {
		return 400, msg, nil
	}
	list, _ := body["cases"].([]any)
	if len(list) < 1 || len(list) > 100 {
		return 400, "[request body]: cases: 1 to 100 items", nil
	}
	var out []any
	for _, it := range list {
		u, _ := it.(map[string]any)
		if msg := onlyKeys(u, updateKeys); msg != "" {
			return 400, msg, nil
		}
		id, _ := u["id"].(string)
		ver, _ := u["version"].(string)
		if id == "" || ver == "" {
			return 400, "[request body]: cases: id and version required", nil
		}
		c := k.cases[space+"/"+id]
		if c == nil {
			return 404, fmt.Sprintf("Saved object [cases/%s] not found", id), nil
		}
		if ver != c.doc["version"] {
			return 409, fmt.Sprintf("These cases %s has been updated. Please refresh before saving additional updates.", id), nil
		}
		if st, ok := u["status"]; ok && !slices.Contains(caseStatuses, fmt.Sprint(st)) {
			return 400, fmt.Sprintf("[request body]: status: want one of %v", caseStatuses), nil
		}
		for f, v := range u {
			if f != "id" && f != "version" {
				c.doc[f] = v
			}
		}
		c.touch(k.now(), k.Username)
		out = append(out, c.view())
	}
	return 200, "", out
}

func (k *Cases) find(space string, q map[string][]string) (map[string]any, string) {
	for p := range q {
		if !slices.Contains(findParams, p) {
			return nil, "invalid query parameter " + p
		}
	}
	sf := qget(q, "sortField")
	if sf != "" && !slices.Contains(sortFields, sf) {
		return nil, fmt.Sprintf("sortField: want one of %v", sortFields)
	}
	page, per := atoi(qget(q, "page"), 1), atoi(qget(q, "perPage"), 20)
	if page*per > 10000 {
		return nil, "The number of documents is too high. Paginating through more than 10,000 documents is not possible."
	}
	var list []*kcase
	for _, key := range k.order {
		c := k.cases[key]
		if c.space != space {
			continue
		}
		if o := q["owner"]; len(o) > 0 && !slices.Contains(o, fmt.Sprint(c.doc["owner"])) {
			continue
		}
		if tags := q["tags"]; len(tags) > 0 && !hasAny(c.doc["tags"], tags) {
			continue
		}
		list = append(list, c)
	}
	key := func(c *kcase) string {
		switch sf {
		case "updatedAt":
			if u, ok := c.doc["updated_at"].(string); ok {
				return u
			}
		}
		return c.doc["created_at"].(string)
	}
	sort.SliceStable(list, func(i, j int) bool { return key(list[i]) < key(list[j]) })
	if qget(q, "sortOrder") == "desc" {
		slices.Reverse(list)
	}
	var out []any
	for _, c := range pageOf(list, page, per) {
		out = append(out, c.view())
	}
	if out == nil {
		out = []any{}
	}
	return map[string]any{"cases": out, "page": page, "per_page": per, "total": len(list),
		"count_open_cases": 0, "count_in_progress_cases": 0, "count_closed_cases": 0}, ""
}

func hasAny(tags any, want []string) bool {
	l, _ := tags.([]any)
	for _, t := range l {
		if slices.Contains(want, fmt.Sprint(t)) {
			return true
		}
	}
	return false
}
