package esindex

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/lekwacht/lekwacht/config"
)

// setupLiveAuth is the connection to a real cluster, from LEKWACHT_TEST_ES_URL and optionally
// LEKWACHT_TEST_ES_API_KEY, _USERNAME, _PASSWORD and _CA_CERT; the test skips without the URL.
func setupLiveAuth(t *testing.T) config.Elasticsearch {
	t.Helper()
	url := os.Getenv("LEKWACHT_TEST_ES_URL")
	if url == "" || testing.Short() {
		t.Skip("LEKWACHT_TEST_ES_URL not set (or -short): no real Elasticsearch to set up")
	}
	return config.Elasticsearch{Addresses: []string{url}, APIKey: os.Getenv("LEKWACHT_TEST_ES_API_KEY"),
		Username: os.Getenv("LEKWACHT_TEST_ES_USERNAME"), Password: os.Getenv("LEKWACHT_TEST_ES_PASSWORD"),
		CACert: os.Getenv("LEKWACHT_TEST_ES_CA_CERT")}
}

// TestSetupLive runs setup twice against a real Elasticsearch under a prefix of its own (removed
// afterwards), then reads the alias back and indexes the contract's document through it, as the
// indexer does. With LEKWACHT_TEST_KIBANA_URL it also imports the saved objects twice and reads the
// dashboard back: use a throwaway Kibana, the objects' fixed ids are overwritten.
func TestSetupLive(t *testing.T) {
	auth := setupLiveAuth(t)
	client, err := NewClient(auth)
	if err != nil {
		t.Fatal(err)
	}
	prefix := fmt.Sprintf("lekwacht-test-%d", time.Now().UnixNano()%1e9)
	alias, index := AliasFor(prefix), Index(prefix)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	t.Cleanup(func() {
		for _, p := range []string{"/" + index, "/" + alias + "-v2", "/_index_template/" + alias, "/_ilm/policy/" + alias} {
			if _, _, err := esRequest(context.Background(), client, http.MethodDelete, p, nil, http.StatusNotFound); err != nil {
				t.Logf("cleanup: %v", err)
			}
		}
	})
	for run := 1; run <= 2; run++ {
		var out bytes.Buffer
		if err := SetupElasticsearch(ctx, client, prefix, &out); err != nil {
			t.Fatalf("run %d: %v\n%s", run, err, out.String())
		}
		t.Logf("run %d:\n%s", run, out.String())
	}
	_, body, err := esRequest(ctx, client, http.MethodGet, "/"+alias, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]struct {
		Aliases  map[string]any `json:"aliases"`
		Mappings struct {
			Properties map[string]fieldMapping `json:"properties"`
		} `json:"mappings"`
		Settings struct {
			Index struct {
				Lifecycle struct {
					Name string `json:"name"`
				} `json:"lifecycle"`
			} `json:"index"`
		} `json:"settings"`
	}
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	ix, ok := got[index]
	if len(got) != 1 || !ok || ix.Aliases[alias] == nil || ix.Settings.Index.Lifecycle.Name != alias ||
		ix.Mappings.Properties["lekwacht"].Properties["deadline"].Type != "date" {
		t.Fatalf("GET /%s: %s", alias, body)
	}
	doc := "/" + alias + "/_doc/LW-2026-000042?version=17&version_type=external&refresh=true"
	if _, _, err := esRequest(ctx, client, http.MethodPut, doc, []byte(setupSampleDocument)); err != nil {
		t.Fatalf("the contract's document does not index: %v", err)
	}
	// --migrate: into -v2 with the document and its version, the alias moved.
	var out bytes.Buffer
	if err := MigrateElasticsearch(ctx, client, prefix, &out); err != nil {
		t.Fatalf("migrate: %v\n%s", err, out.String())
	}
	t.Logf("migrate:\n%s", out.String())
	behind, err := aliasIndices(ctx, client, alias)
	if err != nil || len(behind) != 1 || behind[0].Index != alias+"-v2" || !behind[0].Write {
		t.Fatalf("after migrate the alias leads to %+v, %v", behind, err)
	}
	if _, body, err := esRequest(ctx, client, http.MethodGet, "/"+alias+"/_doc/LW-2026-000042", nil); err != nil || !strings.Contains(string(body), `"_version":17`) {
		t.Fatalf("after migrate: %s %v", body, err)
	}
	setupLiveKibana(t, auth)
}

func setupLiveKibana(t *testing.T, auth config.Elasticsearch) {
	url := strings.TrimRight(os.Getenv("LEKWACHT_TEST_KIBANA_URL"), "/")
	if url == "" {
		t.Log("LEKWACHT_TEST_KIBANA_URL not set: Kibana not tried")
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for run := 1; run <= 2; run++ {
		var out bytes.Buffer
		if err := SetupKibana(ctx, KibanaOptions{URL: url, Auth: auth, Security: true}, &out); err != nil {
			t.Fatalf("kibana run %d: %v\n%s", run, err, out.String())
		}
	}
	hc, err := kibanaHTTPClient(auth.CACert)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url+"/api/saved_objects/dashboard/"+DashboardID, nil)
	if auth.APIKey != "" {
		req.Header.Set("Authorization", "ApiKey "+auth.APIKey)
	} else if auth.Username != "" {
		req.SetBasicAuth(auth.Username, auth.Password)
	}
	res, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET dashboard %s: %s", DashboardID, res.Status)
	}
	kc, err := newKibanaClient(KibanaOptions{URL: url, Auth: auth})
	if err != nil {
		t.Fatal(err)
	}
	if _, body, err := kc.do(ctx, http.MethodGet, "/api/detection_engine/rules?rule_id="+SecurityRuleID(auth.IndexPrefix), nil); err != nil ||
		!strings.Contains(string(body), `"timestamp_override":"event.created"`) {
		t.Fatalf("the rule: %s %v", body, err)
	}
}
