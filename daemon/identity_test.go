package daemon

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lekwacht/lekwacht/collectors/parse"
	"github.com/lekwacht/lekwacht/config"
	"github.com/lekwacht/lekwacht/register"
)

// staffCSV is a directory in which Jeanette de Vries has every kind of identifier.
const staffCSV = `user,name,email,private_email,department,workstations,status,end_date,aliases,upn,sid,employee_id,manager,admin_accounts
jdevries,Jeanette de Vries,j.devries@voorbeeld.nl,jeanette1980@gmail.com,Sociaal Domein,WS-0042,active,,jeanette.devries@voorbeeld.nl,jdevries@voorbeeld.local,S-1-5-21-1004336348-1177238915-682003330-1104,004711,pbakker,
pbakker,Piet Bakker,p.bakker@voorbeeld.nl,,Sociaal Domein,WS-0043,active,,,pbakker@voorbeeld.local,S-1-5-21-1004336348-1177238915-682003330-1105,004712,,
`

// fiveNames writes the logs of one person acting in five sources under five names: the zaaksysteem
// under her employee number, Samba as VOORBEELD\jdevries, Exchange under her mail alias, Postfix
// under her address in mixed case, Windows under her UPN; and one line of an account nobody owns.
func fiveNames(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	write := func(name string, lines []string) {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		files[name] = p
	}
	var zaak []string
	for i := range 6 {
		zaak = append(zaak, fmt.Sprintf(`{"ts":"2026-11-20T09:%02d:00+01:00","actor":{"id":"004711"},"action":"lijst.download","subject":{"id":"L-%d"},"result":{"count":250}}`, 10+i, i))
	}
	write("zaak.jsonl", zaak)
	var samba []string
	for i := range 120 {
		samba = append(samba, fmt.Sprintf(`Nov 20 10:%02d:%02d fs01 smbd_audit[4121]: VOORBEELD\jdevries|10.20.1.15|WS-0042|sociaal|unlinkat|ok|/srv/shares/sociaal/f%03d.docx`, i/60, i%60, i))
	}
	samba = append(samba, `Nov 20 10:05:00 fs01 smbd_audit[4122]: VOORBEELD\oudaccount|10.20.1.99|WS-0099|sociaal|unlinkat|ok|/srv/shares/sociaal/x.docx`)
	write("audit.log", samba)
	write("MSGTRK2026112011-1.LOG", []string{
		"#Software: Microsoft Exchange Server",
		"#Version: 15.02.1118.007",
		"#Log-type: Message Tracking Log",
		"#Fields: date-time,client-ip,client-hostname,server-ip,server-hostname,source-context,connector-id,source,event-id,internal-message-id,message-id,network-message-id,recipient-address,recipient-status,total-bytes,recipient-count,related-recipient-address,reference,message-subject,sender-address,return-path,message-info,directionality,tenant-id,original-client-ip,original-server-ip,custom-data,transport-traffic-type,log-id,schema-version",
		`2026-11-20T11:14:02.113Z,10.20.1.15,WS-0042.voorbeeld.local,10.20.0.5,EXCH01,,EXCH01\Client Proxy EXCH01,SMTP,RECEIVE,85899345921,<m1@EXCH01.voorbeeld.local>,0d2f5a4e-1c2b-4a3d-9e8f-08dc0a1b2c3d,jeanette1980@gmail.com,,483213,1,,,Dossiers,Jeanette.DeVries@voorbeeld.nl,Jeanette.DeVries@voorbeeld.nl,08I,Originating,,10.20.1.15,10.20.0.5,,Email,1a2b3c4d-0000-1111-2222-08dc0a1b2c3d,15.02.1118.007`,
		`2026-11-20T11:14:03.501Z,10.20.0.5,EXCH01,203.0.113.25,gmail-smtp-in.l.google.com,250 2.0.0 OK,Internet Send Connector,SMTP,SENDEXTERNAL,85899345921,<m1@EXCH01.voorbeeld.local>,0d2f5a4e-1c2b-4a3d-9e8f-08dc0a1b2c3d,jeanette1980@gmail.com,250 2.0.0 OK,483213,1,,,Dossiers,Jeanette.DeVries@voorbeeld.nl,Jeanette.DeVries@voorbeeld.nl,2026-11-20T11:14:02.113Z;SRV=EXCH01,Originating,,,,,Email,1a2b3c4d-0000-1111-2222-08dc0a1b2c3d,15.02.1118.007`,
	})
	write("mail.log", []string{
		`Nov 20 12:00:01 mx1 postfix/smtpd[2211]: 3F2A11C0B4: client=ws-0042.voorbeeld.local[10.20.1.15]`,
		`Nov 20 12:00:01 mx1 postfix/cleanup[2212]: 3F2A11C0B4: message-id=<m2@voorbeeld.nl>`,
		`Nov 20 12:00:01 mx1 postfix/qmgr[900]: 3F2A11C0B4: from=<J.deVries@Voorbeeld.nl>, size=48213, nrcpt=1 (queue active)`,
		`Nov 20 12:00:02 mx1 postfix/smtp[2213]: 3F2A11C0B4: to=<a.smit@ggd-regoi.nl>, relay=mx.ggd-regoi.nl[203.0.113.9]:25, delay=1.2, delays=0.1/0/0.5/0.6, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 9AB)`,
		`Nov 20 12:00:02 mx1 postfix/qmgr[900]: 3F2A11C0B4: removed`,
	})
	write("security.ndjson", []string{
		`{"@timestamp":"2026-11-20T13:58:12.1234567Z","event":{"code":4624},"winlog":{"channel":"Security","computer_name":"WS-0043.voorbeeld.local","event_id":4624,"keywords":["Audit Success"],"event_data":{"SubjectUserSid":"S-1-5-18","SubjectUserName":"WS-0043$","SubjectDomainName":"VOORBEELD","SubjectLogonId":"0x3e7","TargetUserSid":"S-1-5-21-1004336348-1177238915-682003330-1104","TargetUserName":"jdevries@voorbeeld.local","TargetDomainName":"","TargetLogonId":"0x8d3a2f","LogonType":"2","LogonProcessName":"User32 ","AuthenticationPackageName":"Negotiate","WorkstationName":"WS-0043","IpAddress":"127.0.0.1","IpPort":"0"}}}`,
	})
	return files
}

func TestOnePersonUnderFiveNamesIsOneAccount(t *testing.T) {
	dir := t.TempDir()
	files := fiveNames(t, dir)
	dirFile := filepath.Join(dir, "directory.csv")
	if err := os.WriteFile(dirFile, []byte(staffCSV), 0o600); err != nil {
		t.Fatal(err)
	}
	// shared_credentials without baselines (one day of logs has no history): the logon at a
	// colleague's desk under the UPN is a draft of jdevries
	os.MkdirAll(filepath.Join(dir, "rules"), 0o700)
	os.WriteFile(filepath.Join(dir, "rules", "shared.yaml"), []byte("id: lw-shared-credentials\ntitle: Gedeelde inloggegevens\nstatus: test\n"+
		"level: high\ndetector: shared_credentials\nwindow: 30m\nparams: {baseline_days: 0}\n"), 0o600)
	cfg := &config.Config{
		Organisation: config.Organisation{Timezone: "Europe/Amsterdam", Domains: []string{"voorbeeld.nl"}, PartnerDomains: []string{"ggd-regio.nl"}},
		Register:     config.Register{Dir: filepath.Join(dir, "reg")}, Directory: dirFile, Rules: config.Rules{Dir: filepath.Join(dir, "rules")},
		Inputs: []config.Input{
			{Name: "zaak", Format: "json", Paths: []string{files["zaak.jsonl"]}, Mapping: &parse.Mapping{Time: "ts", User: "actor.id", Action: "action",
				Object: "subject.id", Count: "result.count", Actions: map[string][]string{"export": {"lijst.download"}}}},
			{Name: "shares", Format: "samba-audit", Paths: []string{files["audit.log"]}},
			{Name: "exchange", Format: "exchange-tracking", Paths: []string{files["MSGTRK2026112011-1.LOG"]}},
			{Name: "mail", Format: "postfix", Paths: []string{files["mail.log"]}},
			{Name: "windows", Format: "winlog-json", Paths: []string{files["security.ndjson"]}},
		},
	}
	var all []string
	for _, in := range cfg.Inputs {
		all = append(all, in.Paths...)
	}
	// Year-less syslog stamps take the year before the file's modification time.
	sum, err := Replay(context.Background(), cfg, ReplayOptions{Files: all})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Rejected != 0 {
		t.Fatalf("rejected lines: %s", sum)
	}
	r, err := register.Open(context.Background(), cfg.Register.Dir, register.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	list, err := r.List(context.Background(), register.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	detectors := map[string]bool{}
	for _, in := range list {
		detectors[in.Detector] = true
		if in.User != "jdevries" && in.User != "oudaccount" {
			t.Errorf("incident %s (%s, %s) names %q, not the directory account", in.ID, in.Detector, in.Pattern, in.User)
		}
	}
	for _, want := range []string{"threshold", "mass_deletion", "private_mail", "misdirected_mail", "shared_credentials"} {
		if !detectors[want] {
			t.Errorf("no %s incident; got %v", want, slices.Sorted(func(yield func(string) bool) {
				for d := range detectors {
					if !yield(d) {
						return
					}
				}
			}))
		}
	}
	// The account nobody owns stays as it is, counted and listed.
	if sum.Unresolved != 1 {
		t.Errorf("unresolved events %d, want 1 (oudaccount)", sum.Unresolved)
	}
	un, err := r.Unresolved(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(un) != 1 || un[0].Identifier != "oudaccount" || un[0].Input != "shares" || un[0].Events != 1 {
		t.Errorf("unresolved list %+v", un)
	}
	// Replaying again adds sightings, not rows.
	if _, err := Replay(context.Background(), cfg, ReplayOptions{Files: all}); err != nil {
		t.Fatal(err)
	}
	if un, _ = r.Unresolved(context.Background()); len(un) != 1 || un[0].Events != 2 {
		t.Errorf("after a second replay: %+v", un)
	}
}

// The directory the daemon loads is the staff CSV with an AD export merged in (identity.sources) and
// the admin accounts of the export folded into their owners (identity.admin_accounts).
func TestOpenIdentitiesMergesAnADExport(t *testing.T) {
	dir := t.TempDir()
	staff := filepath.Join(dir, "directory.csv")
	ad := filepath.Join(dir, "users.csv")
	os.WriteFile(staff, []byte("user,name,email,private_email,department,workstations,status,end_date\njdevries,Jeanette de Vries,j.devries@voorbeeld.nl,,Sociaal Domein,WS-0042,active,\n"), 0o600)
	os.WriteFile(ad, []byte("\ufeff\"DistinguishedName\",\"SamAccountName\",\"UserPrincipalName\",\"SID\",\"Enabled\",\"employeeID\"\r\n"+
		"\"CN=Jeanette de Vries,OU=Medewerkers,DC=voorbeeld,DC=local\",\"jdevries\",\"jdevries@voorbeeld.local\",\"S-1-5-21-1004336348-1177238915-682003330-1104\",\"True\",\"004711\"\r\n"+
		"\"CN=adm_jdevries,OU=Beheer,DC=voorbeeld,DC=local\",\"adm_jdevries\",\"adm_jdevries@voorbeeld.local\",\"S-1-5-21-1004336348-1177238915-682003330-1500\",\"True\",\"004711\"\r\n"), 0o600)
	cfg := &config.Config{Directory: staff, Organisation: config.Organisation{Domains: []string{"voorbeeld.nl"}},
		Identity: config.Identity{Sources: []string{ad}, AdminAccounts: []string{"adm_{user}"}}}
	res, _, err := OpenIdentities(cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"004711": "person", "jdevries@voorbeeld.local": "person",
		"S-1-5-21-1004336348-1177238915-682003330-1500": "admin", `VOORBEELD\adm_jdevries`: "admin"} {
		if p, id := res.Person(name); p == nil || p.User != "jdevries" || string(id) != want {
			t.Errorf("%s: %v %s, want jdevries as %s", name, p, id, want)
		}
	}
	cfg.Identity.AdminAccounts = nil // without the pattern the export has two people with one employee number
	if _, _, err := OpenIdentities(cfg, slog.New(slog.DiscardHandler)); err == nil || !strings.Contains(err.Error(), `"004711"`) {
		t.Errorf("want the duplicate employee number named, got %v", err)
	}
}

// winLogon is a Winlogbeat 4624 (interactive) of user at host, at t.
func winLogon(t time.Time, user, host string, id int) string {
	return fmt.Sprintf(`{"@timestamp":%q,"event":{"code":4624},"winlog":{"channel":"Security","computer_name":"%s.voorbeeld.local","event_id":4624,"keywords":["Audit Success"],"event_data":{"SubjectUserSid":"S-1-5-18","SubjectUserName":"%s$","SubjectDomainName":"VOORBEELD","SubjectLogonId":"0x3e7","TargetUserName":%q,"TargetDomainName":"VOORBEELD","TargetLogonId":"0x%x","LogonType":"2","LogonProcessName":"User32 ","AuthenticationPackageName":"Negotiate","WorkstationName":%q,"IpAddress":"127.0.0.1","IpPort":"0"}}}`,
		t.UTC().Format(time.RFC3339Nano), host, host, user, id, host)
}

// A learning replay registers nothing and leaves baselines for the next: the person's history makes
// two first logons at colleagues' desks, with the owners there, a risk draft on the day after it.
func TestLearnThenReplayWithState(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "directory.csv"), []byte("user,name,email,private_email,department,workstations,status,end_date\n"+
		"abakker,Anna Bakker,a.bakker@voorbeeld.nl,,Burgerzaken,WS-0042,active,\nksmit,Karin Smit,k.smit@voorbeeld.nl,,Burgerzaken,WS-0043,active,\n"+
		"jdevries,Jan de Vries,j.devries@voorbeeld.nl,,Belastingen,WS-0007,active,\npoud,Piet Oud,p.oud@voorbeeld.nl,,Belastingen,WS-0099,left,\n"), 0o600)
	os.MkdirAll(filepath.Join(dir, "rules"), 0o700)
	os.WriteFile(filepath.Join(dir, "rules", "shared.yaml"), []byte("id: lw-shared-credentials\ntitle: Gedeelde inloggegevens\nstatus: test\nlevel: high\n"+
		"detector: shared_credentials\nwindow: 30m\nparams: {baseline_days: 3}\n"), 0o600)
	// this gemeente's risk rule counts every signal in full, and one kind is enough
	os.WriteFile(filepath.Join(dir, "rules", "risk.yaml"), []byte("id: lw-risk-person\ntitle: Risico\nstatus: test\nlevel: high\n"+
		"detector: risk\nwindow: 168h\nparams: {threshold: 100, repeat: 1, min_kinds: 1}\n"), 0o600)
	day := func(n, h, m int) time.Time { return time.Date(2026, 11, 2+n, h, m, 0, 0, time.UTC) }
	var learn []string
	for n := range 4 {
		learn = append(learn, winLogon(day(n, 8, 0), "jdevries", "WS-0007", 100+n))
	}
	learn = append(learn, winLogon(day(1, 9, 0), "poud", "WS-0099", 200)) // a leaver's account: a hit, not registered while learning
	after := []string{
		winLogon(day(4, 10, 0), "abakker", "WS-0042", 300), winLogon(day(4, 10, 5), "jdevries", "WS-0042", 301),
		winLogon(day(4, 11, 0), "ksmit", "WS-0043", 302), winLogon(day(4, 11, 5), "jdevries", "WS-0043", 303),
	}
	a, b := filepath.Join(dir, "learn.ndjson"), filepath.Join(dir, "after.ndjson")
	os.WriteFile(a, []byte(strings.Join(learn, "\n")+"\n"), 0o600)
	os.WriteFile(b, []byte(strings.Join(after, "\n")+"\n"), 0o600)
	cfg := &config.Config{Organisation: config.Organisation{Timezone: "UTC"}, Register: config.Register{Dir: filepath.Join(dir, "reg")},
		Directory: filepath.Join(dir, "directory.csv"), Rules: config.Rules{Dir: filepath.Join(dir, "rules")}}
	sum, err := Replay(context.Background(), cfg, ReplayOptions{Files: []string{a}, Format: "winlog-json", Learn: true})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Incidents != 0 || sum.Learned == 0 {
		t.Fatalf("learning registered %d incidents, learned %d hits; want 0 and the leaver's", sum.Incidents, sum.Learned)
	}
	if _, err := os.Stat(filepath.Join(cfg.Register.Dir, StateFile)); err != nil {
		t.Fatalf("no detector state saved: %v", err)
	}
	// Without the learned history the same day is too early to judge: nothing.
	fresh := *cfg
	fresh.Register.Dir = filepath.Join(dir, "fresh")
	if sum, err := Replay(context.Background(), &fresh, ReplayOptions{Files: []string{b}, Format: "winlog-json", State: true}); err != nil || sum.Incidents != 0 {
		t.Fatalf("without a learning period: %v, %s", err, sum)
	}
	sum, err = Replay(context.Background(), cfg, ReplayOptions{Files: []string{b}, Format: "winlog-json", State: true})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Incidents != 1 || sum.Signals != 2 {
		t.Fatalf("after learning: %s, %d signals; want one risk draft of two signals", sum, sum.Signals)
	}
	r, err := register.Open(context.Background(), cfg.Register.Dir, register.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	list, _ := r.List(context.Background(), register.Filter{})
	if len(list) != 1 || list[0].Detector != "risk" || list[0].User != "jdevries" || list[0].EvidenceCount != 2 {
		t.Fatalf("incidents %+v", list)
	}
}
