package directory

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// A problem of a directory names the file and a line, its own or the CSV reader's.
var dirAtLine = regexp.MustCompile(`^staff\.csv:(\d+): |^staff\.csv: (?:record|parse error) on line (\d+)`)

// FuzzRead: Read never panics; in a directory it accepts every person has an account, accounts,
// work and private addresses and workstations are each unique (ignoring case), and every lookup by
// them finds that person; every problem names the file and a line.
func FuzzRead(f *testing.F) {
	for _, s := range []string{
		good,
		"\ufeffUser, Name ,EMAIL,private_email,department,workstations,status,end_date\nA.Bakker,\"Bakker, A\",A@x.nl,,,\" WS-1 ; ws-2 \",ACTIVE,2026-01-31\n",
		"user,name,mail\n",
		strings.Replace(good, "left,2026-10-01", "gone,01-10-2026", 1),
		good + "A.BAKKER,Dubbel,x@voorbeeld.nl,,,ws-0042,active,\n",
		good + ",Zonder account,y@voorbeeld.nl,,,,active,\n",
		good + "x,\"unterminated\n",
		good + "y,too,few\nz,a,b,c,d,e,f,g,h,i\n",
		"user,name,email,private_email,department,workstations,status,end_date\na,,a@x,a@x,,a;A;a,,\nb,,A@X,,,,,\n",
		"", "\n", "\"",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := Read(bytes.NewReader(data), "staff.csv")
		if err != nil {
			checkDirectoryProblems(t, data, err)
			return
		}
		if d.Len() != len(d.people) {
			t.Fatalf("Len %d, %d people", d.Len(), len(d.people))
		}
		seen := map[string]string{}
		once := func(kind, key string, p *Person) {
			if key == "" {
				return
			}
			k := kind + " " + strings.ToLower(key)
			if other, ok := seen[k]; ok && other != p.User {
				t.Fatalf("%s %q of %q is also given for %q", kind, key, p.User, other)
			}
			seen[k] = p.User
		}
		for i := range d.people {
			p := &d.people[i]
			if p.User == "" {
				t.Fatalf("accepted a person without an account: %+v", p)
			}
			once("user", p.User, p)
			once("email", p.Email, p)
			once("private", p.PrivateEmail, p)
			for _, ws := range p.Workstations {
				once("workstation", ws, p)
			}
			for what, got := range map[string]func(string) (*Person, bool){
				p.User: d.User, p.Email: d.Email, p.PrivateEmail: d.PrivateEmail,
			} {
				if q, ok := got(what); what != "" && (!ok || q != p) {
					t.Fatalf("lookup of %q finds %+v, not %+v", what, q, p)
				}
			}
			for _, ws := range p.Workstations {
				if q, ok := d.WorkstationOwner(strings.ToUpper(ws)); !ok || q != p {
					t.Fatalf("workstation %q: owner %+v, not %+v", ws, q, p)
				}
			}
		}
	})
}

func checkDirectoryProblems(t *testing.T, data []byte, err error) {
	t.Helper()
	list := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		list = j.Unwrap()
	}
	lines := bytes.Count(data, []byte("\n")) + 1
	for _, e := range list {
		msg := e.Error()
		m := dirAtLine.FindStringSubmatch(msg)
		if m == nil {
			t.Fatalf("problem names no line: %q", msg)
		}
		n := m[1] + m[2]
		if l, _ := strconv.Atoi(n); l < 1 || l > lines {
			t.Fatalf("problem names line %d of a file of %d lines: %q", l, lines, msg)
		}
	}
}
