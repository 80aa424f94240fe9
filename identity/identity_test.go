package identity

import (
	"strings"
	"testing"
	"time"

	"github.com/lekwacht/lekwacht/directory"
	"github.com/lekwacht/lekwacht/event"
)

const staff = `user,name,email,private_email,department,workstations,status,end_date,aliases,upn,sid,employee_id,manager,admin_accounts
jdevries,Jeanette de Vries,j.devries@voorbeeld.nl,jeanette1980@gmail.com,Sociaal Domein,WS-0042,active,,jeanette.devries@voorbeeld.nl;jdv,jdevries@voorbeeld.local,S-1-5-21-1004336348-1177238915-682003330-1107,004711,pbakker,
pbakker,Piet Bakker,p.bakker@voorbeeld.nl,,Sociaal Domein,WS-0043,active,,,pbakker@voorbeeld.local,S-1-5-21-1004336348-1177238915-682003330-1108,004712,,
kvisser,Kees Visser,k.visser@voorbeeld.nl,,ICT,WS-0050,active,,,,,,,beheer-kvisser
`

func newDir(t *testing.T, csv string) *directory.Directory {
	t.Helper()
	d, err := directory.Read(strings.NewReader(csv), "staff.csv")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func newResolver(t *testing.T) *Resolver {
	d := newDir(t, staff)
	return New(func() *directory.Directory { return d }, Options{OwnDomains: []string{"voorbeeld.nl"},
		ServiceAccounts: []string{"svc_*"}, AdminAccounts: []string{"adm_{user}", "{user}-adm"}})
}

func TestResolveEveryForm(t *testing.T) {
	r := newResolver(t)
	for _, c := range []struct {
		name, id, want, account string
		identity                event.Identity
	}{
		{"jdevries", "", "jdevries", "", event.IdentityPerson},
		{"JDeVries", "", "jdevries", "", event.IdentityPerson},
		{`VOORBEELD\jdevries`, "", "jdevries", "", event.IdentityPerson},
		{`voorbeeld\JDEVRIES`, "", "jdevries", "", event.IdentityPerson},
		{"jdevries@voorbeeld.local", "", "jdevries", "", event.IdentityPerson},      // UPN
		{"J.deVries@Voorbeeld.nl", "", "jdevries", "", event.IdentityPerson},        // work address, mixed case
		{"jeanette.devries@voorbeeld.nl", "", "jdevries", "", event.IdentityPerson}, // mail alias
		{"<jeanette.devries@voorbeeld.nl>", "", "jdevries", "", event.IdentityPerson},
		{"jdv", "", "jdevries", "", event.IdentityPerson},               // account alias
		{"jdv@voorbeeld.nl", "", "jdevries", "", event.IdentityPerson},  // alias account at an own domain
		{"004711", "", "jdevries", "", event.IdentityPerson},            // employee number
		{"4711", "", "jdevries", "", event.IdentityPerson},              // without its leading zeros
		{"Jeanette de Vries", "", "jdevries", "", event.IdentityPerson}, // display name, unique
		{"", "S-1-5-21-1004336348-1177238915-682003330-1107", "jdevries", "", event.IdentityPerson},
		{"S-1-5-21-1004336348-1177238915-682003330-1108", "", "pbakker", "", event.IdentityPerson},
		{"-", "S-1-5-21-1004336348-1177238915-682003330-1108", "-", "", event.IdentitySystem},
		{"adm_jdevries", "", "jdevries", "adm_jdevries", event.IdentityAdmin},        // by pattern
		{`VOORBEELD\ADM_pbakker`, "", "pbakker", "adm_pbakker", event.IdentityAdmin}, // pattern, domain, case
		{"pbakker-adm@voorbeeld.local", "", "pbakker", "pbakker-adm", event.IdentityAdmin},
		{"beheer-kvisser", "", "kvisser", "beheer-kvisser", event.IdentityAdmin}, // by the directory's column
		{"svc_backup", "", "svc_backup", "", event.IdentityService},
		{`VOORBEELD\WS-0042$`, "", `VOORBEELD\WS-0042$`, "", event.IdentitySystem},
		{"ANONYMOUS LOGON", "", "ANONYMOUS LOGON", "", event.IdentitySystem},
		{"adm_nobody", "", "adm_nobody", "", event.IdentityUnknown},
		{"j.devries", "", "j.devries", "", event.IdentityUnknown}, // a local part alone is no one's
		{"jdevries@gmail.com", "", "jdevries@gmail.com", "", event.IdentityUnknown},
	} {
		ev := event.Event{User: event.User{Name: c.name, ID: c.id}, Log: event.Log{Input: "in"}}
		r.Resolve(&ev)
		u := ev.User
		if u.Name != c.want || u.Account != c.account || u.Identity != c.identity {
			t.Errorf("%q/%q: got name %q account %q identity %q; want %q %q %q", c.name, c.id, u.Name, u.Account, u.Identity, c.want, c.account, c.identity)
		}
		if c.identity == event.IdentityPerson || c.identity == event.IdentityAdmin {
			if wantOrig := c.name; wantOrig != c.want && u.Original != wantOrig {
				t.Errorf("%q: original %q, want the name as logged", c.name, u.Original)
			}
		}
	}
}

func TestAmbiguousDisplayNameIsNoOnes(t *testing.T) {
	d := newDir(t, staff+"jdevries2,Jeanette de Vries,j.devries2@voorbeeld.nl,,Burgerzaken,WS-0099,active,,,,,,,\n")
	r := New(func() *directory.Directory { return d }, Options{})
	if p, id := r.Person("Jeanette de Vries"); p != nil || id != event.IdentityUnknown {
		t.Errorf("two people with one name resolved to %v (%s)", p, id)
	}
}

func TestMailSender(t *testing.T) {
	r := newResolver(t)
	out := event.Event{Mail: &event.Mail{From: "J.deVries@Voorbeeld.nl", To: []string{"x@gmail.com"}}, Log: event.Log{Input: "mail"}}
	r.Resolve(&out)
	if out.User.Name != "jdevries" || out.User.Original != "J.deVries@Voorbeeld.nl" {
		t.Errorf("sender in an own domain: %+v", out.User)
	}
	sasl := event.Event{Mail: &event.Mail{From: "info@voorbeeld.nl", SASLUser: "jdevries@voorbeeld.local"}}
	r.Resolve(&sasl)
	if sasl.User.Name != "jdevries" {
		t.Errorf("SASL login before the sender: %+v", sasl.User)
	}
	in := event.Event{Mail: &event.Mail{From: "burger@hotmail.com", To: []string{"j.devries@voorbeeld.nl"}}, Log: event.Log{Input: "mail"}}
	r.Resolve(&in)
	if in.User != (event.User{}) {
		t.Errorf("mail from outside got a user: %+v", in.User)
	}
	fn := event.Event{Time: time.Unix(100, 0), Mail: &event.Mail{From: "info@voorbeeld.nl"}, Log: event.Log{Input: "mail"}}
	r.Resolve(&fn)
	if fn.User.Name != "" || fn.User.Identity != event.IdentityUnknown {
		t.Errorf("an unknown sender's address must not become the user name: %+v", fn.User)
	}
	seen, _ := r.TakeUnresolved()
	if s, ok := seen[Unresolved{"info@voorbeeld.nl", "mail"}]; !ok || s.Events != 1 {
		t.Errorf("unknown own-domain sender not listed: %v", seen)
	}
	if len(seen) != 1 {
		t.Errorf("only the own-domain sender is unresolved, got %v", seen)
	}
}

func TestUnresolvedCountedAndListed(t *testing.T) {
	r := newResolver(t)
	t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	for i, in := range []string{"windows", "windows", "shares"} {
		ev := event.Event{Time: t0.Add(time.Duration(i) * time.Hour), User: event.User{Name: "OUDACCOUNT"}, Log: event.Log{Input: in}}
		r.Resolve(&ev)
		if ev.User.Name != "OUDACCOUNT" || ev.User.Identity != event.IdentityUnknown {
			t.Fatalf("unknown account changed: %+v", ev.User)
		}
	}
	counts := map[string]int64{}
	r.Counts(func(in string, n int64) { counts[in] = n })
	if counts["windows"] != 2 || counts["shares"] != 1 {
		t.Errorf("counts %v", counts)
	}
	seen, dropped := r.TakeUnresolved()
	w := seen[Unresolved{"oudaccount", "windows"}]
	if dropped != 0 || w.Events != 2 || !w.First.Equal(t0) || !w.Last.Equal(t0.Add(time.Hour)) {
		t.Errorf("listed %v, dropped %d", seen, dropped)
	}
	if again, _ := r.TakeUnresolved(); len(again) != 0 {
		t.Errorf("handed over twice: %v", again)
	}
	r.Restore(seen)
	if back, _ := r.TakeUnresolved(); back[Unresolved{"oudaccount", "windows"}].Events != 2 {
		t.Errorf("restore lost the sightings: %v", back)
	}
}

func TestUnresolvedListIsBounded(t *testing.T) {
	d := newDir(t, staff)
	r := New(func() *directory.Directory { return d }, Options{MaxUnresolved: 2})
	for _, n := range []string{"a", "b", "c", "d"} {
		ev := event.Event{User: event.User{Name: n}}
		r.Resolve(&ev)
	}
	seen, dropped := r.TakeUnresolved()
	if len(seen) != 2 || dropped != 2 {
		t.Errorf("kept %d, dropped %d", len(seen), dropped)
	}
}

func TestDirectoryChangeIsSeen(t *testing.T) {
	d := newDir(t, staff)
	cur := d
	r := New(func() *directory.Directory { return cur }, Options{})
	ev := event.Event{User: event.User{Name: "nieuw"}}
	r.Resolve(&ev)
	if ev.User.Identity != event.IdentityUnknown {
		t.Fatalf("%+v", ev.User)
	}
	cur = newDir(t, staff+"nieuw,Nina Nieuw,n.nieuw@voorbeeld.nl,,P&O,WS-0100,active,,,,,,,\n")
	ev = event.Event{User: event.User{Name: "NIEUW"}}
	r.Resolve(&ev)
	if ev.User.Name != "nieuw" || ev.User.Identity != event.IdentityPerson {
		t.Errorf("a reloaded directory is not used (cached answer): %+v", ev.User)
	}
}

func TestNoDirectoryChangesNothing(t *testing.T) {
	r := New(func() *directory.Directory { return nil }, Options{})
	ev := event.Event{User: event.User{Name: `VOORBEELD\jdevries`}}
	r.Resolve(&ev)
	if ev.User != (event.User{Name: `VOORBEELD\jdevries`}) {
		t.Errorf("%+v", ev.User)
	}
}

// A directory with two people claiming one identifier is refused, so resolution is never a guess.
func TestConflictingIdentifiersRefused(t *testing.T) {
	_, err := directory.Read(strings.NewReader(staff+"xjansen,X Jansen,x.jansen@voorbeeld.nl,,P&O,WS-0101,active,,,,,004711,,\n"), "staff.csv")
	if err == nil || !strings.Contains(err.Error(), `employee "004711" of user "xjansen" is also given for user "jdevries"`) {
		t.Errorf("got %v", err)
	}
}

// An AD export lists admin accounts as users of their own, with their own SID and UPN: folded into
// their owner (by the staff list's admin_accounts, or by a pattern), every identifier of the admin
// account resolves to the owner as that admin account.
func TestAdminAccountsOfAnExportAreFolded(t *testing.T) {
	ad := []directory.Person{
		{User: "jjansen", Name: "Jan Jansen", SID: "S-1-5-21-1-2-3-1200", UPN: "jjansen@voorbeeld.local", EmployeeID: "000042", Status: directory.StatusActive},
		{User: "adm_jjansen", Name: "Jan Jansen (beheer)", SID: "S-1-5-21-1-2-3-1300", UPN: "adm_jjansen@voorbeeld.local", EmployeeID: "000042", Status: directory.StatusActive},
		{User: "beheer-kbos", SID: "S-1-5-21-1-2-3-1301", Status: directory.StatusActive},
		{User: "kbos", Name: "Karin Bos", AdminAccounts: []string{"beheer-kbos"}, Status: directory.StatusActive},
	}
	d, err := directory.NewWith(ad, "ad-users.ldf", []string{"adm_{user}"})
	if err != nil {
		t.Fatal(err)
	}
	if d.Len() != 2 {
		t.Fatalf("%d people; the admin accounts are no people of their own", d.Len())
	}
	r := New(func() *directory.Directory { return d }, Options{AdminAccounts: []string{"adm_{user}"}})
	for _, c := range []struct{ name, id, person, account string }{
		{"adm_jjansen", "", "jjansen", "adm_jjansen"},
		{`VOORBEELD\ADM_JJANSEN`, "", "jjansen", "adm_jjansen"},
		{"adm_jjansen@voorbeeld.local", "", "jjansen", "adm_jjansen"},
		{"", "S-1-5-21-1-2-3-1300", "jjansen", "adm_jjansen"},
		{"beheer-kbos", "", "kbos", "beheer-kbos"},
		{"", "S-1-5-21-1-2-3-1301", "kbos", "beheer-kbos"},
		{"000042", "", "jjansen", ""}, // the owner's number, which the admin account carried too
		{"", "S-1-5-21-1-2-3-1200", "jjansen", ""},
	} {
		ev := event.Event{User: event.User{Name: c.name, ID: c.id}}
		r.Resolve(&ev)
		if ev.User.Name != c.person || ev.User.Account != c.account {
			t.Errorf("%q/%q: %+v, want %s as %q", c.name, c.id, ev.User, c.person, c.account)
		}
	}
	// Merged from two files: the staff CSV names the admin account, the AD export lists it as a user.
	staffCSV, err := directory.Read(strings.NewReader("user,name,email,private_email,department,workstations,status,end_date,admin_accounts\njjansen,Jan Jansen,j.jansen@voorbeeld.nl,,ICT,WS-0001,active,,adm_jjansen\n"), "staff.csv")
	if err != nil {
		t.Fatal(err)
	}
	export, err := directory.NewWith(ad[:2], "ad.ldf", []string{"adm_{user}"})
	if err != nil {
		t.Fatal(err)
	}
	m, err := directory.Merge(staffCSV, export, "staff.csv + ad.ldf")
	if err != nil {
		t.Fatalf("merge of a staff list and an export that lists the admin account as a user: %v", err)
	}
	if p, kind, ok := m.Identify("S-1-5-21-1-2-3-1300"); !ok || p.User != "jjansen" || kind != directory.KindAdmin {
		t.Errorf("the admin account's SID after the merge: %v %s", p, kind)
	}
}
