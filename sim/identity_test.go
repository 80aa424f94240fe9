package sim_test

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/lekwacht/lekwacht/collectors"
	"github.com/lekwacht/lekwacht/config"
	"github.com/lekwacht/lekwacht/directory"
	"github.com/lekwacht/lekwacht/event"
	"github.com/lekwacht/lekwacht/identity"
)

// named is one way a log names someone: the event the resolver gets, and whom it must find. want
// comes from another field of the same line than the name (the workstation it came from, the
// account beside a SID), never from the name itself.
type named struct {
	form    string // which form of name
	written string // the name as the log writes it
	ev      event.Event
	want    string // the directory account; "" for no one in the directory
	account string // the admin account that acted, when it is one
}

// TestLogsNameEveryoneEveryWay reads the simulated logs for every form of name real systems write
// (DOMAIN\user, a UPN, a SID, a mixed-case or alias mail address, a medewerkernummer, an adm_
// account, and names no one has) and checks that the directory and config written with them
// resolve each to the right account through identity.Resolve.
func TestLogsNameEveryoneEveryWay(t *testing.T) {
	dir := t.TempDir()
	simulate(t, dir, 300, 2, 7)
	d, err := directory.Load(filepath.Join(dir, "directory.csv"))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(filepath.Join(dir, "lekwacht.yaml"), collectors.CheckInput)
	if err != nil {
		t.Fatal(err)
	}
	r := identity.New(func() *directory.Directory { return d }, identity.Options{OwnDomains: cfg.Organisation.Domains,
		ServiceAccounts: cfg.Organisation.ServiceAccounts, AdminAccounts: cfg.Identity.AdminAccounts})
	var all []named
	for _, read := range []func(*testing.T, string, *directory.Directory) []named{sambaNames, windowsNames, zaakNames, exchangeNames, gatewayNames, sshNames} {
		all = append(all, read(t, dir, d)...)
	}
	seen, wrong := map[string]int{}, map[string]int{}
	for _, n := range all {
		ev := n.ev
		r.Resolve(&ev)
		seen[n.form]++
		ok := strings.EqualFold(ev.User.Name, n.want) && strings.EqualFold(ev.User.Account, n.account)
		if n.want == "" {
			ok = ev.User.Identity == event.IdentityUnknown
		}
		if !ok {
			if wrong[n.form]++; wrong[n.form] <= 3 {
				t.Errorf("%s %q: resolved to %q (account %q, %s), want %q (account %q)", n.form, n.written, ev.User.Name, ev.User.Account, ev.User.Identity, n.want, n.account)
			}
		}
	}
	for form, n := range wrong {
		t.Errorf("%s: %d of %d names resolved wrongly", form, n, seen[form])
	}
	for _, form := range []string{`DOMAIN\user`, "SID", "employee number", "mixed-case address", "alias address", "UPN (SASL)",
		"UPN (sshd)", "adm_ account (Windows)", "adm_ account (sshd)", "function mailbox", "account not in the directory"} {
		if seen[form] == 0 {
			t.Errorf("the logs name no one by %s", form)
		}
	}
	t.Logf("names checked per form: %v", seen)
}

// owner is the account of the person whose workstation host is ("" for none): whom to expect.
func owner(d *directory.Directory, host string) string {
	if p, ok := d.WorkstationOwner(host); ok {
		return p.User
	}
	return ""
}

// shared are the workstations someone other than their owner sat at (an interactive, unlock or
// remote desktop logon of their own account): a part-timer's desk a colleague uses on their days
// off, a colleague helped at their desk. Who worked there is not told by the machine; the checks
// leave them out.
func shared(t *testing.T, dir string, d *directory.Directory) map[string]bool {
	t.Helper()
	users := map[string]map[string]bool{}
	lines(t, filepath.Join(dir, "logs/winlog/security.ndjson"), func(l string) {
		var rec struct {
			Winlog struct {
				EventID   int               `json:"event_id"`
				EventData map[string]string `json:"event_data"`
			} `json:"winlog"`
		}
		json.Unmarshal([]byte(l), &rec)
		data := rec.Winlog.EventData
		if rec.Winlog.EventID != 4624 || !slices.Contains([]string{"2", "7", "10", "11"}, data["LogonType"]) || strings.HasPrefix(data["TargetUserName"], "adm_") {
			return
		}
		host := data["WorkstationName"]
		if users[host] == nil {
			users[host] = map[string]bool{}
		}
		users[host][data["TargetUserName"]] = true
	})
	out := map[string]bool{}
	for host, u := range users {
		for user := range u {
			if owner(d, host) != user {
				out[host] = true
			}
		}
	}
	return out
}

func lines(t *testing.T, path string, f func(string)) {
	t.Helper()
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	sc := bufio.NewScanner(fh)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		f(sc.Text())
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
}

var smbLine = regexp.MustCompile(`smbd_audit\[\d+\]: ([^|]+)\|[^|]*\|([^|]+)\|`)

// sambaNames: VOORBEELD\user, to be the owner of the machine the session came from.
func sambaNames(t *testing.T, dir string, d *directory.Directory) []named {
	var out []named
	desks := shared(t, dir, d)
	lines(t, filepath.Join(dir, "logs/samba/audit.log"), func(l string) {
		m := smbLine.FindStringSubmatch(l)
		if m == nil || !strings.Contains(m[1], `\`) || owner(d, m[2]) == "" || desks[m[2]] {
			return // the account alone, a service account, a terminal server, a hot desk or a shared desk
		}
		out = append(out, named{form: `DOMAIN\user`, written: m[1], ev: event.Event{User: event.User{Name: m[1]}}, want: owner(d, m[2])})
	})
	return out
}

// windowsNames: a SID alone, to be the account written beside it; an adm_ account, to be the owner
// of the workstation the session came from; an old account no one has any more.
func windowsNames(t *testing.T, dir string, d *directory.Directory) []named {
	var out []named
	lines(t, filepath.Join(dir, "logs/winlog/security.ndjson"), func(l string) {
		var rec struct {
			Winlog struct {
				EventID   int               `json:"event_id"`
				EventData map[string]string `json:"event_data"`
			} `json:"winlog"`
		}
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Fatal(err)
		}
		data := rec.Winlog.EventData
		name, sid := data["TargetUserName"], data["TargetUserSid"]
		switch {
		case rec.Winlog.EventID == 4625 && data["SubStatus"] == "0xc0000072": // the account is disabled
			out = append(out, named{form: "account not in the directory", written: name, ev: event.Event{User: event.User{Name: name, ID: sid}}})
		case rec.Winlog.EventID == 4624 && strings.HasPrefix(name, "adm_"):
			if data["LogonType"] == "2" {
				return // at the console of a colleague's desk: the desk tells nothing of who
			}
			out = append(out, named{form: "adm_ account (Windows)", written: name, ev: event.Event{User: event.User{Name: name, Domain: data["TargetDomainName"], ID: sid}},
				want: owner(d, data["WorkstationName"]), account: name})
		case rec.Winlog.EventID == 4624 && sid != "" && !strings.HasPrefix(name, "svc_"):
			out = append(out, named{form: "SID", written: sid, ev: event.Event{User: event.User{ID: sid}}, want: name})
		}
	})
	return out
}

// zaakNames: the medewerkernummer, to be the owner of the workstation the zaaksysteem was used from.
func zaakNames(t *testing.T, dir string, d *directory.Directory) []named {
	var out []named
	desks := shared(t, dir, d)
	lines(t, filepath.Join(dir, "logs/zaak/audit.jsonl"), func(l string) {
		var rec struct {
			Actor  struct{ ID string }
			Client struct{ Host string }
		}
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Fatal(err)
		}
		if owner(d, rec.Client.Host) == "" || desks[rec.Client.Host] {
			return // no workstation, or one several people used, to tell who it was
		}
		if strings.Trim(rec.Actor.ID, "0123456789") != "" {
			t.Fatalf("the zaaksysteem names %q, not a medewerkernummer", rec.Actor.ID)
		}
		out = append(out, named{form: "employee number", written: rec.Actor.ID, ev: event.Event{User: event.User{Name: rec.Actor.ID}}, want: owner(d, rec.Client.Host)})
	})
	return out
}

// exchangeNames: the sender address of mail sent from a mailbox, as the client wrote it, to be the
// owner of the workstation it was sent from; the function mailbox info@, no one's.
func exchangeNames(t *testing.T, dir string, d *directory.Directory) []named {
	logs, _ := filepath.Glob(filepath.Join(dir, "logs/exchange/MSGTRK*.LOG"))
	desks := shared(t, dir, d)
	var out []named
	for _, f := range logs {
		col := map[string]int{}
		lines(t, f, func(l string) {
			if fields, ok := strings.CutPrefix(l, "#Fields: "); ok {
				for i, c := range strings.Split(fields, ",") {
					col[c] = i
				}
			}
			if strings.HasPrefix(l, "#") || strings.HasPrefix(l, "\ufeff") {
				return
			}
			row, err := csv.NewReader(strings.NewReader(l)).Read()
			if err != nil {
				t.Fatal(err)
			}
			if row[col["event-id"]] != "RECEIVE" || row[col["source"]] != "STOREDRIVER" {
				return
			}
			from := row[col["sender-address"]]
			host, _, _ := strings.Cut(row[col["client-hostname"]], ".")
			ev := event.Event{Mail: &event.Mail{From: from}}
			if from == "info@voorbeeld.nl" {
				out = append(out, named{form: "function mailbox", written: from, ev: ev})
				return
			}
			p, ok := d.WorkstationOwner(host)
			if !ok || desks[host] {
				if !strings.HasPrefix(host, "FLEX-") && !desks[host] {
					t.Fatalf("mail sent from %s, no one's workstation nor a hot desk", host)
				}
				return // a hot desk, or a desk several people used
			}
			form := "alias address" // the directory tells the form only, not whom to expect
			switch {
			case from == p.Email:
				form = "primary address"
			case strings.EqualFold(from, p.Email):
				form = "mixed-case address"
			}
			out = append(out, named{form: form, written: from, ev: ev, want: p.User})
		})
	}
	return out
}

var gatewaySubmit = regexp.MustCompile(`client=([^.\[]+)\.voorbeeld\.local\[[^\]]*\], sasl_method=LOGIN, sasl_username=(\S+)`)

// gatewayNames: the SASL login of a mail app (UPN or account), to be the owner of the laptop it
// was sent from.
func gatewayNames(t *testing.T, dir string, d *directory.Directory) []named {
	var out []named
	lines(t, filepath.Join(dir, "logs/mail/mail.log"), func(l string) {
		m := gatewaySubmit.FindStringSubmatch(l)
		if m == nil || !strings.Contains(m[2], "@") {
			return
		}
		out = append(out, named{form: "UPN (SASL)", written: m[2], ev: event.Event{User: event.User{Name: m[2]}, Mail: &event.Mail{SASLUser: m[2]}}, want: owner(d, m[1])})
	})
	return out
}

var sshAccepted = regexp.MustCompile(`Accepted publickey for (\S+) from (\S+) `)

// sshNames: the bastion's admin accounts and fully qualified personal accounts, to be the person
// whose workstation has the address the session came from (the network logons on FS01 tell it).
func sshNames(t *testing.T, dir string, d *directory.Directory) []named {
	byIP := map[string]string{}
	lines(t, filepath.Join(dir, "logs/winlog/security.ndjson"), func(l string) {
		var rec struct {
			Winlog struct {
				EventData map[string]string `json:"event_data"`
			} `json:"winlog"`
		}
		json.Unmarshal([]byte(l), &rec)
		if w := rec.Winlog.EventData; w["LogonType"] == "3" && strings.HasPrefix(w["WorkstationName"], "WS-") {
			byIP[w["IpAddress"]] = owner(d, w["WorkstationName"])
		}
	})
	var out []named
	lines(t, filepath.Join(dir, "logs/sshd/auth.log"), func(l string) {
		m := sshAccepted.FindStringSubmatch(l)
		if m == nil || byIP[m[2]] == "" {
			return
		}
		n := named{form: "UPN (sshd)", written: m[1], ev: event.Event{User: event.User{Name: m[1]}}, want: byIP[m[2]]}
		if strings.HasPrefix(m[1], "adm_") {
			n.form, n.account = "adm_ account (sshd)", m[1]
		}
		out = append(out, n)
	})
	return out
}
