package directory

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf16"
)

// The domain SID of the test exports: S-1-5-21-1004336348-1177238915-682003330.
const domainSID = "S-1-5-21-1004336348-1177238915-682003330"

// exported is what ldifde.ldf and csvde.csv (the same four accounts) hold.
func exported() []Person {
	return []Person{
		{User: "jjansen", Name: "Jan Jansen", Email: "j.jansen@voorbeeld.nl", Department: "Burgerzaken",
			Workstations: []string{"WS-0042", "LT-0042"}, Status: StatusActive,
			Aliases: []string{"jjansen@voorbeeld.mail.onmicrosoft.com", "jan.jansen@voorbeeld.nl"},
			UPN:     "jjansen@voorbeeld.local", SID: domainSID + "-1104", EmployeeID: "004711"},
		{User: "dvanleeuwen", Name: "Daniëlle van Leeuwen", Email: "d.vanleeuwen@voorbeeld.nl",
			Department: "Sociaal Domein", Workstations: []string{"WS-0113"}, Status: StatusActive,
			EndDate: time.Date(2026, 12, 31, 23, 0, 0, 0, time.UTC), Aliases: []string{"danielle.vanleeuwen@voorbeeld.nl"},
			UPN: "dvanleeuwen@voorbeeld.local", SID: domainSID + "-1105", EmployeeID: "004712", Manager: "jjansen"},
		{User: "kdevries", Name: "Vries, Kees de", Email: "k.devries@voorbeeld.nl", Department: "Belastingen",
			Status: StatusLeft, UPN: "kdevries@voorbeeld.local", SID: domainSID + "-1106", EmployeeID: "3051",
			Manager: "jjansen"},
		{User: "adm_jjansen", Name: "Jan Jansen (beheer)", Status: StatusActive, UPN: "adm_jjansen@voorbeeld.local",
			SID: domainSID + "-1107"},
	}
}

func samePeople(t *testing.T, got, want []Person) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d people, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		g, w := got[i], want[i]
		if !g.EndDate.Equal(w.EndDate) {
			t.Errorf("%s: end date %v, want %v", w.User, g.EndDate, w.EndDate)
		}
		g.EndDate, w.EndDate = time.Time{}, time.Time{}
		if !reflect.DeepEqual(g, w) {
			t.Errorf("person %d:\n got %#v\nwant %#v", i, g, w)
		}
	}
}

func readTestdata(t *testing.T, file string, read func(*bytes.Reader, string) ([]Person, error)) []Person {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "ad", file))
	if err != nil {
		t.Fatal(err)
	}
	people, err := read(bytes.NewReader(data), file)
	if err != nil {
		t.Fatal(err)
	}
	return people
}

func readLDIFTest(r *bytes.Reader, name string) ([]Person, error)  { return ReadLDIF(r, name) }
func readADCSVTest(r *bytes.Reader, name string) ([]Person, error) { return ReadADCSV(r, name) }

// TestReadLDIFOfLdifde: CRLF lines, changetype add, folded values, a base64 DN and displayName,
// objectSid in base64, proxyAddresses of every type, managers in and outside the export, a disabled
// account, an end date, the name from the DN when there is no displayName.
func TestReadLDIFOfLdifde(t *testing.T) {
	samePeople(t, readTestdata(t, "ldifde.ldf", readLDIFTest), exported())
}

// TestReadADCSVOfCsvde: the same accounts from csvde: X'hex' SIDs, ';'-joined proxyAddresses.
func TestReadADCSVOfCsvde(t *testing.T) {
	samePeople(t, readTestdata(t, "csvde.csv", readADCSVTest), exported())
}

// TestReadADCSVOfGetADUser: the same accounts from Get-ADUser | Export-Csv without
// -NoTypeInformation: a #TYPE line, a byte order mark, SID as text, Enabled, a Dutch
// AccountExpirationDate, proxyAddresses as ADPropertyValueCollection (so no aliases, and no mail
// address where mail is empty).
func TestReadADCSVOfGetADUser(t *testing.T) {
	want := exported()
	for i := range want {
		want[i].Aliases = nil
	}
	want[1].Email = ""
	want[1].EndDate = time.Date(2027, 1, 1, 0, 0, 0, 0, time.Local)
	samePeople(t, readTestdata(t, "get-aduser.csv", readADCSVTest), want)
}

// TestReadLDIFOfLdapsearch: comments (also folded), version: 1, OUs, groups, computers, managed
// service accounts, contacts and ldapsearch's references and result are skipped; the name from cn;
// a workstation two may use is no one's; a manager DN in other case is found, one outside is not.
func TestReadLDIFOfLdapsearch(t *testing.T) {
	want := []Person{
		{User: "smulder", Name: "Sara Mulder", Email: "s.mulder@voorbeeld.nl", Workstations: []string{"WS-0200"},
			Status: StatusActive, Aliases: []string{"sara.mulder@voorbeeld.nl"}, SID: domainSID + "-1144", EmployeeID: "4720"},
		{User: "pbakker", Name: "Piet Bakker", Email: "p.bakker@voorbeeld.nl", Workstations: []string{"WS-0201"},
			Status: StatusActive, SID: domainSID + "-1145", EmployeeID: "4721", Manager: "smulder"},
	}
	samePeople(t, readTestdata(t, "ldapsearch.ldf", readLDIFTest), want)
}

// TestLDIFSyntax: what RFC 2849 allows beyond what ldifde writes.
func TestLDIFSyntax(t *testing.T) {
	in := "version: 1\n" +
		"# a comment\n" +
		"#  continued\n" +
		"  over two lines\n" +
		"\n\n\n" +
		"dn: CN=Anna Bakker,OU=Medewerkers,DC=voorbeeld,DC=local\n" +
		"SAMAccountName: abakker\n" +
		"objectSid;binary:: AQUAAAAAAAUVAAAA3PTcO4M9K0aCi6Yo\n" +
		" AAIAAA==\n" +
		"displayName:: IEFubmEgQmFra2VyIA==\n" + // " Anna Bakker ": base64 because of the leading space
		"department:    Burger\n" +
		" zaken\n" +
		"proxyAddresses: smtp:anna@voorbeeld.nl\n" +
		"# a comment inside an entry\n" +
		"proxyAddresses: SMTP:a.bakker@voorbeeld.nl\n" +
		"proxyAddresses:: c210cDphbm5hLmJha2tlckB2b29yYmVlbGQubmw=\n" +
		"userWorkstations: WS-1;WS-2, WS-3\n" +
		"\n" +
		"dn: CN=Bert Smit,OU=Medewerkers,DC=voorbeeld,DC=local\n" +
		"changetype: add\n" +
		"sAMAccountName: bsmit\n" +
		"employeeNumber: 17" // no line end at the end of the file
	people, err := ReadLDIF(strings.NewReader(in), "users.ldf")
	if err != nil {
		t.Fatal(err)
	}
	samePeople(t, people, []Person{
		{User: "abakker", Name: "Anna Bakker", Email: "a.bakker@voorbeeld.nl", Department: "Burgerzaken",
			Workstations: []string{"WS-1", "WS-2", "WS-3"}, Status: StatusActive,
			Aliases: []string{"anna@voorbeeld.nl", "anna.bakker@voorbeeld.nl"}, SID: domainSID + "-512"},
		{User: "bsmit", Name: "Bert Smit", Status: StatusActive, EmployeeID: "17"},
	})
}

// sidBinary writes a SID after the documented layout ([MS-DTYP] 2.4.2.2): revision, the number of
// subauthorities, a 6-byte big-endian identifier authority, little-endian uint32 subauthorities.
func sidBinary(t *testing.T, sid string) []byte {
	t.Helper()
	parts := strings.Split(sid, "-")
	rev, _ := strconv.Atoi(parts[1])
	auth, _ := strconv.ParseUint(parts[2], 10, 48)
	b := []byte{byte(rev), byte(len(parts) - 3)}
	b = append(b, binary.BigEndian.AppendUint64(nil, auth)[2:]...) // 6 bytes
	for _, p := range parts[3:] {
		n, err := strconv.ParseUint(p, 10, 32)
		if err != nil {
			t.Fatal(err)
		}
		b = binary.LittleEndian.AppendUint32(b, uint32(n))
	}
	return b
}

func TestSIDFromBinary(t *testing.T) {
	// Fixed, well-known values: BUILTIN\Administrators and LocalSystem as LDIF carries them.
	for b64, want := range map[string]string{
		"AQIAAAAAAAUgAAAAIAIAAA==":                 "S-1-5-32-544",
		"AQEAAAAAAAUSAAAA":                         "S-1-5-18",
		"AQUAAAAAAAUVAAAA3PTcO4M9K0aCi6YoAAIAAA==": "S-1-5-21-1004336348-1177238915-682003330-512",
	} {
		b, _ := base64.StdEncoding.DecodeString(b64)
		if got, err := sidFromBinary(b); got != want || err != nil {
			t.Errorf("%s: %q %v, want %s", b64, got, err, want)
		}
	}
	// Round trip through the documented layout.
	for _, sid := range []string{"S-1-5-21-1004336348-1177238915-682003330-512", "S-1-5-21-4294967295-0-1-1104", "S-1-1-0", "S-1-5-32"} {
		b := sidBinary(t, sid)
		if got, err := sidFromBinary(b); got != sid || err != nil {
			t.Errorf("%s -> % x -> %q %v", sid, b, got, err)
		}
		if got, err := sidText("X'" + hex.EncodeToString(b) + "'"); got != sid || err != nil {
			t.Errorf("csvde X'%x': %q %v", b, got, err)
		}
	}
	if got, _ := sidFromBinary([]byte{1, 1, 1, 0, 0, 0, 0, 0, 7, 0, 0, 0}); got != "S-1-0x010000000000-7" {
		t.Errorf("an authority of 2^40 is written in hex: %q", got)
	}
	for in, want := range map[string]string{"s-1-5-21-1-2-3-500": "S-1-5-21-1-2-3-500", "S-1-0x010000000000-7": "S-1-0x010000000000-7"} {
		if got, err := sidText(in); got != want || err != nil {
			t.Errorf("a SID as text: %q %v", got, err)
		}
	}
	for _, bad := range []string{"", "\x01", "\x01\x05\x00\x00\x00\x00\x00\x05\x15\x00\x00\x00", "\x02\x00\x00\x00\x00\x00\x00\x05",
		"X'01zz'", "S-1-5-21-x", "S-1-", "S-1-5-1_000", "S-1-5-4294967296", "S-1-5-0x10"} {
		if got, err := sidText(bad); err == nil {
			t.Errorf("%q: %q, want an error", bad, got)
		}
	}
}

func TestFileTime(t *testing.T) {
	for v, want := range map[string]time.Time{
		"116444736000000000":  time.Unix(0, 0),                                // 1970-01-01, the documented offset
		"134432316000000000":  time.Date(2026, 12, 31, 23, 0, 0, 0, time.UTC), // 2027-01-01 00:00 in Amsterdam
		"134432316001234567":  time.Date(2026, 12, 31, 23, 0, 0, 123456700, time.UTC),
		"0":                   {},
		"9223372036854775807": {},
	} {
		if got, err := fileTime(v); !got.Equal(want) || err != nil {
			t.Errorf("%s: %v %v, want %v", v, got, err, want)
		}
	}
	for _, bad := range []string{"-1", "never", "1e9", strconv.FormatUint(math.MaxInt64+1, 10)} {
		if _, err := fileTime(bad); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

// entry makes an entry of attr: value lines.
func entry(lines ...string) *adEntry {
	e := &adEntry{line: 1}
	for i, l := range lines {
		attr, v, _ := strings.Cut(l, ": ")
		if attr == "dn" {
			e.dn = v
			continue
		}
		e.add(strings.ToLower(attr), v, i+1)
	}
	return e
}

func TestProxyAddresses(t *testing.T) {
	for _, c := range []struct {
		mail, wantMail string
		proxy          []string
		want           []string
	}{
		{"", "a@x.nl", []string{"SMTP:a@x.nl", "smtp:b@x.nl"}, []string{"b@x.nl"}},
		{"a@x.nl", "a@x.nl", []string{"smtp:b@x.nl", "SMTP:A@X.NL"}, []string{"b@x.nl"}},
		{"old@x.nl", "old@x.nl", []string{"SMTP:new@x.nl", "smtp:old@x.nl"}, []string{"new@x.nl"}},
		{"", "", []string{"smtp:b@x.nl"}, []string{"b@x.nl"}},
		{"", "a@x.nl", []string{"X500:/o=ExchangeLabs/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=a",
			"SIP:a@x.nl", "x400:c=NL;a= ;p=Gemeente;o=Exchange;s=A;", "EUM:1234;phone-context=x.nl", "SMTP:a@x.nl",
			"smtp:B@x.nl", "smtp:b@X.nl", "smtp:", "smtp:geen-adres", "a@x.nl"}, []string{"B@x.nl"}},
	} {
		e := entry(append([]string{"mail: " + c.mail}, prefixed("proxyAddresses: ", c.proxy)...)...)
		mail, _ := e.first("mail")
		mail, got := e.addresses(mail)
		if mail != c.wantMail || !reflect.DeepEqual(got, c.want) {
			t.Errorf("mail %q %v: %q %q, want %q %q", c.mail, c.proxy, mail, got, c.wantMail, c.want)
		}
	}
}

func prefixed(p string, vs []string) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = p + v
	}
	return out
}

// TestStatusAndEndDate: userAccountControl 0x2 or Enabled False is a leaver; accountExpires, or
// else AccountExpirationDate as each culture writes it, is the end date.
func TestStatusAndEndDate(t *testing.T) {
	local := func(y, m, d, h int) time.Time { return time.Date(y, time.Month(m), d, h, 0, 0, 0, time.Local) }
	for _, c := range []struct {
		attrs  []string
		status Status
		end    time.Time
	}{
		{[]string{"userAccountControl: 512"}, StatusActive, time.Time{}},
		{[]string{"userAccountControl: 514"}, StatusLeft, time.Time{}},
		{[]string{"userAccountControl: 66050"}, StatusLeft, time.Time{}},
		{[]string{"userAccountControl: 66048", "Enabled: False"}, StatusActive, time.Time{}}, // the attribute wins
		{[]string{"Enabled: False"}, StatusLeft, time.Time{}},
		{[]string{"Enabled: true"}, StatusActive, time.Time{}},
		{[]string{"accountExpires: 0"}, StatusActive, time.Time{}},
		{[]string{"accountExpires: 9223372036854775807"}, StatusActive, time.Time{}},
		{[]string{"accountExpires: 134432316000000000", "AccountExpirationDate: 1-2-2030 00:00:00"}, StatusActive, time.Date(2026, 12, 31, 23, 0, 0, 0, time.UTC)},
		{[]string{"AccountExpirationDate: 1-1-2027 00:00:00"}, StatusActive, local(2027, 1, 1, 0)},
		{[]string{"AccountExpirationDate: 31-12-2026 0:00:00"}, StatusActive, local(2026, 12, 31, 0)},
		{[]string{"AccountExpirationDate: 1/2/2027 1:00:00 PM"}, StatusActive, local(2027, 1, 2, 13)},
		{[]string{"AccountExpirationDate: 02/01/2027 13:00:00"}, StatusActive, local(2027, 1, 2, 13)},
		{[]string{"AccountExpirationDate: 02.01.2027 13:00:00"}, StatusActive, local(2027, 1, 2, 13)},
		{[]string{"AccountExpirationDate: 2027-01-02"}, StatusActive, local(2027, 1, 2, 0)},
		{[]string{"AccountExpirationDate: 2027-01-02T13:00:00+01:00"}, StatusActive, time.Date(2027, 1, 2, 12, 0, 0, 0, time.UTC)},
	} {
		p, _, ok, errs := entry(append(c.attrs, "sAMAccountName: x")...).person("users.csv")
		if !ok || errs != nil || p.Status != c.status || !p.EndDate.Equal(c.end) {
			t.Errorf("%q: %s %v %v %v, want %s %v", c.attrs, p.Status, p.EndDate, ok, errs, c.status, c.end)
		}
	}
}

// TestNamesAndNumbers: displayName, else cn (or Export-Csv's Name), else the DN's first value;
// employeeID, else employeeNumber; userWorkstations (or LogonWorkstations) split at commas.
func TestNamesAndNumbers(t *testing.T) {
	for _, c := range []struct {
		attrs                []string
		name, employee, wsts string
	}{
		{[]string{"displayName: Anna Bakker", "cn: abakker", "employeeID: 0042", "employeeNumber: 7"}, "Anna Bakker", "0042", ""},
		{[]string{"cn: Anna Bakker", "name: ABakker", "employeeNumber: 7"}, "Anna Bakker", "7", ""},
		{[]string{"name: Anna Bakker", "displayName: ", "LogonWorkstations: WS-1"}, "Anna Bakker", "", "WS-1"},
		{[]string{`dn: CN=Bakker\, Anna,OU=A\2CB,DC=voorbeeld,DC=local`, "userWorkstations: WS-1,WS-2"}, "Bakker, Anna", "", "WS-1 WS-2"},
		{[]string{`dn: CN=Dani\C3\ABlle\+Zo\C3\AB+UID=7,DC=voorbeeld,DC=local`}, "Daniëlle+Zoë", "", ""},
		{[]string{`dn: CN=\#1 \"x\"\\,DC=local`}, `#1 "x"\`, "", ""},
	} {
		p, _, _, errs := entry(append(c.attrs, "sAMAccountName: x")...).person("users.ldf")
		if p.Name != c.name || p.EmployeeID != c.employee || strings.Join(p.Workstations, " ") != c.wsts || errs != nil {
			t.Errorf("%q: name %q, employee %q, workstations %q, %v", c.attrs, p.Name, p.EmployeeID, p.Workstations, errs)
		}
	}
}

// TestNoPersonIsSkipped: no account, a computer (by class or by its $), a group, an OU.
func TestNoPersonIsSkipped(t *testing.T) {
	for _, attrs := range [][]string{
		{"cn: Anna Bakker", "mail: a@x.nl"},
		{"sAMAccountName: WS-0042$"},
		{"sAMAccountName: ws-0042", "objectClass: top", "objectClass: person", "objectClass: user", "objectClass: computer"},
		{"sAMAccountName: GG-Burgerzaken", "objectClass: top", "objectClass: group"},
		{"objectClass: organizationalUnit", "ou: Medewerkers"},
	} {
		if p, _, ok, _ := entry(attrs...).person("users.ldf"); ok {
			t.Errorf("%q became a person: %+v", attrs, p)
		}
	}
	for _, attrs := range [][]string{
		{"sAMAccountName: a"},
		{"sAMAccountName: a", "objectClass: top", "objectClass: person", "objectClass: organizationalPerson", "objectClass: user", "objectClass: inetOrgPerson"},
		{"sAMAccountName: a", "objectClass: User"},
	} {
		if _, _, ok, _ := entry(attrs...).person("users.ldf"); !ok {
			t.Errorf("%q is skipped", attrs)
		}
	}
}

// problemAt matches a problem that names a file and a line (or, from encoding/csv, the file and
// then the line).
var problemAt = regexp.MustCompile(`^users\.(?:ldf|csv):(\d+): |^users\.csv: (?:record|parse error) on line (\d+)`)

// wantProblems checks that err holds problems on exactly the lines of want, with their texts.
func wantProblems(t *testing.T, err error, want map[string][]string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %v", want)
	}
	list := err.(interface{ Unwrap() []error }).Unwrap()
	got := map[string]string{}
	for _, e := range list {
		m := problemAt.FindStringSubmatch(e.Error())
		if m == nil {
			t.Errorf("names no file and line: %q", e)
			continue
		}
		got[m[1]+m[2]] += e.Error() + "\n"
	}
	for line, texts := range want {
		for _, text := range texts {
			if !strings.Contains(got[line], text) {
				t.Errorf("line %s: want %q, got %q", line, text, got[line])
			}
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d lines with problems, want %d: %v", len(got), len(want), err)
	}
}

func TestLDIFProblemsNameFileAndLine(t *testing.T) {
	in := ` continues nothing
version: 2

cn: no dn
sAMAccountName: x

dn: CN=A,DC=local
sAMAccountName: a
objectSid:: AQUAAAAAAAUVAAAA
userAccountControl: 0x202
accountExpires: 2027-01-01
mail:: not base64!
jpegPhoto:< file:///tmp/a.jpg
no colon

dn: CN=B,DC=local
changetype: modify
replace: mail
mail: b@x.nl
-

dn: CN=C,DC=local
sAMAccountName: c
`
	_, err := ReadLDIF(strings.NewReader(in), "users.ldf")
	wantProblems(t, err, map[string][]string{
		"1":  {"continues the line before, and there is none"},
		"2":  {`version "2"`},
		"4":  {"cn: an entry starts with dn:"},
		"9":  {"objectSid: 12 bytes: a SID of 5 subauthorities has 28"},
		"10": {`userAccountControl "0x202": want a number`},
		"11": {`accountExpires "2027-01-01"`},
		"12": {"mail:: the value is no base64"},
		"13": {"jpegphoto:< takes the value from a URL"},
		"14": {"want attribute: value"},
		"17": {"changetype modify"},
	})
}

func TestADCSVProblemsNameFileAndLine(t *testing.T) {
	in := "\ufeff\"SamAccountName\",\"SID\",\"Enabled\",\"AccountExpirationDate\"\n" +
		"\"a\",\"S-1-5-21-x\",\"True\",\"\"\n" +
		"\"b\",\"\",\"Nee\",\"volgende week\"\n" +
		"\"c\",\"X'0105'\",\"False\",\"\"\n" +
		"\"d\",\"broken\"quote\",\"True\",\"\"\n"
	_, err := ReadADCSV(strings.NewReader(in), "users.csv")
	wantProblems(t, err, map[string][]string{
		"2": {`objectSid: "S-1-5-21-x"`},
		"3": {`Enabled "Nee": want True or False`, `AccountExpirationDate "volgende week"`},
		"4": {"objectSid: 2 bytes"},
		"5": {`extraneous or missing " in quoted-field`},
	})
	_, err = ReadADCSV(strings.NewReader("DN,cn,mail\n\"CN=a,DC=local\",a,a@x.nl\n"), "users.csv")
	wantProblems(t, err, map[string][]string{"1": {"no sAMAccountName column"}})
}

// TestReadADCSVOfExcel: an export opened and saved by Excel in Dutch: ';' between the columns,
// Windows-1252, the columns in another case, proxyAddresses joined (as the README's command does).
func TestReadADCSVOfExcel(t *testing.T) {
	in := "samaccountname;DISPLAYNAME;Mail;proxyAddresses;Enabled;objectSid\r\n" +
		"zbakker;Zo\xeb Bakker;z.bakker@voorbeeld.nl;\"SMTP:z.bakker@voorbeeld.nl;smtp:zoe.bakker@voorbeeld.nl\";True;S-1-5-21-1-2-3-1200\r\n"
	people, err := ReadADCSV(strings.NewReader(in), "users.csv")
	if err != nil {
		t.Fatal(err)
	}
	samePeople(t, people, []Person{{User: "zbakker", Name: "Zoë Bakker", Email: "z.bakker@voorbeeld.nl", Status: StatusActive,
		Aliases: []string{"zoe.bakker@voorbeeld.nl"}, SID: "S-1-5-21-1-2-3-1200"}})
}

func utf16LE(s string) []byte {
	b := []byte{0xFF, 0xFE}
	for _, u := range utf16.Encode([]rune(s)) {
		b = binary.LittleEndian.AppendUint16(b, u)
	}
	return b
}

// TestLoadPicksTheReader: LDIF by its first line, an AD CSV by its sAMAccountName column, else the
// staff CSV; in any encoding an export comes in.
func TestLoadPicksTheReader(t *testing.T) {
	dir := t.TempDir()
	testdata := func(f string) []byte {
		b, err := os.ReadFile(filepath.Join("testdata", "ad", f))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	for _, c := range []struct {
		file   string
		data   []byte
		people int
		sid    bool // read as an AD export: the people have SIDs
	}{
		{"staff.csv", []byte(good), 3, false},
		{"ldifde.ldf", testdata("ldifde.ldf"), 4, true},
		{"ldifde-unicode.ldf", utf16LE(string(testdata("ldifde.ldf"))), 4, true},
		{"ldapsearch.ldf", testdata("ldapsearch.ldf"), 2, true},
		{"version.txt", []byte("version: 1\ndn: CN=a\nsAMAccountName: a\nobjectSid:: AQEAAAAAAAUSAAAA\n"), 1, true},
		{"csvde.csv", testdata("csvde.csv"), 4, true},
		{"csvde-unicode.csv", utf16LE(string(testdata("csvde.csv"))), 4, true},
		{"get-aduser.csv", testdata("get-aduser.csv"), 4, true},
		{"excel.csv", []byte("\r\n\"SamAccountName\";\"SID\"\r\n\"a\";\"S-1-5-18\"\r\n"), 1, true},
	} {
		path := filepath.Join(dir, c.file)
		if err := os.WriteFile(path, c.data, 0o600); err != nil {
			t.Fatal(err)
		}
		d, err := Load(path)
		if err != nil {
			t.Errorf("%s: %v", c.file, err)
			continue
		}
		hasSID := false
		d.People(func(p *Person) bool { hasSID = hasSID || p.SID != ""; return true })
		if d.Len() != c.people || hasSID != c.sid {
			t.Errorf("%s: %d people (SIDs: %v), want %d (%v)", c.file, d.Len(), hasSID, c.people, c.sid)
		}
	}
	d, _ := Load(filepath.Join(dir, "ldifde-unicode.ldf"))
	if p, kind, ok := d.Identify(domainSID + "-1105"); !ok || p.Name != "Daniëlle van Leeuwen" || kind != KindSID {
		t.Errorf("SID of the UTF-16 export: %+v %s", p, kind)
	}
	if p, kind, _ := d.Identify("danielle.vanleeuwen@voorbeeld.nl"); p == nil || p.User != "dvanleeuwen" || kind != KindAlias {
		t.Errorf("alias: %+v %s", p, kind)
	}
}

// TestLoadReportsEveryProblem: a problem of a line and the same account twice, both with the file
// and their lines.
func TestLoadReportsEveryProblem(t *testing.T) {
	path := filepath.Join(t.TempDir(), "users.ldf")
	os.WriteFile(path, []byte("dn: CN=a\nsAMAccountName: a\nuserAccountControl: x\n\ndn: CN=b\nsAMAccountName: A\n"), 0o600)
	_, err := Load(path)
	for _, want := range []string{path + `:3: userAccountControl "x"`, path + `:5: the account of user "A" is also given for user "a" (line 1)`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("want %q in %v", want, err)
		}
	}
}

// FuzzReadLDIF: ReadLDIF never panics; what it accepts are people with an account that is no
// computer's, a known status and SIDs written as S-1-...; every problem names the file and a line
// of it; New never panics on what it accepts.
func FuzzReadLDIF(f *testing.F) {
	for _, file := range []string{"ldifde.ldf", "ldapsearch.ldf"} {
		b, err := os.ReadFile(filepath.Join("testdata", "ad", file))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{"", "\n", " ", "dn:", "dn::", "version: 1\n\ndn: a\nsAMAccountName: a\nobjectSid:: AQ==\n",
		"dn: a\nsAMAccountName:: YSQ=\n", "dn: a\nsAMAccountName: a\nmanager: a\n\ndn: b\nsAMAccountName: a\n", "#\n x\n y\ndn: a\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		people, err := ReadLDIF(bytes.NewReader(data), "users.ldf")
		if err != nil {
			checkProblemLines(t, data, err)
			return
		}
		for _, p := range people {
			if p.User == "" || strings.HasSuffix(p.User, "$") || (p.Status != StatusActive && p.Status != StatusLeft) {
				t.Fatalf("accepted %+v", p)
			}
			if p.SID != "" && !strings.HasPrefix(p.SID, "S-1-") {
				t.Fatalf("SID %q", p.SID)
			}
		}
		New(people, "users.ldf")
	})
}

// FuzzReadADCSV: the same for the CSV exports.
func FuzzReadADCSV(f *testing.F) {
	for _, file := range []string{"csvde.csv", "get-aduser.csv"} {
		b, err := os.ReadFile(filepath.Join("testdata", "ad", file))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{"", "samaccountname", "sAMAccountName;mail\na;\"b\n", "#TYPE x\nsamaccountname,objectsid\na,X'01'\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		people, err := ReadADCSV(bytes.NewReader(data), "users.csv")
		if err != nil {
			checkProblemLines(t, data, err)
			return
		}
		for _, p := range people {
			if p.User == "" || strings.HasSuffix(p.User, "$") {
				t.Fatalf("accepted %+v", p)
			}
		}
		New(people, "users.csv")
	})
}

func checkProblemLines(t *testing.T, data []byte, err error) {
	t.Helper()
	list := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		list = j.Unwrap()
	}
	lines := bytes.Count(data, []byte("\n")) + 1
	for _, e := range list {
		m := problemAt.FindStringSubmatch(e.Error())
		if m == nil {
			t.Fatalf("problem names no line: %q", e)
		}
		if l, _ := strconv.Atoi(m[1] + m[2]); l < 1 || l > lines {
			t.Fatalf("problem names line %d of %d: %q", l, lines, e)
		}
	}
}

func ExampleReadLDIF() {
	export := "dn: CN=Jan Jansen,OU=Medewerkers,DC=voorbeeld,DC=local\n" +
		"changetype: add\n" +
		"sAMAccountName: jjansen\n" +
		"displayName: Jan Jansen\n" +
		"proxyAddresses: SMTP:j.jansen@voorbeeld.nl\n" +
		"proxyAddresses: smtp:jan.jansen@voorbeeld.nl\n" +
		"objectSid:: AQUAAAAAAAUVAAAA3PTcO4M9K0aCi6YoUAQAAA==\n" +
		"userAccountControl: 514\n"
	people, err := ReadLDIF(strings.NewReader(export), "users.ldf")
	if err != nil {
		fmt.Println(err)
		return
	}
	p := people[0]
	fmt.Println(p.User, p.Name, p.Email, p.Aliases, p.SID, p.Status)
	// Output: jjansen Jan Jansen j.jansen@voorbeeld.nl [jan.jansen@voorbeeld.nl] S-1-5-21-1004336348-1177238915-682003330-1104 left
}

// TestREADMEExamples: the staff CSV and the LDIF of README.md load, the LDIF to what it says.
func TestREADMEExamples(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```(csv|ldif)\n(.*?)```").FindAllSubmatch(readme, -1)
	if len(blocks) != 2 {
		t.Fatalf("%d csv and ldif examples in README.md, want 2", len(blocks))
	}
	for _, b := range blocks {
		path := filepath.Join(t.TempDir(), "example."+string(b[1]))
		os.WriteFile(path, b[2], 0o600)
		d, err := Load(path)
		if err != nil {
			t.Fatalf("%s example: %v", b[1], err)
		}
		if string(b[1]) == "ldif" {
			p, _ := d.User("jjansen")
			if p == nil || p.Name != "Jan Jansen" || p.Email != "j.jansen@voorbeeld.nl" || !reflect.DeepEqual(p.Aliases, []string{"jan.jansen@voorbeeld.nl"}) ||
				p.SID != domainSID+"-1104" || p.Status != StatusLeft {
				t.Errorf("the LDIF example gives %+v", p)
			}
		}
	}
}
