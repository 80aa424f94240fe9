package esindex

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lekwacht/lekwacht/config"
)

// setupFakeKibana imitates Kibana 8 for what setup kibana calls, in spaces:
//   - the saved objects import API: a multipart file ending in .ndjson, the kbn-xsrf header,
//     credentials, conflicts without overwrite, missing references, a refusal of the objects named
//     in reject, and, as Kibana 8 does for an object whose id exists in another space, a new id
//     answered as destinationId (SavedObjectsImportSuccess in Kibana's
//     src/core/packages/saved-objects/common/src/saved_objects_imports.ts);
//   - the Detection Engine rules API (GET ?rule_id, POST, PUT /api/detection_engine/rules), the
//     request checked against x-pack/plugins/security_solution/common/api/detection_engine/model/
//     rule_schema/rule_schemas.schema.yaml (QueryRuleCreateProps) and common_attributes.schema.yaml
//     (RiskScore 0-100, Severity, SeverityMapping, RiskScoreMapping) at Kibana commit 01bcf8e
//     and 00319ee; 409 for a rule_id that exists, 404 for one that does not;
//   - the advanced settings API (GET and POST /api/kibana/settings, {"changes": {...}}).
type setupFakeKibana struct {
	mu       sync.Mutex
	auth     string                    // the Authorization header it accepts
	stored   map[string]setupObject    // type/id -> object, in the space it was imported into (its id there)
	spaceOf  map[string]string         // type/id -> space
	reject   map[string]string         // type/id -> error type
	rules    map[string]map[string]any // space/rule_id -> rule
	settings map[string]map[string]any // space -> key -> user value
	paths    []string
	imports  int
}

func newSetupFakeKibana(t *testing.T, auth string, tls bool) (*setupFakeKibana, *httptest.Server) {
	f := &setupFakeKibana{auth: auth, stored: map[string]setupObject{}, spaceOf: map[string]string{}, reject: map[string]string{},
		rules: map[string]map[string]any{}, settings: map[string]map[string]any{}}
	srv := httptest.NewUnstartedServer(f)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the untrusted-certificate test's handshake errors
	if tls {
		srv.StartTLS()
	} else {
		srv.Start()
	}
	t.Cleanup(srv.Close)
	return f, srv
}

// setupKibanaPath is an API of Kibana, in the default space or another.
var setupKibanaPath = regexp.MustCompile(`^(?:/s/([a-z0-9_-]+))?(/api/(?:saved_objects/_import|detection_engine/rules|kibana/settings))$`)

func (f *setupFakeKibana) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.paths = append(f.paths, r.URL.Path)
	w.Header().Set("Content-Type", "application/json")
	fail := func(status int, msg string) {
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(map[string]any{"statusCode": status, "error": http.StatusText(status), "message": msg})
	}
	m := setupKibanaPath.FindStringSubmatch(r.URL.Path)
	switch {
	case m == nil:
		fail(404, "Not Found")
		return
	case r.Method != http.MethodGet && r.Header.Get("kbn-xsrf") == "":
		fail(400, "Request must contain a kbn-xsrf header.")
		return
	case r.Header.Get("Authorization") != f.auth:
		fail(401, "[security_exception]: unable to authenticate user")
		return
	}
	space := m[1]
	if space == "" {
		space = "default"
	}
	switch m[2] {
	case "/api/detection_engine/rules":
		f.rulesAPI(w, r, space, fail)
		return
	case "/api/kibana/settings":
		f.settingsAPI(w, r, space, fail)
		return
	}
	if r.Method != http.MethodPost {
		fail(404, "Not Found")
		return
	}
	file, hdr, err := r.FormFile("file")
	if err != nil {
		fail(400, "[request body.file]: expected value of type [Stream] but got [undefined]")
		return
	}
	if filepath.Ext(hdr.Filename) != ".ndjson" {
		fail(415, "Unsupported file extension "+filepath.Ext(hdr.Filename))
		return
	}
	b, _ := io.ReadAll(file)
	var objects []setupObject
	for _, line := range bytes.Split(bytes.TrimSpace(b), []byte("\n")) {
		var o setupObject
		if err := json.Unmarshal(line, &o); err != nil {
			fail(400, "Unexpected token in JSON")
			return
		}
		objects = append(objects, o)
	}
	f.imports++
	json.NewEncoder(w).Encode(f.importObjects(objects, r.URL.Query().Get("overwrite") == "true", space))
}

func (f *setupFakeKibana) importObjects(objects []setupObject, overwrite bool, space string) map[string]any {
	inFile := map[string]bool{}
	for _, o := range objects {
		inFile[o.Type+"/"+o.ID] = true
	}
	var ok, errs []any
	for _, o := range objects {
		key := o.Type + "/" + o.ID
		var title string
		json.Unmarshal(o.Attributes["title"], &title)
		meta := map[string]any{"title": title}
		var e map[string]any
		var missing []any
		for _, ref := range o.References {
			if !inFile[ref.Type+"/"+ref.ID] && f.stored[ref.Type+"/"+ref.ID].ID == "" {
				missing = append(missing, map[string]any{"type": ref.Type, "id": ref.ID})
			}
		}
		switch {
		case f.reject[key] != "":
			e = map[string]any{"type": f.reject[key], "references": []any{map[string]any{"type": "index-pattern", "id": "elders"}}}
		case len(missing) > 0:
			e = map[string]any{"type": "missing_references", "references": missing}
		case f.stored[key].ID != "" && !overwrite:
			e = map[string]any{"type": "conflict"}
		}
		if e != nil {
			errs = append(errs, map[string]any{"type": o.Type, "id": o.ID, "title": title, "meta": meta, "error": e})
			continue
		}
		res := map[string]any{"type": o.Type, "id": o.ID, "meta": meta, "overwrite": overwrite}
		if sp, taken := f.spaceOf[key]; taken && sp != space {
			// The id exists in another space: Kibana 8 gives the copy in this space a new id.
			newID := fmt.Sprintf("%08x-0000-4000-8000-%012x", len(f.stored), len(o.ID))
			res["destinationId"] = newID
			delete(res, "overwrite")
			key = space + ":" + o.Type + "/" + newID
		} else {
			f.spaceOf[key] = space
		}
		f.stored[key] = o
		ok = append(ok, res)
	}
	out := map[string]any{"success": len(errs) == 0, "successCount": len(ok), "successResults": ok}
	if len(errs) > 0 {
		out["errors"] = errs
	}
	return out
}

// rulesAPI is GET (by rule_id), POST (create) and PUT (update by rule_id) of the Detection Engine.
func (f *setupFakeKibana) rulesAPI(w http.ResponseWriter, r *http.Request, space string, fail func(int, string)) {
	if r.Method == http.MethodGet {
		id := r.URL.Query().Get("rule_id")
		rule, ok := f.rules[space+"/"+id]
		if !ok {
			w.WriteHeader(404)
			fmt.Fprintf(w, `{"message":"rule_id: \"%s\" not found","status_code":404}`, id)
			return
		}
		json.NewEncoder(w).Encode(rule)
		return
	}
	var rule map[string]any
	if err := json.NewDecoder(r.Body).Decode(&rule); err != nil {
		fail(400, "[request body]: "+err.Error())
		return
	}
	if problems := checkRuleBody(rule); len(problems) > 0 {
		fail(400, strings.Join(problems, ", "))
		return
	}
	id, _ := rule["rule_id"].(string)
	_, exists := f.rules[space+"/"+id]
	switch {
	case r.Method == http.MethodPost && exists:
		w.WriteHeader(409)
		fmt.Fprintf(w, `{"message":"rule_id: \"%s\" already exists","status_code":409}`, id)
		return
	case r.Method == http.MethodPut && !exists:
		w.WriteHeader(404)
		fmt.Fprintf(w, `{"message":"rule_id: \"%s\" not found","status_code":404}`, id)
		return
	case r.Method != http.MethodPost && r.Method != http.MethodPut:
		fail(404, "Not Found")
		return
	}
	rule["id"] = "8a1c3f5e-0000-4000-8000-" + fmt.Sprintf("%012d", len(f.rules))
	rule["immutable"], rule["revision"] = false, 0
	if exists {
		rule["revision"] = f.rules[space+"/"+id]["revision"].(int) + 1
	}
	f.rules[space+"/"+id] = rule
	json.NewEncoder(w).Encode(rule)
}

// checkRuleBody checks a query rule's create or update body against the rule schema (the required
// fields of BaseRequiredFields and QueryRuleRequiredFields, and the types of what lekwacht sends).
func checkRuleBody(rule map[string]any) []string {
	var p []string
	str := func(k string, min int) {
		if s, ok := rule[k].(string); !ok || len(s) < min {
			p = append(p, fmt.Sprintf("%s: Required", k))
		}
	}
	str("name", 1)
	str("description", 1)
	if v, ok := rule["risk_score"].(float64); !ok || v < 0 || v > 100 || v != float64(int(v)) {
		p = append(p, "risk_score: Expected an integer from 0 to 100")
	}
	sev := []string{"low", "medium", "high", "critical"}
	if s, _ := rule["severity"].(string); !slices.Contains(sev, s) {
		p = append(p, "severity: Invalid enum value")
	}
	if rule["type"] != "query" {
		p = append(p, "type: Invalid literal value, expected \"query\"")
	}
	if l, ok := rule["language"]; ok && l != "kuery" && l != "lucene" {
		p = append(p, "language: Invalid enum value")
	}
	for _, k := range []string{"query", "interval", "from", "to", "timestamp_override", "rule_name_override", "rule_id", "note"} {
		if v, ok := rule[k]; ok {
			if _, isStr := v.(string); !isStr {
				p = append(p, k+": Expected string")
			}
		}
	}
	if v, ok := rule["timestamp_override_fallback_disabled"]; ok {
		if _, isBool := v.(bool); !isBool {
			p = append(p, "timestamp_override_fallback_disabled: Expected boolean")
		}
	}
	for _, k := range []string{"index", "tags", "author", "false_positives", "references"} {
		if v, ok := rule[k]; ok {
			list, isList := v.([]any)
			for _, e := range list {
				if _, isStr := e.(string); !isStr {
					isList = false
				}
			}
			if !isList {
				p = append(p, k+": Expected array of strings")
			}
		}
	}
	if v, ok := rule["max_signals"].(float64); ok && v < 1 {
		p = append(p, "max_signals: Number must be greater than or equal to 1")
	}
	if v, ok := rule["version"].(float64); ok && v < 1 {
		p = append(p, "version: Number must be greater than or equal to 1")
	}
	sm, _ := rule["severity_mapping"].([]any)
	for i, e := range sm {
		m, _ := e.(map[string]any)
		s, _ := m["severity"].(string)
		_, f1 := m["field"].(string)
		_, v1 := m["value"].(string)
		if !f1 || !v1 || m["operator"] != "equals" || !slices.Contains(sev, s) {
			p = append(p, fmt.Sprintf("severity_mapping.%d: field, operator equals, severity and value required", i))
		}
	}
	rm, _ := rule["risk_score_mapping"].([]any)
	for i, e := range rm {
		m, _ := e.(map[string]any)
		_, f1 := m["field"].(string)
		_, v1 := m["value"].(string)
		if !f1 || !v1 || m["operator"] != "equals" {
			p = append(p, fmt.Sprintf("risk_score_mapping.%d: field, operator equals and value required", i))
		}
	}
	return p
}

// settingsAPI is the advanced settings of a space: GET answers the user values, POST changes them.
func (f *setupFakeKibana) settingsAPI(w http.ResponseWriter, r *http.Request, space string, fail func(int, string)) {
	if f.settings[space] == nil {
		f.settings[space] = map[string]any{}
	}
	if r.Method == http.MethodPost {
		var req struct {
			Changes map[string]any `json:"changes"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Changes == nil {
			fail(400, "[request body.changes]: expected value of type [object]")
			return
		}
		for k, v := range req.Changes {
			f.settings[space][k] = v
		}
	}
	out := map[string]any{}
	for k, v := range f.settings[space] {
		out[k] = map[string]any{"userValue": v}
	}
	json.NewEncoder(w).Encode(map[string]any{"settings": out})
}

func setupKibana(t *testing.T, url string, auth config.Elasticsearch) (string, error) {
	t.Helper()
	return setupKibanaWith(t, KibanaOptions{URL: url, Auth: auth})
}

func setupKibanaWith(t *testing.T, o KibanaOptions) (string, error) {
	t.Helper()
	var out bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := SetupKibana(ctx, o, &out)
	return out.String(), err
}

func TestSetupKibana(t *testing.T) {
	f, srv := newSetupFakeKibana(t, "ApiKey a2V5OnNlY3JldA==", false)
	auth := config.Elasticsearch{APIKey: "a2V5OnNlY3JldA=="}
	for run := 1; run <= 2; run++ { // the second run overwrites
		out, err := setupKibana(t, srv.URL, auth)
		if err != nil {
			t.Fatalf("run %d: %v", run, err)
		}
		for _, w := range []string{"imported index-pattern lekwacht-incidents (lekwacht-incidents)", "imported search lekwacht-drafts-to-triage (Drafts to triage)",
			"imported dashboard lekwacht-triage", "dashboard: " + srv.URL + "/app/dashboards#/view/lekwacht-triage"} {
			if !strings.Contains(out, w) {
				t.Errorf("run %d: output lacks %q:\n%s", run, w, out)
			}
		}
	}
	if len(f.stored) != 6 || f.imports != 2 || len(f.rules) != 1 {
		t.Errorf("%d objects stored, %d imports", len(f.stored), f.imports)
	}
}

// TestSetupKibanaSpaceAndPrefix: basic auth, a URL into a space with a trailing slash, and another
// index prefix, which renames the data view's title.
func TestSetupKibanaSpaceAndPrefix(t *testing.T) {
	f, srv := newSetupFakeKibana(t, "Basic bGVrd2FjaHQ6Z2VoZWlt", false) // lekwacht:geheim
	_, err := setupKibana(t, srv.URL+"/s/security/", config.Elasticsearch{Username: "lekwacht", Password: "geheim", IndexPrefix: "gemeente"})
	if err != nil {
		t.Fatal(err)
	}
	if f.paths[0] != "/s/security/api/saved_objects/_import" {
		t.Errorf("path %s", f.paths[0])
	}
	var title string
	json.Unmarshal(f.stored["index-pattern/lekwacht-incidents"].Attributes["title"], &title)
	if title != "gemeente-incidents" {
		t.Errorf("data view title %q", title)
	}
}

func TestSetupKibanaReportsFailures(t *testing.T) {
	f, srv := newSetupFakeKibana(t, "ApiKey k", false)
	f.reject["dashboard/lekwacht-triage"] = "missing_references"
	f.reject["lens/lekwacht-incidents-by-detector"] = "unsupported_type"
	out, err := setupKibana(t, srv.URL, config.Elasticsearch{APIKey: "k"})
	if err == nil {
		t.Fatalf("no error; output:\n%s", out)
	}
	for _, w := range []string{"dashboard lekwacht-triage (lekwacht: incidents to triage): missing_references [index-pattern elders]",
		"lens lekwacht-incidents-by-detector (Incidents by detector and severity): unsupported_type"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error lacks %q:\n%v", w, err)
		}
	}
	if !strings.Contains(out, "imported search lekwacht-past-deadline") {
		t.Errorf("what did import is not reported:\n%s", out)
	}
}

func TestSetupKibanaRefused(t *testing.T) {
	_, srv := newSetupFakeKibana(t, "ApiKey right", false)
	_, err := setupKibana(t, srv.URL, config.Elasticsearch{APIKey: "wrong"})
	var ae *APIError
	if !errors.As(err, &ae) || ae.Status != 401 || !strings.Contains(err.Error(), "unable to authenticate") || !strings.Contains(err.Error(), "lekwacht-setup") {
		t.Fatalf("err %v", err)
	}
	_, err = setupKibana(t, srv.URL+"/nowhere", config.Elasticsearch{APIKey: "right"})
	if !errors.As(err, &ae) || ae.Status != 404 {
		t.Fatalf("wrong URL: err %v", err)
	}
}

// TestSetupKibanaCA: Kibana over TLS with the CA file of the config; without it the certificate is
// not trusted.
func TestSetupKibanaCA(t *testing.T) {
	_, srv := newSetupFakeKibana(t, "ApiKey k", true)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600)
	if _, err := setupKibana(t, srv.URL, config.Elasticsearch{APIKey: "k", CACert: ca}); err != nil {
		t.Fatal(err)
	}
	if _, err := setupKibana(t, srv.URL, config.Elasticsearch{APIKey: "k"}); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("untrusted certificate: err %v", err)
	}
	if _, err := setupKibana(t, srv.URL, config.Elasticsearch{APIKey: "k", CACert: filepath.Join(t.TempDir(), "none.pem")}); err == nil {
		t.Fatal("missing CA file: no error")
	}
}

// TestSetupKibanaRule: setup installs the detection rule that makes Security alerts of incidents
// (before, Security's Alerts page showed nothing of lekwacht), then updates it on the next run; the
// body passes the rule schema's checks and maps severity and risk score, one alert per incident.
func TestSetupKibanaRule(t *testing.T) {
	f, srv := newSetupFakeKibana(t, "ApiKey k", false)
	for run, want := range []string{"created", "updated"} {
		out, err := setupKibana(t, srv.URL, config.Elasticsearch{APIKey: "k", IndexPrefix: "gemeente"})
		if err != nil {
			t.Fatalf("run %d: %v", run, err)
		}
		if !strings.Contains(out, `security rule "lekwacht incident" (gemeente-incidents-to-alerts): `+want) {
			t.Errorf("run %d: output\n%s", run, out)
		}
	}
	rule := f.rules["default/gemeente-incidents-to-alerts"]
	if rule == nil || rule["revision"] != 1 {
		t.Fatalf("rules %v", f.rules)
	}
	if rule["timestamp_override"] != "event.created" || rule["timestamp_override_fallback_disabled"] != true {
		t.Errorf("not one alert per incident: timestamp_override %v", rule["timestamp_override"])
	}
	if idx := rule["index"].([]any); len(idx) != 1 || idx[0] != "gemeente-incidents" {
		t.Errorf("index %v", idx)
	}
	sm := rule["severity_mapping"].([]any)
	if len(sm) != 4 || sm[3].(map[string]any)["value"] != "critical" || sm[3].(map[string]any)["field"] != "lekwacht.severity" {
		t.Errorf("severity_mapping %v", sm)
	}
	if rm := rule["risk_score_mapping"].([]any); len(rm) != 1 || rm[0].(map[string]any)["field"] != "event.severity" {
		t.Errorf("risk_score_mapping %v", rm)
	}
	// The fields the rule reads are in the mapping, with the types the mappings need.
	fields, _ := MappedFields()
	for f, typ := range map[string]string{"event.created": "date", "event.severity": "long", "lekwacht.severity": "keyword",
		"rule.name": "keyword", "event.kind": "keyword", "event.module": "keyword"} {
		if fields[f] != typ {
			t.Errorf("%s mapped as %q, want %s", f, fields[f], typ)
		}
	}
	// The check refuses what Kibana refuses: the fake is no rubber stamp.
	bad := SecurityRule("")
	bad["risk_score"], bad["severity"] = 120, "urgent"
	if p := checkRuleBody(roundTrip(t, bad)); len(p) != 2 {
		t.Errorf("problems %v", p)
	}
}

func roundTrip(t *testing.T, v any) map[string]any {
	t.Helper()
	b, _ := json.Marshal(v)
	var m map[string]any
	json.Unmarshal(b, &m)
	return m
}

// TestSetupKibanaSecondSpace: the objects are in the default space already; imported into another
// space Kibana gives them new ids (destinationId), and the printed link uses the new one, in that
// space. Before, the link pointed at .../dashboards#/view/lekwacht-triage, which is not there.
func TestSetupKibanaSecondSpace(t *testing.T) {
	f, srv := newSetupFakeKibana(t, "ApiKey k", false)
	auth := config.Elasticsearch{APIKey: "k"}
	if _, err := setupKibana(t, srv.URL, auth); err != nil {
		t.Fatal(err)
	}
	out, err := setupKibanaWith(t, KibanaOptions{URL: srv.URL, Space: "triage", Auth: auth})
	if err != nil {
		t.Fatal(err)
	}
	var dash string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "dashboard: ") {
			dash = strings.TrimPrefix(l, "dashboard: ")
		}
	}
	prefix := srv.URL + "/s/triage/app/dashboards#/view/"
	id := strings.TrimPrefix(dash, prefix)
	if !strings.HasPrefix(dash, prefix) || id == DashboardID || f.stored["triage:dashboard/"+id].ID != DashboardID {
		t.Fatalf("link %q does not lead to the dashboard imported into triage:\n%s", dash, out)
	}
	if !strings.Contains(out, "imported dashboard lekwacht-triage as "+id) {
		t.Errorf("output:\n%s", out)
	}
	if f.rules["triage/lekwacht-incidents-to-alerts"] == nil {
		t.Errorf("no rule in the space triage: %v", f.rules)
	}
	if _, err := setupKibanaWith(t, KibanaOptions{URL: srv.URL, Space: "Team A", Auth: auth}); err == nil {
		t.Error("a space id with capitals and a blank accepted")
	}
}

// TestSetupKibanaSecurity: --security adds the alias to securitySolution:defaultIndex, keeping
// Kibana's default list when it was never set, and keeping a list that was set; once.
func TestSetupKibanaSecurity(t *testing.T) {
	f, srv := newSetupFakeKibana(t, "ApiKey k", false)
	o := KibanaOptions{URL: srv.URL, Security: true, Auth: config.Elasticsearch{APIKey: "k"}}
	if _, err := setupKibanaWith(t, o); err != nil {
		t.Fatal(err)
	}
	got := f.settings["default"][securityDefaultIndex].([]any)
	if len(got) != len(securityDefaultIndexValue)+1 || got[0] != "apm-*-transaction*" || got[len(got)-1] != Alias {
		t.Fatalf("defaultIndex %v", got)
	}
	out, err := setupKibanaWith(t, o)
	if err != nil || !strings.Contains(out, "already has lekwacht-incidents") {
		t.Fatalf("%v\n%s", err, out)
	}
	f.settings["sec"] = map[string]any{securityDefaultIndex: []any{"logs-*"}}
	o.Space = "sec"
	if _, err := setupKibanaWith(t, o); err != nil {
		t.Fatal(err)
	}
	if got := f.settings["sec"][securityDefaultIndex].([]any); len(got) != 2 || got[0] != "logs-*" {
		t.Fatalf("sec defaultIndex %v", got)
	}
}
