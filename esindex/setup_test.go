package esindex

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lekwacht/lekwacht/config"
	"github.com/lekwacht/lekwacht/deploy"
)

// setupCall is one request the fake Elasticsearch or Kibana received.
type setupCall struct {
	Method, Path string
	Body         []byte
}

// setupFakeES behaves like an Elasticsearch 8 node for what setup asks: indices, aliases, templates,
// policies, and an error answer for calls named in fail.
type setupFakeES struct {
	mu        sync.Mutex
	calls     []setupCall
	indices   map[string]bool
	aliases   map[string][]string // alias -> indices
	templates map[string][]byte
	policies  map[string][]byte
	fail      map[string]int // "PUT /_index_template/x" -> status
	noProduct bool           // answer without X-Elastic-Product, as a proxy or another product would
}

func newSetupFakeES(t *testing.T) (*setupFakeES, *httptest.Server) {
	f := &setupFakeES{indices: map[string]bool{}, aliases: map[string][]string{}, templates: map[string][]byte{},
		policies: map[string][]byte{}, fail: map[string]int{}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

func (f *setupFakeES) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, setupCall{r.Method, r.URL.Path, body})
	if !f.noProduct {
		w.Header().Set("X-Elastic-Product", "Elasticsearch")
	}
	w.Header().Set("Content-Type", "application/json")
	if st := f.fail[r.Method+" "+r.URL.Path]; st != 0 {
		typ := map[int]string{400: "illegal_argument_exception", 401: "security_exception", 403: "security_exception"}[st]
		setupESError(w, st, typ, "refused by the test: "+r.Method+" "+r.URL.Path)
		return
	}
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	switch {
	case r.Method == "GET" && r.URL.Path == "/":
		fmt.Fprint(w, `{"name":"node-1","cluster_name":"gemeente","version":{"number":"8.15.3","build_flavor":"default"},"tagline":"You Know, for Search"}`)
	case r.Method == "PUT" && len(parts) == 3 && parts[0] == "_ilm" && parts[1] == "policy":
		f.store(w, body, f.policies, parts[2], "policy")
	case r.Method == "PUT" && len(parts) == 2 && parts[0] == "_index_template":
		f.store(w, body, f.templates, parts[1], "index_patterns")
	case r.Method == "GET" && len(parts) == 2 && parts[0] == "_alias":
		f.getAlias(w, parts[1])
	case r.Method == "HEAD" && len(parts) == 1:
		if !f.indices[parts[0]] && len(f.aliases[parts[0]]) == 0 {
			w.WriteHeader(http.StatusNotFound)
		}
	case r.Method == "PUT" && len(parts) == 1:
		f.create(w, parts[0], body)
	case r.Method == "PUT" && len(parts) == 2 && parts[1] == "_mapping":
		if !f.indices[parts[0]] {
			setupESError(w, 404, "index_not_found_exception", "no such index ["+parts[0]+"]")
			return
		}
		fmt.Fprint(w, `{"acknowledged":true}`)
	case r.Method == "PUT" && len(parts) == 3 && parts[1] == "_alias":
		if !slices.Contains(f.aliases[parts[2]], parts[0]) {
			f.aliases[parts[2]] = append(f.aliases[parts[2]], parts[0])
		}
		fmt.Fprint(w, `{"acknowledged":true}`)
	default:
		setupESError(w, 400, "illegal_argument_exception", "the fake does not know "+r.Method+" "+r.URL.Path)
	}
}

func (f *setupFakeES) store(w http.ResponseWriter, body []byte, into map[string][]byte, name, required string) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil || m[required] == nil {
		setupESError(w, 400, "x_content_parse_exception", fmt.Sprintf("no %s in body", required))
		return
	}
	into[name] = body
	fmt.Fprint(w, `{"acknowledged":true}`)
}

func (f *setupFakeES) getAlias(w http.ResponseWriter, alias string) {
	if len(f.aliases[alias]) == 0 {
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprintf(w, `{"error":"alias [%s] missing","status":404}`, alias)
		return
	}
	out := map[string]any{}
	for _, idx := range f.aliases[alias] {
		out[idx] = map[string]any{"aliases": map[string]any{alias: map[string]any{}}}
	}
	json.NewEncoder(w).Encode(out)
}

func (f *setupFakeES) create(w http.ResponseWriter, index string, body []byte) {
	if f.indices[index] || len(f.aliases[index]) > 0 {
		setupESError(w, 400, "resource_already_exists_exception", "index ["+index+"] already exists")
		return
	}
	var req struct {
		Aliases map[string]json.RawMessage `json:"aliases"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		setupESError(w, 400, "x_content_parse_exception", err.Error())
		return
	}
	f.indices[index] = true
	for a := range req.Aliases {
		f.aliases[a] = append(f.aliases[a], index)
	}
	fmt.Fprintf(w, `{"acknowledged":true,"shards_acknowledged":true,"index":%q}`, index)
}

func setupESError(w http.ResponseWriter, status int, typ, reason string) {
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"status": status, "error": map[string]any{
		"root_cause": []any{map[string]any{"type": typ, "reason": reason}}, "type": typ, "reason": reason}})
}

// writes lists the calls that change something (not GET and HEAD).
func (f *setupFakeES) writes() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, c := range f.calls {
		if c.Method != "GET" && c.Method != "HEAD" {
			out = append(out, c.Method+" "+c.Path)
		}
	}
	return out
}

func (f *setupFakeES) body(method, path string) []byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.calls {
		if c.Method == method && c.Path == path {
			return c.Body
		}
	}
	return nil
}

func setupRun(t *testing.T, srv *httptest.Server, prefix string) (string, error) {
	t.Helper()
	client, err := NewClient(config.Elasticsearch{Addresses: []string{srv.URL}})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = SetupElasticsearch(ctx, client, prefix, &out)
	return out.String(), err
}

func TestSetupElasticsearch(t *testing.T) {
	f, srv := newSetupFakeES(t)
	out, err := setupRun(t, srv, "")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"PUT /_ilm/policy/lekwacht-incidents", "PUT /_index_template/lekwacht-incidents", "PUT /lekwacht-incidents-v1"}
	if got := f.writes(); !slices.Equal(got, want) {
		t.Fatalf("calls %v, want %v", got, want)
	}
	policy, _ := deploy.Files.ReadFile(policyFile)
	if !bytes.Equal(f.policies["lekwacht-incidents"], policy) {
		t.Errorf("policy body differs from %s", policyFile)
	}
	tmpl, _ := indexTemplate("")
	if !bytes.Equal(f.templates["lekwacht-incidents"], tmpl) {
		t.Errorf("template body differs from the template")
	}
	var create struct {
		Aliases map[string]struct {
			IsWriteIndex bool `json:"is_write_index"`
		} `json:"aliases"`
	}
	json.Unmarshal(f.body("PUT", "/lekwacht-incidents-v1"), &create)
	if !create.Aliases[Alias].IsWriteIndex {
		t.Errorf("index created without the alias as write index: %s", f.body("PUT", "/lekwacht-incidents-v1"))
	}
	for _, w := range []string{"8.15.3", "ILM policy lekwacht-incidents: put", "index template lekwacht-incidents: put", "index lekwacht-incidents-v1: created, alias lekwacht-incidents"} {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}

	// Again: policy and template put again, the index left alone but for its mapping.
	out, err = setupRun(t, srv, "")
	if err != nil {
		t.Fatal(err)
	}
	want = append(want, want[0], want[1], "PUT /lekwacht-incidents-v1/_mapping")
	if got := f.writes(); !slices.Equal(got, want) {
		t.Fatalf("second run: calls %v, want %v", got, want)
	}
	mapping, _ := templateMappings()
	if !bytes.Equal(f.body("PUT", "/lekwacht-incidents-v1/_mapping"), mapping) {
		t.Errorf("PUT _mapping body is not the template's mappings")
	}
	if !strings.Contains(out, "index lekwacht-incidents-v1: exists behind alias lekwacht-incidents, mapping updated") {
		t.Errorf("second run output:\n%s", out)
	}
}

func TestSetupElasticsearchPrefix(t *testing.T) {
	f, srv := newSetupFakeES(t)
	if _, err := setupRun(t, srv, "gemeente"); err != nil {
		t.Fatal(err)
	}
	want := []string{"PUT /_ilm/policy/gemeente-incidents", "PUT /_index_template/gemeente-incidents", "PUT /gemeente-incidents-v1"}
	if got := f.writes(); !slices.Equal(got, want) {
		t.Fatalf("calls %v, want %v", got, want)
	}
	if !slices.Equal(f.aliases["gemeente-incidents"], []string{"gemeente-incidents-v1"}) {
		t.Errorf("aliases %v", f.aliases)
	}
}

// TestSetupElasticsearchIndexWithoutAlias: an index that lost its alias gets it back, is not created.
func TestSetupElasticsearchIndexWithoutAlias(t *testing.T) {
	f, srv := newSetupFakeES(t)
	f.indices["lekwacht-incidents-v1"] = true
	out, err := setupRun(t, srv, "")
	if err != nil {
		t.Fatal(err)
	}
	got := f.writes()
	if want := []string{"PUT /lekwacht-incidents-v1/_alias/lekwacht-incidents", "PUT /lekwacht-incidents-v1/_mapping"}; !slices.Equal(got[2:], want) {
		t.Fatalf("calls %v, want ... %v", got, want)
	}
	if !strings.Contains(out, "alias lekwacht-incidents added") {
		t.Errorf("output:\n%s", out)
	}
}

// TestSetupElasticsearchIndexNamedLikeAlias: writes before setup auto-create an index with the
// alias's name; setup says what to do instead of failing on the alias.
func TestSetupElasticsearchIndexNamedLikeAlias(t *testing.T) {
	f, srv := newSetupFakeES(t)
	f.indices[Alias] = true
	_, err := setupRun(t, srv, "")
	if err == nil || !strings.Contains(err.Error(), "an index named lekwacht-incidents exists") || !strings.Contains(err.Error(), "reindex") {
		t.Fatalf("err %v", err)
	}
	if got := f.writes(); len(got) != 2 {
		t.Errorf("calls %v: want only policy and template", got)
	}
}

func TestSetupElasticsearchErrors(t *testing.T) {
	for _, c := range []struct {
		fail    string
		status  int
		indexed bool // the index exists already
		want    []string
	}{
		{"PUT /_ilm/policy/lekwacht-incidents", 403, false, []string{"PUT /_ilm/policy/lekwacht-incidents: 403 Forbidden", "security_exception", "refused by the test", "manage_ilm"}},
		{"PUT /_index_template/lekwacht-incidents", 400, false, []string{"PUT /_index_template/lekwacht-incidents: 400 Bad Request", "illegal_argument_exception"}},
		{"PUT /lekwacht-incidents-v1", 401, false, []string{"401 Unauthorized", "security_exception"}},
		{"PUT /lekwacht-incidents-v1/_mapping", 400, true, []string{"PUT /lekwacht-incidents-v1/_mapping: 400", "cannot be changed in place", "reindex"}},
	} {
		f, srv := newSetupFakeES(t)
		f.fail[c.fail] = c.status
		if c.indexed {
			f.indices["lekwacht-incidents-v1"] = true
			f.aliases[Alias] = []string{"lekwacht-incidents-v1"}
		}
		_, err := setupRun(t, srv, "")
		var ae *APIError
		if !errors.As(err, &ae) || ae.Status != c.status {
			t.Errorf("%s: err %v", c.fail, err)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %q lacks %q", c.fail, err, w)
			}
		}
	}
}

// TestSetupElasticsearchNotElasticsearch: a server that does not say it is Elasticsearch is refused
// before anything is put.
func TestSetupElasticsearchNotElasticsearch(t *testing.T) {
	f, srv := newSetupFakeES(t)
	f.noProduct = true
	_, err := setupRun(t, srv, "")
	if err == nil || !strings.Contains(err.Error(), "not Elasticsearch") {
		t.Fatalf("err %v", err)
	}
	if got := f.writes(); len(got) != 0 {
		t.Errorf("calls %v", got)
	}
}
