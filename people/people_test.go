package people

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lekwacht/lekwacht/directory"
	"github.com/lekwacht/lekwacht/event"
	"github.com/lekwacht/lekwacht/hit"
	"github.com/lekwacht/lekwacht/identity"
	"github.com/lekwacht/lekwacht/register"
)

const staff = `user,name,email,private_email,department,workstations,status,end_date,aliases,upn,sid,employee_id,manager,admin_accounts
jdevries,Jeanette de Vries,j.devries@voorbeeld.nl,jeanette1980@gmail.com,Sociaal Domein,WS-0042;LT-0042,leave,2026-12-31,jeanette.devries@voorbeeld.nl;jdv,jdevries@voorbeeld.local,S-1-5-21-1004336348-1177238915-682003330-1107,004711,pbakker,
pbakker,Piet Bakker,p.bakker@voorbeeld.nl,,Sociaal Domein,WS-0043,active,,,pbakker@voorbeeld.local,,004712,,
kvisser,Kees Visser,k.visser@voorbeeld.nl,,ICT,WS-0050,active,,,,,,vacature,beheer-kvisser
`

var t0 = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)

type fixture struct {
	reg *register.Register
	f   *Finder
	ids map[string]string // pattern -> incident id
}

func newFixture(t *testing.T, withDirectory bool) *fixture {
	t.Helper()
	reg, err := register.Open(context.Background(), t.TempDir(), register.Options{Now: func() time.Time { return t0.Add(100 * time.Hour) }, Location: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { reg.Close() })
	fx := &fixture{reg: reg, ids: map[string]string{}}
	day := 24 * time.Hour
	for _, h := range []struct {
		user, pattern string
		at            time.Duration
		hosts         []string
	}{
		{"jdevries", "export", 0, []string{"WS-0042", "WS-0043", "ws-0050.voorbeeld.local", "SRV-01"}},
		{"jdevries", "snoop", 2 * day, nil},
		{`VOORBEELD\jdevries`, "legacy", 3 * day, nil}, // registered before identity resolution
		{"jdevries", "later", 30 * day, nil},
		{"pbakker", "export", day, []string{"WS-0043"}},
		{"ghost", "export", day, []string{"WS-0042"}}, // an account nobody owns
	} {
		res, err := reg.Add(context.Background(), []hit.Hit{{Detector: "record_snooping", Rule: "lw-snoop", Severity: hit.SeverityMedium,
			User: h.user, Pattern: h.pattern, Hosts: h.hosts, Time: t0.Add(h.at), Window: time.Hour, Subjects: 3, Summary: "dossiers bekeken",
			Evidence: []hit.Evidence{{Kind: hit.EvidenceLine, Input: "zaak", Source: "/logs/zaak.jsonl", Offset: int64(len(fx.ids)), Time: t0.Add(h.at), Text: "{}"}}}})
		if err != nil {
			t.Fatal(err)
		}
		fx.ids[h.user+"/"+h.pattern] = res[0].Incident
	}
	if !withDirectory {
		fx.f = New(reg, nil, nil, 0)
		return fx
	}
	d, err := directory.Read(strings.NewReader(staff), "staff.csv")
	if err != nil {
		t.Fatal(err)
	}
	dir := func() *directory.Directory { return d }
	fx.f = New(reg, identity.New(dir, identity.Options{OwnDomains: []string{"voorbeeld.nl"}, AdminAccounts: []string{"adm_{user}"}}), dir, 7*day)
	return fx
}

func (fx *fixture) id(key string) string { return fx.ids[key] }

func incidentIDs(list []*register.Incident) []string {
	out := []string{}
	for _, in := range list {
		out = append(out, in.ID)
	}
	return out
}

func TestShowFindsThePersonByAnyIdentifier(t *testing.T) {
	fx := newFixture(t, true)
	ctx := context.Background()
	timeline := []string{fx.id("jdevries/export"), fx.id("jdevries/snoop"), fx.id(`VOORBEELD\jdevries/legacy`), fx.id("jdevries/later")}
	asked := []string{"jdevries", "JDeVries", `VOORBEELD\jdevries`, "jdevries@voorbeeld.local", "j.devries@voorbeeld.nl",
		"jeanette.devries@voorbeeld.nl", "jdv", "S-1-5-21-1004336348-1177238915-682003330-1107", "4711", "004711", "adm_jdevries",
		"Jeanette de Vries", "  jdevries "}
	for _, q := range asked {
		v, err := fx.f.Show(ctx, q, "fg.gerritsen", "test person")
		if err != nil {
			t.Fatalf("%q: %v", q, err)
		}
		if v.Profile == nil || v.Account != "jdevries" {
			t.Fatalf("%q: profile %+v, want jdevries", q, v.Profile)
		}
		if got := incidentIDs(v.Incidents); !slices.Equal(got, timeline) {
			t.Errorf("%q: timeline %v, want %v (every status, other names too, oldest first)", q, got, timeline)
		}
	}
	v, _ := fx.f.Show(ctx, "adm_jdevries", "fg.gerritsen", "test person")
	if v.Identity != event.IdentityAdmin {
		t.Errorf("an admin account is %q", v.Identity)
	}
	p := v.Profile
	if p.Name != "Jeanette de Vries" || p.Department != "Sociaal Domein" || p.Status != directory.StatusLeave || p.EndDate != "2026-12-31" ||
		!slices.Equal(p.Workstations, []string{"WS-0042", "LT-0042"}) {
		t.Errorf("profile %+v", p)
	}
	if p.Manager == nil || *p.Manager != (Ref{"pbakker", "Piet Bakker", "Sociaal Domein"}) {
		t.Errorf("manager %+v", p.Manager)
	}
	want := []Identifier{{"j.devries@voorbeeld.nl", directory.KindEmail}, {"jdevries@voorbeeld.local", directory.KindUPN},
		{"S-1-5-21-1004336348-1177238915-682003330-1107", directory.KindSID}, {"004711", directory.KindEmployee},
		{"jeanette.devries@voorbeeld.nl", directory.KindAlias}, {"jdv", directory.KindAlias}}
	if !slices.Equal(p.Identifiers, want) {
		t.Errorf("identifiers %+v,\nwant %+v", p.Identifiers, want)
	}
	// A manager the directory does not know is named by account alone.
	if v, _ := fx.f.Show(ctx, "beheer-kvisser", "fg", "test person"); v.Manager == nil || *v.Manager != (Ref{Account: "vacature"}) {
		t.Errorf("kvisser's manager %+v", v.Manager)
	}
	// Every view is in the access log under the person's account, whatever name was asked.
	log, err := fx.reg.PersonAccessLog(ctx, "jdevries")
	if err != nil || len(log) != len(asked)+1 || log[0].By != "fg.gerritsen" || log[0].Action != "test person" {
		t.Fatalf("access log of jdevries: %d rows %+v %v, want %d", len(log), log, err, len(asked)+1)
	}
	if _, err := fx.f.Show(ctx, "jdevries", "", "test person"); err == nil {
		t.Error("a view without who looks was shown")
	}
}

func TestShowOfANameNoOneHas(t *testing.T) {
	fx := newFixture(t, true)
	ctx := context.Background()
	v, err := fx.f.Show(ctx, "Ghost", "sec.jansen", "test person")
	if err != nil {
		t.Fatal(err)
	}
	if v.Profile != nil || v.Identity != event.IdentityUnknown || !slices.Equal(incidentIDs(v.Incidents), []string{fx.id("ghost/export")}) {
		t.Fatalf("ghost: %+v %v", v, incidentIDs(v.Incidents))
	}
	if log, _ := fx.reg.PersonAccessLog(ctx, "ghost"); len(log) != 1 || log[0].By != "sec.jansen" {
		t.Errorf("the view of an unowned account is not logged: %+v", log)
	}
	for _, q := range []string{"niemand", "", "  ", "svc_backup"} {
		if _, err := fx.f.Show(ctx, q, "sec.jansen", "test person"); !errors.Is(err, ErrNoOne) || !errors.Is(err, register.ErrNotFound) {
			t.Errorf("%q: %v, want ErrNoOne", q, err)
		}
		if log, _ := fx.reg.PersonAccessLog(ctx, q); len(log) != 0 {
			t.Errorf("%q: nothing shown, but logged: %+v", q, log)
		}
	}
}

func TestShowWithoutDirectory(t *testing.T) {
	fx := newFixture(t, false)
	v, err := fx.f.Show(context.Background(), "JDEVRIES", "fg", "test person")
	if err != nil {
		t.Fatal(err)
	}
	if v.Profile != nil || v.Identity != "" || !slices.Equal(incidentIDs(v.Incidents), []string{fx.id("jdevries/export"), fx.id("jdevries/snoop"), fx.id("jdevries/later")}) {
		t.Errorf("without a directory: %+v %v", v, incidentIDs(v.Incidents))
	}
	in, _ := fx.reg.Get(context.Background(), fx.id("jdevries/export"))
	x, err := fx.f.Incident(context.Background(), in)
	if err != nil || x.Person != nil || x.HostOwners != nil || !slices.Equal(x.RelatedIDs, []string{fx.id("jdevries/snoop")}) {
		t.Errorf("incident without a directory: %+v %v", x, err)
	}
}

func TestIncidentPersonRelatedAndHostOwners(t *testing.T) {
	fx := newFixture(t, true)
	ctx := context.Background()
	in, err := fx.reg.Get(ctx, fx.id("jdevries/export"))
	if err != nil {
		t.Fatal(err)
	}
	x, err := fx.f.Incident(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if x.Person == nil || *x.Person != (Ref{"jdevries", "Jeanette de Vries", "Sociaal Domein"}) {
		t.Errorf("person %+v", x.Person)
	}
	// Within 7 days: the snooping 2 days later and the one under the old name 3 days later; not the
	// one 30 days later, not another person's.
	if want := []string{fx.id("jdevries/snoop"), fx.id(`VOORBEELD\jdevries/legacy`)}; !slices.Equal(x.RelatedIDs, want) || len(x.Related) != 2 {
		t.Errorf("related %v, want %v", x.RelatedIDs, want)
	}
	want := []HostOwner{{"WS-0043", Ref{"pbakker", "Piet Bakker", "Sociaal Domein"}}, {"ws-0050.voorbeeld.local", Ref{"kvisser", "Kees Visser", "ICT"}}}
	if !slices.Equal(x.HostOwners, want) {
		t.Errorf("host owners %+v, want %+v (not her own WS-0042, not the server)", x.HostOwners, want)
	}
	// An account nobody owns: no person, every owned host is someone else's.
	in, _ = fx.reg.Get(ctx, fx.id("ghost/export"))
	if x, _ := fx.f.Incident(ctx, in); x.Person != nil || len(x.HostOwners) != 1 || x.HostOwners[0].Account != "jdevries" {
		t.Errorf("ghost's incident: %+v", x)
	}
}

// The incident's JSON is the contract's, with person, related and host_owners added.
func TestIncidentJSONAddsFields(t *testing.T) {
	fx := newFixture(t, true)
	ctx := context.Background()
	in, _ := fx.reg.Show(ctx, fx.id("jdevries/export"), "test", "test")
	x, err := fx.f.Incident(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := json.Marshal(in)
	added, _ := json.Marshal(x)
	var a, b map[string]any
	json.Unmarshal(plain, &a)
	json.Unmarshal(added, &b)
	for k, v := range a {
		if fmt.Sprint(b[k]) != fmt.Sprint(v) {
			t.Errorf("field %q changed: %v, was %v", k, b[k], v)
		}
	}
	for _, k := range []string{"person", "related", "host_owners"} {
		if _, ok := b[k]; !ok {
			t.Errorf("no %q in %s", k, added)
		}
	}
	if len(b) != len(a)+3 {
		t.Errorf("%d fields, want the incident's %d and 3", len(b), len(a))
	}
	if p := b["person"].(map[string]any); p["account"] != "jdevries" || p["name"] != "Jeanette de Vries" || p["department"] != "Sociaal Domein" {
		t.Errorf("person %v", p)
	}
	// An incident without related ones says so with an empty list.
	in, _ = fx.reg.Get(ctx, fx.id("jdevries/later"))
	x, _ = fx.f.Incident(ctx, in)
	if j, _ := json.Marshal(x); !strings.Contains(string(j), `"related":[]`) {
		t.Errorf("no related: %s", j)
	}
}

func TestViewJSON(t *testing.T) {
	fx := newFixture(t, true)
	v, err := fx.f.Show(context.Background(), "jdv", "fg", "test person")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(v)
	var m map[string]any
	json.Unmarshal(b, &m)
	for _, k := range []string{"query", "identity", "account", "name", "email", "department", "manager", "status", "end_date",
		"workstations", "identifiers", "incidents"} {
		if _, ok := m[k]; !ok {
			t.Errorf("the view's JSON lacks %q: %s", k, b)
		}
	}
	first := m["incidents"].([]any)[0].(map[string]any)
	for _, k := range []string{"id", "status", "detector", "severity", "user", "first_seen", "summary", "deadline"} {
		if _, ok := first[k]; !ok {
			t.Errorf("an incident in the view lacks %q", k)
		}
	}
	v, _ = fx.f.Show(context.Background(), "ghost", "fg", "test person")
	b, _ = json.Marshal(v)
	if strings.Contains(string(b), `"account"`) || !strings.Contains(string(b), `"identity":"unknown"`) {
		t.Errorf("the view of an unowned name: %s", b)
	}
}

// Nothing that names a person reaches lekwacht's own log.
func TestLogValuesHoldNoPersonalData(t *testing.T) {
	fx := newFixture(t, true)
	ctx := context.Background()
	v, _ := fx.f.Show(ctx, "jdevries", "fg", "test person")
	in, _ := fx.reg.Get(ctx, fx.id("jdevries/export"))
	x, _ := fx.f.Incident(ctx, in)
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, nil))
	log.Info("person", "view", v, "profile", *v.Profile, "identifier", v.Identifiers[0], "ref", *x.Person,
		"owner", x.HostOwners[0], "incident", x, "manager", v.Manager)
	for _, bad := range []string{"Jeanette", "jdevries", "Piet", "pbakker", "voorbeeld.nl", "S-1-5", "4711", "dossiers"} {
		if strings.Contains(buf.String(), bad) {
			t.Errorf("the log holds %q: %s", bad, buf.String())
		}
	}
}

// One Finder serves many requests at once (the race detector watches its resolver).
func TestFinderIsSafeForConcurrentUse(t *testing.T) {
	fx := newFixture(t, true)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, q := range []string{"jdv", "S-1-5-21-1004336348-1177238915-682003330-1107", "pbakker", "ghost"} {
				if _, err := fx.f.Show(context.Background(), q, fmt.Sprint("reader", i), "test person"); err != nil {
					t.Error(err)
				}
			}
			in, _ := fx.reg.Get(context.Background(), fx.id("jdevries/export"))
			if _, err := fx.f.Incident(context.Background(), in); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
}
