package estest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"path"
	"slices"
	"strings"
)

// implied lists, for a privilege, the privileges that grant it too (Elasticsearch's privilege
// hierarchy as far as lekwacht's calls go: all > manage > monitor; all > manage > view_index_metadata;
// all > write > index; manage > create_index).
var implied = map[string][]string{
	"monitor":                {"all", "manage"},
	"manage_ilm":             {"all", "manage"},
	"manage_index_templates": {"all", "manage"},
	"view_index_metadata":    {"all", "manage"},
	"create_index":           {"all", "manage"},
	"manage":                 {"all"},
	"index":                  {"all", "write"},
	"read":                   {"all"},
}

// holds says whether granted (a role's list) gives want.
func holds(granted []string, want string) bool {
	if slices.Contains(granted, want) {
		return true
	}
	for _, p := range implied[want] {
		if slices.Contains(granted, p) {
			return true
		}
	}
	return false
}

// has says whether the credentials hold a cluster privilege (name == "") or an index privilege on name.
func (f *Server) has(priv, name string) bool {
	g := f.Granted
	if g == nil {
		return true
	}
	if name == "" {
		return holds(g.Cluster, priv)
	}
	for pattern, privs := range g.Index {
		if ok, _ := path.Match(pattern, name); ok && holds(privs, priv) {
			return true
		}
	}
	return false
}

// denied says whether an action needing priv (on index or alias name, "" for the cluster) is refused.
func (f *Server) denied(_, priv, name string) bool { return !f.has(priv, name) }

func (f *Server) deniedReason(action, name string) string {
	user := "lekwacht"
	if f.Granted != nil && f.Granted.User != "" {
		user = f.Granted.User
	}
	if name == "" {
		return fmt.Sprintf("action [%s] is unauthorized for user [%s] with effective roles [lekwacht], this action is granted by the cluster privileges [%s]",
			action, user, grantedBy(action))
	}
	return fmt.Sprintf("action [%s] is unauthorized for user [%s] with effective roles [lekwacht] on indices [%s], this action is granted by the index privileges [%s]",
		action, user, name, grantedBy(action))
}

// grantedBy is the list Elasticsearch names in its 403 for an action.
func grantedBy(action string) string {
	return map[string]string{
		"cluster:monitor/main":             "monitor,manage,all",
		"cluster:admin/ilm/put":            "manage_ilm,manage,all",
		"indices:admin/index_template/put": "manage_index_templates,manage,all",
		"indices:admin/create":             "create_index,manage,all",
		"indices:admin/aliases":            "manage,all",
		"indices:admin/aliases/get":        "view_index_metadata,manage,all",
		"indices:admin/get":                "view_index_metadata,manage,all",
		"indices:admin/mapping/put":        "manage,all",
		"indices:data/read/search":         "read,all",
		"indices:data/write/index":         "index,write,all",
		"indices:data/write/bulk[s]":       "create_doc,create,index,write,all",
	}[action]
}

// deny answers 403 when an action needing priv is refused, and says whether it did.
func (f *Server) deny(w http.ResponseWriter, action, priv, name string) bool {
	if f.has(priv, name) {
		return false
	}
	esError(w, http.StatusForbidden, "security_exception", f.deniedReason(action, name))
	return true
}

// hasPrivileges is POST /_security/user/_has_privileges: needs no privilege, answers for each
// privilege asked whether the credentials hold it.
func (f *Server) hasPrivileges(w http.ResponseWriter, body []byte) {
	if f.NoSecurity {
		esError(w, 500, "exception", "Security must be explicitly enabled when using a [basic] license. Enable security by setting [xpack.security.enabled] to [true] in the elasticsearch.yml file and restart the node.")
		return
	}
	var req struct {
		Cluster []string `json:"cluster"`
		Index   []struct {
			Names      []string `json:"names"`
			Privileges []string `json:"privileges"`
		} `json:"index"`
		Application []struct {
			Application string   `json:"application"`
			Privileges  []string `json:"privileges"`
			Resources   []string `json:"resources"`
		} `json:"application"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		esError(w, 400, "x_content_parse_exception", err.Error())
		return
	}
	all := true
	cluster := map[string]bool{}
	for _, p := range req.Cluster {
		cluster[p] = f.has(p, "")
		all = all && cluster[p]
	}
	index := map[string]map[string]bool{}
	for _, c := range req.Index {
		for _, n := range c.Names {
			if index[n] == nil {
				index[n] = map[string]bool{}
			}
			for _, p := range c.Privileges {
				// A pattern asked for is held when a granted pattern covers it.
				index[n][p] = f.has(p, strings.TrimSuffix(n, "*")+"x") || f.has(p, n)
				if !strings.HasSuffix(n, "*") {
					index[n][p] = f.has(p, n)
				}
				all = all && index[n][p]
			}
		}
	}
	user := "elastic"
	if f.Granted != nil && f.Granted.User != "" {
		user = f.Granted.User
	}
	json.NewEncoder(w).Encode(map[string]any{"username": user, "has_all_requested": all, "cluster": cluster, "index": index, "application": map[string]any{}})
}
