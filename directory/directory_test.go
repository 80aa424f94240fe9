package directory

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const good = `user,name,email,private_email,department,workstations,status,end_date
a.bakker,Anna Bakker,a.bakker@voorbeeld.nl,anna.b@gmail.com,Burgerzaken,WS-0042;LT-0042,active,
j.devries,Jan de Vries,j.devries@voorbeeld.nl,,Belastingen,WS-0007,left,2026-10-01
"s.mulder",Sara Mulder,s.mulder@voorbeeld.nl,,Sociaal Domein,WS-0113,leave,
`

func TestRead(t *testing.T) {
	d, err := Read(strings.NewReader(good), "staff.csv")
	if err != nil {
		t.Fatal(err)
	}
	if d.Len() != 3 {
		t.Fatalf("%d people", d.Len())
	}
	p, ok := d.WorkstationOwner("lt-0042")
	if !ok || p.User != "a.bakker" || len(p.Workstations) != 2 {
		t.Errorf("workstation owner: %+v %v", p, ok)
	}
	if p, ok := d.PrivateEmail("Anna.B@gmail.com"); !ok || p.User != "a.bakker" {
		t.Errorf("private address lookup: %+v", p)
	}
	if p, ok := d.Email("j.devries@voorbeeld.nl"); !ok || !p.Left(time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("status left means left at any time: %+v", p)
	}
	if p, _ := d.User("s.mulder"); p.Status != StatusLeave || p.Left(time.Now()) {
		t.Errorf("on leave is not left: %+v", p)
	}
	if _, ok := d.User("nobody"); ok {
		t.Error("unknown user found")
	}
}

func TestReadErrorsNameFileAndLine(t *testing.T) {
	for in, want := range map[string][]string{
		"user,name,mail\n": {`staff.csv:1: unknown column "mail"`, `column "email" is missing`},
		strings.Replace(good, "left,2026-10-01", "gone,01-10-2026", 1): {`staff.csv:3: status "gone"`, `end_date "01-10-2026"`},
		good + "a.bakker,Dubbel,x@voorbeeld.nl,,,WS-9,active,\n":       {`the account of user "a.bakker" is also given`},
		good + ",Zonder account,y@voorbeeld.nl,,,,active,\n":           {"staff.csv:5: user is empty"},
	} {
		_, err := Read(strings.NewReader(in), "staff.csv")
		for _, w := range want {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("want %q in error, got %v", w, err)
			}
		}
	}
}

func TestWatchReloadsAndKeepsTheLastGood(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "directory.csv")
	os.WriteFile(path, []byte(good), 0o600)
	s, err := Open(path, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	results := make(chan error, 16)
	s.Reloaded = func(err error) { results <- err }
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go s.Watch(ctx)

	// Replace the file the way configuration management does: write aside, rename into place. The
	// watch may start after the first write, so write until a reload is seen.
	replace := func(content string) error {
		tmp := path + ".new"
		os.WriteFile(tmp, []byte(content), 0o600)
		os.Rename(tmp, path)
		for {
			select {
			case err := <-results:
				return err
			case <-time.After(200 * time.Millisecond):
				os.WriteFile(tmp, []byte(content), 0o600)
				os.Rename(tmp, path)
			}
		}
	}
	if err := replace(good + "n.nieuw,Nina Nieuw,n.nieuw@voorbeeld.nl,,ICT,WS-0200,active,\n"); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Current().User("n.nieuw"); !ok {
		t.Fatal("the new person is not in the reloaded directory")
	}
	if err := replace("user,name\nbroken\n"); err == nil {
		t.Fatal("a broken file loaded")
	}
	if _, ok := s.Current().User("n.nieuw"); !ok || s.Current().Len() != 4 {
		t.Fatal("a broken file replaced the last good directory")
	}
}

// TestReadFieldCount: a line with fewer or more fields than the header is an error naming the line
// and both counts; every such line at once.
func TestReadFieldCount(t *testing.T) {
	in := "user,name,email,private_email,department,workstations,status,end_date\n" +
		"a.bakker,Anna Bakker,a.bakker@voorbeeld.nl,,Burgerzaken\n" +
		"j.devries,Jan de Vries,j.devries@voorbeeld.nl,,Belastingen,WS-0007,left,2026-10-01,extra\n" +
		"s.mulder,Sara Mulder,s.mulder@voorbeeld.nl,,Sociaal Domein,WS-0113,leave,\n"
	_, err := Read(strings.NewReader(in), "staff.csv")
	if err == nil {
		t.Fatal("lines of 5 and 9 fields accepted")
	}
	for _, want := range []string{"staff.csv:2: 5 fields, the header has 8", "staff.csv:3: 9 fields, the header has 8", "separated by ','"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not say %q:\n%v", want, err)
		}
	}
}

// TestReadDutchExcel: what Excel in Dutch saves as CSV (';' between fields, a UTF-8 byte order
// mark, CRLF) is read as the ',' file is; a short line in it names ';' as the separator.
func TestReadDutchExcel(t *testing.T) {
	in := "\ufeffuser;name;email;private_email;department;workstations;status;end_date\r\n" +
		"a.bakker;Anna Bakker;a.bakker@voorbeeld.nl;anna.b@gmail.com;Burgerzaken;\"WS-0042;LT-0042\";active;\r\n" +
		"j.devries;Jan de Vries;j.devries@voorbeeld.nl;;Belastingen;WS-0007;left;2026-10-01\r\n"
	d, err := Read(strings.NewReader(in), "staff.csv")
	if err != nil {
		t.Fatal(err)
	}
	if d.Len() != 2 {
		t.Fatalf("%d people, want 2", d.Len())
	}
	p, ok := d.User("a.bakker")
	if !ok || p.Name != "Anna Bakker" || len(p.Workstations) != 2 || p.PrivateEmail != "anna.b@gmail.com" {
		t.Errorf("a.bakker: %+v %v", p, ok)
	}
	if p, ok := d.WorkstationOwner("WS-0007"); !ok || p.User != "j.devries" || p.Status != StatusLeft {
		t.Errorf("j.devries: %+v %v", p, ok)
	}
	_, err = Read(strings.NewReader(in+"k.smit;Kees Smit;k.smit@voorbeeld.nl\r\n"), "staff.csv")
	if err == nil || !strings.Contains(err.Error(), "staff.csv:4: 3 fields, the header has 8 (fields separated by ';'") {
		t.Errorf("short line in a ';' file: %v", err)
	}
}
