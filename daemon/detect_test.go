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

	"github.com/lekwacht/lekwacht/config"
	"github.com/lekwacht/lekwacht/event"
	"github.com/lekwacht/lekwacht/register"
	"github.com/lekwacht/lekwacht/rules"
)

// TestReplayOpensDraftIncidents replays a Samba audit log in which one account deletes 120 files in
// two minutes (the shipped rule lw-mass-deletion: 100 distinct files in 10 minutes) and
// another deletes a few; then replays it again, as after a restart.
func TestReplayOpensDraftIncidents(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	for i := range 120 {
		fmt.Fprintf(&b, "Nov 20 09:%02d:%02d fs01 smbd_audit[4121]: VOORBEELD\\jdevries|10.20.1.15|WS-0042|burgerzaken|unlinkat|ok|/srv/shares/burgerzaken/f%03d.docx\n", 10+i/60, i%60, i)
	}
	for i := range 5 {
		fmt.Fprintf(&b, "Nov 20 10:00:%02d fs01 smbd_audit[4122]: VOORBEELD\\kbakker|10.20.1.16|WS-0043|burgerzaken|unlinkat|ok|/srv/shares/burgerzaken/k%d.docx\n", i, i)
	}
	log := filepath.Join(dir, "audit.log")
	os.WriteFile(log, []byte(b.String()), 0o600)
	cfg := &config.Config{Organisation: config.Organisation{Timezone: "Europe/Amsterdam"}, Register: config.Register{Dir: filepath.Join(dir, "reg")}}
	opts := ReplayOptions{Files: []string{log}, Format: "samba-audit"}
	sum, err := Replay(context.Background(), cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Events != 125 || sum.Incidents != 1 || sum.Hits != 21 {
		t.Fatalf("first replay: %s, %d hits; want 125 events, 1 incident, 21 hits (the crossing and 20 more)", sum, sum.Hits)
	}
	sum, err = Replay(context.Background(), cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Incidents != 0 {
		t.Fatalf("second replay opened %d incidents", sum.Incidents)
	}
	r, err := register.Open(context.Background(), cfg.Register.Dir, register.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	list, _ := r.List(context.Background(), register.Filter{})
	if len(list) != 1 || list[0].User != `jdevries` || list[0].EvidenceCount != 120 || list[0].Rule != "lw-mass-deletion" || list[0].Detector != "mass_deletion" {
		t.Fatalf("incidents %+v", list)
	}
	in, err := r.Show(context.Background(), list[0].ID, "test", "show")
	if err != nil {
		t.Fatal(err)
	}
	if e := in.Evidence[0]; !strings.Contains(e.Text, "f000.docx") || e.Source != log || e.Offset != 0 || e.Line != 1 {
		t.Errorf("first evidence item %+v: want the original first line with file, offset and line", e)
	}
	if rep, err := r.Verify(context.Background()); err != nil || !rep.OK() {
		t.Fatalf("verify: %v %v", err, rep.Problems)
	}
}

const ownRule = "id: own-exports\ntitle: Exports\nstatus: test\nlevel: high\nmatch: {event.action: export}\nwindow: 1h\nthreshold: 3\n"

func exportEvent(i int) event.Event {
	return event.Event{Time: time.Date(2026, 11, 23, 9, i, 0, 0, time.UTC), Event: event.Kind{Category: event.CategoryApplication, Action: event.ActionExport},
		User: event.User{Name: "a.bakker"}, App: &event.App{Name: "zaak"}, Log: event.Log{Path: "/logs/zaak.jsonl", Offset: int64(i), Original: fmt.Sprint("line ", i)}}
}

// TestRulesReload: a broken rule file leaves the rules in force; a good change takes effect and the
// counts in flight of unchanged rules survive it.
func TestRulesReload(t *testing.T) {
	dir := t.TempDir()
	rulesDir := filepath.Join(dir, "rules")
	os.MkdirAll(rulesDir, 0o700)
	os.WriteFile(filepath.Join(rulesDir, "own.yaml"), []byte(ownRule), 0o600)
	cfg := &config.Config{Organisation: config.Organisation{Timezone: "UTC"}, Register: config.Register{Dir: filepath.Join(dir, "reg")}, Rules: config.Rules{Dir: rulesDir}}
	det, err := openDetection(context.Background(), cfg, slog.New(slog.DiscardHandler), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer det.close()
	det.observe([]event.Event{exportEvent(1), exportEvent(2)})
	if len(det.pending) != 0 {
		t.Fatal("a hit below the threshold")
	}
	os.WriteFile(filepath.Join(rulesDir, "broken.yaml"), []byte("id: [\n"), 0o600)
	if err := det.reloadRules(); err == nil || !strings.Contains(err.Error(), "broken.yaml") {
		t.Fatalf("broken rule file: %v", err)
	}
	os.Remove(filepath.Join(rulesDir, "broken.yaml"))
	os.WriteFile(filepath.Join(rulesDir, "other.yaml"), []byte(strings.NewReplacer("own-exports", "other", "export}", "delete}").Replace(ownRule)), 0o600)
	if err := det.reloadRules(); err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(det.engine.Rules(), func(r *rules.Rule) bool { return r.ID == "other" }) {
		t.Fatal("the new rule is not in force")
	}
	det.observe([]event.Event{exportEvent(3)})
	if len(det.pending) != 1 || det.pending[0].Rule != "own-exports" || len(det.pending[0].Evidence) != 3 {
		t.Fatalf("the unchanged rule lost its count over the reload: %+v", det.pending)
	}
}

func TestWatchRulesSeesChanges(t *testing.T) {
	dir := t.TempDir()
	reloads := make(chan struct{}, 64)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- watchRules(ctx, dir, slog.New(slog.DiscardHandler), func() { reloads <- struct{}{} }) }()
	// The watch may start after the first write: write until a reload is seen.
	for i := 0; ; i++ {
		os.WriteFile(filepath.Join(dir, "r.yaml"), []byte(fmt.Sprint("# ", i)), 0o600)
		select {
		case <-reloads:
			cancel()
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			return
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// TestRunStateSpansARestart: two deletions before a clean stop, the third after the restart: the
// rule (threshold 3) still sees all three and opens one incident with the three lines.
func TestRunStateSpansARestart(t *testing.T) {
	dir := t.TempDir()
	logDir := filepath.Join(dir, "log")
	rulesDir := filepath.Join(dir, "rules")
	os.MkdirAll(logDir, 0o755)
	os.MkdirAll(rulesDir, 0o755)
	os.WriteFile(filepath.Join(rulesDir, "deletes.yaml"), []byte("id: own-deletes\ntitle: D\nstatus: test\nlevel: high\n"+
		"match: {event.action: delete}\nwindow: 1h\nthreshold: 3\ncount: distinct file.path\n"), 0o600)
	logFile := filepath.Join(logDir, "audit.log")
	cfg := testConfig(t, dir, config.Input{Name: "shares", Format: "samba-audit", Paths: []string{logFile}})
	cfg.Rules.Dir = rulesDir
	cfg.Organisation.WorkingHours = "Mon-Sun 00:00-23:59"
	line := func(i int) string {
		return fmt.Sprintf("Nov 20 09:0%d:00 fs01 smbd_audit[4121]: VOORBEELD\\jdevries|10.20.1.15|WS-0042|burgerzaken|unlinkat|ok|/srv/f%d.docx\n", i, i)
	}
	os.WriteFile(logFile, []byte(line(1)+line(2)), 0o600)
	runUntil(t, cfg, func() bool { return countLines(cfg.Events.File) >= 2 })
	if _, err := os.Stat(filepath.Join(cfg.Register.Dir, StateFile)); err != nil {
		t.Fatal("no detector state after a clean stop:", err)
	}
	f, _ := os.OpenFile(logFile, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(line(3))
	f.Close()
	runUntil(t, cfg, func() bool { return countLines(cfg.Events.File) >= 3 })
	r, err := register.Open(context.Background(), cfg.Register.Dir, register.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	list, _ := r.List(context.Background(), register.Filter{Detector: "threshold"})
	if len(list) != 1 || list[0].EvidenceCount != 3 || list[0].Rule != "own-deletes" {
		t.Fatalf("incidents %+v: want one of own-deletes with the three lines", list)
	}
}
