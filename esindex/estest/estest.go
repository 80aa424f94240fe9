// Package estest is an in-test Elasticsearch 8 for lekwacht's tests: the bulk API with external
// versions, and faults on demand.
package estest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// Server behaves like an Elasticsearch 8 node for the bulk API: the product header, external
// versions with 409 on an old or equal version, and faults on demand: the whole request refused
// (429/503), some items refused (429), an item with a mapping error (400), answers lost after the
// write (the documents are stored but the client sees 503), slow answers.
type Server struct {
	mu          sync.Mutex
	docs        map[string]storedDoc // by index/_id
	Requests    int
	Refuse      int             // refuse the next N requests with this status...
	RefuseAs    int             // ... (429 or 503)
	LoseNext    int             // store the next N requests' documents, then answer 503
	ItemFail    map[string]int  // _id -> how many more times to refuse this item with 429
	BadDoc      string          // _id refused for good with a mapping error (400)
	Aliases     map[string]bool // when set, the aliases that exist; bulk requests with require_alias to another name are refused
	Delay       time.Duration   // before answering
	IndexWrites int             // documents written (including overwrites)
}

type storedDoc struct {
	version int64
	source  json.RawMessage
	writes  int
}

// New starts a server on 127.0.0.1; the caller closes the returned httptest.Server.
func New() (*Server, *httptest.Server) {
	f := &Server{docs: map[string]storedDoc{}, ItemFail: map[string]int{}}
	srv := httptest.NewServer(f)
	return f, srv
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
	if r.URL.Path == "/" {
		fmt.Fprint(w, `{"name":"fake","cluster_name":"test","version":{"number":"8.15.0","build_flavor":"default"},"tagline":"You Know, for Search"}`)
		return
	}
	if !strings.HasSuffix(r.URL.Path, "/_bulk") {
		http.Error(w, `{"error":"not faked"}`, http.StatusNotFound)
		return
	}
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.Requests++
	if f.Refuse > 0 {
		f.Refuse--
		w.WriteHeader(f.RefuseAs)
		fmt.Fprintf(w, `{"error":{"type":"es_rejected_execution_exception","reason":"faked"},"status":%d}`, f.RefuseAs)
		return
	}
	defaultIndex := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/"), "/_bulk")
	if f.Aliases != nil && r.URL.Query().Get("require_alias") == "true" && !f.Aliases[defaultIndex] {
		// Writes to an index that is not an alias are refused item by item, as Elasticsearch does.
		var items []map[string]any
		for _, l := range bytes.Split(bytes.TrimSpace(body), []byte("\n")) {
			if bytes.Contains(l, []byte(`"index"`)) {
				items = append(items, map[string]any{"index": map[string]any{"_index": defaultIndex, "status": 404,
					"error": map[string]any{"type": "index_not_found_exception", "reason": "no such index and [require_alias] request flag is [true]"}}})
			}
		}
		json.NewEncoder(w).Encode(map[string]any{"took": 1, "errors": true, "items": items})
		return
	}
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
			http.Error(w, `{"error":"bad meta"}`, 400)
			return
		}
		if !sc.Scan() {
			http.Error(w, `{"error":"no source"}`, 400)
			return
		}
		src := json.RawMessage(append([]byte(nil), sc.Bytes()...))
		m := meta["index"]
		idx := m.Index
		if idx == "" {
			idx = defaultIndex
		}
		key := idx + "/" + m.ID
		res := map[string]any{"_index": idx, "_id": m.ID}
		switch {
		case f.ItemFail[m.ID] > 0:
			f.ItemFail[m.ID]--
			res["status"], res["error"] = 429, map[string]any{"type": "es_rejected_execution_exception", "reason": "queue full"}
		case m.ID == f.BadDoc:
			res["status"], res["error"] = 400, map[string]any{"type": "document_parsing_exception", "reason": "strict mapping"}
		case m.VersionType != "external":
			res["status"], res["error"] = 400, map[string]any{"type": "action_request_validation_exception", "reason": "want external versions"}
		case f.docs[key].version >= m.Version && f.docs[key].source != nil:
			res["status"], res["error"] = 409, map[string]any{"type": "version_conflict_engine_exception", "reason": "current version is higher or equal"}
		default:
			d := f.docs[key]
			f.docs[key] = storedDoc{version: m.Version, source: src, writes: d.writes + 1}
			f.IndexWrites++
			res["status"], res["result"], res["_version"] = 201, "created", m.Version
		}
		items = append(items, map[string]any{"index": res})
	}
	if f.LoseNext > 0 {
		f.LoseNext--
		w.WriteHeader(503)
		fmt.Fprint(w, `{"error":{"type":"node_disconnected_exception"},"status":503}`)
		return
	}
	json.NewEncoder(w).Encode(map[string]any{"took": 1, "errors": false, "items": items})
}

// Set changes the server's behaviour under its lock.
func (f *Server) Set(fn func(f *Server)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f)
}

// Doc returns a stored document's source decoded, and its version.
func (f *Server) Doc(index, id string) (map[string]any, int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	d, ok := f.docs[index+"/"+id]
	if !ok {
		return nil, 0
	}
	var m map[string]any
	json.Unmarshal(d.source, &m)
	return m, d.version
}

func (f *Server) Count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.docs)
}

// Writes is how many documents were written (overwrites with a newer version included).
func (f *Server) Writes() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.IndexWrites
}
