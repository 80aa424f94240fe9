package esindex

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/elastic/go-elasticsearch/v8"
)

// IndexPrivileges are the index privileges the indexer needs on the alias and its indices: it writes
// each incident as a document with `index` (bulk, external versions), and at start reads the
// highest incident id the index holds with `read` (ContinueIDs: a reset register does not reuse an
// id). No cluster privilege: the daemon's key needs nothing else (see Roles).
var IndexPrivileges = []string{"index", "read"}

// Access is what Elasticsearch says of the configured credentials: the cluster that answers, whom
// the credentials are, and which of IndexPrivileges they lack on the alias.
type Access struct {
	Cluster, Version string
	User             string
	Alias            string
	Missing          []string
	// Unchecked says why the privileges could not be asked (security switched off), else "".
	Unchecked string
}

// CheckAccess asks the cluster who it is (GET /) and whether the credentials hold IndexPrivileges
// on the alias (POST /_security/user/_has_privileges). Unreachable, or credentials refused, is an
// error that says which.
func CheckAccess(ctx context.Context, client *elasticsearch.Client, prefix string) (Access, error) {
	a := Access{Alias: AliasFor(prefix)}
	_, body, err := esRequest(ctx, client, http.MethodGet, "/", nil)
	var ae *APIError
	switch {
	case errors.As(err, &ae) && ae.Status == http.StatusForbidden:
		// The daemon's key has no cluster privilege (monitor): who answers stays unknown.
	case err != nil:
		return a, accessError(err)
	default:
		var info struct {
			ClusterName string `json:"cluster_name"`
			Version     struct {
				Number string `json:"number"`
			} `json:"version"`
		}
		if err := json.Unmarshal(body, &info); err != nil {
			return a, fmt.Errorf("GET /: %w", err)
		}
		a.Cluster, a.Version = info.ClusterName, info.Version.Number
	}
	req, _ := json.Marshal(map[string]any{"index": []map[string]any{{"names": []string{a.Alias}, "privileges": IndexPrivileges}}})
	_, body, err = esRequest(ctx, client, http.MethodPost, "/_security/user/_has_privileges", req)
	if errors.As(err, &ae) && ae.Status != http.StatusUnauthorized && ae.Status != http.StatusForbidden {
		ae.Hint = ""
		a.Unchecked = ae.Error() // no security (a development cluster): nothing to ask
		return a, nil
	}
	if err != nil {
		return a, accessError(err)
	}
	var has struct {
		Username string                     `json:"username"`
		Index    map[string]map[string]bool `json:"index"`
	}
	if err := json.Unmarshal(body, &has); err != nil {
		return a, fmt.Errorf("POST /_security/user/_has_privileges: %w", err)
	}
	a.User = has.Username
	for _, p := range IndexPrivileges {
		if !has.Index[a.Alias][p] {
			a.Missing = append(a.Missing, p)
		}
	}
	sort.Strings(a.Missing)
	return a, nil
}

// accessError says what a failed request means for the configured connection.
func accessError(err error) error {
	var ae *APIError
	if errors.As(err, &ae) && ae.Status == http.StatusUnauthorized {
		return fmt.Errorf("%s: %d %s: the credentials are refused: check elasticsearch.api_key, or elasticsearch.username and password",
			ae.Call, ae.Status, http.StatusText(ae.Status))
	}
	if errors.As(err, &ae) {
		ae.Hint = ""
		return ae
	}
	return fmt.Errorf("%w (is Elasticsearch running there, and is elasticsearch.addresses right?)", err)
}

// String says what Access found, in one line.
func (a Access) String() string {
	var b strings.Builder
	if a.Version == "" {
		b.WriteString("elasticsearch (cluster name and version not readable without the cluster privilege monitor, which lekwacht does not need)")
	} else {
		fmt.Fprintf(&b, "elasticsearch %s, cluster %q", a.Version, a.Cluster)
	}
	if a.User != "" {
		fmt.Fprintf(&b, ", as %s", a.User)
	}
	switch {
	case a.Unchecked != "":
		fmt.Fprintf(&b, "; privileges not checked: %s", a.Unchecked)
	case len(a.Missing) == 0:
		fmt.Fprintf(&b, "; privileges %s on %s granted", strings.Join(IndexPrivileges, ", "), a.Alias)
	}
	return b.String()
}
