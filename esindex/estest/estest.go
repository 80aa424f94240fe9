// Package estest is an in-test Elasticsearch 8 and Kibana 8 for lekwacht's tests: the APIs that the
// indexer and `lekwacht setup` use, refusing what a real cluster refuses, and faults on demand.
//
// The request and answer shapes follow the Elasticsearch API specification
// (github.com/elastic/elasticsearch-specification, main at 9d9b9a5, 2026-08-20):
// _global/bulk, _global/reindex (Destination.version_type, conflicts), indices/create,
// indices/update_aliases (add, remove, is_write_index), indices/get_alias,
// indices/put_index_template, security/has_privileges (request IndexPrivilegesCheck, response
// cluster/index/username/has_all_requested) and security/_types/Privileges.ts for the privilege
// names. What needs which privilege follows Elasticsearch's security privileges reference
// (GET / is cluster:monitor/main: the cluster privilege monitor).
package estest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// Server behaves like an Elasticsearch 8 node for the bulk API: the product header, external
// versions with 409 on an old or equal version, and faults on demand: the whole request refused
// (429/503), some items refused (429), an item with a mapping error (400), answers lost after the
// write (the documents are stored but the client sees 503), slow answers.
//
// It also keeps indices, aliases (with is_write_index), index templates (whose aliases every new
// matching index joins, as Elasticsearch does) and ILM policies, answers _reindex, _aliases,
// _count and _has_privileges, and, with Granted set, refuses with 403 what the credentials may not
// do. A write through an alias goes to its write index: the only index behind it, or the one marked
// is_write_index; with several and none marked, each item is refused with "no write index is
// defined for alias", as Elasticsearch refuses it.
type Server struct {
	mu          sync.Mutex
	indices     map[string]*index          // by name
	aliases     map[string]map[string]bool // alias -> index -> is_write_index
	Templates   map[string]Template        // by name
	Policies    map[string][]byte          // by name
	Requests    int                        // bulk requests
	Calls       []string                   // "METHOD /path" of every request
	Refuse      int                        // refuse the next N bulk requests with this status...
	RefuseAs    int                        // ... (429 or 503)
	LoseNext    int                        // store the next N requests' documents, then answer 503
	ItemFail    map[string]int             // _id -> how many more times to refuse this item with 429
	BadDoc      string                     // _id refused for good with a mapping error (400)
	Delay       time.Duration              // before answering
	IndexWrites int                        // documents written (including overwrites)
	// Granted, when not nil, are the privileges of the credentials: every request needs its own
	// (GET / needs monitor, templates manage_index_templates, ...) and is refused with 403 otherwise.
	Granted *Privileges
	// NoSecurity answers the security APIs as a cluster with security switched off does.
	NoSecurity bool
	// Before, when set, is called with "METHOD /path" before a request is handled, outside the
	// lock: a test's way to act at a given step of another client's sequence.
	Before func(call string)
	// Fail, when set, refuses the calls it names ("PUT /_index_template/x") with 403.
	Fail map[string]int
}

// Privileges are what a role grants: cluster privileges, and index privileges per name pattern.
type Privileges struct {
	User    string
	Cluster []string
	Index   map[string][]string // pattern ("lekwacht-incidents*") -> privileges
}

// Template is a stored composable index template: what the server acts on.
type Template struct {
	Patterns []string
	Priority int
	Aliases  map[string]json.RawMessage
	Body     []byte
}

type index struct {
	docs map[string]storedDoc
}

type storedDoc struct {
	version int64
	source  json.RawMessage
	writes  int
}

// Names of the setup New makes: the alias of the default prefix on its first index.
const (
	Alias      = "lekwacht-incidents"
	FirstIndex = "lekwacht-incidents-v1"
)

// New starts a server on 127.0.0.1 as `lekwacht setup elasticsearch` leaves it: the index
// FirstIndex behind Alias as its write index. The caller closes the returned httptest.Server.
func New() (*Server, *httptest.Server) {
	f := NewHandler()
	f.indices[FirstIndex] = &index{docs: map[string]storedDoc{}}
	f.aliases[Alias] = map[string]bool{FirstIndex: true}
	return f, httptest.NewServer(f)
}

// NewEmpty starts a server on which setup has not run: no index, no alias.
func NewEmpty() (*Server, *httptest.Server) {
	f := NewHandler()
	return f, httptest.NewServer(f)
}

// NewHandler is an empty server not yet listening, for a test that starts it itself (TLS).
func NewHandler() *Server {
	return &Server{indices: map[string]*index{}, aliases: map[string]map[string]bool{}, Templates: map[string]Template{},
		Policies: map[string][]byte{}, ItemFail: map[string]int{}, Fail: map[string]int{}}
}

// esError answers as Elasticsearch does: {"error": {"root_cause", "type", "reason"}, "status"}.
func esError(w http.ResponseWriter, status int, typ, reason string) {
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"status": status, "error": map[string]any{
		"root_cause": []any{map[string]any{"type": typ, "reason": reason}}, "type": typ, "reason": reason}})
}

func (f *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Elastic-Product", "Elasticsearch")
	w.Header().Set("Content-Type", "application/json")
	f.mu.Lock()
	delay := f.Delay
	f.mu.Unlock()
	if delay > 0 {
		time.Sleep(delay)
	}
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	before := f.Before
	f.mu.Unlock()
	if before != nil {
		before(r.Method + " " + r.URL.Path)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.Calls = append(f.Calls, r.Method+" "+r.URL.Path)
	if st := f.Fail[r.Method+" "+r.URL.Path]; st != 0 {
		typ := map[int]string{400: "illegal_argument_exception", 401: "security_exception", 403: "security_exception"}[st]
		esError(w, st, typ, "refused by the test: "+r.Method+" "+r.URL.Path)
		return
	}
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if r.URL.Path == "/" {
		parts = nil
	}
	last := ""
	if len(parts) > 0 {
		last = parts[len(parts)-1]
	}
	switch {
	case len(parts) == 0 && (r.Method == http.MethodGet || r.Method == http.MethodHead):
		if f.deny(w, "cluster:monitor/main", "monitor", "") {
			return
		}
		fmt.Fprint(w, `{"name":"node-1","cluster_name":"gemeente","version":{"number":"8.15.3","build_flavor":"default"},"tagline":"You Know, for Search"}`)
	case last == "_bulk":
		f.bulk(w, r, body, strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/"), "/_bulk"))
	case r.URL.Path == "/_security/user/_has_privileges":
		f.hasPrivileges(w, body)
	case len(parts) == 3 && parts[0] == "_ilm" && parts[1] == "policy" && r.Method == http.MethodPut:
		if f.deny(w, "cluster:admin/ilm/put", "manage_ilm", "") || !f.requireKey(w, body, "policy") {
			return
		}
		f.Policies[parts[2]] = body
		fmt.Fprint(w, `{"acknowledged":true}`)
	case len(parts) == 2 && parts[0] == "_index_template" && r.Method == http.MethodPut:
		f.putTemplate(w, parts[1], body)
	case len(parts) == 2 && parts[0] == "_alias" && r.Method == http.MethodGet:
		f.getAlias(w, parts[1])
	case r.URL.Path == "/_aliases" && r.Method == http.MethodPost:
		f.updateAliases(w, body)
	case r.URL.Path == "/_reindex" && r.Method == http.MethodPost:
		f.reindex(w, r, body)
	case len(parts) == 1 && r.Method == http.MethodHead:
		if f.deny(w, "indices:admin/get", "view_index_metadata", parts[0]) {
			return
		}
		if f.indices[parts[0]] == nil && f.aliases[parts[0]] == nil {
			w.WriteHeader(http.StatusNotFound)
		}
	case len(parts) == 1 && r.Method == http.MethodPut:
		f.createIndex(w, parts[0], body)
	case len(parts) == 2 && last == "_mapping" && r.Method == http.MethodPut:
		if f.deny(w, "indices:admin/mapping/put", "manage", parts[0]) {
			return
		}
		if len(f.resolve(parts[0])) == 0 {
			esError(w, 404, "index_not_found_exception", "no such index ["+parts[0]+"]")
			return
		}
		fmt.Fprint(w, `{"acknowledged":true}`)
	case len(parts) == 2 && last == "_search" && (r.Method == http.MethodPost || r.Method == http.MethodGet):
		f.search(w, body, parts[0])
	case len(parts) == 2 && last == "_count":
		if f.deny(w, "indices:data/read/search", "read", parts[0]) {
			return
		}
		n := 0
		for _, idx := range f.resolve(parts[0]) {
			n += len(f.indices[idx].docs)
		}
		fmt.Fprintf(w, `{"count":%d}`, n)
	case len(parts) == 3 && parts[1] == "_alias" && r.Method == http.MethodPut:
		if f.deny(w, "indices:admin/aliases", "manage", parts[0]) {
			return
		}
		if f.indices[parts[0]] == nil {
			esError(w, 404, "index_not_found_exception", "no such index ["+parts[0]+"]")
			return
		}
		f.alias(parts[2])[parts[0]] = f.aliases[parts[2]][parts[0]]
		fmt.Fprint(w, `{"acknowledged":true}`)
	default:
		esError(w, 400, "illegal_argument_exception", "estest does not know "+r.Method+" "+r.URL.Path)
	}
}

func (f *Server) requireKey(w http.ResponseWriter, body []byte, key string) bool {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil || m[key] == nil {
		esError(w, 400, "x_content_parse_exception", fmt.Sprintf("[1:2] no [%s] in the request body", key))
		return false
	}
	return true
}

func (f *Server) alias(name string) map[string]bool {
	if f.aliases[name] == nil {
		f.aliases[name] = map[string]bool{}
	}
	return f.aliases[name]
}

// resolve names the indices behind a name: an alias's indices, or the index itself.
func (f *Server) resolve(name string) []string {
	var out []string
	for _, n := range strings.Split(name, ",") {
		if a, ok := f.aliases[n]; ok {
			for idx := range a {
				out = append(out, idx)
			}
		} else if f.indices[n] != nil {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return slices.Compact(out)
}

// writeIndex is where a write to name goes; "" and the reason when nowhere.
func (f *Server) writeIndex(name string) (string, int, string, string) {
	if f.indices[name] != nil {
		return name, 0, "", ""
	}
	a, ok := f.aliases[name]
	if !ok {
		return "", 404, "index_not_found_exception", "no such index [" + name + "] and [require_alias] request flag is [true] and [" + name + "] is not an alias"
	}
	if len(a) == 1 { // the only index takes writes, marked or not
		for idx := range a {
			return idx, 0, "", ""
		}
	}
	for idx, isWrite := range a {
		if isWrite {
			return idx, 0, "", ""
		}
	}
	return "", 400, "illegal_argument_exception", "no write index is defined for alias [" + name + "]. The write index may be explicitly disabled using is_write_index=false or the alias points to multiple indices without one being designated as a write index"
}

// createIndex is PUT /<index>: the body's aliases, then those of the best matching template.
func (f *Server) createIndex(w http.ResponseWriter, name string, body []byte) {
	if f.deny(w, "indices:admin/create", "create_index", name) {
		return
	}
	if f.indices[name] != nil {
		esError(w, 400, "resource_already_exists_exception", "index ["+name+"/abc] already exists")
		return
	}
	if f.aliases[name] != nil {
		esError(w, 400, "invalid_index_name_exception", "Invalid index name ["+name+"], already exists as alias")
		return
	}
	var req struct {
		Aliases map[string]struct {
			IsWriteIndex *bool `json:"is_write_index"`
		} `json:"aliases"`
	}
	if len(body) > 0 {
		if err := json.Unmarshal(body, &req); err != nil {
			esError(w, 400, "x_content_parse_exception", err.Error())
			return
		}
	}
	if msg := f.addIndex(name); msg != "" {
		esError(w, 400, "illegal_state_exception", msg)
		return
	}
	for a, o := range req.Aliases {
		f.alias(a)[name] = o.IsWriteIndex != nil && *o.IsWriteIndex
	}
	fmt.Fprintf(w, `{"acknowledged":true,"shards_acknowledged":true,"index":%q}`, name)
}

// addIndex makes an index and gives it the aliases of the matching template of highest priority.
func (f *Server) addIndex(name string) string {
	f.indices[name] = &index{docs: map[string]storedDoc{}}
	var best *Template
	for _, t := range f.Templates {
		for _, p := range t.Patterns {
			if ok, _ := path.Match(p, name); ok && (best == nil || t.Priority > best.Priority) {
				best = &t
			}
		}
	}
	if best != nil {
		for a := range best.Aliases {
			f.alias(a)[name] = false
		}
	}
	return ""
}

func (f *Server) putTemplate(w http.ResponseWriter, name string, body []byte) {
	if f.deny(w, "indices:admin/index_template/put", "manage_index_templates", "") || !f.requireKey(w, body, "index_patterns") {
		return
	}
	var t struct {
		IndexPatterns []string `json:"index_patterns"`
		Priority      int      `json:"priority"`
		Template      struct {
			Aliases map[string]json.RawMessage `json:"aliases"`
		} `json:"template"`
	}
	if err := json.Unmarshal(body, &t); err != nil {
		esError(w, 400, "x_content_parse_exception", err.Error())
		return
	}
	f.Templates[name] = Template{Patterns: t.IndexPatterns, Priority: t.Priority, Aliases: t.Template.Aliases, Body: body}
	fmt.Fprint(w, `{"acknowledged":true}`)
}

// getAlias answers GET /_alias/<name> as Elasticsearch does: is_write_index only where it is set.
func (f *Server) getAlias(w http.ResponseWriter, name string) {
	if f.deny(w, "indices:admin/aliases/get", "view_index_metadata", name) {
		return
	}
	a := f.aliases[name]
	if len(a) == 0 {
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprintf(w, `{"error":"alias [%s] missing","status":404}`, name)
		return
	}
	out := map[string]any{}
	for idx, isWrite := range a {
		o := map[string]any{}
		if isWrite {
			o["is_write_index"] = true
		}
		out[idx] = map[string]any{"aliases": map[string]any{name: o}}
	}
	json.NewEncoder(w).Encode(out)
}

// updateAliases is POST /_aliases: every action applied, or none.
func (f *Server) updateAliases(w http.ResponseWriter, body []byte) {
	var req struct {
		Actions []map[string]struct {
			Index        string `json:"index"`
			Alias        string `json:"alias"`
			IsWriteIndex *bool  `json:"is_write_index"`
			MustExist    bool   `json:"must_exist"`
		} `json:"actions"`
	}
	if err := json.Unmarshal(body, &req); err != nil || len(req.Actions) == 0 {
		esError(w, 400, "action_request_validation_exception", "Validation Failed: 1: no actions specified;")
		return
	}
	next := map[string]map[string]bool{}
	for a, m := range f.aliases {
		next[a] = map[string]bool{}
		for k, v := range m {
			next[a][k] = v
		}
	}
	for _, act := range req.Actions {
		for kind, a := range act {
			if f.deny(w, "indices:admin/aliases", "manage", a.Index) || f.deny(w, "indices:admin/aliases", "manage", a.Alias) {
				return
			}
			if f.indices[a.Index] == nil {
				esError(w, 404, "index_not_found_exception", "no such index ["+a.Index+"]")
				return
			}
			switch kind {
			case "add":
				if next[a.Alias] == nil {
					next[a.Alias] = map[string]bool{}
				}
				next[a.Alias][a.Index] = a.IsWriteIndex != nil && *a.IsWriteIndex
			case "remove":
				if _, ok := next[a.Alias][a.Index]; !ok && a.MustExist {
					esError(w, 404, "aliases_not_found_exception", "aliases ["+a.Alias+"] missing")
					return
				}
				delete(next[a.Alias], a.Index)
				if len(next[a.Alias]) == 0 {
					delete(next, a.Alias)
				}
			default:
				esError(w, 400, "x_content_parse_exception", "estest does not know the action "+kind)
				return
			}
		}
	}
	for a, m := range next {
		writers := 0
		for _, isWrite := range m {
			if isWrite {
				writers++
			}
		}
		if writers > 1 {
			esError(w, 400, "illegal_state_exception", "alias ["+a+"] has more than one write index")
			return
		}
	}
	f.aliases = next
	fmt.Fprint(w, `{"acknowledged":true,"errors":false}`)
}

// reindex is POST /_reindex: every document of the source (an alias: all its indices) into the
// destination, with its version when dest.version_type is external; a version conflict stops it
// unless conflicts is proceed.
func (f *Server) reindex(w http.ResponseWriter, r *http.Request, body []byte) {
	var req struct {
		Conflicts string `json:"conflicts"`
		Source    struct {
			Index string `json:"index"`
		} `json:"source"`
		Dest struct {
			Index       string `json:"index"`
			VersionType string `json:"version_type"`
		} `json:"dest"`
	}
	if err := json.Unmarshal(body, &req); err != nil || req.Source.Index == "" || req.Dest.Index == "" {
		esError(w, 400, "action_request_validation_exception", "Validation Failed: 1: use _reindex with a source and a dest index;")
		return
	}
	if f.deny(w, "indices:data/read/search", "read", req.Source.Index) || f.deny(w, "indices:data/write/index", "index", req.Dest.Index) {
		return
	}
	src := f.resolve(req.Source.Index)
	if len(src) == 0 {
		esError(w, 404, "index_not_found_exception", "no such index ["+req.Source.Index+"]")
		return
	}
	dest, st, typ, reason := f.writeIndex(req.Dest.Index)
	if st != 0 {
		esError(w, st, typ, reason)
		return
	}
	created, updated, conflicts, total := 0, 0, 0, 0
	for _, s := range src {
		ids := make([]string, 0, len(f.indices[s].docs))
		for id := range f.indices[s].docs {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		for _, id := range ids {
			d := f.indices[s].docs[id]
			total++
			cur, exists := f.indices[dest].docs[id]
			switch {
			case req.Dest.VersionType == "external" && exists && cur.version >= d.version:
				conflicts++
				if req.Conflicts != "proceed" {
					fmt.Fprintf(w, `{"took":1,"total":%d,"created":%d,"updated":%d,"version_conflicts":%d,"failures":[{"index":%q,"id":%q,"status":409}]}`,
						total, created, updated, conflicts, dest, id)
					return
				}
				continue
			case exists:
				updated++
			default:
				created++
			}
			v := d.version
			if req.Dest.VersionType != "external" {
				v = cur.version + 1
			}
			f.indices[dest].docs[id] = storedDoc{version: v, source: d.source, writes: cur.writes + 1}
		}
	}
	fmt.Fprintf(w, `{"took":1,"timed_out":false,"total":%d,"created":%d,"updated":%d,"version_conflicts":%d,"failures":[]}`,
		total, created, updated, conflicts)
}

func (f *Server) bulk(w http.ResponseWriter, r *http.Request, body []byte, defaultIndex string) {
	f.Requests++
	if f.Refuse > 0 {
		f.Refuse--
		esError(w, f.RefuseAs, "es_rejected_execution_exception", "faked")
		return
	}
	requireAlias := r.URL.Query().Get("require_alias") == "true"
	var items []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		var meta map[string]struct {
			Index       string `json:"_index"`
			ID          string `json:"_id"`
			Version     int64  `json:"version"`
			VersionType string `json:"version_type"`
		}
		if err := json.Unmarshal(sc.Bytes(), &meta); err != nil {
			esError(w, 400, "illegal_argument_exception", "Malformed action/metadata line")
			return
		}
		if !sc.Scan() {
			esError(w, 400, "illegal_argument_exception", "The bulk request must be terminated by a newline")
			return
		}
		src := json.RawMessage(append([]byte(nil), sc.Bytes()...))
		m := meta["index"]
		name := m.Index
		if name == "" {
			name = defaultIndex
		}
		items = append(items, map[string]any{"index": f.bulkItem(name, m.ID, m.Version, m.VersionType, src, requireAlias)})
	}
	if f.LoseNext > 0 {
		f.LoseNext--
		esError(w, 503, "node_disconnected_exception", "faked")
		return
	}
	errs := false
	for _, it := range items {
		if it["index"].(map[string]any)["error"] != nil {
			errs = true
		}
	}
	json.NewEncoder(w).Encode(map[string]any{"took": 1, "errors": errs, "items": items})
}

func (f *Server) bulkItem(name, id string, version int64, versionType string, src json.RawMessage, requireAlias bool) map[string]any {
	res := map[string]any{"_index": name, "_id": id}
	fail := func(status int, typ, reason string) map[string]any {
		res["status"], res["error"] = status, map[string]any{"type": typ, "reason": reason}
		return res
	}
	if f.denied("indices:data/write/bulk[s]", "index", name) {
		return fail(403, "security_exception", f.deniedReason("indices:data/write/bulk[s]", name))
	}
	if requireAlias && f.aliases[name] == nil {
		return fail(404, "index_not_found_exception", "no such index ["+name+"] and [require_alias] request flag is [true] and ["+name+"] is not an alias")
	}
	if f.aliases[name] == nil && f.indices[name] == nil {
		f.addIndex(name) // auto-create, with a matching template's aliases
	}
	idx, st, typ, reason := f.writeIndex(name)
	if st != 0 {
		return fail(st, typ, reason)
	}
	res["_index"] = idx
	key := id
	d, exists := f.indices[idx].docs[key]
	switch {
	case f.ItemFail[id] > 0:
		f.ItemFail[id]--
		return fail(429, "es_rejected_execution_exception", "queue full")
	case id == f.BadDoc:
		return fail(400, "document_parsing_exception", "strict mapping")
	case versionType != "external":
		return fail(400, "action_request_validation_exception", "want external versions")
	case version < 0 || version > 1<<63-2:
		return fail(400, "action_request_validation_exception", "illegal version value ["+fmt.Sprint(version)+"] for version type [EXTERNAL]")
	case exists && d.version >= version:
		return fail(409, "version_conflict_engine_exception",
			fmt.Sprintf("[%s]: version conflict, current version [%d] is higher or equal to the one provided [%d]", id, d.version, version))
	}
	f.indices[idx].docs[key] = storedDoc{version: version, source: src, writes: d.writes + 1}
	f.IndexWrites++
	res["status"], res["_version"] = 201, version
	res["result"] = "created"
	if exists {
		res["status"], res["result"] = 200, "updated"
	}
	return res
}

// PutDoc stores a document in an index as a write by someone else would (the index is made if
// missing), at version.
func (f *Server) PutDoc(index, id string, version int64, source string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.indices[index] == nil {
		f.addIndex(index)
	}
	d := f.indices[index].docs[id]
	f.indices[index].docs[id] = storedDoc{version: version, source: json.RawMessage(source), writes: d.writes + 1}
}

// WriteCalls lists the calls that change something (not GET and HEAD), in order.
func (f *Server) WriteCalls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, c := range f.Calls {
		if !strings.HasPrefix(c, "GET ") && !strings.HasPrefix(c, "HEAD ") && !strings.Contains(c, "_has_privileges") {
			out = append(out, c)
		}
	}
	return out
}

// Set changes the server's behaviour under its lock.
func (f *Server) Set(fn func(f *Server)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f)
}

// Doc returns a stored document's source decoded, and its version; name is an index or an alias
// (then the newest version found behind it).
func (f *Server) Doc(name, id string) (map[string]any, int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var best storedDoc
	found := false
	for _, idx := range f.resolve(name) {
		if d, ok := f.indices[idx].docs[id]; ok && (!found || d.version > best.version) {
			best, found = d, true
		}
	}
	if !found {
		return nil, 0
	}
	var m map[string]any
	json.Unmarshal(best.source, &m)
	return m, best.version
}

// Count is how many documents a search of everything finds: over all indices, as a search through
// an alias that leads to two copies of an index would count each incident twice.
func (f *Server) Count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, idx := range f.indices {
		n += len(idx.docs)
	}
	return n
}

// CountIn is how many documents a search of name (an alias: all its indices) finds.
func (f *Server) CountIn(name string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, idx := range f.resolve(name) {
		n += len(f.indices[idx].docs)
	}
	return n
}

// Writes is how many documents were written (overwrites with a newer version included).
func (f *Server) Writes() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.IndexWrites
}

// Indices lists the indices; AliasOf the indices behind an alias, the write index marked with "*".
func (f *Server) Indices() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for n := range f.indices {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// AliasOf lists the indices behind alias, "name*" for the one marked is_write_index.
func (f *Server) AliasOf(alias string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for idx, isWrite := range f.aliases[alias] {
		if isWrite {
			idx += "*"
		}
		out = append(out, idx)
	}
	sort.Strings(out)
	return out
}

// AddIndex makes an index (with a matching template's aliases), and, when alias is not "", puts it
// behind alias, as the write index when write is true: a cluster in a state a test starts from.
func (f *Server) AddIndex(name, alias string, write bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.addIndex(name)
	if alias != "" {
		f.alias(alias)[name] = write
	}
}
