package mapped

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-viper/mapstructure/v2"
	"github.com/lekwacht/lekwacht/collectors/parse"
	"github.com/lekwacht/lekwacht/event"
)

// Every problem is reported at once, unknown names with the name meant.
func TestValidateSaysWhatIsWrong(t *testing.T) {
	m := &parse.Mapping{Time: "ts", User: "u", Action: "a", Category: "fiel", DefaultAction: "atach",
		Categories: map[string][]string{"devise": {"USB"}},
		Actions:    map[string][]string{"veiw": {"x"}, "attach": {"x"}},
		Fields:     parse.FieldMap{"file.pth": "p", "url.domain": "d", "user.name": "u2", "zzz.qqq": "z", "email.to": ""}}
	err := Validate(m, Paths)
	for _, want := range []string{
		"mapping.category: \"fiel\": unknown category; did you mean file?",
		"mapping.default_action: \"atach\" is no class or event action; did you mean attach?",
		"mapping.categories: given, but mapping.category_field",
		"mapping.categories.devise: unknown category; did you mean device?",
		"mapping.actions.veiw: unknown class; did you mean view?",
		"mapping.actions: \"x\" is in both attach and veiw",
		"mapping.fields.file.pth: unknown field; did you mean file.path?",
		"mapping.fields.url.domain: unknown field; did you mean destination.domain?",
		"mapping.fields.user.name: also given as mapping.user; give one",
		"mapping.fields.zzz.qqq: unknown field; fields are ",
		"mapping.fields.email.to: empty",
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in\n%v", want, err)
		}
	}
	if err := Validate(&parse.Mapping{Time: "Tijd stip", Fields: parse.FieldMap{"file.path": "Bestand (pad)"}}, Columns); err != nil {
		t.Errorf("column names: %v", err)
	}
	if err := Validate(&parse.Mapping{Time: "a..b"}, Paths); err == nil || !strings.Contains(err.Error(), "not a dotted path") {
		t.Errorf("bad path: %v", err)
	}
}

// Every listed field can be named and lands in the event.
func TestEveryFieldIsSet(t *testing.T) {
	fields := parse.FieldMap{}
	rec := map[string]any{"t": "2026-11-20T09:00:00+01:00"}
	for i, name := range FieldNames() {
		fields[name] = name
		rec[name] = strings.Repeat("7", i%3+1)
	}
	rec["email.to"] = "a@x.nl;b@y.nl"
	mp, err := New(&parse.Mapping{Time: "t", Fields: fields}, parse.Options{Input: "in"}, Columns)
	if err != nil {
		t.Fatal(err)
	}
	evs, err := mp.Events(flat(rec))
	if err != nil {
		t.Fatal(err)
	}
	ev := evs[0]
	if ev.Logon == nil || ev.Mail == nil || ev.File == nil || ev.Device == nil || ev.HTTP == nil || ev.App == nil ||
		ev.Destination.Port == 0 || ev.HTTP.RequestBytes == 0 || ev.File.Size == 0 || ev.Event.Reason == "" || ev.User.ID == "" {
		t.Errorf("fields not set: %+v", ev)
	}
	if !slices.Equal(ev.Mail.To, []string{"a@x.nl", "b@y.nl"}) {
		t.Errorf("email.to %q", ev.Mail.To)
	}
	for _, f := range event.Fields { // every rule field a mapping can fill is filled
		if _, ok := setters[f]; ok && len(ev.Field(f)) == 0 {
			t.Errorf("%s: no value", f)
		}
	}
}

// `fields:` reads flat or nested, from YAML (mapping files) and from the config (mapstructure).
func TestFieldMapFlatOrNested(t *testing.T) {
	want := parse.FieldMap{"file.path": "bestand", "http.request.bytes": "up", "device.id": "serie"}
	path := filepath.Join(t.TempDir(), "m.yaml")
	os.WriteFile(path, []byte("time: t\nfields:\n  file.path: bestand\n  http: {request: {bytes: up}}\n  device:\n    id: serie\n"), 0o600)
	m, err := LoadMapping(path, Columns)
	if err != nil || !mapsEqual(m.Fields, want) {
		t.Errorf("yaml: %v %v", m, err)
	}
	var got struct {
		Fields parse.FieldMap `mapstructure:"fields"`
	}
	in := map[string]any{"fields": map[string]any{"file": map[string]any{"path": "bestand"}, "http.request.bytes": "up", "device.id": "serie"}}
	if err := mapstructure.Decode(in, &got); err != nil || !mapsEqual(got.Fields, want) {
		t.Errorf("mapstructure: %v %v", got.Fields, err)
	}
	bad := map[string]any{"fields": map[string]any{"email.to": []any{"a", "b"}}}
	if err := mapstructure.Decode(bad, &got); err == nil || !strings.Contains(err.Error(), "email.to") {
		t.Errorf("a list as a path: %v", err)
	}
}

func mapsEqual(a, b parse.FieldMap) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestTimes(t *testing.T) {
	ams, _ := time.LoadLocation("Europe/Amsterdam")
	mp, _ := New(&parse.Mapping{Time: "t"}, parse.Options{Location: ams}, Columns)
	for in, want := range map[string]string{
		"2026-11-20T09:00:00+01:00": "2026-11-20T08:00:00Z", "2026-11-20 09:00:00": "2026-11-20T08:00:00Z",
		"2026-11-20 09:00:00.5Z": "2026-11-20T09:00:00.5Z", "1795161600": "2026-11-20T08:00:00Z",
		"1795161600000": "2026-11-20T08:00:00Z", " 2026-11-20T09:00:00 ": "2026-11-20T08:00:00Z",
	} {
		got, err := mp.time(Text(in))
		if err != nil || got.UTC().Format(time.RFC3339Nano) != want {
			t.Errorf("%q: %v %v, want %s", in, got.UTC(), err, want)
		}
	}
}

func TestListAndNumbers(t *testing.T) {
	if got := list(Text(" a@x ; b@y,, c@z ")); !slices.Equal(got, []string{"a@x", "b@y", "c@z"}) {
		t.Errorf("list %q", got)
	}
	for in, want := range map[string]int64{"48213": 48213, " 12 ": 12, "12.0": 12, "-": 0, "1e400": 0, "abc": 0} {
		if got := num(Text(in)); got != want {
			t.Errorf("num(%q) = %d", in, got)
		}
	}
}

// flat is a record of names to values.
type flat map[string]any

func (f flat) Get(name string) (any, bool) { v, ok := f[name]; return v, ok }

// parseFloat refuses what starts as a date without strconv, and reads the rest as strconv does.
func TestParseFloat(t *testing.T) {
	for _, s := range []string{"2026-11-20T09:00:00Z", "2026-11-20 09:00", "1795161600", "1795161600.5", "1e-5", "-12",
		"1234-5", "123e-5", "0x1p-2", "inf", "NaN", "+1_0", "", "2026-", "12a4-5", "1_000-1"} {
		f, err := parseFloat(s)
		g, gerr := strconv.ParseFloat(s, 64)
		if (err == nil) != (gerr == nil) || err == nil && f != g && !(math.IsNaN(f) && math.IsNaN(g)) {
			t.Errorf("%q: %v %v, strconv %v %v", s, f, err, g, gerr)
		}
	}
}

// valued and slotted are a flat record read through Value and through Slot.
type valued struct{ flat }

func (v valued) Value(path string) (Value, bool) {
	x, ok := v.flat[path]
	if !ok {
		return Value{}, false
	}
	return ValueOf(x)
}

type slotted struct {
	valued
	names []string
}

func (s slotted) Slot(i int) (Value, bool) { return s.Value(s.names[i]) }

// A record read by Get, by Value or by Slot makes the same event, for texts, numbers, booleans,
// lists and nulls.
func TestEveryWayOfReadingARecordMakesTheSameEvent(t *testing.T) {
	fields := parse.FieldMap{}
	rec := flat{"t": json.Number("1795161600"), "ok": true, "what": "Kopie naar USB", "cat": " file "}
	for i, name := range FieldNames() {
		fields[name] = name
		switch i % 5 {
		case 0:
			rec[name] = json.Number(strconv.Itoa(400 + i))
		case 1:
			rec[name] = " waarde " + strconv.Itoa(i)
		case 2:
			rec[name] = []any{"a@x.nl", json.Number("7"), nil}
		case 3:
			rec[name] = nil
		case 4:
			rec[name] = false
		}
	}
	m := &parse.Mapping{Time: "t", Outcome: "ok", Action: "what", CategoryField: "cat", Fields: fields,
		Actions: map[string][]string{"write": {"Kopie naar *"}}}
	mp, err := New(m, parse.Options{Input: "in"}, Paths)
	if err != nil {
		t.Fatal(err)
	}
	want, err := mp.Events(rec)
	if err != nil {
		t.Fatal(err)
	}
	if want[0].Event.Action != event.ActionWrite || want[0].Event.Outcome != event.OutcomeSuccess || want[0].Time.Unix() != 1795161600 {
		t.Fatalf("by Get: %+v", want[0])
	}
	for name, r := range map[string]Record{"Value": valued{rec}, "Slot": slotted{valued{rec}, Names(m)}} {
		got, err := mp.Events(r)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("by %s: %+v %v\nby Get: %+v", name, got, err, want)
		}
	}
}
