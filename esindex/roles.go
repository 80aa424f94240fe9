package esindex

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/elastic/go-elasticsearch/v8"
)

// The least privileges of `lekwacht setup elasticsearch` (and --migrate) on the cluster and on the
// alias and its indices. The cluster privilege monitor is not among them: without it setup does
// not show the cluster's name and version, and does everything else.
var (
	SetupClusterPrivileges = []string{"manage_ilm", "manage_index_templates"}
	// SetupIndexPrivileges: manage creates the index, updates its mapping and moves the alias; read
	// and index are what --migrate's reindex reads and writes with.
	SetupIndexPrivileges = []string{"manage", "read", "index"}
)

// KibanaFeaturePrivileges are the Kibana privileges `lekwacht setup kibana` needs in its space: the
// saved objects import of a data view, saved searches, a Lens chart and a dashboard, the detection
// rule (Security), and the advanced setting securitySolution:defaultIndex (--security).
var KibanaFeaturePrivileges = []string{"feature_savedObjectsManagement.all", "feature_indexPatterns.all", "feature_discover.all",
	"feature_visualize.all", "feature_dashboard.all", "feature_siem.all", "feature_advancedSettings.all"}

// RoleDescriptor is an Elasticsearch role (PUT /_security/role/<name>, or one of an API key's
// role_descriptors), as in the specification's security/_types/RoleDescriptor.ts.
type RoleDescriptor struct {
	Cluster      []string               `json:"cluster"`
	Indices      []IndicesPrivileges    `json:"indices"`
	Applications []ApplicationPrivilege `json:"applications,omitempty"`
	Metadata     map[string]string      `json:"metadata,omitempty"`
}

// IndicesPrivileges are privileges on index names or patterns.
type IndicesPrivileges struct {
	Names      []string `json:"names"`
	Privileges []string `json:"privileges"`
}

// ApplicationPrivilege grants Kibana's feature privileges in spaces (application kibana-.kibana).
type ApplicationPrivilege struct {
	Application string   `json:"application"`
	Privileges  []string `json:"privileges"`
	Resources   []string `json:"resources"`
}

// incidentIndexNames are the alias and its indices.
func incidentIndexNames(prefix string) []string {
	return []string{AliasFor(prefix), AliasFor(prefix) + "-*"}
}

// Roles are the two roles of least privilege: "lekwacht-setup" for the key that runs `lekwacht
// setup elasticsearch` and `setup kibana` in space, "lekwacht-daemon" for the key in lekwacht.yaml
// that `run` indexes with (the index privilege index on the alias and its indices, nothing else).
func Roles(prefix, space string) map[string]RoleDescriptor {
	if space == "" {
		space = "default"
	}
	return map[string]RoleDescriptor{
		"lekwacht-setup": {
			Cluster: SetupClusterPrivileges,
			Indices: []IndicesPrivileges{
				{Names: incidentIndexNames(prefix), Privileges: SetupIndexPrivileges},
				// The detection rule's alerts (Elastic Security's alerts-as-data indices of the space).
				{Names: []string{".alerts-security.alerts-" + space, ".internal.alerts-security.alerts-" + space + "-*"},
					Privileges: []string{"read", "write", "view_index_metadata", "maintenance"}},
			},
			Applications: []ApplicationPrivilege{{Application: "kibana-.kibana", Privileges: KibanaFeaturePrivileges,
				Resources: []string{"space:" + space}}},
			Metadata: map[string]string{"purpose": "lekwacht setup elasticsearch and lekwacht setup kibana"},
		},
		"lekwacht-daemon": {
			Cluster:  []string{},
			Indices:  []IndicesPrivileges{{Names: incidentIndexNames(prefix), Privileges: IndexPrivileges}},
			Metadata: map[string]string{"purpose": "lekwacht run: indexing incidents"},
		},
	}
}

// PrintRoles writes the roles as one JSON object, name to role, with how to use them.
func PrintRoles(out io.Writer, prefix, space string) error {
	b, err := json.MarshalIndent(Roles(prefix, space), "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(out, "%s\n", b)
	return err
}

// checkSetupPrivileges asks which of setup's privileges the credentials hold, and returns an error
// naming every one missing. monitor says whether the cluster privilege monitor is held (or could not
// be asked), for GET /. A cluster with security switched off answers no: nothing is checked.
func checkSetupPrivileges(ctx context.Context, client *elasticsearch.Client, prefix string, migrate bool, out io.Writer) (monitor bool, err error) {
	need := []string{"manage"}
	if migrate {
		need = SetupIndexPrivileges
	}
	req, _ := json.Marshal(map[string]any{"cluster": append([]string{"monitor"}, SetupClusterPrivileges...),
		"index": []map[string]any{{"names": incidentIndexNames(prefix), "privileges": need}}})
	_, body, err := esRequest(ctx, client, http.MethodPost, "/_security/user/_has_privileges", req)
	var ae *APIError
	if errors.As(err, &ae) && ae.Status != http.StatusUnauthorized && ae.Status != http.StatusForbidden {
		ae.Hint = ""
		fmt.Fprintf(out, "elasticsearch: privileges not checked (%s)\n", ae)
		return true, nil
	}
	if err != nil {
		return false, accessError(err)
	}
	var has struct {
		Username string                     `json:"username"`
		Cluster  map[string]bool            `json:"cluster"`
		Index    map[string]map[string]bool `json:"index"`
	}
	if err := json.Unmarshal(body, &has); err != nil {
		return false, fmt.Errorf("POST /_security/user/_has_privileges: %w", err)
	}
	var missing []string
	for _, p := range SetupClusterPrivileges {
		if !has.Cluster[p] {
			missing = append(missing, "cluster privilege "+p)
		}
	}
	for _, n := range incidentIndexNames(prefix) {
		for _, p := range need {
			if !has.Index[n][p] {
				missing = append(missing, fmt.Sprintf("index privilege %s on %s", p, n))
			}
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return false, fmt.Errorf("elasticsearch: %s lacks the %s: give the setup key the role lekwacht-setup of "+
			"`lekwacht setup elasticsearch --print-role`", has.Username, strings.Join(missing, ", "))
	}
	return has.Cluster["monitor"], nil
}

// KibanaSyncRole is the role of least privilege for the daemon's key with kibana.triage alerts, in
// space: Security's alerts API (feature_siem.read, whose API tag access:securitySolution both alert
// routes need) and, on the space's alerts-as-data indices, read (search) and write and maintenance
// (the status route's update by query, with refresh), as the current user.
func KibanaSyncRole(space string) RoleDescriptor {
	if space == "" {
		space = "default"
	}
	return RoleDescriptor{
		Cluster: []string{},
		Indices: []IndicesPrivileges{{Names: []string{".alerts-security.alerts-" + space, ".internal.alerts-security.alerts-" + space + "-*"},
			Privileges: []string{"read", "write", "maintenance"}}},
		Applications: []ApplicationPrivilege{{Application: "kibana-.kibana", Privileges: []string{"feature_siem.read"},
			Resources: []string{"space:" + space}}},
		Metadata: map[string]string{"purpose": "lekwacht run with kibana.triage alerts: read the alerts of the rule lekwacht incident, set their status"},
	}
}

// KibanaCasesFeature is the Kibana feature privilege of the case sync: Elastic Security's Cases,
// all (create, update, comment, find). securitySolutionCases is the feature's id in every Kibana 8
// (x-pack/.../security_solution/common/constants.ts, CASES_FEATURE_ID); 8.17 and 8.18 added
// securitySolutionCasesV2 and V3 and mark the first deprecated, still granted through its successors.
const KibanaCasesFeature = "feature_securitySolutionCases.all"

// KibanaCasesRole is the role of least privilege for the daemon's key with kibana.triage cases, in
// space: Security's Cases and nothing else (the cases do not sync alerts, no index is read).
func KibanaCasesRole(space string) RoleDescriptor {
	if space == "" {
		space = "default"
	}
	return RoleDescriptor{
		Cluster: []string{},
		Indices: []IndicesPrivileges{},
		Applications: []ApplicationPrivilege{{Application: "kibana-.kibana", Privileges: []string{KibanaCasesFeature},
			Resources: []string{"space:" + space}}},
		Metadata: map[string]string{"purpose": "lekwacht run with kibana.triage cases: a case per draft in Elastic Security, its status and comments"},
	}
}

// PrintKibanaRole writes the roles of the syncs as {"lekwacht-kibana-sync": role (kibana.triage
// alerts), "lekwacht-kibana-cases": role (kibana.triage cases)}.
func PrintKibanaRole(out io.Writer, space string) error {
	b, err := json.MarshalIndent(map[string]RoleDescriptor{"lekwacht-kibana-sync": KibanaSyncRole(space),
		"lekwacht-kibana-cases": KibanaCasesRole(space)}, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(out, "%s\n", b)
	return err
}
