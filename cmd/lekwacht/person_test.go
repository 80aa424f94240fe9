package main

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "modernc.org/sqlite"
)

const personStaff = `user,name,email,private_email,department,workstations,status,end_date,aliases,upn,sid,employee_id,manager,admin_accounts
jdevries,Jeanette de Vries,j.devries@voorbeeld.nl,,Sociaal Domein,WS-0042,leave,2026-12-31,jeanette.devries@voorbeeld.nl;jdv,jdevries@voorbeeld.local,S-1-5-21-1004336348-1177238915-682003330-1107,004711,pbakker,adm_jdevries
pbakker,Piet Bakker,p.bakker@voorbeeld.nl,,Sociaal Domein,WS-0043,active,,,,,,,
`

// personHit is a hit line for `incidents import`.
func personHit(user, pattern, at, host string, offset int) string {
	return fmt.Sprintf(`{"detector":"shared_credentials","rule":"lw-shared-001","severity":"high","user":%q,"pattern":%q,"hosts":[%q],`+
		`"time":%q,"window":3600000000000,"categories":["credentials"],"subjects":1,"summary":"aanmelding op de werkplek van een ander",`+
		`"evidence":[{"kind":"line","input":"windows","source":"/logs/winlog/a.ndjson","offset":%d,"time":%q,"text":"{}"}]}`,
		user, pattern, host, at, offset, at)
}

// personConfig is a register with a directory and incidents of jdevries (two within a week, one a
// month later), of an account nobody owns, and of pbakker.
func personConfig(t *testing.T) (cfg, dir string) {
	t.Helper()
	cfg, dir = registerConfig(t)
	staff := filepath.Join(dir, "staff.csv")
	os.WriteFile(staff, []byte(personStaff), 0o600)
	f, _ := os.OpenFile(cfg, os.O_APPEND|os.O_WRONLY, 0)
	fmt.Fprintf(f, "directory: %s\n", staff)
	f.Close()
	hits := strings.Join([]string{
		personHit("jdevries", "foreign-workstation", "2026-11-23T09:14:02+01:00", "WS-0043", 1),
		personHit("jdevries", "two-hosts", "2026-11-25T09:00:00+01:00", "WS-0042", 2),
		personHit("jdevries", "later", "2026-12-23T09:00:00+01:00", "WS-0042", 3),
		personHit("svc-oud", "foreign-workstation", "2026-11-24T09:00:00+01:00", "WS-0042", 4),
		personHit("pbakker", "two-hosts", "2026-11-23T10:00:00+01:00", "WS-0043", 5),
	}, "\n")
	mustRun(t, hits+"\n", "--config", cfg, "incidents", "import")
	return cfg, dir
}

func TestPersonCLI(t *testing.T) {
	cfg, dir := personConfig(t)
	out := mustRun(t, "", "--config", cfg, "person", `VOORBEELD\JDV`, "--by", "auditor")
	for _, want := range []string{"Jeanette de Vries (jdevries)", "Sociaal Domein", "pbakker (Piet Bakker)", "leave, end date 2026-12-31",
		"WS-0042", "upn       jdevries@voorbeeld.local", "sid       S-1-5-21-1004336348-1177238915-682003330-1107", "employee  004711",
		"alias     jdv", "admin     adm_jdevries", "3 incidents", "LW-2026-000001", "LW-2026-000002", "LW-2026-000003",
		"shared_credentials", "aanmelding op de werkplek van een ander"} {
		if !strings.Contains(out, want) {
			t.Errorf("person lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "LW-2026-000004") || strings.Contains(out, "LW-2026-000005") {
		t.Errorf("person lists other people's incidents:\n%s", out)
	}
	// Oldest first.
	if a, b := strings.Index(out, "LW-2026-000001"), strings.Index(out, "LW-2026-000003"); a > b {
		t.Errorf("the timeline is not oldest first:\n%s", out)
	}

	var v map[string]any
	if err := json.Unmarshal([]byte(mustRun(t, "", "--config", cfg, "person", "4711", "--json", "--by", "auditor")), &v); err != nil {
		t.Fatal(err)
	}
	if v["account"] != "jdevries" || v["name"] != "Jeanette de Vries" || v["manager"].(map[string]any)["name"] != "Piet Bakker" ||
		len(v["identifiers"].([]any)) != 7 || len(v["incidents"].([]any)) != 3 {
		t.Errorf("person --json: %v", v)
	}

	// An account nobody owns: its incidents, and exit 1 saying so.
	out, errOut, code := run(t, "", "--config", cfg, "person", "svc-oud", "--by", "auditor")
	if code != 1 || !strings.Contains(out, "svc-oud: no one in the directory") || !strings.Contains(out, "LW-2026-000004") ||
		!strings.Contains(errOut, "no one in the directory has \"svc-oud\"") || !strings.Contains(errOut, "lekwacht identities unresolved") {
		t.Errorf("unowned account: exit %d\n%s\n%s", code, out, errOut)
	}
	out, errOut, code = run(t, "", "--config", cfg, "person", "niemand", "--by", "auditor")
	if code != 1 || out != "" || !strings.Contains(errOut, "no incident names it") || !strings.Contains(errOut, "identities unresolved") {
		t.Errorf("a name no one has: exit %d\n%s\n%s", code, out, errOut)
	}

	// Every view that showed something is in the access log, and verify still passes.
	db, _ := sql.Open("sqlite", filepath.Join(dir, "reg", "register.db"))
	var who string
	db.QueryRow(`SELECT group_concat(incident_id || '=' || by || ':' || action, ',') FROM access_log`).Scan(&who)
	db.Close()
	if who != "person:jdevries=auditor:person,person:jdevries=auditor:person,person:svc-oud=auditor:person" {
		t.Errorf("access log %q", who)
	}
	if out := mustRun(t, "", "--config", cfg, "verify"); !strings.Contains(out, "5 incidents checked") {
		t.Errorf("verify: %s", out)
	}

	// Without a directory, there is no one to look up.
	cfg2, _ := registerConfig(t)
	if _, errOut, code := run(t, "", "--config", cfg2, "person", "jdevries", "--by", "auditor"); code != 2 || !strings.Contains(errOut, "names no directory") {
		t.Errorf("no directory: exit %d %s", code, errOut)
	}
}

func TestIncidentsShowNamesThePersonAndRelated(t *testing.T) {
	cfg, _ := personConfig(t)
	var show map[string]any
	if err := json.Unmarshal([]byte(mustRun(t, "", "--config", cfg, "incidents", "show", "LW-2026-000001", "--json", "--by", "auditor")), &show); err != nil {
		t.Fatal(err)
	}
	if p := show["person"].(map[string]any); p["name"] != "Jeanette de Vries" || p["department"] != "Sociaal Domein" || p["account"] != "jdevries" {
		t.Errorf("person %v", p)
	}
	if rel := show["related"].([]any); len(rel) != 1 || rel[0] != "LW-2026-000002" {
		t.Errorf("related %v, want the incident 2 days later only", rel)
	}
	if o := show["host_owners"].([]any); len(o) != 1 || o[0].(map[string]any)["account"] != "pbakker" || o[0].(map[string]any)["host"] != "WS-0043" {
		t.Errorf("host owners %v", o)
	}
	for _, k := range []string{"id", "status", "user", "hosts", "evidence", "assessment", "history"} {
		if _, ok := show[k]; !ok {
			t.Errorf("show --json lost %q", k)
		}
	}
	out := mustRun(t, "", "--config", cfg, "incidents", "show", "LW-2026-000001", "--by", "auditor")
	for _, want := range []string{"person Jeanette de Vries (jdevries), Sociaal Domein", "host WS-0043 is the workstation of pbakker (Piet Bakker)",
		"related (within 7 days):", "LW-2026-000002  draft  shared_credentials"} {
		if !strings.Contains(out, want) {
			t.Errorf("show lacks %q:\n%s", want, out)
		}
	}
	// A directory that does not load leaves the person out, and says so; show still works.
	os.WriteFile(strings.TrimSpace(strings.Split(strings.Split(readFile(t, cfg), "directory: ")[1], "\n")[0]), []byte("broken\n"), 0o600)
	out, errOut, code := run(t, "", "--config", cfg, "incidents", "show", "LW-2026-000001", "--by", "auditor")
	if code != 0 || !strings.Contains(errOut, "left out") || strings.Contains(out, "Jeanette") || !strings.Contains(out, "LW-2026-000002") {
		t.Errorf("show with a broken directory: exit %d\n%s\n%s", code, out, errOut)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
