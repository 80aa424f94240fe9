package esindex

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/elastic/go-elasticsearch/v8"
)

// MigrateElasticsearch is `lekwacht setup elasticsearch --migrate`: after setup has put the current
// template, it creates the next index (<alias>-v<N+1>, the template's mapping), reindexes every
// index behind the alias into it with their external versions (the newest copy of an incident wins,
// so indices that each hold a copy become one), moves the alias to it in one atomic _aliases request
// (removed from the old indices, added to the new as its write index), then reindexes the old
// indices once more, for what the indexer wrote into them in between. The old indices are kept: it
// says how to delete them once their count is seen to agree.
func MigrateElasticsearch(ctx context.Context, client *elasticsearch.Client, prefix string, out io.Writer) error {
	alias := AliasFor(prefix)
	if _, err := checkSetupPrivileges(ctx, client, prefix, true, io.Discard); err != nil {
		return err
	}
	behind, err := aliasIndices(ctx, client, alias)
	if err != nil {
		return err
	}
	if len(behind) == 0 {
		return fmt.Errorf("alias %s leads to no index: nothing to migrate (run lekwacht setup elasticsearch)", alias)
	}
	next, err := nextIndex(ctx, client, alias, behind)
	if err != nil {
		return err
	}
	if _, err := createIndex(ctx, client, next, ""); err != nil {
		return err
	}
	fmt.Fprintf(out, "index %s: created (no alias yet)\n", next)
	old := indexNames(behind)
	n, err := reindex(ctx, client, alias, next)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "reindex %s -> %s: %s\n", alias, next, n)
	var actions []any
	for _, b := range behind {
		actions = append(actions, map[string]any{"remove": map[string]any{"index": b.Index, "alias": alias}})
	}
	actions = append(actions, map[string]any{"add": map[string]any{"index": next, "alias": alias, "is_write_index": true}})
	body, _ := json.Marshal(map[string]any{"actions": actions})
	if _, _, err := esRequest(ctx, client, http.MethodPost, "/_aliases", body); err != nil {
		return fmt.Errorf("moving alias %s to %s (the new index is complete; %s still takes the writes): %w", alias, next, old, err)
	}
	fmt.Fprintf(out, "alias %s: moved from %s to %s (write index), in one step\n", alias, old, next)
	n, err = reindex(ctx, client, strings.ReplaceAll(old, ", ", ","), next)
	if err != nil {
		return fmt.Errorf("catching up with writes made during the reindex: %w (run --migrate again)", err)
	}
	fmt.Fprintf(out, "catch-up reindex %s -> %s: %s\n", old, next, n)
	fmt.Fprintf(out, "old indices kept: %s; compare GET /%s/_count with theirs, then delete them (DELETE /%s)\n",
		old, next, strings.ReplaceAll(old, ", ", ","))
	return nil
}

var versionSuffix = regexp.MustCompile(`-v(\d+)$`)

// nextIndex is <alias>-v<N+1> for the highest N behind the alias, skipping names already taken.
func nextIndex(ctx context.Context, client *elasticsearch.Client, alias string, behind []aliasIndex) (string, error) {
	n := 1
	for _, b := range behind {
		if m := versionSuffix.FindStringSubmatch(b.Index); m != nil {
			v, _ := strconv.Atoi(m[1])
			n = max(n, v)
		}
	}
	for {
		n++
		name := fmt.Sprintf("%s-v%d", alias, n)
		st, _, err := esRequest(ctx, client, http.MethodHead, "/"+name, nil, http.StatusNotFound)
		if err != nil {
			return "", err
		}
		if st == http.StatusNotFound {
			return name, nil
		}
	}
}

// reindexAnswer is the part of POST /_reindex's answer setup reads.
type reindexAnswer struct {
	Total            int               `json:"total"`
	Created          int               `json:"created"`
	Updated          int               `json:"updated"`
	VersionConflicts int               `json:"version_conflicts"`
	Failures         []json.RawMessage `json:"failures"`
}

func (r reindexAnswer) String() string {
	return fmt.Sprintf("%d documents: %d created, %d updated, %d already there at that version or newer",
		r.Total, r.Created, r.Updated, r.VersionConflicts)
}

// reindex copies source into dest keeping external versions; a newer version already in dest is
// kept (conflicts: proceed), so copies of one incident in several sources end as its newest.
func reindex(ctx context.Context, client *elasticsearch.Client, source, dest string) (reindexAnswer, error) {
	body, _ := json.Marshal(map[string]any{"conflicts": "proceed", "source": map[string]any{"index": source},
		"dest": map[string]any{"index": dest, "version_type": "external"}})
	var r reindexAnswer
	_, res, err := esRequest(ctx, client, http.MethodPost, "/_reindex?refresh=true&wait_for_completion=true", body)
	if err != nil {
		return r, err
	}
	if err := json.Unmarshal(res, &r); err != nil {
		return r, fmt.Errorf("POST /_reindex: %w", err)
	}
	if len(r.Failures) > 0 {
		return r, fmt.Errorf("POST /_reindex %s -> %s: %d failures, the first: %s", source, dest, len(r.Failures), r.Failures[0])
	}
	return r, nil
}
