package identity

import (
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/lekwacht/lekwacht/directory"
	"github.com/lekwacht/lekwacht/event"
)

// bigDirectory is a directory of n people with every identifier: account, address, alias, UPN, SID,
// employee number, an admin account for one in twenty.
func bigDirectory(tb testing.TB, n int) *directory.Directory {
	tb.Helper()
	var b strings.Builder
	b.WriteString("user,name,email,private_email,department,workstations,status,end_date,aliases,upn,sid,employee_id,manager,admin_accounts\n")
	for i := range n {
		admin := ""
		if i%20 == 0 {
			admin = fmt.Sprintf("beheer%06d", i)
		}
		fmt.Fprintf(&b, "u%06d,Naam %d,u.%06d@voorbeeld.nl,,Afdeling %d,WS-%06d;LT-%06d,active,,voornaam.%06d@voorbeeld.nl,u%06d@voorbeeld.local,S-1-5-21-1004336348-1177238915-682003330-%d,%06d,u%06d,%s\n",
			i, i, i, i%40, i, i, i, i, 10000+i, i, i/10*10, admin)
	}
	d, err := directory.Read(strings.NewReader(b.String()), "big.csv")
	if err != nil {
		tb.Fatal(err)
	}
	return d
}

// BenchmarkResolve resolves a mix of the forms the logs write against a 50,000-person directory:
// the cost per event on the pipeline's hot path, and the directory's memory per person.
func BenchmarkResolve(b *testing.B) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	d := bigDirectory(b, 50_000)
	runtime.GC()
	runtime.ReadMemStats(&after)
	r := New(func() *directory.Directory { return d }, Options{OwnDomains: []string{"voorbeeld.nl"}, AdminAccounts: []string{"adm_{user}"}})
	names := make([]event.User, 0, 4096)
	for i := range cap(names) {
		p := i * 12 % 50_000
		switch i % 8 {
		case 0:
			names = append(names, event.User{Name: fmt.Sprintf("u%06d", p)})
		case 1:
			names = append(names, event.User{Name: fmt.Sprintf(`VOORBEELD\u%06d`, p)})
		case 2:
			names = append(names, event.User{Name: fmt.Sprintf("U.%06d@Voorbeeld.nl", p)})
		case 3:
			names = append(names, event.User{Name: fmt.Sprintf("u%06d@voorbeeld.local", p)})
		case 4:
			names = append(names, event.User{Name: fmt.Sprintf("%06d", p)})
		case 5:
			names = append(names, event.User{Name: fmt.Sprintf("adm_u%06d", p)})
		case 6:
			names = append(names, event.User{Name: fmt.Sprintf("u%06d", p), ID: fmt.Sprintf("S-1-5-21-1004336348-1177238915-682003330-%d", 10000+p)})
		default:
			names = append(names, event.User{Name: fmt.Sprintf("onbekend%d", i)})
		}
	}
	evs := make([]event.Event, len(names))
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		j := i % len(names)
		evs[j] = event.Event{User: names[j]}
		r.Resolve(&evs[j])
	}
	b.StopTimer()
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/50_000, "dir-bytes/person")
}

// BenchmarkResolveCold is every event a name not seen before (the cache never hits): the worst case.
func BenchmarkResolveCold(b *testing.B) {
	d := bigDirectory(b, 50_000)
	r := New(func() *directory.Directory { return d }, Options{OwnDomains: []string{"voorbeeld.nl"}, AdminAccounts: []string{"adm_{user}"}})
	names := make([]string, 50_000)
	for i := range names {
		names[i] = fmt.Sprintf("U.%06d@Voorbeeld.nl", i)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if i%len(names) == 0 {
			clear(r.cache)
		}
		ev := event.Event{User: event.User{Name: names[i%len(names)]}}
		r.Resolve(&ev)
	}
}

// TestBigDirectoryResolves keeps the benchmark's directory honest: every form of a person resolves.
func TestBigDirectoryResolves(t *testing.T) {
	d := bigDirectory(t, 2_000)
	r := New(func() *directory.Directory { return d }, Options{OwnDomains: []string{"voorbeeld.nl"}, AdminAccounts: []string{"adm_{user}"}})
	for _, n := range []string{"u001234", `VOORBEELD\u001234`, "U.001234@Voorbeeld.nl", "voornaam.001234@voorbeeld.nl", "u001234@voorbeeld.local", "001234", "1234", "adm_u001234", "S-1-5-21-1004336348-1177238915-682003330-11234"} {
		if p, _ := r.Person(n); p == nil || p.User != "u001234" {
			t.Errorf("%s: %v", n, p)
		}
	}
	if p, id := r.Person("beheer001240"); p == nil || p.User != "u001240" || id != event.IdentityAdmin {
		t.Errorf("admin column: %v %s", p, id)
	}
}
