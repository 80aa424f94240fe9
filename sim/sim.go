package sim

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Options says what to simulate.
type Options struct {
	Out       string    // folder to write to; must be empty or absent
	Employees int       // staff, service accounts not counted
	Days      int       // calendar days from Start
	Seed      uint64    // same seed, same output
	Start     time.Time // first day (its date in Europe/Amsterdam); zero means DefaultStart
	// Learn is the number of days at the start that are a learning period: their logs go under
	// learn/ (with lekwacht-learn.yaml to replay them), and nothing is planted in them.
	Learn int
}

// DefaultStart is the Monday the simulation starts on unless told otherwise.
var DefaultStart = time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC)

// Sim writes one simulation.
type Sim struct {
	o     Options
	w     *world
	out   string
	win   *stream
	smb   *stream
	ssh   *stream
	app   *stream
	hrm   *stream
	exch  *stream
	mail  *stream
	all   []*stream
	truth Truth
	// correspondents are the citizens who wrote to a person, so replies go to them.
	correspondents map[string][]string
	// regulars are the supplier addresses a person mails often.
	regulars map[string]string
	files    int
	err      error // the first error writing an export file
	// muted drops every line and export file while a day of someone away is drawn.
	muted bool
	// present are today's people at work, each with their main session; taken the hot desks in use.
	present []*attendance
	taken   map[string]bool
	held    []window // today's planted cases and stories: their people's sessions left as they are
	// What this lekwacht reads, so the simulation writes only that: Windows locks (4800/4801) and
	// remote desktop reconnects (4778/4779), a Squid proxy log.
	locks, rdp, proxy bool
	web               *stream
	stories           []*story
	managed           map[*person][]int   // the days a manager is in an admin story
	visited           map[*person]*person // an admin's last desk visit (deskVisit): whose desk
	// The network side (network.go): written when this lekwacht reads the domain controllers'
	// checks; today's logons, and the stories told in it.
	net        bool
	sits       []sit
	netStories []netStory
}

// attendance is one person's working day: where they sat and their main session.
type attendance struct {
	p            *person
	host, client string
	kind         int
	logon        string
	start, end   time.Time
	ended        bool // its logoff was written
}

// Run writes the simulation and returns its truth (also written as truth.json).
func Run(o Options) (*Truth, error) {
	if o.Employees < 20 {
		return nil, fmt.Errorf("--employees must be at least 20 (got %d)", o.Employees)
	}
	if o.Days < 1 {
		return nil, fmt.Errorf("--days must be at least 1 (got %d)", o.Days)
	}
	if o.Learn < 0 || o.Learn >= o.Days {
		return nil, fmt.Errorf("a learning period of %d days leaves none of %d to plant in", o.Learn, o.Days)
	}
	if o.Start.IsZero() {
		o.Start = DefaultStart
	}
	out, err := filepath.Abs(o.Out)
	if err != nil {
		return nil, err
	}
	if entries, err := os.ReadDir(out); err == nil && len(entries) > 0 {
		return nil, fmt.Errorf("%s is not empty: simulate writes into a new or empty folder", out)
	} else if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	w, err := newWorld(o.Employees, o.Days, o.Seed, o.Start)
	if err != nil {
		return nil, err
	}
	s := &Sim{o: o, w: w, out: out, correspondents: map[string][]string{}, regulars: map[string]string{}}
	s.locks, s.rdp, s.proxy, s.net = reads(4800, 4801), reads(4778, 4779), hasFormat("squid"), netOn()
	s.win = s.stream("winlog/security.ndjson")
	s.smb = s.stream("samba/audit.log")
	s.ssh = s.stream("sshd/auth.log")
	s.app = s.stream("zaak/audit.jsonl")
	s.hrm = s.stream("hrm/audit.jsonl")
	s.mail = s.stream("mail/mail.log")
	if s.proxy {
		s.web = s.stream("proxy/access.log")
	}
	s.exch = &stream{path: func(day time.Time) string {
		return filepath.Join(out, s.logs(day), "exchange", "MSGTRK"+day.Format("20060102")+"00-1.LOG")
	}, header: exchangeHeader, muted: &s.muted}
	s.all = append(s.all, s.exch)
	dirs := []string{"exports", "rules", "lekwacht-data"}
	if o.Learn > 0 {
		dirs = append(dirs, learnExports)
	}
	for _, d := range dirs {
		if err := os.MkdirAll(filepath.Join(out, d), 0o755); err != nil {
			return nil, err
		}
	}
	s.truth = Truth{Seed: o.Seed, Employees: o.Employees, Days: o.Days, LearnDays: o.Learn, Start: w.start, Lines: map[string]int64{}}
	plan := s.plan()
	s.stories = s.cast()
	if s.net {
		for range 1 + o.Employees/1500 {
			s.stories = append(s.stories, s.colleaguePasswordStory(s.plantable()))
		}
	}
	for d := range o.Days {
		day := w.start.AddDate(0, 0, d)
		s.day(day, d)
		for _, c := range plan[d] {
			s.plant(day, c)
		}
		s.tell(day, d)
		s.tellNet(day, d)
		s.normal(day, d, workday(day))
		s.network(day)
		if s.err != nil {
			return nil, s.err
		}
		for _, st := range s.all {
			if err := st.flush(day); err != nil {
				return nil, err
			}
		}
	}
	for _, st := range s.all {
		for p, n := range st.lines {
			rel, _ := filepath.Rel(out, p)
			if st == s.exch {
				rel = filepath.Join(filepath.Dir(rel), "MSGTRK*.LOG")
			}
			s.truth.Lines[rel] += n
		}
	}
	s.truth.Files = s.files
	s.truth.Cases = append(s.truth.Cases, s.told()...)
	if err := s.writeDirectory(); err != nil {
		return nil, err
	}
	if err := s.writeConfig("lekwacht.yaml", "logs"); err != nil {
		return nil, err
	}
	if o.Learn > 0 {
		if err := s.writeConfig("lekwacht-learn.yaml", learnLogs); err != nil {
			return nil, err
		}
	}
	if err := s.writeRules(); err != nil {
		return nil, err
	}
	b, err := json.MarshalIndent(s.truth, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(out, "truth.json"), append(b, '\n'), 0o644); err != nil {
		return nil, err
	}
	return &s.truth, nil
}

// stream is a log file at rel under the logs folder of each day (see logs).
func (s *Sim) stream(rel string) *stream {
	st := &stream{path: func(day time.Time) string { return filepath.Join(s.out, s.logs(day), rel) }, muted: &s.muted}
	s.all = append(s.all, st)
	return st
}

// learnLogs and learnExports are where the logs and the watched folder's files of the learning
// period go.
const (
	learnLogs    = "learn/logs"
	learnExports = "learn/exports"
)

// exports is the watched folder a file written at t goes to: learn/exports in the learning period.
func (s *Sim) exports(t time.Time) string {
	if s.logs(t) == learnLogs {
		return learnExports
	}
	return "exports"
}

// logs is the folder of a day's logs: learn/logs in the learning period, else logs.
func (s *Sim) logs(day time.Time) string {
	if day.Before(s.w.start.AddDate(0, 0, s.o.Learn)) {
		return learnLogs
	}
	return "logs"
}

// mute drops what is written while on is true: the day of someone away, drawn as if they were not.
func (s *Sim) mute(on bool) { s.muted = on }

// writeDirectory writes the contract's directory CSV with the optional columns of every other
// identifier a person has.
func (s *Sim) writeDirectory() error {
	f, err := os.Create(filepath.Join(s.out, "directory.csv"))
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	w.Write([]string{"user", "name", "email", "private_email", "department", "workstations", "status", "end_date",
		"aliases", "upn", "sid", "employee_id", "manager", "admin_accounts"})
	for _, p := range s.w.people {
		w.Write([]string{p.User, p.Name, p.Email, p.Private, p.Dept.Name, strings.Join(p.workstations(), ";"), p.Status, p.EndDate,
			p.Alias, p.UPN, p.SID, p.EmployeeID, p.Manager, strings.Join(p.AdminAccounts, ";")})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// writeConfig writes the config file name for this gemeente, with absolute paths into the folder
// and its inputs reading the logs under logs (lekwacht.yaml: logs; lekwacht-learn.yaml: the
// learning period's, with the same register, to replay first with --learn).
func (s *Sim) writeConfig(name, logs string) error {
	p := func(rel string) string {
		if rest, ok := strings.CutPrefix(rel, "logs/"); ok {
			rel = filepath.Join(logs, rest)
		}
		if rel == "exports" && logs == learnLogs {
			rel = learnExports
		}
		return filepath.Join(s.out, rel)
	}
	var proxy string
	if s.proxy {
		proxy = fmt.Sprintf("  - {name: proxy, format: squid, paths: [%q]}\n", p("logs/proxy/access.log"))
	}
	head := fmt.Sprintf("# Written by lekwacht simulate: a gemeente of %d employees over %d days (seed %d).", s.o.Employees, s.o.Days, s.o.Seed)
	if logs == learnLogs {
		head += fmt.Sprintf("\n# The first %d days, a learning period: lekwacht --config %s replay --learn, then replay with lekwacht.yaml.", s.o.Learn, name)
	}
	cfg := fmt.Sprintf(`%s
organisation:
  name: Gemeente Voorbeeld
  domains: [%s]
  partner_domains: [%s]
  shared_hosts: ["TS-*", "KIOSK-*"]
  service_accounts: ["svc_*"]
  working_hours: "Mon-Fri 07:00-19:00"
  timezone: Europe/Amsterdam
  fg: {name: "A. de Functionaris", email: "fg@%s"}
register: {dir: %q}
inputs:
  - {name: mail, format: postfix, paths: [%q]}
  - {name: exchange, format: exchange-tracking, paths: [%q]}
  - {name: shares, format: samba-audit, paths: [%q]}
  - {name: windows, format: winlog-json, paths: [%q]}
  - {name: ssh, format: sshd, paths: [%q]}
  - name: zaak
    format: json
    paths: [%q]
    mapping:
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
  - name: hrm
    format: json
    paths: [%q]
    mapping:
      time: tijdstip
      user: gebruiker
      action: handeling
      source_ip: ip
      object: medewerker
      actions:
        view: [personeelsdossier.inzien]
%swatch: [{path: %q, recursive: true}]
directory: %q
identity: {admin_accounts: ["adm_{user}"]}
rules: {dir: %q}
http: {listen: "127.0.0.1:8470", tokens_file: %q}
`, head, Domain, strings.Join(partnerDomains, ", "), Domain, p("lekwacht-data"),
		p("logs/mail/mail.log"), p("logs/exchange/MSGTRK*.LOG"), p("logs/samba/audit.log"), p("logs/winlog/security.ndjson"),
		p("logs/sshd/auth.log"), p("logs/zaak/audit.jsonl"), p("logs/hrm/audit.jsonl"), proxy, p("exports"), p("directory.csv"), p("rules"), p("tokens.yaml"))
	return os.WriteFile(filepath.Join(s.out, name), []byte(cfg), 0o644)
}
