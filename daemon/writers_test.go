package daemon

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lekwacht/lekwacht/bsn"
	"github.com/lekwacht/lekwacht/collectors"
	"github.com/lekwacht/lekwacht/config"
	"github.com/lekwacht/lekwacht/event"
	"github.com/lekwacht/lekwacht/register"
)

// sharedStaff: Jeanette de Vries also logs on as jeanette.devries, so a Samba line under that name
// is hers once resolved.
const sharedStaff = `user,name,email,private_email,department,workstations,status,end_date,aliases
jdevries,Jeanette de Vries,j.devries@voorbeeld.nl,,Sociaal Domein,WS-0042,active,,jeanette.devries
pbakker,Piet Bakker,p.bakker@voorbeeld.nl,,Belastingen,WS-0043,active,,
`

// shareSetup is a watched folder that is the Samba share "exports" (lekwacht on the file server),
// its full_audit log, and a config with both.
type shareSetup struct {
	cfg      *config.Config
	exports  string
	auditLog string
}

func newShareSetup(t *testing.T) shareSetup {
	t.Helper()
	dir := t.TempDir()
	s := shareSetup{exports: filepath.Join(dir, "exports"), auditLog: filepath.Join(dir, "log", "audit.log")}
	os.MkdirAll(filepath.Join(s.exports, "team"), 0o700)
	os.MkdirAll(filepath.Dir(s.auditLog), 0o700)
	os.WriteFile(s.auditLog, nil, 0o600)
	s.cfg = testConfig(t, dir, config.Input{Name: "shares", Format: "samba-audit", Paths: []string{s.auditLog}, Prefix: "%u|%I|%m|%S"})
	s.cfg.Watch = []config.Watch{{Path: s.exports, Recursive: true, Share: "exports", Input: "shares"}}
	s.cfg.Directory = filepath.Join(dir, "directory.csv")
	os.WriteFile(s.cfg.Directory, []byte(sharedStaff), 0o600)
	if ps := s.cfg.Validate(collectors.CheckInput); len(ps) > 0 {
		t.Fatalf("config: %+v", ps)
	}
	return s
}

// sambaLine is a full_audit line as Samba 4 sends it to syslog with full_audit:prefix = %u|%I|%m|%S,
// stamped at (in the organisation's zone, as syslog writes it).
func (s shareSetup) sambaLine(at time.Time, account, workstation, op, args string) string {
	return fmt.Sprintf("%s fs01 smbd_audit[4121]: VOORBEELD\\%s|10.20.1.15|%s|exports|%s|ok|%s\n",
		at.In(s.cfg.Location()).Format(time.Stamp), account, workstation, op, args)
}

func (s shareSetup) appendAudit(t *testing.T, lines ...string) {
	t.Helper()
	f, err := os.OpenFile(s.auditLog, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, l := range lines {
		if _, err := f.WriteString(l); err != nil {
			t.Fatal(err)
		}
	}
}

// bsnExport is a CSV with a BSN column, which bulk_bsn_export reports; seed makes each file's
// numbers (and so its bytes) its own.
func bsnExport(seed int) []byte {
	var b strings.Builder
	b.WriteString("bsn;naam\n")
	for x, n := 100000000+seed*1000, 0; n < 5; x++ {
		if s := strconv.Itoa(x); bsn.Valid(s) {
			fmt.Fprintf(&b, "%s;Persoon %d\n", s, n)
			n++
		}
	}
	return []byte(b.String())
}

// owner is the account the test's files belong to.
func owner(t *testing.T) string {
	t.Helper()
	u, err := user.LookupId(strconv.Itoa(os.Getuid()))
	if err != nil {
		t.Skip("the test's uid has no name:", err)
	}
	return u.Username
}

// bsnIncidents are the bulk_bsn_export incidents of the register, each with its evidence, by user.
func bsnIncidents(t *testing.T, reg *register.Register) map[string]*register.Incident {
	t.Helper()
	ctx := context.Background()
	list, err := reg.List(ctx, register.Filter{Detector: "bulk_bsn_export"})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*register.Incident{}
	for _, in := range list {
		full, err := reg.Show(ctx, in.ID, "test", "show")
		if err != nil {
			t.Fatal(err)
		}
		if out[in.User] != nil {
			t.Fatalf("two incidents of %s", in.User)
		}
		out[in.User] = full
	}
	return out
}

// checkAttributed: the incident of user holds the file and the audit line of its write as evidence
// and says it was attributed by that line.
func checkAttributed(t *testing.T, in *register.Incident, user, file, line string) {
	t.Helper()
	if in == nil {
		t.Fatalf("no incident of %s", user)
	}
	want := "toegeschreven aan " + user + " volgens de auditregel van shares"
	if !strings.Contains(in.Summary, want) {
		t.Errorf("%s: summary %q does not say %q", user, in.Summary, want)
	}
	var files, lines []string
	for _, e := range in.Evidence {
		if e.Kind == "file" {
			files = append(files, e.Source)
		} else {
			lines = append(lines, e.Text+"\n")
			if e.Input != "shares" || !strings.HasSuffix(e.Source, "audit.log") {
				t.Errorf("%s: line evidence %+v, want a line of shares' audit.log", user, e)
			}
		}
	}
	if !slices.Equal(files, []string{file}) || !slices.Equal(lines, []string{line}) {
		t.Errorf("%s: evidence files %q lines %q, want %q and %q", user, files, lines, file, line)
	}
}

// TestReplayAttributesSharedFilesToTheirWriters: two employees each put a BSN export on the share
// exports, one as Samba 4 writes paths (absolute, under the share's folder), one as older Samba does
// (relative to the share); a third file has no audit line of a write (only a read). Replay reads the
// audit log before the watched files: two incidents, each of the writer (resolved: jeanette.devries
// is jdevries) with the line as evidence, and one of the files' owner saying no line was found.
func TestReplayAttributesSharedFilesToTheirWriters(t *testing.T) {
	s := newShareSetup(t)
	owner := owner(t)
	now := time.Now()
	fileJ := filepath.Join(s.exports, "Lijst-Burgerzaken.csv")
	fileP := filepath.Join(s.exports, "team", "debiteuren.csv")
	fileO := filepath.Join(s.exports, "zonder-regel.csv")
	for i, f := range []string{fileJ, fileP, fileO} {
		os.WriteFile(f, bsnExport(i), 0o600)
	}
	lineJ := s.sambaLine(now, "jeanette.devries", "WS-0042", "create_file", "0x100180|file|create|"+s.exports+"/lijst-burgerzaken.csv")
	lineP := s.sambaLine(now, "pbakker", "WS-0043", "openat", "w|team/debiteuren.csv")
	s.appendAudit(t,
		s.sambaLine(now.Add(-time.Minute), "pbakker", "WS-0043", "connect", "exports"),
		lineJ,
		s.sambaLine(now, "jeanette.devries", "WS-0042", "pwrite", s.exports+"/lijst-burgerzaken.csv"),
		lineP,
		s.sambaLine(now, "pbakker", "WS-0043", "openat", "r|"+s.exports+"/zonder-regel.csv"),
	)

	sum, err := Replay(context.Background(), s.cfg, ReplayOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Incidents != 3 {
		t.Fatalf("%s, want 3 incidents", sum)
	}
	reg, err := register.Open(context.Background(), s.cfg.Register.Dir, register.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Close()
	got := bsnIncidents(t, reg)
	checkAttributed(t, got["jdevries"], "jdevries", fileJ, lineJ)
	checkAttributed(t, got["pbakker"], "pbakker", fileP, lineP)
	if in := got["jdevries"]; in != nil && !slices.Equal(in.Hosts, []string{"WS-0042"}) {
		t.Errorf("hosts %v, want the writer's workstation", in.Hosts)
	}
	in := got[owner]
	if in == nil || len(in.Evidence) != 1 || in.Evidence[0].Source != fileO ||
		!strings.HasSuffix(in.Summary, "toegeschreven aan de eigenaar van het bestand; geen auditregel gevonden") {
		t.Fatalf("the file without an audit line: %+v", in)
	}
}

// TestRunAttributesALateAuditLine: in run, a file on the share settles before the audit line of its
// write is read; it waits for the line (AttributeWait is a minute here: the test would time out on
// the fallback) and is the writer's, not the one of a colleague who wrote the same path two hours
// before. A file whose line was read before it settled is its writer's at once.
func TestRunAttributesALateAuditLine(t *testing.T) {
	s := newShareSetup(t)
	late := filepath.Join(s.exports, "laat.csv")
	s.appendAudit(t, s.sambaLine(time.Now().Add(-2*time.Hour), "pbakker", "WS-0043", "create_file", "0x100180|file|create|"+late))
	d, stop := start(t, s.cfg, nil)
	ws := d.det.writers

	// The watch may start after the first write: write until the file waits for its line.
	for i := 0; !ws.waitingFor(late); i++ {
		if i == 20 {
			t.Fatalf("the file does not wait for its audit line (by writer %d, by owner %d)", ws.ByWriter.Load(), ws.ByOwner.Load())
		}
		os.WriteFile(late, bsnExport(i), 0o600)
		waitUntil(500*time.Millisecond, func() bool { return ws.waitingFor(late) })
	}
	st, _ := os.Stat(late)
	lateLine := s.sambaLine(st.ModTime(), "jeanette.devries", "WS-0042", "create_file", "0x100180|file|overwrite_if|"+late)
	s.appendAudit(t, lateLine)
	var got map[string]*register.Incident
	waitFor(t, "the late file's incident", func() bool {
		got = bsnIncidents(t, d.det.reg)
		return got["jdevries"] != nil
	}, func() string { return fmt.Sprint(got) })
	checkAttributed(t, got["jdevries"], "jdevries", late, lateLine)
	if got["pbakker"] != nil {
		t.Fatal("the late file went to the colleague who wrote its path before")
	}

	// The usual order: the line is read before the file settles.
	early := filepath.Join(s.exports, "team", "vroeg.csv")
	earlyLine := s.sambaLine(time.Now(), "pbakker", "WS-0043", "renameat", s.exports+"/team/~tmp1234.tmp|"+early)
	events := countLines(s.cfg.Events.File)
	s.appendAudit(t, earlyLine)
	waitFor(t, "the line read", func() bool { return countLines(s.cfg.Events.File) > events }, nil)
	os.WriteFile(early, bsnExport(100), 0o600)
	waitFor(t, "the early file's incident", func() bool {
		got = bsnIncidents(t, d.det.reg)
		return got["pbakker"] != nil
	}, func() string { return fmt.Sprint(got) })
	checkAttributed(t, got["pbakker"], "pbakker", early, earlyLine)
	if ws.ByWriter.Load() < 2 || ws.ByOwner.Load() != 0 || ws.Waiting() != 0 {
		t.Errorf("by writer %d, by owner %d, waiting %d", ws.ByWriter.Load(), ws.ByOwner.Load(), ws.Waiting())
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}

// TestRunFallsBackToTheOwner: no audit line arrives within AttributeWait: the file is its owner's,
// and the incident says so.
func TestRunFallsBackToTheOwner(t *testing.T) {
	wait := AttributeWait
	AttributeWait = 200 * time.Millisecond
	t.Cleanup(func() { AttributeWait = wait })
	s := newShareSetup(t)
	owner := owner(t)
	d, stop := start(t, s.cfg, nil)
	p := filepath.Join(s.exports, "niemand.csv")
	var got map[string]*register.Incident
	for i := 0; got[owner] == nil; i++ {
		if i == 20 {
			t.Fatal("the file was never inspected")
		}
		os.WriteFile(p, bsnExport(i), 0o600)
		waitUntil(time.Second, func() bool { got = bsnIncidents(t, d.det.reg); return got[owner] != nil })
	}
	in := got[owner]
	if !strings.HasSuffix(in.Summary, "toegeschreven aan de eigenaar van het bestand; geen auditregel gevonden") || len(in.Evidence) != 1 {
		t.Fatalf("incident %+v", in)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}

// TestRunStopInspectsWaitingFiles: a file still waiting for its audit line when run stops is
// inspected then, as its owner's (run does not look at the folders again when it starts).
func TestRunStopInspectsWaitingFiles(t *testing.T) {
	s := newShareSetup(t)
	owner := owner(t)
	d, stop := start(t, s.cfg, nil)
	ws := d.det.writers
	p := filepath.Join(s.exports, "bij-het-stoppen.csv")
	for i := 0; !ws.waitingFor(p); i++ {
		if i == 20 {
			t.Fatal("the file does not wait for its audit line")
		}
		os.WriteFile(p, bsnExport(i), 0o600)
		waitUntil(500*time.Millisecond, func() bool { return ws.waitingFor(p) })
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if got := bsnIncidents(t, d.det.reg); got[owner] == nil || !strings.Contains(got[owner].Summary, "geen auditregel gevonden") {
		t.Fatalf("incidents after the stop: %v", got)
	}
}

// TestReplayAttributesWindowsShareWrites: a Windows file server's 5145 (Winlogbeat JSON) of Explorer
// copying an export onto the share (DELETE with WRITE_DATA, which reads as a delete) names the writer;
// ShareLocalPath is the watch's share_path, names differ in case and separators.
func TestReplayAttributesWindowsShareWrites(t *testing.T) {
	dir := t.TempDir()
	exports := filepath.Join(dir, "exports")
	os.MkdirAll(filepath.Join(exports, "Rapportage"), 0o700)
	winlog := filepath.Join(dir, "security.ndjson")
	cfg := testConfig(t, dir, config.Input{Name: "windows", Format: "winlog-json", Paths: []string{winlog}})
	cfg.Watch = []config.Watch{{Path: exports, Share: `\\*\Exports`, Input: "windows", SharePath: `D:\Shares\Exports`, Recursive: true}}
	cfg.Directory = filepath.Join(dir, "directory.csv")
	os.WriteFile(cfg.Directory, []byte(sharedStaff), 0o600)
	if ps := cfg.Validate(collectors.CheckInput); len(ps) > 0 {
		t.Fatalf("config: %+v", ps)
	}
	file := filepath.Join(exports, "Rapportage", "Lijst.CSV")
	os.WriteFile(file, bsnExport(7), 0o600)
	line := fmt.Sprintf(`{"@timestamp":%q,"winlog":{"computer_name":"FS01.voorbeeld.local","event_id":5145,"keywords":["Audit Success"],`+
		`"event_data":{"SubjectUserName":"pbakker","SubjectDomainName":"VOORBEELD",`+
		`"ObjectType":"File","ShareName":"\\\\*\\EXPORTS","ShareLocalPath":"D:\\Shares\\Exports","RelativeTargetName":"rapportage\\lijst.csv",`+
		`"IpAddress":"10.20.1.16","IpPort":"50300","AccessMask":"0x130197"}}}`, time.Now().UTC().Format(time.RFC3339))
	os.WriteFile(winlog, []byte(line+"\n"), 0o600)

	if _, err := Replay(context.Background(), cfg, ReplayOptions{}); err != nil {
		t.Fatal(err)
	}
	reg, err := register.Open(context.Background(), cfg.Register.Dir, register.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Close()
	got := bsnIncidents(t, reg)
	in := got["pbakker"]
	if in == nil || len(got) != 1 {
		t.Fatalf("incidents %v, want one of pbakker", got)
	}
	if !strings.Contains(in.Summary, "toegeschreven aan pbakker volgens de auditregel van windows") || len(in.Evidence) != 2 || in.Evidence[1].Text != line {
		t.Fatalf("incident %+v", in)
	}
}

// The rules of attribution: paths under the share's folder or relative to it, renames by their
// target, only successful writes, the last writer before the file changed, within a day.
func TestWritersRemember(t *testing.T) {
	ws := newWriters([]config.Watch{{Path: "/srv/exports", Share: "exports"}, {Path: "/mnt/fin", Share: `\\*\Fin`, SharePath: `D:\Fin`}, {Path: "/srv/other"}}, slog.New(slog.DiscardHandler))
	at := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	note := func(who, share string, action event.Action, path, target string, outcome event.Outcome, t time.Time) {
		ev := event.Event{Time: t, User: event.User{Name: who}, Event: event.Kind{Category: event.CategoryFile, Action: action, Outcome: outcome},
			File: &event.File{Share: share, Path: path, Target: target}, Log: event.Log{Input: "shares", Original: who + " " + path}}
		ws.note(&ev)
	}
	who := func(p string, changed time.Time) string {
		f := ws.attribute(watchedFile{ev: event.Event{File: &event.File{Path: p}}, changed: changed})
		if f.by == nil {
			return fmt.Sprintf("owner (shared %v)", f.shared)
		}
		return f.by.user.Name
	}
	ok, fail := event.OutcomeSuccess, event.OutcomeFailure
	note("a", "exports", event.ActionCreate, "/srv/exports/A.csv", "", ok, at)
	note("b", "EXPORTS", event.ActionWrite, "/srv/exports/a.csv", "", ok, at.Add(time.Hour))
	note("c", "exports", event.ActionWrite, "/srv/exports/a.csv", "", fail, at.Add(2*time.Hour))
	note("d", "exports", event.ActionRename, "/srv/exports/x.tmp", "/srv/exports/sub/b.csv", ok, at)
	note("e", "exports", event.ActionRead, "/srv/exports/c.csv", "", ok, at)
	note("f", "other", event.ActionCreate, "/srv/exports/d.csv", "", ok, at)
	note("g", "exports", event.ActionCreate, "e.csv", "", ok, at)
	note("h", "fin", event.ActionWrite, `D:\Fin\Q1\Lijst.xlsx`, "", ok, at)
	for _, c := range []struct {
		path    string
		changed time.Time
		want    string
	}{
		{"/srv/exports/a.csv", at.Add(30 * time.Minute), "a"},  // b wrote later
		{"/srv/exports/a.csv", at.Add(3 * time.Hour), "b"},     // c's write failed
		{"/srv/exports/a.csv", at.Add(-30 * time.Second), "a"}, // clocks a little apart
		{"/srv/exports/a.csv", at.Add(-time.Hour), "owner (shared true)"},
		{"/srv/exports/a.csv", at.Add(26 * time.Hour), "owner (shared true)"}, // a day later: another version
		{"/srv/exports/sub/b.csv", at, "d"},
		{"/srv/exports/x.tmp", at, "owner (shared true)"},
		{"/srv/exports/c.csv", at, "owner (shared true)"},
		{"/srv/exports/d.csv", at, "owner (shared true)"},
		{"/srv/exports/e.csv", at, "g"},
		{"/mnt/fin/q1/lijst.xlsx", at, "h"},
		{"/srv/other/a.csv", at, "owner (shared false)"},
	} {
		if got := who(c.path, c.changed); got != c.want {
			t.Errorf("%s changed %s: %s, want %s", c.path, c.changed.Format(time.TimeOnly), got, c.want)
		}
	}
}

// waitUntil polls cond for at most d (a bounded retry inside a test's own loop).
func waitUntil(d time.Duration, cond func() bool) bool {
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		if cond() {
			return true
		}
	}
	return cond()
}
