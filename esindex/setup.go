package esindex

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"

	"github.com/elastic/go-elasticsearch/v8"
	"github.com/lekwacht/lekwacht/deploy"
)

// The files in deploy.Files that `lekwacht setup` loads.
const (
	templateFile     = "elasticsearch/index-template.json"
	policyFile       = "elasticsearch/ilm-policy.json"
	savedObjectsFile = "kibana/lekwacht.ndjson"
)

// SetupElasticsearch makes the cluster ready for the indexer: it asks which of SetupPrivileges the
// credentials lack (and stops naming them), puts the ILM policy (_ilm/policy/<prefix>-incidents)
// and the index template (_index_template/<prefix>-incidents), then creates Index(prefix) as the
// write index of the alias AliasFor(prefix), unless the alias already leads to an index, whose
// mapping it then updates in place (and marks it the write index when none is). Running it again
// changes nothing that is already right. It says on out what it did. The cluster privilege monitor
// is not needed: without it the cluster's name and version are not shown.
func SetupElasticsearch(ctx context.Context, client *elasticsearch.Client, prefix string, out io.Writer) error {
	alias := AliasFor(prefix)
	monitor, err := checkSetupPrivileges(ctx, client, prefix, false, out)
	if err != nil {
		return err
	}
	if !monitor {
		fmt.Fprintln(out, "elasticsearch: cluster name and version not shown (the credentials lack the cluster privilege monitor, which setup does not need)")
	} else if err := describeCluster(ctx, client, out); err != nil {
		return err
	}
	policy, err := deploy.Files.ReadFile(policyFile)
	if err != nil {
		return err
	}
	if _, _, err := esRequest(ctx, client, http.MethodPut, "/_ilm/policy/"+alias, policy); err != nil {
		return err
	}
	fmt.Fprintf(out, "ILM policy %s: put (hot phase only: no rollover, no delete)\n", alias)
	tmpl, err := indexTemplate(prefix)
	if err != nil {
		return err
	}
	if _, _, err := esRequest(ctx, client, http.MethodPut, "/_index_template/"+alias, tmpl); err != nil {
		return err
	}
	fmt.Fprintf(out, "index template %s: put (for %s-*; mapping and settings, no alias)\n", alias, alias)
	return ensureIndex(ctx, client, prefix, out)
}

// describeCluster says which cluster answers; it is also the first request, where the client checks
// that the server is Elasticsearch.
func describeCluster(ctx context.Context, client *elasticsearch.Client, out io.Writer) error {
	_, body, err := esRequest(ctx, client, http.MethodGet, "/", nil)
	var ae *APIError
	if errors.As(err, &ae) && ae.Status == http.StatusForbidden {
		fmt.Fprintln(out, "elasticsearch: cluster name and version not shown (the credentials lack the cluster privilege monitor, which setup does not need)")
		return nil
	}
	if err != nil {
		return err
	}
	var info struct {
		ClusterName string `json:"cluster_name"`
		Version     struct {
			Number string `json:"number"`
		} `json:"version"`
	}
	if err := json.Unmarshal(body, &info); err != nil {
		return fmt.Errorf("GET /: %w", err)
	}
	fmt.Fprintf(out, "elasticsearch %s, cluster %q\n", info.Version.Number, info.ClusterName)
	return nil
}

// ensureIndex creates Index(prefix) as the alias's write index, or, when the alias already leads to
// indices, brings their mapping up to date and makes sure one of them takes writes. An index with
// the alias's own name (auto-created by writes before setup ran) is an error: the alias cannot be
// made while it exists.
func ensureIndex(ctx context.Context, client *elasticsearch.Client, prefix string, out io.Writer) error {
	alias, index := AliasFor(prefix), Index(prefix)
	mapping, err := templateMappings()
	if err != nil {
		return err
	}
	behind, err := aliasIndices(ctx, client, alias)
	if err != nil {
		return err
	}
	if len(behind) > 0 {
		return repairAlias(ctx, client, alias, behind, mapping, out)
	}
	if st, _, err := esRequest(ctx, client, http.MethodHead, "/"+alias, nil, http.StatusNotFound); err != nil {
		return err
	} else if st == http.StatusOK {
		return fmt.Errorf("an index named %s exists where the alias should be (written to before `lekwacht setup elasticsearch` ran?): "+
			"reindex it into %s, delete it, and run setup again", alias, index)
	}
	created, err := createIndex(ctx, client, index, alias)
	if err != nil {
		return err
	}
	if created {
		fmt.Fprintf(out, "index %s: created, write index of alias %s\n", index, alias)
		return nil
	}
	if err := setWriteIndex(ctx, client, alias, index); err != nil {
		return err
	}
	if err := putMapping(ctx, client, index, mapping); err != nil {
		return err
	}
	fmt.Fprintf(out, "index %s: exists, made the write index of alias %s, mapping updated\n", index, alias)
	return nil
}

// repairAlias updates the mapping of the indices behind alias and makes sure writes have somewhere
// to go: a lone index without is_write_index is marked; several without one is an error that says
// to run --migrate; several with one is a warning, since searches see each incident more than once.
func repairAlias(ctx context.Context, client *elasticsearch.Client, alias string, behind []aliasIndex, mapping []byte, out io.Writer) error {
	writer := ""
	for _, b := range behind {
		if err := putMapping(ctx, client, b.Index, mapping); err != nil {
			return err
		}
		fmt.Fprintf(out, "index %s: exists behind alias %s, mapping updated\n", b.Index, alias)
		if b.Write {
			writer = b.Index
		}
	}
	switch {
	case writer == "" && len(behind) == 1:
		if err := setWriteIndex(ctx, client, alias, behind[0].Index); err != nil {
			return err
		}
		fmt.Fprintf(out, "index %s: made the write index of alias %s\n", behind[0].Index, alias)
	case writer == "":
		return fmt.Errorf("alias %s leads to %d indices (%s) and none is its write index, so every write is refused: "+
			"run lekwacht setup elasticsearch --migrate to reindex them into one and move the alias", alias, len(behind), indexNames(behind))
	case len(behind) > 1:
		fmt.Fprintf(out, "warning: alias %s leads to %d indices (%s): a search counts an incident once per index; "+
			"run lekwacht setup elasticsearch --migrate to reindex them into one\n", alias, len(behind), indexNames(behind))
	}
	return nil
}

// setWriteIndex puts index behind alias as its write index (POST /_aliases, add with is_write_index).
func setWriteIndex(ctx context.Context, client *elasticsearch.Client, alias, index string) error {
	body, _ := json.Marshal(map[string]any{"actions": []any{
		map[string]any{"add": map[string]any{"index": index, "alias": alias, "is_write_index": true}}}})
	_, _, err := esRequest(ctx, client, http.MethodPost, "/_aliases", body)
	return err
}

// aliasIndex is one index behind an alias.
type aliasIndex struct {
	Index string
	Write bool // is_write_index
}

func indexNames(list []aliasIndex) string {
	var n []string
	for _, b := range list {
		n = append(n, b.Index)
	}
	return strings.Join(n, ", ")
}

// aliasIndices lists the indices behind alias, none when there is no such alias.
func aliasIndices(ctx context.Context, client *elasticsearch.Client, alias string) ([]aliasIndex, error) {
	st, body, err := esRequest(ctx, client, http.MethodGet, "/_alias/"+alias, nil, http.StatusNotFound)
	if err != nil || st == http.StatusNotFound {
		return nil, err
	}
	var m map[string]struct {
		Aliases map[string]struct {
			IsWriteIndex bool `json:"is_write_index"`
		} `json:"aliases"`
	}
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, fmt.Errorf("GET /_alias/%s: %w", alias, err)
	}
	var out []aliasIndex
	for idx, a := range m {
		out = append(out, aliasIndex{Index: idx, Write: a.Aliases[alias].IsWriteIndex})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Index < out[j].Index })
	return out, nil
}

// createIndex creates index as the alias's write index; false when it exists already (also when
// another setup made it a moment ago). alias "" creates it without one.
func createIndex(ctx context.Context, client *elasticsearch.Client, index, alias string) (bool, error) {
	st, _, err := esRequest(ctx, client, http.MethodHead, "/"+index, nil, http.StatusNotFound)
	if err != nil || st == http.StatusOK {
		return false, err
	}
	body := []byte("{}")
	if alias != "" {
		body, _ = json.Marshal(map[string]any{"aliases": map[string]any{alias: map[string]any{"is_write_index": true}}})
	}
	_, _, err = esRequest(ctx, client, http.MethodPut, "/"+index, body)
	var ae *APIError
	if errors.As(err, &ae) && ae.Type == "resource_already_exists_exception" {
		return false, nil
	}
	return err == nil, err
}

// putMapping applies the template's mapping to an existing index. Fields can be added in place; a
// field whose type changed cannot, and the error says so.
func putMapping(ctx context.Context, client *elasticsearch.Client, index string, mapping []byte) error {
	_, _, err := esRequest(ctx, client, http.MethodPut, "/"+index+"/_mapping", mapping)
	var ae *APIError
	if errors.As(err, &ae) && ae.Status == http.StatusBadRequest {
		ae.Hint = "the existing index's mapping conflicts with this version's template and cannot be changed in place; " +
			"run lekwacht setup elasticsearch --migrate to reindex into a new index behind the alias"
	}
	return err
}

// indexTemplate is the shipped template with prefix in the index pattern, the alias and the ILM
// policy's name. The field names under lekwacht.* keep their name whatever the prefix.
func indexTemplate(prefix string) ([]byte, error) {
	t, err := parseTemplate()
	if err != nil {
		return nil, err
	}
	alias := AliasFor(prefix)
	t.IndexPatterns = []string{alias + "-*"}
	if len(t.Template.Aliases) > 0 {
		// Every new matching index would join the alias: a reindex would double-count.
		return nil, fmt.Errorf("%s: template.aliases must stay empty: setup makes the alias on one index", templateFile)
	}
	var settings map[string]any
	if err := json.Unmarshal(t.Template.Settings, &settings); err != nil {
		return nil, fmt.Errorf("%s: settings: %w", templateFile, err)
	}
	index, ok := settings["index"].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s: no template.settings.index", templateFile)
	}
	index["lifecycle"] = map[string]any{"name": alias}
	if t.Template.Settings, err = json.Marshal(settings); err != nil {
		return nil, err
	}
	return json.Marshal(t)
}

// templateMappings is the mapping part of the template, as PUT _mapping takes it.
func templateMappings() ([]byte, error) {
	t, err := parseTemplate()
	if err != nil {
		return nil, err
	}
	return t.Template.Mappings, nil
}

// indexTemplateFile is the part of a composable index template that setup reads or changes; the
// rest is kept as it is.
type indexTemplateFile struct {
	IndexPatterns []string        `json:"index_patterns"`
	Priority      int             `json:"priority"`
	Version       int             `json:"version"`
	Meta          json.RawMessage `json:"_meta"`
	Template      struct {
		Settings json.RawMessage            `json:"settings"`
		Aliases  map[string]json.RawMessage `json:"aliases,omitempty"`
		Mappings json.RawMessage            `json:"mappings"`
	} `json:"template"`
}

func parseTemplate() (*indexTemplateFile, error) {
	b, err := deploy.Files.ReadFile(templateFile)
	if err != nil {
		return nil, err
	}
	var t indexTemplateFile
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&t); err != nil {
		return nil, fmt.Errorf("%s: %w", templateFile, err)
	}
	return &t, nil
}

// APIError is an error answer of Elasticsearch or Kibana to one call of setup.
type APIError struct {
	Call   string // "PUT /_index_template/lekwacht-incidents"
	Status int
	Type   string // Elasticsearch's error.type, e.g. security_exception
	Reason string
	Hint   string // what to do about it, when known
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d %s", e.Call, e.Status, http.StatusText(e.Status))
	if e.Type != "" {
		b.WriteString(": " + e.Type)
	}
	if e.Reason != "" {
		b.WriteString(": " + e.Reason)
	}
	if e.Hint != "" {
		b.WriteString(" (" + e.Hint + ")")
	}
	return b.String()
}

// esRequest sends one request. A status outside 2xx and the also list is an *APIError carrying
// Elasticsearch's reason.
func esRequest(ctx context.Context, client *elasticsearch.Client, method, path string, body []byte, also ...int) (int, []byte, error) {
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, path, r)
	if err != nil {
		return 0, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := client.Perform(req)
	if err != nil {
		return 0, nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer res.Body.Close()
	rb, err := io.ReadAll(io.LimitReader(res.Body, 16<<20))
	if err != nil {
		return 0, nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	if res.StatusCode/100 == 2 || containsStatus(also, res.StatusCode) {
		return res.StatusCode, rb, nil
	}
	return res.StatusCode, rb, esError(method+" "+path, res.StatusCode, rb)
}

func containsStatus(list []int, st int) bool {
	for _, s := range list {
		if s == st {
			return true
		}
	}
	return false
}

// esError reads Elasticsearch's error body: {"error": {"type", "reason", "caused_by"}, "status"}.
func esError(call string, status int, body []byte) *APIError {
	e := &APIError{Call: call, Status: status}
	var eb struct {
		Error json.RawMessage `json:"error"`
	}
	type cause struct {
		Type     string `json:"type"`
		Reason   string `json:"reason"`
		CausedBy *cause `json:"caused_by"`
	}
	var c cause
	if json.Unmarshal(body, &eb) == nil && json.Unmarshal(eb.Error, &c) == nil {
		e.Type, e.Reason = c.Type, c.Reason
		if c.CausedBy != nil && c.CausedBy.Reason != "" && c.CausedBy.Reason != c.Reason {
			e.Reason += ": " + c.CausedBy.Reason
		}
	} else if s := strings.TrimSpace(string(body)); s != "" && len(s) < 500 {
		e.Reason = s
	}
	if status == http.StatusUnauthorized || status == http.StatusForbidden {
		e.Hint = "the setup key needs the cluster privileges " + strings.Join(SetupClusterPrivileges, " and ") +
			" and the index privileges " + strings.Join(SetupIndexPrivileges, ", ") + " on <prefix>-incidents and <prefix>-incidents-*: " +
			"lekwacht setup elasticsearch --print-role prints the role"
	}
	return e
}
