package esindex

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/lekwacht/lekwacht/config"
	"github.com/lekwacht/lekwacht/deploy"
)

// DashboardID is the fixed id of the triage dashboard in the shipped saved objects.
const DashboardID = "lekwacht-triage"

// KibanaOptions say where and what `lekwacht setup kibana` sets up.
type KibanaOptions struct {
	URL      string // kibana.url; a URL ending in /s/<space> names the space
	Space    string // the space ("" or "default": the default space, unless URL names one)
	Security bool   // add the alias to securitySolution:defaultIndex
	Auth     config.Elasticsearch
}

// SetupKibana imports the shipped saved objects (the data view on the alias, the saved searches
// "Drafts to triage", "Open for the FG", "Past deadline", a chart and the dashboard holding them)
// through Kibana's saved objects import API, overwriting earlier copies, installs the detection rule
// of SecurityRule through the Detection Engine API, and with o.Security adds the alias to the
// space's securitySolution:defaultIndex. Kibana takes the Elasticsearch credentials (API key or
// user and password) and CA file of o.Auth. The links it prints use the ids Kibana answered: in a
// space other than the first one imported into, Kibana gives the objects new ids.
func SetupKibana(ctx context.Context, o KibanaOptions, out io.Writer) error {
	kc, err := newKibanaClient(o)
	if err != nil {
		return err
	}
	objects, err := savedObjects(o.Auth.IndexPrefix)
	if err != nil {
		return err
	}
	req, err := importRequest(ctx, kc.base+"/api/saved_objects/_import?overwrite=true", objects)
	if err != nil {
		return err
	}
	kc.authorize(req)
	res, err := kc.http.Do(req)
	if err != nil {
		return fmt.Errorf("kibana import: %w", err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, 4<<20))
	if err != nil {
		return fmt.Errorf("kibana import: %w", err)
	}
	if res.StatusCode != http.StatusOK {
		return kibanaError("POST "+kc.prefix+"/api/saved_objects/_import", res.StatusCode, body)
	}
	ids, err := importResult(body, out)
	if err != nil {
		return err
	}
	if err := installRule(ctx, kc, o.Auth.IndexPrefix, out); err != nil {
		return err
	}
	if o.Security {
		if err := addSecurityIndex(ctx, kc, AliasFor(o.Auth.IndexPrefix), out); err != nil {
			return err
		}
	}
	dash := ids["dashboard/"+DashboardID]
	if dash == "" {
		dash = DashboardID
	}
	fmt.Fprintf(out, "dashboard: %s/app/dashboards#/view/%s\n", kc.base, dash)
	fmt.Fprintf(out, "security alerts: %s/app/security/alerts (rule %q)\n", kc.base, securityRuleName)
	return nil
}

// kibanaClient is Kibana at one space: base is its URL with /s/<space> when not the default space.
type kibanaClient struct {
	http   *http.Client
	base   string
	prefix string // "" or "/s/<space>"
	space  string
	auth   config.Elasticsearch
}

func newKibanaClient(o KibanaOptions) (*kibanaClient, error) {
	hc, err := kibanaHTTPClient(o.Auth.CACert)
	if err != nil {
		return nil, err
	}
	base := strings.TrimRight(o.URL, "/")
	space := "default"
	if i := strings.LastIndex(base, "/s/"); i >= 0 && !strings.Contains(base[i+3:], "/") {
		space, base = base[i+3:], base[:i]
	}
	if o.Space != "" {
		space = o.Space
	}
	if !validSpace(space) {
		return nil, fmt.Errorf("kibana space %q: a space id has only a-z, 0-9, _ and -", space)
	}
	kc := &kibanaClient{http: hc, base: base, space: space, auth: o.Auth}
	if space != "default" {
		kc.prefix = "/s/" + space
		kc.base += kc.prefix
	}
	return kc, nil
}

func validSpace(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

func (kc *kibanaClient) authorize(req *http.Request) {
	switch {
	case kc.auth.APIKey != "":
		req.Header.Set("Authorization", "ApiKey "+kc.auth.APIKey)
	case kc.auth.Username != "":
		req.SetBasicAuth(kc.auth.Username, kc.auth.Password)
	}
}

// do sends one JSON request to the space; a status outside 2xx and also is a *APIError.
func (kc *kibanaClient) do(ctx context.Context, method, path string, body any, also ...int) (int, []byte, error) {
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, kc.base+path, r)
	if err != nil {
		return 0, nil, fmt.Errorf("kibana.url: %w", err)
	}
	req.Header.Set("kbn-xsrf", "true")
	req.Header.Set("Elastic-Api-Version", "2023-10-31")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	kc.authorize(req)
	res, err := kc.http.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("kibana %s %s: %w", method, kc.prefix+path, err)
	}
	defer res.Body.Close()
	rb, err := io.ReadAll(io.LimitReader(res.Body, 4<<20))
	if err != nil {
		return 0, nil, fmt.Errorf("kibana %s %s: %w", method, kc.prefix+path, err)
	}
	if res.StatusCode/100 == 2 || containsStatus(also, res.StatusCode) {
		return res.StatusCode, rb, nil
	}
	return res.StatusCode, rb, kibanaError(method+" "+kc.prefix+path, res.StatusCode, rb)
}

// savedObjects is the shipped ndjson, with the data view's title set to the prefix's alias.
func savedObjects(prefix string) ([]byte, error) {
	b, err := deploy.Files.ReadFile(savedObjectsFile)
	if err != nil {
		return nil, err
	}
	if AliasFor(prefix) == Alias {
		return b, nil
	}
	var out bytes.Buffer
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 64<<10), 4<<20)
	for sc.Scan() {
		line := sc.Bytes()
		var o map[string]any
		if err := json.Unmarshal(line, &o); err != nil {
			return nil, fmt.Errorf("%s: %w", savedObjectsFile, err)
		}
		if attrs, ok := o["attributes"].(map[string]any); ok && o["type"] == "index-pattern" {
			attrs["title"] = AliasFor(prefix)
			if line, err = json.Marshal(o); err != nil {
				return nil, err
			}
		}
		out.Write(line)
		out.WriteByte('\n')
	}
	return out.Bytes(), sc.Err()
}

func kibanaHTTPClient(caFile string) (*http.Client, error) {
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("elasticsearch.ca_cert: %w", err)
		}
		tc.RootCAs = x509.NewCertPool()
		if !tc.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("elasticsearch.ca_cert %s: no PEM certificate in it", caFile)
		}
	}
	return &http.Client{Timeout: 2 * time.Minute,
		Transport: &http.Transport{Proxy: http.ProxyFromEnvironment, TLSClientConfig: tc}}, nil
}

// importRequest is the multipart form of the import API: the objects as the file "lekwacht.ndjson".
func importRequest(ctx context.Context, url string, objects []byte) (*http.Request, error) {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	part, err := mw.CreateFormFile("file", "lekwacht.ndjson")
	if err != nil {
		return nil, err
	}
	part.Write(objects)
	if err := mw.Close(); err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, &body)
	if err != nil {
		return nil, fmt.Errorf("kibana.url: %w", err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("kbn-xsrf", "true")
	return req, nil
}

// importResponse is the import API's answer: which objects it saved and why the others failed.
type importResponse struct {
	Success        bool `json:"success"`
	SuccessCount   int  `json:"successCount"`
	SuccessResults []struct {
		Type string `json:"type"`
		ID   string `json:"id"`
		// DestinationID is the id Kibana gave the object when it is not ID: an object with ID
		// exists in another space (Kibana 8 import, SavedObjectsImportSuccess.destinationId).
		DestinationID string `json:"destinationId"`
		Meta          struct {
			Title string `json:"title"`
		} `json:"meta"`
	} `json:"successResults"`
	Errors []struct {
		Type  string `json:"type"`
		ID    string `json:"id"`
		Title string `json:"title"`
		Meta  struct {
			Title string `json:"title"`
		} `json:"meta"`
		Error struct {
			Type       string `json:"type"` // conflict, missing_references, unsupported_type, unknown
			Message    string `json:"message"`
			References []struct {
				Type string `json:"type"`
				ID   string `json:"id"`
			} `json:"references"`
		} `json:"error"`
	} `json:"errors"`
}

// importResult says what was imported and returns, by "type/id" of the file, the id Kibana gave
// each object (destinationId when it made a new one), and every failed object as one error.
func importResult(body []byte, out io.Writer) (map[string]string, error) {
	var r importResponse
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, fmt.Errorf("kibana import: unreadable answer: %w", err)
	}
	ids := map[string]string{}
	for _, s := range r.SuccessResults {
		id := s.ID
		if s.DestinationID != "" {
			id = s.DestinationID
			fmt.Fprintf(out, "kibana: imported %s %s as %s (%s; the id is taken in another space)\n", s.Type, s.ID, id, s.Meta.Title)
		} else {
			fmt.Fprintf(out, "kibana: imported %s %s (%s)\n", s.Type, s.ID, s.Meta.Title)
		}
		ids[s.Type+"/"+s.ID] = id
	}
	var errs []error
	for _, e := range r.Errors {
		title := e.Meta.Title
		if title == "" {
			title = e.Title
		}
		msg := e.Error.Type
		if e.Error.Message != "" {
			msg += ": " + e.Error.Message
		}
		for _, ref := range e.Error.References {
			msg += fmt.Sprintf(" [%s %s]", ref.Type, ref.ID)
		}
		errs = append(errs, fmt.Errorf("kibana import: %s %s (%s): %s", e.Type, e.ID, title, msg))
	}
	if !r.Success && len(errs) == 0 {
		errs = append(errs, fmt.Errorf("kibana import: not successful (%d objects imported), no reason given", r.SuccessCount))
	}
	return ids, errors.Join(errs...)
}

// kibanaError reads Kibana's error body: {"statusCode", "error", "message"}.
func kibanaError(call string, status int, body []byte) *APIError {
	e := &APIError{Call: "kibana " + call, Status: status}
	var kb struct {
		Error   string `json:"error"`
		Message string `json:"message"`
	}
	if json.Unmarshal(body, &kb) == nil && kb.Message != "" {
		e.Reason = kb.Message
	} else if s := strings.TrimSpace(string(body)); s != "" && len(s) < 500 {
		e.Reason = s
	}
	if status == http.StatusUnauthorized || status == http.StatusForbidden {
		e.Hint = "the API key or user needs the Kibana privileges of the role lekwacht-setup in the space " +
			"(lekwacht setup elasticsearch --print-role --space NAME): " + strings.Join(KibanaFeaturePrivileges, ", ")
	}
	return e
}
