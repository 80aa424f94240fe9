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

// SetupKibana imports the shipped saved objects (the data view on the alias, the saved searches
// "Drafts to triage", "Open for the FG", "Past deadline", a chart and the dashboard holding them)
// through Kibana's saved objects import API, overwriting earlier copies: their ids are fixed. Kibana
// takes the Elasticsearch credentials (API key or user and password) and CA file of auth; a
// kibanaURL ending in /s/<space> imports into that space.
func SetupKibana(ctx context.Context, kibanaURL string, auth config.Elasticsearch, out io.Writer) error {
	objects, err := savedObjects(auth.IndexPrefix)
	if err != nil {
		return err
	}
	client, err := kibanaHTTPClient(auth.CACert)
	if err != nil {
		return err
	}
	base := strings.TrimRight(kibanaURL, "/")
	req, err := importRequest(ctx, base+"/api/saved_objects/_import?overwrite=true", objects)
	if err != nil {
		return err
	}
	switch {
	case auth.APIKey != "":
		req.Header.Set("Authorization", "ApiKey "+auth.APIKey)
	case auth.Username != "":
		req.SetBasicAuth(auth.Username, auth.Password)
	}
	res, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("kibana import: %w", err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, 4<<20))
	if err != nil {
		return fmt.Errorf("kibana import: %w", err)
	}
	if res.StatusCode != http.StatusOK {
		return kibanaError("POST /api/saved_objects/_import", res.StatusCode, body)
	}
	if err := importResult(body, out); err != nil {
		return err
	}
	fmt.Fprintf(out, "dashboard: %s/app/dashboards#/view/%s\n", base, DashboardID)
	return nil
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
		Meta struct {
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

// importResult says what was imported and returns every failed object as one error.
func importResult(body []byte, out io.Writer) error {
	var r importResponse
	if err := json.Unmarshal(body, &r); err != nil {
		return fmt.Errorf("kibana import: unreadable answer: %w", err)
	}
	for _, s := range r.SuccessResults {
		fmt.Fprintf(out, "kibana: imported %s %s (%s)\n", s.Type, s.ID, s.Meta.Title)
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
	return errors.Join(errs...)
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
		e.Hint = "the API key or user needs the Kibana privilege to manage saved objects (Saved Objects Management: All) in the space"
	}
	return e
}
