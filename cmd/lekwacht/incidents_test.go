package main

import (
	"archive/zip"
	"database/sql"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	_ "modernc.org/sqlite"
)

const hitLine = `{"detector":"bulk_bsn_export","rule":"lw-bsn-001","severity":"high","user":"a.bakker","pattern":"export","hosts":["WS-0042"],` +
	`"time":"2026-11-23T09:14:02+01:00","window":3600000000000,"categories":["bsn","name"],"subjects":140,"summary":"export met 140 geldige BSN's",` +
	`"evidence":[{"kind":"line","input":"zaak","source":"/logs/zaak/a.jsonl","offset":912,"time":"2026-11-23T09:14:02+01:00","text":"{\"action\":\"export.csv\",\"bsn\":\"111222333\"}"}]}`

func registerConfig(t *testing.T) (cfg, dir string) {
	t.Helper()
	dir = t.TempDir()
	cfg = filepath.Join(dir, "lekwacht.yaml")
	os.WriteFile(cfg, []byte("organisation: {name: Gemeente Test, timezone: Europe/Amsterdam, fg: {name: F. Geber, email: fg@test.nl}}\nregister: {dir: "+dir+"/reg}\n"), 0o600)
	return cfg, dir
}

func mustRun(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	out, errOut, code := run(t, stdin, args...)
	if code != 0 {
		t.Fatalf("%v: exit %d: %s", args, code, errOut)
	}
	return out
}

func TestIncidentsLifecycleCLI(t *testing.T) {
	cfg, dir := registerConfig(t)
	out := mustRun(t, hitLine+"\n", "--config", cfg, "incidents", "import")
	if !strings.Contains(out, "1 incidents opened, 1 evidence items added") {
		t.Fatalf("import: %s", out)
	}
	// The same hit again (a replay) opens nothing.
	if out = mustRun(t, hitLine+"\n", "--config", cfg, "incidents", "import"); !strings.Contains(out, "0 incidents opened, 0 evidence items added, 1 already") {
		t.Fatalf("re-import: %s", out)
	}
	var list []map[string]any
	if err := json.Unmarshal([]byte(mustRun(t, "", "--config", cfg, "incidents", "list", "--json")), &list); err != nil || len(list) != 1 {
		t.Fatalf("list --json: %v %v", err, list)
	}
	for _, k := range []string{"id", "status", "detector", "rule", "severity", "user", "hosts", "first_seen", "last_seen",
		"discovered_at", "deadline", "data_categories", "subjects", "evidence_count", "summary"} {
		if _, ok := list[0][k]; !ok {
			t.Errorf("list --json lacks %q", k)
		}
	}
	id := list[0]["id"].(string)
	if _, errOut, code := run(t, "", "--config", cfg, "incidents", "assess", id, "--by", "fg", "--answer", "sensitive=yes"); code != 1 || !strings.Contains(errOut, "triage it with --open first") {
		t.Fatalf("assessing a draft: exit %d %s", code, errOut)
	}
	if _, errOut, code := run(t, "", "--config", cfg, "incidents", "triage", id, "--open"); code != 2 || !strings.Contains(errOut, "--reason") {
		t.Fatalf("triage without reason: exit %d %s", code, errOut)
	}
	mustRun(t, "", "--config", cfg, "incidents", "triage", id, "--open", "--reason", "export zonder zaak", "--by", "security")
	out = mustRun(t, "", "--config", cfg, "incidents", "assess", id, "--by", "fg", "--answer", "security_incident=yes",
		"--answer", "personal_data=yes", "--answer", "sensitive=ja", "--answer", "readable=yes", "--answer", "remedied=no",
		"--answer", "disproportionate_effort=no", "--answer", "measures_taken=account geblokkeerd")
	if !strings.Contains(out, "outcome: registreren, melden bij de AP, betrokkenen informeren") {
		t.Fatalf("assess: %s", out)
	}
	if _, errOut, code := run(t, "", "--config", cfg, "incidents", "assess", id, "--by", "fg", "--answer", "colour=yes"); code != 2 || !strings.Contains(errOut, "unknown question") {
		t.Fatalf("unknown question: exit %d %s", code, errOut)
	}
	if _, errOut, code := run(t, "", "--config", cfg, "incidents", "triage", id, "--dismiss", "--reason", "x", "--by", "y"); code != 1 || !strings.Contains(errOut, "transition not allowed") {
		t.Fatalf("illegal transition: exit %d %s", code, errOut)
	}
	var show map[string]any
	json.Unmarshal([]byte(mustRun(t, "", "--config", cfg, "incidents", "show", id, "--json", "--by", "auditor")), &show)
	if show["status"] != "assessed" || len(show["evidence"].([]any)) != 1 || len(show["history"].([]any)) != 3 {
		t.Fatalf("show --json: %v", show)
	}
	outcome := show["assessment"].(map[string]any)["outcome"].(map[string]any)
	if outcome["notify_ap"] != true || outcome["notify_subjects"] != true || outcome["register"] != true {
		t.Errorf("outcome %v", outcome)
	}
	if strings.Contains(show["summary"].(string), "111222333") {
		t.Error("BSN in the summary")
	}
	mustRun(t, "", "--config", cfg, "incidents", "close", id, "--reason", "afgehandeld", "--by", "fg")

	// verify: clean, then one byte of the stored line changed in the file behind lekwacht's back.
	if out = mustRun(t, "", "--config", cfg, "verify"); !strings.Contains(out, "1 evidence items") {
		t.Fatalf("verify: %s", out)
	}
	db, err := sql.Open("sqlite", filepath.Join(dir, "reg", "register.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE evidence SET text = CAST(replace(CAST(text AS TEXT), '111222333', '111222334') AS BLOB)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	out, _, code := run(t, "", "--config", cfg, "verify")
	if code != 1 || !strings.Contains(out, "BROKEN") || !strings.Contains(out, id+"#1: content changed") {
		t.Fatalf("verify after tampering: exit %d\n%s", code, out)
	}
}

func TestAssessFacts(t *testing.T) {
	dir := t.TempDir()
	facts := filepath.Join(dir, "facts.json")
	os.WriteFile(facts, []byte(`{"security_incident": true, "personal_data": true, "categories": ["bsn"], "subjects": 120,
 "encrypted": false, "delivered": true, "retrieved_unopened": false, "remedied": false, "disproportionate_effort": false}`), 0o600)
	var o map[string]any
	if err := json.Unmarshal([]byte(mustRun(t, "", "assess", "--facts", facts, "--json")), &o); err != nil {
		t.Fatal(err)
	}
	if o["register"] != true || o["notify_ap"] != true || o["notify_subjects"] != true || o["public_notice"] != false || len(o["reasons"].([]any)) == 0 {
		t.Fatalf("assess --facts: %v", o)
	}
	os.WriteFile(facts, []byte("{\"security_incident\": true,\n \"personal_data\": true,\n \"bsns\": 3}"), 0o600)
	if _, errOut, code := run(t, "", "assess", "--facts", facts); code != 2 || !strings.Contains(errOut, "facts.json:3:") {
		t.Fatalf("unknown key: exit %d %s", code, errOut)
	}
}

func TestExportCLI(t *testing.T) {
	cfg, dir := registerConfig(t)
	mustRun(t, hitLine+"\n", "--config", cfg, "incidents", "import")
	id := "LW-" + strings.Split(strings.Split(mustRun(t, "", "--config", cfg, "incidents", "list"), "LW-")[1], " ")[0]

	var m map[string]any
	if err := json.Unmarshal([]byte(mustRun(t, "", "--config", cfg, "export", "ap-melding", id, "--format", "json")), &m); err != nil {
		t.Fatal(err)
	}
	if m["incident_id"] != id || len(m["sections"].([]any)) != 11 {
		t.Errorf("ap-melding json: %v", m)
	}
	if md := mustRun(t, "", "--config", cfg, "export", "ap-melding", id); !strings.Contains(md, "burgerservicenummer") || strings.Contains(md, "111222333") {
		t.Errorf("ap-melding md: BSN category missing or evidence leaked:\n%s", md)
	}
	if brief := mustRun(t, "", "--config", cfg, "export", "brief", id); !strings.Contains(brief, "F. Geber") {
		t.Errorf("brief lacks the FG contact:\n%s", brief)
	}
	if csv := mustRun(t, "", "--config", cfg, "export", "register"); !strings.Contains(csv, "Incidentnummer") || !strings.Contains(csv, id) {
		t.Errorf("register csv:\n%s", csv)
	}
	xlsx := filepath.Join(dir, "register.xlsx")
	mustRun(t, "", "--config", cfg, "export", "register", "--format", "xlsx", "--out", xlsx)
	if st, err := os.Stat(xlsx); err != nil || st.Mode().Perm() != 0o600 || st.Size() == 0 {
		t.Errorf("xlsx: %v %v", st, err)
	}
	if _, errOut, code := run(t, "", "--config", cfg, "export", "register", "--format", "pdf"); code != 2 || !strings.Contains(errOut, "csv or xlsx") {
		t.Errorf("bad format: exit %d %s", code, errOut)
	}

	bundle := filepath.Join(dir, "bundle.zip")
	mustRun(t, "", "--config", cfg, "export", "evidence", id, "--out", bundle, "--by", "recherche")
	unz := filepath.Join(dir, "unz")
	zr, err := zip.OpenReader(bundle)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range zr.File {
		rc, _ := f.Open()
		b, _ := io.ReadAll(rc)
		rc.Close()
		os.MkdirAll(filepath.Join(unz, filepath.Dir(f.Name)), 0o700)
		os.WriteFile(filepath.Join(unz, f.Name), b, 0o600)
	}
	zr.Close()
	cmd := exec.Command("sha256sum", "-c", "SHA256SUMS")
	cmd.Dir = unz
	if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "OK") {
		t.Fatalf("sha256sum -c: %v\n%s", err, out)
	}
	var show map[string]any
	json.Unmarshal([]byte(mustRun(t, "", "--config", cfg, "incidents", "show", id, "--json", "--by", "auditor")), &show)
	db, _ := sql.Open("sqlite", filepath.Join(dir, "reg", "register.db"))
	defer db.Close()
	var who string
	db.QueryRow(`SELECT group_concat(by || ':' || action, ',') FROM access_log`).Scan(&who)
	if who != "recherche:export evidence,auditor:show" {
		t.Errorf("access log %q: the evidence export and the show must both be logged with who", who)
	}
}

func TestRulesCheck(t *testing.T) {
	dir := t.TempDir()
	if out := mustRun(t, "", "rules", "check", dir); !strings.Contains(out, "lw-threshold-exports") || !strings.Contains(out, "rules ok") {
		t.Fatalf("shipped rules: %s", out)
	}
	os.WriteFile(filepath.Join(dir, "bad.yaml"), []byte("id: mine\ntitle: T\nstatus: test\nlevel: hihg\nmatch: {event.action: export}\nwindow: 1h\nthreshold: 3\n"), 0o600)
	_, errOut, code := run(t, "", "rules", "check", dir)
	if code != 1 || !strings.Contains(errOut, "bad.yaml:4:8: level \"hihg\"") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
}

func TestRulesTest(t *testing.T) {
	if out := mustRun(t, "", "rules", "test", "../../rules/examples"); !strings.Contains(out, "1 passed, 0 failed") {
		t.Fatalf("the shipped example: %s", out)
	}
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "tests"), 0o700)
	rule, _ := os.ReadFile("../../rules/examples/exports-per-zaaksysteem.yaml")
	tc, _ := os.ReadFile("../../rules/examples/tests/zaak-exports.yaml")
	os.WriteFile(filepath.Join(dir, "rule.yaml"), rule, 0o600)
	os.WriteFile(filepath.Join(dir, "tests", "case.yaml"), []byte(strings.Replace(string(tc), "evidence: 2", "evidence: 3", 1)), 0o600)
	out, _, code := run(t, "", "rules", "test", dir)
	if code != 1 || !strings.Contains(out, "FAIL") || !strings.Contains(out, "hit 1: evidence is 2, expected 3") || !strings.Contains(out, "0 passed, 1 failed") {
		t.Fatalf("a failing case: exit %d\n%s", code, out)
	}
}

// The FG corrects lekwacht's estimate and writes the letter from the CLI; the documents and the
// history show it in Dutch, and the clock keeps running for an assessed incident still to report
// (overdue across every status is register's TestClockAcrossStates: the CLI has no clock to move).
func TestCorrectLetterAndClockCLI(t *testing.T) {
	cfg, _ := registerConfig(t)
	mustRun(t, hitLine+"\n", "--config", cfg, "incidents", "import")
	id := "LW-" + strings.Split(strings.Split(mustRun(t, "", "--config", cfg, "incidents", "list"), "LW-")[1], " ")[0]
	if _, errOut, code := run(t, "", "--config", cfg, "incidents", "correct", id, "--betrokkenen-min", "5"); code != 2 || !strings.Contains(errOut, "--reason") {
		t.Fatalf("correct without who and why: exit %d %s", code, errOut)
	}
	if _, errOut, code := run(t, "", "--config", cfg, "incidents", "correct", id, "--by", "fg", "--reason", "x", "--leak-start", "gisteren"); code != 2 || !strings.Contains(errOut, "is not a time") {
		t.Fatalf("bad time: exit %d %s", code, errOut)
	}
	if _, errOut, code := run(t, "", "--config", cfg, "incidents", "correct", id, "--by", "fg", "--reason", "x", "--betrokkenen-min", "9", "--betrokkenen-max", "3"); code != 1 || !strings.Contains(errOut, "below the minimum") {
		t.Fatalf("min above max: exit %d %s", code, errOut)
	}
	out := mustRun(t, "", "--config", cfg, "incidents", "correct", id, "--by", "fg.gerritsen", "--reason", "telling zaaksysteem",
		"--categories", "bsn,name,address", "--betrokkenen-min", "2400", "--betrokkenen-max", "2472", "--group", "inwoners",
		"--leak-start", "22-11-2026 08:00", "--leak-end", "2026-11-23 09:20", "--records", "2472")
	if !strings.Contains(out, "correctie") || !strings.Contains(out, "aantal betrokkenen 2400 tot 2472 (was: geschat 140)") {
		t.Fatalf("correct: %s", out)
	}
	var m struct {
		Sections []struct {
			Fields []struct{ ID, Value string }
		}
	}
	if err := json.Unmarshal([]byte(mustRun(t, "", "--config", cfg, "export", "ap-melding", id, "--format", "json")), &m); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, s := range m.Sections {
		for _, f := range s.Fields {
			got[f.ID] = f.Value
		}
	}
	for id, want := range map[string]string{"betrokkenen-maximum": "2.472", "betrokkenen-groep": "inwoners", "tijdlijn-begin": "22-11-2026 08:00",
		"gegevens-soorten": "naam, adres", "gegevens-aantal-records": "2.472", "contact-fg-telefoon": "[in te vullen door FG: telefoonnummer van de FG (organisation.fg.phone)]"} {
		if got[id] != want {
			t.Errorf("ap-melding %s = %q, want %q", id, got[id], want)
		}
	}
	if html := mustRun(t, "", "--config", cfg, "export", "ap-melding", id, "--format", "html"); !strings.Contains(html, `id="ap-betrokkenen-maximum"`) {
		t.Errorf("html: %.300s", html)
	}

	// The clock runs for the draft and the open incident, and after an assessment that says report.
	for _, step := range [][]string{
		nil,
		{"incidents", "triage", id, "--open", "--reason", "echt", "--by", "security"},
		{"incidents", "assess", id, "--by", "fg", "--answer", "security_incident=yes", "--answer", "personal_data=yes", "--answer", "sensitive=yes",
			"--answer", "readable=yes", "--answer", "remedied=no", "--answer", "disproportionate_effort=no",
			"--answer", "measures_taken=Account a.bakker geblokkeerd op WS-0042; medewerker gehoord"},
	} {
		if step != nil {
			mustRun(t, "", append([]string{"--config", cfg}, step...)...)
		}
		// Discovered now (the register's clock): 71 hours and some minutes left.
		if list := mustRun(t, "", "--config", cfg, "incidents", "list", "--due-within", "73h"); !strings.Contains(list, id) || !strings.Contains(list, "nog 71 uur") {
			t.Errorf("after %v: --due-within does not list it, or no clock:\n%s", step, list)
		}
		if list := mustRun(t, "", "--config", cfg, "incidents", "list", "--due-within", "70h"); strings.Contains(list, id) {
			t.Errorf("after %v: --due-within 70h lists it:\n%s", step, list)
		}
	}
	mustRun(t, "", "--config", cfg, "incidents", "assess", id, "--by", "fg", "--answer", "ap_reported_on=2026-11-24")
	if list := mustRun(t, "", "--config", cfg, "incidents", "list"); !strings.Contains(list, "gemeld bij de AP op 24-11-2026") {
		t.Errorf("reported: %s", list)
	}
	if list := mustRun(t, "", "--config", cfg, "incidents", "list", "--due-within", "73h"); strings.Contains(list, id) {
		t.Errorf("reported, its clock still runs:\n%s", list)
	}

	// The letter: the FG's measures never enter it; the FG's own letter text does.
	brief := mustRun(t, "", "--config", cfg, "export", "brief", id)
	for _, bad := range []string{"a.bakker", "WS-0042", "geblokkeerd", "gehoord"} {
		if strings.Contains(brief, bad) {
			t.Errorf("letter contains %q", bad)
		}
	}
	out = mustRun(t, "", "--config", cfg, "incidents", "letter", id, "--by", "fg", "--what-we-did", "Wij hebben de toegang ingetrokken.")
	if !strings.Contains(out, "Wat hebben wij gedaan? (tekst van de FG, --what-we-did)") {
		t.Errorf("letter fields: %s", out)
	}
	if brief := mustRun(t, "", "--config", cfg, "export", "brief", id); !strings.Contains(brief, "Wij hebben de toegang ingetrokken.") {
		t.Errorf("letter without the FG's text:\n%s", brief)
	}

	// History for the FG in Dutch.
	show := mustRun(t, "", "--config", cfg, "incidents", "show", id, "--by", "fg")
	for _, want := range []string{"Verloop", "aangemaakt als concept (concept geopend door regel lw-bsn-001)", "van concept naar open", "van open naar beoordeeld",
		"correctie (soorten persoonsgegevens bsn, name, address", "gecorrigeerd door fg.gerritsen"} {
		if !strings.Contains(show, want) {
			t.Errorf("show lacks %q:\n%s", want, show)
		}
	}
	for _, bad := range []string{"draft ->", "-> open", "opened by rule"} {
		if strings.Contains(show, bad) {
			t.Errorf("show has %q", bad)
		}
	}
}
