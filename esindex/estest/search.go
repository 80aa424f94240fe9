package estest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
)

// search is POST /<index>/_search as far as lekwacht uses it: a prefix query on lekwacht.id,
// sorted by it (a keyword) descending, size and _source filtering ignored beyond size. Anything
// else in the query is refused as a real cluster would refuse a query it cannot parse, so a test
// notices a request shape this server does not know. Needs the index privilege read.
func (f *Server) search(w http.ResponseWriter, body []byte, target string) {
	if f.deny(w, "indices:data/read/search", "read", target) {
		return
	}
	var req struct {
		Size  *int `json:"size"`
		Query struct {
			Prefix map[string]json.RawMessage `json:"prefix"`
		} `json:"query"`
		Sort   []map[string]string `json:"sort"`
		Source json.RawMessage     `json:"_source"`
	}
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		esError(w, 400, "parsing_exception", "this test server knows only a prefix query on lekwacht.id sorted by it: "+err.Error())
		return
	}
	raw, ok := req.Query.Prefix["lekwacht.id"]
	if !ok || len(req.Query.Prefix) != 1 {
		esError(w, 400, "parsing_exception", "want a prefix query on lekwacht.id")
		return
	}
	var prefix string
	if json.Unmarshal(raw, &prefix) != nil {
		var long struct {
			Value string `json:"value"`
		}
		if json.Unmarshal(raw, &long) != nil || long.Value == "" {
			esError(w, 400, "parsing_exception", "prefix of lekwacht.id: a string or {value}")
			return
		}
		prefix = long.Value
	}
	if len(req.Sort) != 1 || req.Sort[0]["lekwacht.id"] != "desc" {
		esError(w, 400, "parsing_exception", `want "sort": [{"lekwacht.id": "desc"}]`)
		return
	}
	indices := f.resolve(target)
	if len(indices) == 0 {
		esError(w, 404, "index_not_found_exception", "no such index ["+target+"]")
		return
	}
	type hit struct{ index, id, lid string }
	var hits []hit
	for _, idx := range indices {
		for id, d := range f.indices[idx].docs {
			var src struct {
				Lekwacht struct {
					ID string `json:"id"`
				} `json:"lekwacht"`
			}
			json.Unmarshal(d.source, &src)
			if strings.HasPrefix(src.Lekwacht.ID, prefix) {
				hits = append(hits, hit{idx, id, src.Lekwacht.ID})
			}
		}
	}
	sort.Slice(hits, func(i, j int) bool { return hits[i].lid > hits[j].lid })
	size := 10
	if req.Size != nil {
		size = *req.Size
	}
	total := len(hits)
	hits = hits[:min(size, len(hits))]
	out := make([]map[string]any, 0, len(hits))
	for _, h := range hits {
		out = append(out, map[string]any{"_index": h.index, "_id": h.id, "_score": nil,
			"_source": map[string]any{"lekwacht": map[string]any{"id": h.lid}}, "sort": []string{h.lid}})
	}
	b, _ := json.Marshal(map[string]any{"took": 1, "timed_out": false,
		"hits": map[string]any{"total": map[string]any{"value": total, "relation": "eq"}, "max_score": nil, "hits": out}})
	fmt.Fprintf(w, "%s", b)
}
