package esindex

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/elastic/go-elasticsearch/v8"
	"github.com/lekwacht/lekwacht/config"
	"github.com/lekwacht/lekwacht/deploy"
	"github.com/lekwacht/lekwacht/esindex/estest"
)

// The in-test cluster is estest (see its package comment for the specification files its shapes
// were checked against). setupCluster is one where setup has not run.
func setupCluster(t *testing.T) (*estest.Server, *httptest.Server) {
	t.Helper()
	f, srv := estest.NewEmpty()
	t.Cleanup(srv.Close)
	return f, srv
}

func setupRun(t *testing.T, srv *httptest.Server, prefix string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := SetupElasticsearch(context.Background(), setupClient(t, srv), prefix, &out)
	return out.String(), err
}

func setupClient(t *testing.T, srv *httptest.Server) *elasticsearch.Client {
	t.Helper()
	client, err := NewClient(config.Elasticsearch{Addresses: []string{srv.URL}})
	if err != nil {
		t.Fatal(err)
	}
	return client
}

// setupRole is what the role of --print-role grants, as the in-test cluster's credentials.
func setupRole(prefix string, drop ...string) *estest.Privileges {
	r := Roles(prefix, "")["lekwacht-setup"]
	p := &estest.Privileges{User: "lekwacht_setup", Index: map[string][]string{}}
	for _, c := range r.Cluster {
		if !slices.Contains(drop, c) {
			p.Cluster = append(p.Cluster, c)
		}
	}
	for _, ix := range r.Indices {
		for _, n := range ix.Names {
			for _, priv := range ix.Privileges {
				if !slices.Contains(drop, priv) {
					p.Index[n] = append(p.Index[n], priv)
				}
			}
		}
	}
	return p
}

func TestSetupElasticsearch(t *testing.T) {
	f, srv := setupCluster(t)
	out, err := setupRun(t, srv, "")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"PUT /_ilm/policy/lekwacht-incidents", "PUT /_index_template/lekwacht-incidents", "PUT /lekwacht-incidents-v1"}
	if got := f.WriteCalls(); !slices.Equal(got, want) {
		t.Fatalf("calls %v, want %v", got, want)
	}
	policy, _ := deploy.Files.ReadFile(policyFile)
	if !bytes.Equal(f.Policies["lekwacht-incidents"], policy) {
		t.Errorf("policy body differs from %s", policyFile)
	}
	tmpl, _ := indexTemplate("")
	if !bytes.Equal(f.Templates["lekwacht-incidents"].Body, tmpl) {
		t.Errorf("template body differs from the template")
	}
	if got := f.AliasOf(Alias); !slices.Equal(got, []string{"lekwacht-incidents-v1*"}) {
		t.Errorf("alias %v: want v1 as the write index", got)
	}
	for _, w := range []string{"8.15.3", "ILM policy lekwacht-incidents: put", "index template lekwacht-incidents: put",
		"index lekwacht-incidents-v1: created, write index of alias lekwacht-incidents"} {
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
	if got := f.WriteCalls(); !slices.Equal(got, want) {
		t.Fatalf("second run: calls %v, want %v", got, want)
	}
	if !strings.Contains(out, "index lekwacht-incidents-v1: exists behind alias lekwacht-incidents, mapping updated") {
		t.Errorf("second run output:\n%s", out)
	}
}

// TestSetupTemplateHasNoAlias: an index made later that matches the template (a reindex target)
// does not join the alias; with the template's aliases it did, and every search through the alias
// counted an incident twice.
func TestSetupTemplateHasNoAlias(t *testing.T) {
	f, srv := setupCluster(t)
	if _, err := setupRun(t, srv, ""); err != nil {
		t.Fatal(err)
	}
	f.PutDoc("lekwacht-incidents-v1", "LW-2026-000001", 5, `{}`)
	f.AddIndex("lekwacht-incidents-v2", "", false)
	f.PutDoc("lekwacht-incidents-v2", "LW-2026-000001", 5, `{}`)
	if got := f.AliasOf(Alias); !slices.Equal(got, []string{"lekwacht-incidents-v1*"}) {
		t.Fatalf("alias %v: a new index joined it", got)
	}
	if n := f.CountIn(Alias); n != 1 {
		t.Fatalf("a search through the alias finds %d documents of one incident", n)
	}
}

func TestSetupElasticsearchPrefix(t *testing.T) {
	f, srv := setupCluster(t)
	if _, err := setupRun(t, srv, "gemeente"); err != nil {
		t.Fatal(err)
	}
	want := []string{"PUT /_ilm/policy/gemeente-incidents", "PUT /_index_template/gemeente-incidents", "PUT /gemeente-incidents-v1"}
	if got := f.WriteCalls(); !slices.Equal(got, want) {
		t.Fatalf("calls %v, want %v", got, want)
	}
	if got := f.AliasOf("gemeente-incidents"); !slices.Equal(got, []string{"gemeente-incidents-v1*"}) {
		t.Errorf("alias %v", got)
	}
}

// TestSetupWithLeastPrivileges: the role of --print-role is enough, without the cluster privilege
// monitor (GET / is refused with 403, as a real cluster refuses cluster:monitor/main).
func TestSetupWithLeastPrivileges(t *testing.T) {
	f, srv := setupCluster(t)
	f.Granted = setupRole("")
	out, err := setupRun(t, srv, "")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !strings.Contains(out, "lack the cluster privilege monitor, which setup does not need") {
		t.Errorf("output:\n%s", out)
	}
	if got := f.AliasOf(Alias); !slices.Equal(got, []string{"lekwacht-incidents-v1*"}) {
		t.Errorf("alias %v", got)
	}
	if _, err := setupRun(t, srv, ""); err != nil {
		t.Fatalf("second run: %v", err)
	}
}

// TestSetupNamesMissingPrivileges: before anything is written, setup asks _has_privileges and names
// every privilege the key lacks, and the role to give it.
func TestSetupNamesMissingPrivileges(t *testing.T) {
	f, srv := setupCluster(t)
	f.Granted = setupRole("", "manage_ilm", "manage")
	_, err := setupRun(t, srv, "")
	for _, w := range []string{"lekwacht_setup lacks", "cluster privilege manage_ilm", "index privilege manage on lekwacht-incidents,",
		"index privilege manage on lekwacht-incidents-*", "--print-role"} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("want %q in %v", w, err)
		}
	}
	if got := f.WriteCalls(); len(got) != 0 {
		t.Errorf("calls %v", got)
	}
	// A refusal setup did not foresee names the privileges too.
	f.Granted = setupRole("")
	f.Fail["PUT /_index_template/lekwacht-incidents"] = 403
	_, err = setupRun(t, srv, "")
	if err == nil || !strings.Contains(err.Error(), "manage_ilm and manage_index_templates") || !strings.Contains(err.Error(), "--print-role") {
		t.Errorf("err %v", err)
	}
}

// TestPrintRoles: the roles are valid role descriptors with the privilege names of the
// specification (security/_types/Privileges.ts), the daemon's narrower than setup's.
func TestPrintRoles(t *testing.T) {
	var out bytes.Buffer
	if err := PrintRoles(&out, "gemeente", "triage"); err != nil {
		t.Fatal(err)
	}
	var roles map[string]struct {
		Cluster []string `json:"cluster"`
		Indices []struct {
			Names      []string `json:"names"`
			Privileges []string `json:"privileges"`
		} `json:"indices"`
		Applications []struct {
			Application string   `json:"application"`
			Privileges  []string `json:"privileges"`
			Resources   []string `json:"resources"`
		} `json:"applications"`
	}
	dec := json.NewDecoder(&out)
	if err := dec.Decode(&roles); err != nil {
		t.Fatal(err)
	}
	setup, daemon := roles["lekwacht-setup"], roles["lekwacht-daemon"]
	if !slices.Equal(setup.Cluster, []string{"manage_ilm", "manage_index_templates"}) || slices.Contains(setup.Cluster, "monitor") {
		t.Errorf("setup cluster %v", setup.Cluster)
	}
	if !slices.Equal(setup.Indices[0].Names, []string{"gemeente-incidents", "gemeente-incidents-*"}) {
		t.Errorf("setup indices %v", setup.Indices)
	}
	if len(setup.Applications) != 1 || setup.Applications[0].Application != "kibana-.kibana" ||
		!slices.Equal(setup.Applications[0].Resources, []string{"space:triage"}) || !slices.Contains(setup.Applications[0].Privileges, "feature_siem.all") {
		t.Errorf("setup applications %+v", setup.Applications)
	}
	if len(daemon.Cluster) != 0 || len(daemon.Indices) != 1 || !slices.Equal(daemon.Indices[0].Privileges, []string{"index", "read"}) {
		t.Errorf("daemon role %+v", daemon)
	}
}

// TestCheckAccessDaemonRole: `config check --connect` with the daemon's key (no monitor) says what
// it can, and names a missing index privilege.
func TestCheckAccessDaemonRole(t *testing.T) {
	f, srv := setupCluster(t)
	f.Granted = &estest.Privileges{User: "lekwacht_writer", Index: map[string][]string{"lekwacht-incidents": {"index", "read"}, "lekwacht-incidents-*": {"index", "read"}}}
	a, err := CheckAccess(context.Background(), setupClient(t, srv), "")
	if err != nil || len(a.Missing) != 0 || a.User != "lekwacht_writer" || !strings.Contains(a.String(), "privileges index, read on lekwacht-incidents granted") {
		t.Fatalf("access %+v %q, %v", a, a, err)
	}
	f.Granted.Index = map[string][]string{"lekwacht-incidents*": {"read"}}
	a, err = CheckAccess(context.Background(), setupClient(t, srv), "")
	if err != nil || !slices.Equal(a.Missing, []string{"index"}) {
		t.Fatalf("access %+v, %v", a, err)
	}
	// A key made from the role of before (index only) lacks read, which ContinueIDs needs.
	f.Granted.Index = map[string][]string{"lekwacht-incidents*": {"index"}}
	a, err = CheckAccess(context.Background(), setupClient(t, srv), "")
	if err != nil || !slices.Equal(a.Missing, []string{"read"}) {
		t.Fatalf("access %+v, %v", a, err)
	}
}

// TestSetupElasticsearchIndexWithoutAlias: an index that lost its alias gets it back as the write
// index (not as a plain alias, which a second index would leave without a write index).
func TestSetupElasticsearchIndexWithoutAlias(t *testing.T) {
	f, srv := setupCluster(t)
	f.AddIndex("lekwacht-incidents-v1", "", false)
	out, err := setupRun(t, srv, "")
	if err != nil {
		t.Fatal(err)
	}
	if got := f.AliasOf(Alias); !slices.Equal(got, []string{"lekwacht-incidents-v1*"}) {
		t.Fatalf("alias %v", got)
	}
	if !strings.Contains(out, "made the write index of alias lekwacht-incidents") {
		t.Errorf("output:\n%s", out)
	}
}

// TestSetupElasticsearchNoWriteIndex: two indices behind the alias and none takes writes (the old
// template's alias on a reindex target): setup says to migrate; a lone unmarked index is marked.
func TestSetupElasticsearchNoWriteIndex(t *testing.T) {
	f, srv := setupCluster(t)
	f.AddIndex("lekwacht-incidents-v1", Alias, false)
	out, err := setupRun(t, srv, "")
	if err != nil || !strings.Contains(out, "index lekwacht-incidents-v1: made the write index") {
		t.Fatalf("%v\n%s", err, out)
	}
	f.AddIndex("lekwacht-incidents-old", Alias, false)
	// Unmark v1 as an alias made without is_write_index would be.
	body := `{"actions":[{"add":{"index":"lekwacht-incidents-v1","alias":"lekwacht-incidents","is_write_index":false}}]}`
	if _, _, err := esRequest(context.Background(), setupClient(t, srv), "POST", "/_aliases", []byte(body)); err != nil {
		t.Fatal(err)
	}
	_, err = setupRun(t, srv, "")
	if err == nil || !strings.Contains(err.Error(), "none is its write index") || !strings.Contains(err.Error(), "--migrate") {
		t.Fatalf("err %v", err)
	}
}

// TestSetupElasticsearchIndexNamedLikeAlias: writes before setup auto-create an index with the
// alias's name; setup says what to do instead of failing on the alias.
func TestSetupElasticsearchIndexNamedLikeAlias(t *testing.T) {
	f, srv := setupCluster(t)
	f.AddIndex(Alias, "", false)
	_, err := setupRun(t, srv, "")
	if err == nil || !strings.Contains(err.Error(), "an index named lekwacht-incidents exists") || !strings.Contains(err.Error(), "reindex") {
		t.Fatalf("err %v", err)
	}
	if got := f.WriteCalls(); len(got) != 2 {
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
		{"PUT /lekwacht-incidents-v1/_mapping", 400, true, []string{"PUT /lekwacht-incidents-v1/_mapping: 400", "cannot be changed in place", "--migrate"}},
	} {
		f, srv := setupCluster(t)
		f.Fail[c.fail] = c.status
		if c.indexed {
			f.AddIndex("lekwacht-incidents-v1", Alias, true)
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
	f, _ := setupCluster(t)
	srv := httptest.NewServer(stripProduct{f})
	defer srv.Close()
	_, err := setupRun(t, srv, "")
	if err == nil || !strings.Contains(err.Error(), "not Elasticsearch") {
		t.Fatalf("err %v", err)
	}
	if got := f.WriteCalls(); len(got) != 0 {
		t.Errorf("calls %v", got)
	}
}

// TestMigrate: --migrate reindexes into v2 with the versions kept, moves the alias in one step, and
// picks up a write the indexer made into v1 between the reindex and the move.
func TestMigrate(t *testing.T) {
	f, srv := setupCluster(t)
	f.Granted = setupRole("")
	if _, err := setupRun(t, srv, ""); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 3; i++ {
		f.PutDoc("lekwacht-incidents-v1", fmt.Sprintf("LW-2026-%06d", i), int64(10+i), fmt.Sprintf(`{"n":%d}`, i))
	}
	f.Before = func(call string) {
		if call == "POST /_aliases" { // the indexer, still writing into v1
			f.PutDoc("lekwacht-incidents-v1", "LW-2026-000002", 40, `{"n":"newer"}`)
			f.PutDoc("lekwacht-incidents-v1", "LW-2026-000004", 41, `{"n":4}`)
		}
	}
	var out bytes.Buffer
	if err := MigrateElasticsearch(context.Background(), setupClient(t, srv), "", &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if got := f.AliasOf(Alias); !slices.Equal(got, []string{"lekwacht-incidents-v2*"}) {
		t.Fatalf("alias %v", got)
	}
	if n := f.CountIn(Alias); n != 4 {
		t.Errorf("%d documents behind the alias, want 4", n)
	}
	if d, v := f.Doc(Alias, "LW-2026-000002"); v != 40 || d["n"] != "newer" {
		t.Errorf("LW-2026-000002: %v at %d", d, v)
	}
	if _, v := f.Doc("lekwacht-incidents-v2", "LW-2026-000003"); v != 13 {
		t.Errorf("version not kept: %d", v)
	}
	for _, w := range []string{"index lekwacht-incidents-v2: created", "moved from lekwacht-incidents-v1 to lekwacht-incidents-v2",
		"old indices kept: lekwacht-incidents-v1"} {
		if !strings.Contains(out.String(), w) {
			t.Errorf("output lacks %q:\n%s", w, out.String())
		}
	}
}

// TestMigrateRepairsTwoCopies: the state the old template left (two indices behind the alias, each
// with a copy, none the write index) becomes one index with each incident's newest version.
func TestMigrateRepairsTwoCopies(t *testing.T) {
	f, srv := setupCluster(t)
	f.AddIndex("lekwacht-incidents-v1", Alias, false)
	f.AddIndex("lekwacht-incidents-v2", Alias, false)
	f.PutDoc("lekwacht-incidents-v1", "LW-2026-000001", 5, `{"n":"old"}`)
	f.PutDoc("lekwacht-incidents-v2", "LW-2026-000001", 7, `{"n":"new"}`)
	f.PutDoc("lekwacht-incidents-v1", "LW-2026-000002", 3, `{"n":2}`)
	if _, err := setupRun(t, srv, ""); err == nil {
		t.Fatal("setup accepted an alias without a write index")
	}
	var out bytes.Buffer
	if err := MigrateElasticsearch(context.Background(), setupClient(t, srv), "", &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if got := f.AliasOf(Alias); !slices.Equal(got, []string{"lekwacht-incidents-v3*"}) {
		t.Fatalf("alias %v", got)
	}
	if d, v := f.Doc(Alias, "LW-2026-000001"); f.CountIn(Alias) != 2 || v != 7 || d["n"] != "new" {
		t.Fatalf("%d documents; LW-2026-000001 %v at %d", f.CountIn(Alias), d, v)
	}
	if _, err := setupRun(t, srv, ""); err != nil {
		t.Fatalf("setup after migrate: %v", err)
	}
}

// TestMigrateNeedsReadAndIndex: the migrate privileges are asked by name before anything changes.
func TestMigrateNeedsReadAndIndex(t *testing.T) {
	f, srv := setupCluster(t)
	f.AddIndex("lekwacht-incidents-v1", Alias, true)
	f.Granted = setupRole("", "read")
	err := MigrateElasticsearch(context.Background(), setupClient(t, srv), "", &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "index privilege read on lekwacht-incidents") {
		t.Fatalf("err %v", err)
	}
	if got := f.WriteCalls(); len(got) != 0 {
		t.Errorf("calls %v", got)
	}
}

// stripProduct answers without X-Elastic-Product, as a proxy or another product would.
type stripProduct struct{ h http.Handler }

func (s stripProduct) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.h.ServeHTTP(noProduct{w}, r)
}

type noProduct struct{ http.ResponseWriter }

func (n noProduct) WriteHeader(st int) {
	n.Header().Del("X-Elastic-Product")
	n.ResponseWriter.WriteHeader(st)
}
func (n noProduct) Write(b []byte) (int, error) {
	n.Header().Del("X-Elastic-Product")
	return n.ResponseWriter.Write(b)
}
