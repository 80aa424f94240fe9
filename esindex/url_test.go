package esindex

import (
	"bufio"
	"bytes"
	"encoding/json"
	"testing"
)

// TestDocumentsLinkToTheIncidentPage: with http.public_url every document carries the incident's
// page (lekwacht.url and ECS event.url) at the FG page's path /incidents/{id}; without it, neither.
func TestDocumentsLinkToTheIncidentPage(t *testing.T) {
	reg, f, x := indexerFixture(t)
	x.public = "https://lekwacht.voorbeeld.local:8470/"
	ids := addHits(t, reg, 2, 0)
	drain(t, x)
	for _, id := range ids {
		doc, _ := f.Doc(Alias, id)
		want := "https://lekwacht.voorbeeld.local:8470/incidents/" + id
		lw, _ := doc["lekwacht"].(map[string]any)
		ev, _ := doc["event"].(map[string]any)
		if lw["url"] != want || ev["url"] != want {
			t.Errorf("%s: lekwacht.url %v, event.url %v, want %s", id, lw["url"], ev["url"], want)
		}
		if err := CheckDocument(mustJSON(t, doc)); err != nil {
			t.Error(err)
		}
	}
	if got := IncidentURL("", "LW-2026-000001"); got != "" {
		t.Errorf("no public_url: %q", got)
	}
	if got := IncidentURL("https://h/lekwacht", "LW 1/2"); got != "https://h/lekwacht/incidents/LW%201%2F2" {
		t.Errorf("escaped: %q", got)
	}
}

// TestDataViewFormatsTheLink: the data view formats lekwacht.url and event.url with Kibana's url
// field format as a link labelled "Beoordelen in lekwacht" (fieldFormatMap is a JSON string of
// field -> {id, params}, as Kibana 8 exports it), and every saved search shows it as its first column.
func TestDataViewFormatsTheLink(t *testing.T) {
	b, err := savedObjects("")
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 4<<20)
	searches := 0
	for sc.Scan() {
		var o struct {
			Type       string         `json:"type"`
			ID         string         `json:"id"`
			Attributes map[string]any `json:"attributes"`
		}
		if err := json.Unmarshal(sc.Bytes(), &o); err != nil {
			t.Fatal(err)
		}
		switch o.Type {
		case "index-pattern":
			s, _ := o.Attributes["fieldFormatMap"].(string)
			var ffm map[string]struct {
				ID     string `json:"id"`
				Params struct {
					Type          string `json:"type"`
					URLTemplate   string `json:"urlTemplate"`
					LabelTemplate string `json:"labelTemplate"`
				} `json:"params"`
			}
			if err := json.Unmarshal([]byte(s), &ffm); err != nil {
				t.Fatalf("fieldFormatMap %q: %v", s, err)
			}
			for _, field := range []string{"lekwacht.url", "event.url"} {
				f := ffm[field]
				if f.ID != "url" || f.Params.Type != "a" || f.Params.URLTemplate != "{{value}}" || f.Params.LabelTemplate != "Beoordelen in lekwacht" {
					t.Errorf("%s: format %+v", field, f)
				}
			}
		case "search":
			searches++
			cols, _ := o.Attributes["columns"].([]any)
			if len(cols) == 0 || cols[0] != "lekwacht.url" {
				t.Errorf("search %s: columns %v, want lekwacht.url first", o.ID, cols)
			}
		}
	}
	if searches != 3 {
		t.Errorf("%d saved searches", searches)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
