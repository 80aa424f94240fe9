package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"github.com/lekwacht/lekwacht/bench/internal/lwrun"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/lekwacht/lekwacht/register"
)

// pollEvery is how often the bench looks in the register for new drafts.
const pollEvery = 2 * time.Millisecond

// startTimeout bounds the daemon's start and the first (warm-up) draft.
const startTimeout = 30 * time.Second

// appendLatency is the outcome of the latency figure.
type appendLatency struct {
	discovered latencies // append -> the draft's discovered_at, as the register stored it
	visible    latencies // append -> the draft first seen by a reader polling every pollEvery
	sent, lost int
	rssMB      float64
}

// latencyConfig is a gemeente with one zaaksysteem audit log, followed live; the shipped rules.
const latencyConfig = `# Written by bench/e2e: one zaaksysteem audit log followed by lekwacht run.
organisation:
  name: Gemeente Bench
  domains: [voorbeeld.nl]
  timezone: Europe/Amsterdam
register: {dir: %q}
directory: %q
http: {listen: ""}   # no HTTP server: the bench may run beside another lekwacht
inputs:
  - name: zaak
    format: json
    paths: [%q]
    mapping:   # as collectors/jsonlog/mappings/zaaksysteem.yaml
      time: ts
      user: actor.id
      action: action
      host: client.host
      source_ip: client.ip
      object: subject.id
      count: result.count
      outcome: result.status
      actions:
        view: [dossier.view, persoon.raadplegen]
        export: [export.csv, lijst.download]
        delete: [dossier.delete]
        login: [login]
`

// benchLatency starts lekwacht run on an empty zaaksysteem log, appends one export of 500 records a
// line by a different user every -interval, and times each line until its draft is in the register.
func benchLatency(exe, work string) (appendLatency, error) {
	var res appendLatency
	cfg, logPath, err := writeLatencySetup(work)
	if err != nil {
		return res, err
	}
	if out, err := exec.Command(exe, "config", "check", "--config", cfg).CombinedOutput(); err != nil {
		return res, exitErr("lekwacht config check", err, out)
	}
	fmt.Printf("4. append -> stored draft: lekwacht run following a zaaksysteem log, %d exports of 500 records "+
		"(rule lw-bulk-bsn-export), one every %v, each by another user\n", *appends, *interval)
	d, err := lwrun.Start(exe, cfg, filepath.Join(work, "run.log"), false)
	if err != nil {
		return res, err
	}
	defer d.Stop()
	reg, err := openRegister(filepath.Join(work, "register"))
	if err != nil {
		return res, err
	}
	defer reg.Close()
	log, err := os.OpenFile(logPath, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return res, err
	}
	defer log.Close()

	// A first line proves the daemon follows the file before any line is timed.
	if _, err := measure(d, reg, log, []string{"warmup"}, 0, startTimeout); err != nil {
		return res, fmt.Errorf("warm-up line: %w", err)
	}
	users := make([]string, *appends)
	for i := range users {
		users[i] = fmt.Sprintf("lat%03d", i+1)
	}
	res, err = measure(d, reg, log, users, *interval, *timeout)
	if err != nil {
		return res, err
	}
	if err := d.Stop(); err != nil {
		return res, err
	}
	res.rssMB = peakRSSMB(d.Cmd.ProcessState)
	listed, err := listedDrafts(exe, cfg)
	if err != nil {
		return res, err
	}
	fmt.Printf("   %d lines appended, %d drafts stored, %d lost (no draft %v after the last append)\n", res.sent, res.sent-res.lost, res.lost, *timeout)
	if want := res.sent - res.lost + 1; listed != want { // and the warm-up's draft
		fmt.Printf("   odd: incidents list --json shows %d bulk_bsn_export drafts, the bench saw %d\n", listed, want)
	}
	fmt.Printf("   append -> discovered_at (the register's clock): %v\n", res.discovered)
	fmt.Printf("   append -> draft visible to a reader (polled every %v): %v\n", pollEvery, res.visible)
	fmt.Printf("   lekwacht run peak RSS %.1f MB; stopped with SIGTERM\n", res.rssMB)
	return res, nil
}

// writeLatencySetup writes the config, a directory of the users and the empty log the daemon follows.
func writeLatencySetup(work string) (cfg, logPath string, err error) {
	if err := os.MkdirAll(work, 0o700); err != nil {
		return "", "", err
	}
	logPath = filepath.Join(work, "zaak.jsonl")
	dirPath := filepath.Join(work, "directory.csv")
	cfg = filepath.Join(work, "lekwacht.yaml")
	var b strings.Builder
	b.WriteString("user,name,email,private_email,department,workstations,status,end_date\n")
	fmt.Fprintf(&b, "warmup,Warm Up,warmup@voorbeeld.nl,,ICT,WS-L000,active,\n")
	for i := 1; i <= *appends; i++ {
		fmt.Fprintf(&b, "lat%03d,Medewerker %d,lat%03d@voorbeeld.nl,,Burgerzaken,WS-L%03d,active,\n", i, i, i, i)
	}
	for _, f := range []struct{ path, text string }{
		{dirPath, b.String()},
		{logPath, ""},
		{cfg, fmt.Sprintf(latencyConfig, filepath.Join(work, "register"), dirPath, logPath)},
	} {
		if err := os.WriteFile(f.path, []byte(f.text), 0o600); err != nil {
			return "", "", err
		}
	}
	return cfg, logPath, nil
}

// openRegister opens the register lekwacht run has created, for reading, after checking that its
// schema is the one this bench's register package writes: Open would otherwise migrate the
// register under a daemon built from other sources.
func openRegister(dir string) (*register.Register, error) {
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, register.DBFile)+"?mode=ro")
	if err != nil {
		return nil, err
	}
	var v int
	err = db.QueryRow(`PRAGMA user_version`).Scan(&v)
	db.Close()
	if err != nil {
		return nil, fmt.Errorf("read the register's schema version: %w", err)
	}
	if v != register.SchemaVersion {
		return nil, fmt.Errorf("lekwacht run wrote register schema %d, the bench knows %d: -bin was built from other sources (rebuild it, or leave -bin out)",
			v, register.SchemaVersion)
	}
	return register.Open(context.Background(), dir, register.Options{})
}

// exportLine is a zaaksysteem export of 500 records by user, timestamped now.
func exportLine(user string, i int) []byte {
	return fmt.Appendf(nil, `{"ts":%q,"action":"export.csv","actor":{"afdeling":"Burgerzaken","id":%q},`+
		`"client":{"host":"WS-L%03d","ip":"10.30.0.%d"},"result":{"count":500,"status":"ok"},"subject":{"id":"zoekresultaat/%d"}}`+"\n",
		time.Now().Format("2006-01-02T15:04:05.000Z07:00"), user, i, 1+i%250, 900000+i)
}

// measure appends one line per user, every gap, and polls the register until each user's draft is
// there or wait has passed since the last append; what has no draft by then is lost.
func measure(d *lwrun.Daemon, reg *register.Register, log *os.File, users []string, gap, wait time.Duration) (appendLatency, error) {
	res := appendLatency{sent: len(users)}
	index := make(map[string]int, len(users))
	for i, u := range users {
		index[u] = i
	}
	appended := make([]time.Time, len(users))
	found := make([]bool, len(users))
	next, left := 0, len(users)
	start := time.Now()
	var deadline time.Time
	for left > 0 {
		if next < len(users) && !time.Now().Before(start.Add(time.Duration(next)*gap)) {
			if _, err := log.Write(exportLine(users[next], next)); err != nil {
				return res, err
			}
			appended[next] = time.Now()
			if next++; next == len(users) {
				deadline = appended[next-1].Add(wait)
			}
		}
		if err := d.Exited(); err != nil {
			return res, err
		}
		seen := time.Now()
		drafts, err := reg.List(context.Background(), register.Filter{Detector: "bulk_bsn_export"})
		if err != nil {
			return res, err
		}
		for _, in := range drafts {
			if i, ok := index[in.User]; ok && !found[i] && i < next {
				found[i], left = true, left-1
				res.discovered = append(res.discovered, in.DiscoveredAt.Sub(appended[i]))
				res.visible = append(res.visible, seen.Sub(appended[i]))
			}
		}
		if next == len(users) && time.Now().After(deadline) {
			break
		}
		time.Sleep(pollEvery)
	}
	res.lost = left
	if len(users) == 1 && left == 1 {
		return res, fmt.Errorf("no draft %v after the line was appended; lekwacht run logged: %s", wait, d.Log())
	}
	return res, nil
}

// listedDrafts counts the drafts lekwacht incidents list --json shows.
func listedDrafts(exe, cfg string) (int, error) {
	out, err := exec.Command(exe, "incidents", "list", "--config", cfg, "--json", "--detector", "bulk_bsn_export").Output()
	if err != nil {
		return 0, exitErr("lekwacht incidents list", err, nil)
	}
	var list []struct {
		Status string `json:"status"`
	}
	if err := json.Unmarshal(out, &list); err != nil {
		return 0, fmt.Errorf("incidents list --json: %w", err)
	}
	n := 0
	for _, in := range list {
		if in.Status == "draft" {
			n++
		}
	}
	return n, nil
}
