package esindex

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lekwacht/lekwacht/config"
)

// setupFakeKibana imitates Kibana's saved objects import API: a multipart file ending in .ndjson,
// the kbn-xsrf header, credentials, conflicts without overwrite, missing references, and a refusal
// of the objects named in reject.
type setupFakeKibana struct {
	mu      sync.Mutex
	auth    string                 // the Authorization header it accepts
	stored  map[string]setupObject // type/id -> object
	reject  map[string]string      // type/id -> error type
	paths   []string
	imports int
}

func newSetupFakeKibana(t *testing.T, auth string, tls bool) (*setupFakeKibana, *httptest.Server) {
	f := &setupFakeKibana{auth: auth, stored: map[string]setupObject{}, reject: map[string]string{}}
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

// setupKibanaImportPath is the import API, in the default space or another.
var setupKibanaImportPath = regexp.MustCompile(`^(/s/[a-z0-9_-]+)?/api/saved_objects/_import$`)

func (f *setupFakeKibana) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.paths = append(f.paths, r.URL.Path)
	w.Header().Set("Content-Type", "application/json")
	fail := func(status int, msg string) {
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(map[string]any{"statusCode": status, "error": http.StatusText(status), "message": msg})
	}
	switch {
	case r.Method != http.MethodPost || !setupKibanaImportPath.MatchString(r.URL.Path):
		fail(404, "Not Found")
		return
	case r.Header.Get("kbn-xsrf") == "":
		fail(400, "Request must contain a kbn-xsrf header.")
		return
	case r.Header.Get("Authorization") != f.auth:
		fail(401, "[security_exception]: unable to authenticate user")
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
	json.NewEncoder(w).Encode(f.importObjects(objects, r.URL.Query().Get("overwrite") == "true"))
}

func (f *setupFakeKibana) importObjects(objects []setupObject, overwrite bool) map[string]any {
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
		f.stored[key] = o
		ok = append(ok, map[string]any{"type": o.Type, "id": o.ID, "meta": meta, "overwrite": overwrite})
	}
	out := map[string]any{"success": len(errs) == 0, "successCount": len(ok), "successResults": ok}
	if len(errs) > 0 {
		out["errors"] = errs
	}
	return out
}

func setupKibana(t *testing.T, url string, auth config.Elasticsearch) (string, error) {
	t.Helper()
	var out bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := SetupKibana(ctx, url, auth, &out)
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
	if len(f.stored) != 6 || f.imports != 2 {
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
	if !errors.As(err, &ae) || ae.Status != 401 || !strings.Contains(err.Error(), "unable to authenticate") || !strings.Contains(err.Error(), "Saved Objects Management") {
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
