package esindex

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/elastic/go-elasticsearch/v8"

	"github.com/lekwacht/lekwacht/register"
)

// HighestID is the highest incident id under alias that starts with prefix ("LW-2026-"), and its
// number; "" and 0 when there is none (or no index yet). Ids are zero-padded to six digits, so the
// keyword sort on lekwacht.id is the numeric one. Needs the index privilege read.
func HighestID(ctx context.Context, client *elasticsearch.Client, alias, prefix string) (string, int64, error) {
	q, _ := json.Marshal(map[string]any{
		"size":    1,
		"_source": []string{"lekwacht.id"},
		"query":   map[string]any{"prefix": map[string]any{"lekwacht.id": prefix}},
		"sort":    []map[string]string{{"lekwacht.id": "desc"}},
	})
	st, body, err := esRequest(ctx, client, http.MethodPost, "/"+alias+"/_search", q, http.StatusNotFound)
	if err != nil {
		return "", 0, err
	}
	if st == http.StatusNotFound {
		return "", 0, nil
	}
	var res struct {
		Hits struct {
			Hits []struct {
				Source struct {
					Lekwacht struct {
						ID string `json:"id"`
					} `json:"lekwacht"`
				} `json:"_source"`
			} `json:"hits"`
		} `json:"hits"`
	}
	if err := json.Unmarshal(body, &res); err != nil {
		return "", 0, fmt.Errorf("search %s: %w", alias, err)
	}
	if len(res.Hits.Hits) == 0 {
		return "", 0, nil
	}
	id := res.Hits.Hits[0].Source.Lekwacht.ID
	n, err := strconv.ParseInt(strings.TrimPrefix(id, prefix), 10, 64)
	if err != nil || !strings.HasPrefix(id, prefix) {
		return id, 0, fmt.Errorf("search %s: incident id %q does not continue %q", alias, id, prefix)
	}
	return id, n, nil
}

// ContinueIDs makes reg number its drafts of this year after the highest id of the same instance
// and year that the index already holds, so a register that was reset or installed afresh does
// not give a new incident the id (and so the document) of an earlier one. It says what it did:
// "" when the register was ahead of the index already. `lekwacht run` calls it at start; when
// Elasticsearch cannot be asked it logs why and goes on (the first drafts may then reuse ids).
func ContinueIDs(ctx context.Context, reg *register.Register, client *elasticsearch.Client, alias string) (string, error) {
	year := reg.Year()
	prefix := reg.IDPrefix(year)
	id, n, err := HighestID(ctx, client, alias, prefix)
	if err != nil {
		var ae *APIError
		if errors.As(err, &ae) && (ae.Status == http.StatusForbidden || ae.Status == http.StatusUnauthorized) {
			return "", fmt.Errorf("the key may not read %s (give its role the index privilege read, see lekwacht setup elasticsearch --print-role): %w", alias, err)
		}
		return "", err
	}
	moved, err := reg.ContinueIDs(ctx, year, n)
	if err != nil || !moved {
		return "", err
	}
	return fmt.Sprintf("the index holds incidents up to %s from an earlier register: new drafts are numbered after it", id), nil
}
