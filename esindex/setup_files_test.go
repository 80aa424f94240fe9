package esindex

import (
	"bytes"
	"encoding/json"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lekwacht/lekwacht/deploy"
)

// setupSampleDocument has the shape of the contract's incident document, every optional part present.
const setupSampleDocument = `{
 "@timestamp": "2026-03-02T09:15:04.123456789+01:00",
 "message": "412 BSN's in een export van het zaaksysteem door a.bakker",
 "event": {"kind": "alert", "category": ["file", "database"], "type": ["info"], "severity": 73,
  "created": "2026-03-02T09:00:00Z", "start": "2026-03-02T08:12:00Z", "end": "2026-03-02T08:14:30Z",
  "dataset": "lekwacht.incident", "module": "lekwacht", "id": "LW-2026-000042",
  "url": "https://lekwacht.voorbeeld.local:8470/incidents/LW-2026-000042"},
 "rule": {"id": "lw-bulk-bsn-export", "name": "Bulk export of BSNs", "ruleset": "bulk_bsn_export"},
 "user": {"name": "a.bakker"}, "host": {"name": "WS-0042"},
 "related": {"user": ["a.bakker"], "hosts": ["WS-0042", "LT-0042"]},
 "observer": {"name": "gemeente-voorbeeld", "product": "lekwacht", "vendor": "lekwacht", "version": "1.4.0"},
 "ecs": {"version": "8.11.0"},
 "lekwacht": {"id": "LW-2026-000042", "instance": "gemeente-voorbeeld", "register": "20260301T080000Z", "status": "draft", "detector": "bulk_bsn_export",
  "rule": "lw-bulk-bsn-export", "rule_title": "Bulk export of BSNs", "pattern": "export with >= 100 BSNs",
  "severity": "high", "first_seen": "2026-03-02T08:12:00Z", "last_seen": "2026-03-02T08:14:30Z",
  "discovered_at": "2026-03-02T09:00:00Z", "deadline": "2026-03-05T09:00:00Z", "updated_at": "2026-03-02T09:15:04.123456789+01:00",
  "data_categories": ["bsn", "name"], "subjects": 412, "evidence_count": 3, "summary": "412 BSN's in export.csv",
  "facts": {"delivered": true, "encrypted": false, "internal": true},
  "outcome": {"register": true, "notify_ap": true, "notify_subjects": false},
  "change": 17, "url": "https://lekwacht.voorbeeld.local:8470/incidents/LW-2026-000042"}
}`

func TestSetupTemplateStructure(t *testing.T) {
	for _, prefix := range []string{"", "lekwacht", "gemeente"} {
		b, err := indexTemplate(prefix)
		if err != nil {
			t.Fatal(err)
		}
		var tmpl struct {
			IndexPatterns []string `json:"index_patterns"`
			Priority      int      `json:"priority"`
			Template      struct {
				Settings struct {
					Index struct {
						Shards    json.Number `json:"number_of_shards"`
						Replicas  string      `json:"auto_expand_replicas"`
						Lifecycle struct {
							Name string `json:"name"`
						} `json:"lifecycle"`
					} `json:"index"`
				} `json:"settings"`
				Aliases  map[string]any `json:"aliases"`
				Mappings struct {
					Dynamic    string                  `json:"dynamic"`
					Properties map[string]fieldMapping `json:"properties"`
				} `json:"mappings"`
			} `json:"template"`
		}
		if err := json.Unmarshal(b, &tmpl); err != nil {
			t.Fatal(err)
		}
		alias := AliasFor(prefix)
		s := tmpl.Template.Settings.Index
		if !slices.Equal(tmpl.IndexPatterns, []string{alias + "-*"}) || tmpl.Priority <= 100 || s.Shards != "1" ||
			s.Replicas != "0-1" || s.Lifecycle.Name != alias {
			t.Errorf("prefix %q: patterns %v, priority %d, shards %s, replicas %q, lifecycle %q",
				prefix, tmpl.IndexPatterns, tmpl.Priority, s.Shards, s.Replicas, s.Lifecycle.Name)
		}
		// No aliases: with one, every new matching index (a reindex target) would join the alias and
		// searches would count an incident twice; setup makes the alias on one index instead.
		if tmpl.Template.Aliases != nil {
			t.Errorf("prefix %q: aliases %v", prefix, tmpl.Template.Aliases)
		}
		if !matchesPattern(tmpl.IndexPatterns[0], Index(prefix)) || matchesPattern(tmpl.IndexPatterns[0], alias) {
			t.Errorf("prefix %q: pattern %s must match %s and not the alias", prefix, tmpl.IndexPatterns[0], Index(prefix))
		}
		// The prefix names indices, never fields.
		if tmpl.Template.Mappings.Dynamic != "false" || tmpl.Template.Mappings.Properties["lekwacht"].Properties == nil {
			t.Errorf("prefix %q: mappings changed: dynamic %q", prefix, tmpl.Template.Mappings.Dynamic)
		}
	}
}

func matchesPattern(pattern, name string) bool {
	p, ok := strings.CutSuffix(pattern, "*")
	return ok && strings.HasPrefix(name, p)
}

// TestSetupPolicyStructure: documents updated in place must never be rolled over or deleted by ILM.
// TestSetupECSFields: keywords cut at 1024 characters as ECS does (ignore_above), user.name with
// ECS's text multi-field, ecs.version mapped (ECS 8.11 field reference).
func TestSetupECSFields(t *testing.T) {
	props, err := templateProperties()
	if err != nil {
		t.Fatal(err)
	}
	var walk func(string, map[string]fieldMapping)
	walk = func(prefix string, m map[string]fieldMapping) {
		for name, f := range m {
			if f.Type == "keyword" && f.IgnoreAbove != 1024 {
				t.Errorf("%s%s: keyword without ignore_above 1024", prefix, name)
			}
			walk(prefix+name+".", f.Properties)
			walk(prefix+name+".", f.Fields)
		}
	}
	walk("", props)
	if u := props["user"].Properties["name"]; u.Type != "keyword" || u.Fields["text"].Type != "match_only_text" {
		t.Errorf("user.name %+v", u)
	}
	if props["ecs"].Properties["version"].Type != "keyword" {
		t.Errorf("ecs.version not mapped")
	}
}

func TestSetupPolicyStructure(t *testing.T) {
	b, err := deploy.Files.ReadFile(policyFile)
	if err != nil {
		t.Fatal(err)
	}
	var p struct {
		Policy struct {
			Meta struct {
				Description string `json:"description"`
				ManagedBy   string `json:"managed_by"`
			} `json:"_meta"`
			Phases map[string]struct {
				MinAge  string                     `json:"min_age"`
				Actions map[string]json.RawMessage `json:"actions"`
			} `json:"phases"`
		} `json:"policy"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		t.Fatal(err)
	}
	if len(p.Policy.Phases) != 1 {
		t.Errorf("phases %v, want only hot", p.Policy.Phases)
	}
	for _, a := range []string{"rollover", "delete", "shrink", "downsample", "searchable_snapshot"} {
		if _, ok := p.Policy.Phases["hot"].Actions[a]; ok {
			t.Errorf("hot phase has %s", a)
		}
	}
	if !strings.Contains(p.Policy.Meta.Description, "rollover") {
		t.Errorf("_meta.description does not explain the policy: %q", p.Policy.Meta.Description)
	}
}

// TestSetupSampleDocumentIsMapped walks the contract's document against the mapping, both ways: every
// field of the document is mapped with a fitting type, and the mapping has no field the document lacks.
func TestSetupSampleDocumentIsMapped(t *testing.T) {
	if err := CheckDocument([]byte(setupSampleDocument)); err != nil {
		t.Fatal(err)
	}
	fields, err := MappedFields()
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	json.Unmarshal([]byte(setupSampleDocument), &doc)
	for f := range fields {
		if _, ok := setupLookup(doc, f); !ok && !strings.HasSuffix(f, ".keyword") && !strings.HasSuffix(f, ".text") {
			t.Errorf("mapped field %s is not in the sample document", f)
		}
	}
}

// setupLookup finds a dotted path in a decoded document.
func setupLookup(doc map[string]any, path string) (any, bool) {
	var v any = doc
	for _, part := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = m[part]; !ok {
			return nil, false
		}
	}
	return v, true
}

// TestSetupIndexerDocumentIsMapped fills every field of the indexer's Document (found by reflection,
// so a field added there is checked here without editing this test) and checks it against the mapping.
func TestSetupIndexerDocumentIsMapped(t *testing.T) {
	var d Document
	setupFill(reflect.ValueOf(&d).Elem())
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckDocument(b); err != nil {
		t.Fatalf("%v\ndocument: %s", err, b)
	}
}

func setupFill(v reflect.Value) {
	switch v.Kind() {
	case reflect.Struct:
		if v.Type() == reflect.TypeOf(time.Time{}) {
			v.Set(reflect.ValueOf(time.Date(2026, 3, 2, 9, 15, 4, 123456789, time.UTC)))
			return
		}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				setupFill(v.Field(i))
			}
		}
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		setupFill(v.Elem())
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		setupFill(v.Index(0))
	case reflect.String:
		v.SetString("x")
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(7)
	}
}

// TestSetupCheckDocumentCatchesDrift: what the indexer might get wrong is reported, all at once.
func TestSetupCheckDocumentCatchesDrift(t *testing.T) {
	var doc map[string]any
	json.Unmarshal([]byte(setupSampleDocument), &doc)
	lw := doc["lekwacht"].(map[string]any)
	lw["assessor"] = "fg"
	lw["subjects"] = "412"
	lw["facts"] = true
	lw["deadline"] = "in drie dagen"
	doc["event"].(map[string]any)["severity"] = 7.5
	doc["user"] = "a.bakker"
	b, _ := json.Marshal(doc)
	err := CheckDocument(b)
	for _, want := range []string{"lekwacht.assessor: not mapped", "lekwacht.subjects:", "lekwacht.facts:",
		"lekwacht.deadline:", "event.severity:", "user:"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("want %q in %v", want, err)
		}
	}
}

// setupObject is one Kibana saved object of the ndjson.
type setupObject struct {
	Type                 string                     `json:"type"`
	ID                   string                     `json:"id"`
	Attributes           map[string]json.RawMessage `json:"attributes"`
	References           []setupReference           `json:"references"`
	CoreMigrationVersion string                     `json:"coreMigrationVersion"`
	TypeMigrationVersion string                     `json:"typeMigrationVersion"`
}

type setupReference struct {
	Name string `json:"name"`
	Type string `json:"type"`
	ID   string `json:"id"`
}

func setupObjects(t *testing.T, ndjson []byte) []setupObject {
	t.Helper()
	var out []setupObject
	for i, line := range bytes.Split(bytes.TrimSpace(ndjson), []byte("\n")) {
		var o setupObject
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&o); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		if o.Type == "" || o.ID == "" || len(o.Attributes) == 0 || o.CoreMigrationVersion == "" || o.TypeMigrationVersion == "" {
			t.Fatalf("line %d: type %q, id %q, %d attributes, versions %q/%q", i+1, o.Type, o.ID, len(o.Attributes),
				o.CoreMigrationVersion, o.TypeMigrationVersion)
		}
		out = append(out, o)
	}
	return out
}

func (o setupObject) attr(t *testing.T, name string, v any) {
	t.Helper()
	if err := json.Unmarshal(o.Attributes[name], v); err != nil {
		t.Fatalf("%s %s: attribute %s: %v", o.Type, o.ID, name, err)
	}
}

// TestSetupSavedObjects checks the Kibana objects against each other and the mapping: unique ids,
// every reference resolves, searches query and show only mapped fields, the dashboard holds the
// three searches.
func TestSetupSavedObjects(t *testing.T) {
	b, err := deploy.Files.ReadFile(savedObjectsFile)
	if err != nil {
		t.Fatal(err)
	}
	objects := setupObjects(t, b)
	fields, err := MappedFields()
	if err != nil {
		t.Fatal(err)
	}
	byKey := map[string]setupObject{}
	for _, o := range objects {
		k := o.Type + "/" + o.ID
		if _, dup := byKey[k]; dup {
			t.Errorf("%s twice", k)
		}
		byKey[k] = o
	}
	for _, o := range objects {
		for _, r := range o.References {
			if _, ok := byKey[r.Type+"/"+r.ID]; !ok {
				t.Errorf("%s %s: reference %s to %s/%s, which is not in the file", o.Type, o.ID, r.Name, r.Type, r.ID)
			}
		}
	}
	dv, ok := byKey["index-pattern/"+Alias]
	if !ok {
		t.Fatalf("no data view with id %s", Alias)
	}
	var title, timeField string
	dv.attr(t, "title", &title)
	dv.attr(t, "timeFieldName", &timeField)
	if title != Alias || fields[timeField] != "date" {
		t.Errorf("data view: title %q, time field %q (%s)", title, timeField, fields[timeField])
	}
	searches := map[string]string{}
	for _, o := range objects {
		switch o.Type {
		case "search":
			var t2 string
			o.attr(t, "title", &t2)
			searches[t2] = o.ID
			setupCheckSearch(t, o, fields)
		case "lens":
			setupCheckLens(t, o, fields)
		}
	}
	for _, want := range []string{"Drafts to triage", "Open for the FG", "Past deadline"} {
		if searches[want] == "" {
			t.Errorf("no saved search %q", want)
		}
	}
	d, ok := byKey["dashboard/"+DashboardID]
	if !ok {
		t.Fatalf("no dashboard %s", DashboardID)
	}
	onDashboard := setupCheckDashboard(t, d, byKey)
	for title, id := range searches {
		if !onDashboard["search/"+id] {
			t.Errorf("saved search %q is not on the dashboard", title)
		}
	}
}

// setupKQLField finds the field names of a KQL query: a name before ":" or a range operator.
var setupKQLField = regexp.MustCompile(`([A-Za-z_@][\w.@]*)\s*(?::|<=?|>=?)`)

func setupCheckSearch(t *testing.T, o setupObject, fields map[string]string) {
	t.Helper()
	var columns []string
	var sort [][]string
	var meta struct {
		SearchSourceJSON string `json:"searchSourceJSON"`
	}
	o.attr(t, "columns", &columns)
	o.attr(t, "sort", &sort)
	o.attr(t, "kibanaSavedObjectMeta", &meta)
	var src struct {
		Query struct {
			Query    string `json:"query"`
			Language string `json:"language"`
		} `json:"query"`
		IndexRefName string `json:"indexRefName"`
	}
	if err := json.Unmarshal([]byte(meta.SearchSourceJSON), &src); err != nil {
		t.Fatalf("search %s: searchSourceJSON: %v", o.ID, err)
	}
	if !slices.Contains(o.References, setupReference{Name: src.IndexRefName, Type: "index-pattern", ID: Alias}) {
		t.Errorf("search %s: indexRefName %q does not name a reference to the data view: %v", o.ID, src.IndexRefName, o.References)
	}
	var used []string
	for _, m := range setupKQLField.FindAllStringSubmatch(src.Query.Query, -1) {
		used = append(used, m[1])
	}
	if src.Query.Language != "kuery" || !slices.Contains(used, "lekwacht.status") {
		t.Errorf("search %s: query %q (%s), fields %v", o.ID, src.Query.Query, src.Query.Language, used)
	}
	for _, s := range sort {
		used = append(used, s[0])
	}
	used = append(used, columns...)
	for _, f := range used {
		if fields[f] == "" {
			t.Errorf("search %s names %q, which is not mapped", o.ID, f)
		}
	}
	for _, want := range []string{"lekwacht.url", "lekwacht.id", "lekwacht.severity", "lekwacht.detector", "user.name", "lekwacht.subjects", "lekwacht.deadline", "message"} {
		if !slices.Contains(columns, want) {
			t.Errorf("search %s: no column %s", o.ID, want)
		}
	}
}

func setupCheckLens(t *testing.T, o setupObject, fields map[string]string) {
	t.Helper()
	var state struct {
		DatasourceStates struct {
			FormBased struct {
				Layers map[string]struct {
					Columns map[string]struct {
						SourceField string `json:"sourceField"`
					} `json:"columns"`
				} `json:"layers"`
			} `json:"formBased"`
		} `json:"datasourceStates"`
	}
	o.attr(t, "state", &state)
	if len(state.DatasourceStates.FormBased.Layers) == 0 {
		t.Errorf("lens %s: no layers", o.ID)
	}
	for id, l := range state.DatasourceStates.FormBased.Layers {
		if !slices.Contains(o.References, setupReference{Name: "indexpattern-datasource-layer-" + id, Type: "index-pattern", ID: Alias}) {
			t.Errorf("lens %s: layer %s has no reference to the data view", o.ID, id)
		}
		for cid, c := range l.Columns {
			if c.SourceField != "___records___" && fields[c.SourceField] == "" {
				t.Errorf("lens %s: column %s on %q, which is not mapped", o.ID, cid, c.SourceField)
			}
		}
	}
}

// setupCheckDashboard checks that every panel's reference resolves and returns the objects shown.
func setupCheckDashboard(t *testing.T, d setupObject, byKey map[string]setupObject) map[string]bool {
	t.Helper()
	var panelsJSON string
	d.attr(t, "panelsJSON", &panelsJSON)
	var panels []struct {
		Type         string `json:"type"`
		PanelIndex   string `json:"panelIndex"`
		PanelRefName string `json:"panelRefName"`
		GridData     struct {
			X, Y, W, H int
			I          string
		} `json:"gridData"`
	}
	if err := json.Unmarshal([]byte(panelsJSON), &panels); err != nil {
		t.Fatalf("panelsJSON: %v", err)
	}
	shown := map[string]bool{}
	for _, p := range panels {
		i := slices.IndexFunc(d.References, func(r setupReference) bool { return r.Name == p.PanelIndex+":"+p.PanelRefName })
		if i < 0 || d.References[i].Type != p.Type || p.GridData.I != p.PanelIndex || p.GridData.X+p.GridData.W > 48 {
			t.Errorf("panel %+v: no matching reference or bad grid", p)
			continue
		}
		r := d.References[i]
		if _, ok := byKey[r.Type+"/"+r.ID]; !ok {
			t.Errorf("panel %s shows %s/%s, which is not in the file", p.PanelIndex, r.Type, r.ID)
		}
		shown[r.Type+"/"+r.ID] = true
	}
	return shown
}

// TestSetupSavedObjectsPrefix: another index prefix changes the data view's title, nothing else.
func TestSetupSavedObjectsPrefix(t *testing.T) {
	def, _ := deploy.Files.ReadFile(savedObjectsFile)
	b, err := savedObjects("gemeente")
	if err != nil {
		t.Fatal(err)
	}
	got, want := setupObjects(t, b), setupObjects(t, def)
	if len(got) != len(want) {
		t.Fatalf("%d objects, want %d", len(got), len(want))
	}
	for i := range got {
		var title string
		got[i].attr(t, "title", &title)
		if got[i].Type == "index-pattern" && title != "gemeente-incidents" {
			t.Errorf("data view title %q", title)
		}
		if got[i].ID != want[i].ID || !reflect.DeepEqual(got[i].References, want[i].References) {
			t.Errorf("object %d changed: %s %s", i, got[i].Type, got[i].ID)
		}
	}
	if same, _ := savedObjects("lekwacht"); !bytes.Equal(same, def) {
		t.Error("the default prefix changed the file")
	}
}
