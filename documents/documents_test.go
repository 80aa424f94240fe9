package documents

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/lekwacht/lekwacht/assessment"
	"github.com/lekwacht/lekwacht/config"
	"github.com/lekwacht/lekwacht/hit"
	"github.com/lekwacht/lekwacht/register"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

var t0 = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

const (
	evidenceBSN  = "123456782" // passes the elfproef
	evidenceLine = `2026-11-23T08:00:00Z zaak export.csv user=jdevries rows=120 first_bsn=` + evidenceBSN
	fileContent  = "bsn;naam\n" + evidenceBSN + ";J. Jansen\n"
	injection    = `=HYPERLINK("http://evil.example/x","klik hier")`
)

var org = config.Organisation{
	Name: "Gemeente Voorbeeld",
	FG:   config.Contact{Name: "Mr. A. de Vries", Email: "fg@voorbeeld.nl", Phone: "14 0123"},
}

type fixture struct {
	r   *register.Register
	clk *clock
	bsn string // the assessed bulk_bsn_export incident
	inj string // a draft with a formula in its summary
	opn string // an open incident with an incomplete assessment
}

func setup(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	clk := &clock{t: t0}
	r, err := register.Open(ctx, t.TempDir(), register.Options{Now: clk.now, Location: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })

	export := filepath.Join(t.TempDir(), "export.csv")
	if err := os.WriteFile(export, []byte(fileContent), 0o600); err != nil {
		t.Fatal(err)
	}
	no := false
	bulk := hit.Hit{Detector: "bulk_bsn_export", Rule: "lw-bsn-001", RuleTitle: "Export met veel BSN's", Severity: hit.SeverityHigh,
		User: "jdevries", Pattern: "export", Hosts: []string{"WS-12"}, Time: t0.Add(-time.Hour), Window: time.Hour,
		Categories: []hit.Category{hit.CategoryBSN, hit.CategoryName}, Subjects: 120,
		Summary: "export van 120 BSN's uit het zaaksysteem", Facts: hit.Facts{Encrypted: &no},
		Evidence: []hit.Evidence{
			{Kind: hit.EvidenceLine, Input: "zaak", Source: "/logs/zaak/a.jsonl", Offset: 4096, Line: 17, Time: t0.Add(-time.Hour), Text: evidenceLine},
			{Kind: hit.EvidenceFile, Source: "../../etc/passwd", Time: t0.Add(-time.Hour), File: export},
		}}
	mail := hit.Hit{Detector: "misdirected_mail", Rule: "lw-mail-001", Severity: hit.SeverityMedium, User: "pbakker",
		Pattern: "wrong", Time: t0.Add(-2 * time.Hour), Window: time.Hour, Categories: []hit.Category{hit.CategoryContact},
		Subjects: 1, Summary: injection,
		Evidence: []hit.Evidence{{Kind: hit.EvidenceLine, Source: "/var/log/mail.log", Offset: 10, Time: t0.Add(-2 * time.Hour), Text: "postfix line"}}}
	snoop := hit.Hit{Detector: "record_snooping", Rule: "lw-snoop-001", Severity: hit.SeverityMedium, User: "kjansen",
		Pattern: "view", Time: t0.Add(-3 * time.Hour), Window: time.Hour, Categories: []hit.Category{hit.CategoryHealth},
		Subjects: 3, Summary: "3 dossiers ingezien zonder zaak",
		Evidence: []hit.Evidence{{Kind: hit.EvidenceLine, Source: "/logs/zaak/b.jsonl", Offset: 20, Time: t0.Add(-3 * time.Hour), Text: "view line"}}}
	res, err := r.Add(ctx, []hit.Hit{bulk, mail, snoop})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{r: r, clk: clk, bsn: res[0].Incident, inj: res[1].Incident, opn: res[2].Incident}

	clk.add(time.Hour)
	for _, id := range []string{f.bsn, f.opn} {
		if _, err := r.Move(ctx, id, register.StatusOpen, "team", "echt incident"); err != nil {
			t.Fatal(err)
		}
	}
	clk.add(time.Hour)
	_, err = r.Assess(ctx, f.bsn, "fg", register.Answers{
		Flow: map[assessment.QuestionID]bool{
			assessment.QSecurityIncident: true, assessment.QPersonalData: true, assessment.QSensitive: true,
			assessment.QReadable: true, assessment.QRemedied: false, assessment.QDisproportionateEffort: false,
		},
		Details: map[string]string{
			"measures_taken":       "Account van de medewerker direct geblokkeerd; USB-poorten afgesloten.",
			"measures_planned":     "Exportrechten in het zaaksysteem beperken.",
			"consequences":         "Kans op identiteitsfraude.",
			"subjects_informed_on": "2026-11-27",
			"motivation":           "-BSN is gevoelig, dus melden",
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Assess(ctx, f.opn, "fg", register.Answers{Flow: map[assessment.QuestionID]bool{assessment.QSecurityIncident: true}}); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) summary(t *testing.T, id string) *register.Incident {
	t.Helper()
	in, err := f.r.Summary(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return in
}

func (f *fixture) all(t *testing.T) []*register.Incident {
	t.Helper()
	list, err := f.r.List(context.Background(), register.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	var out []*register.Incident
	for _, in := range list {
		out = append(out, f.summary(t, in.ID))
	}
	if len(out) != 3 {
		t.Fatalf("want 3 incidents, got %d", len(out))
	}
	return out
}

func mustContain(t *testing.T, doc string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(doc, w) {
			t.Errorf("document lacks %q:\n%s", w, doc)
		}
	}
}

func mustNotContain(t *testing.T, doc string, bad ...string) {
	t.Helper()
	for _, w := range bad {
		if strings.Contains(doc, w) {
			t.Errorf("document contains %q:\n%s", w, doc)
		}
	}
}

func TestSubjectsRange(t *testing.T) {
	for n, want := range map[int]string{0: "0", 1: "1", 2: "2-10", 10: "2-10", 11: "11-100", 100: "11-100", 101: "101-1.000",
		1000: "101-1.000", 1001: "1.001-10.000", 10000: "1.001-10.000", 10001: "10.001-100.000", 100000: "10.001-100.000", 100001: "meer dan 100.000"} {
		if got := SubjectsRange(n); got != want {
			t.Errorf("SubjectsRange(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestNoEvidenceText(t *testing.T) {
	f := setup(t)
	for _, id := range []string{f.bsn, f.opn, f.inj} {
		in := f.summary(t, id)
		m := NewAPMelding(org, in, in.Deadline.Add(time.Hour))
		b, _ := json.Marshal(m)
		var csvBuf bytes.Buffer
		if err := RegisterCSV(&csvBuf, org, []*register.Incident{in}, t0); err != nil {
			t.Fatal(err)
		}
		for name, doc := range map[string]string{"markdown": m.Markdown(), "json": string(b), "brief": Brief(org, in), "csv": csvBuf.String()} {
			for _, bad := range []string{evidenceBSN, "1234.56.782", evidenceLine, "first_bsn", "J. Jansen", "postfix line", "/logs/zaak"} {
				if strings.Contains(doc, bad) {
					t.Errorf("%s of %s contains evidence %q", name, id, bad)
				}
			}
		}
	}
	// Even when the Incident carries evidence (from Show), it is not rendered.
	shown, err := f.r.Show(context.Background(), f.bsn, "tester", "export")
	if err != nil {
		t.Fatal(err)
	}
	if len(shown.Evidence) == 0 {
		t.Fatal("Show gave no evidence")
	}
	md := NewAPMelding(org, shown, t0).Markdown() + Brief(org, shown)
	mustNotContain(t, md, evidenceBSN, "J. Jansen")
}

func readCSV(t *testing.T, data []byte) [][]string {
	t.Helper()
	if !bytes.HasPrefix(data, []byte("\ufeff")) {
		t.Fatal("CSV has no UTF-8 BOM")
	}
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\ufeff")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func col(t *testing.T, header string) int {
	t.Helper()
	i := slices.Index(Headers(), header)
	if i < 0 {
		t.Fatalf("no column %q", header)
	}
	return i
}

func TestRegisterCSV(t *testing.T) {
	f := setup(t)
	var buf bytes.Buffer
	if err := RegisterCSV(&buf, org, f.all(t), t0); err != nil {
		t.Fatal(err)
	}
	rows := readCSV(t, buf.Bytes())
	if len(rows) != 4 {
		t.Fatalf("want header and 3 rows, got %d", len(rows))
	}
	if !slices.Equal(rows[0], Headers()) {
		t.Errorf("header %q", rows[0])
	}
	for _, h := range []string{"Incidentnummer", "Status", "Ontdekt op", "Begin", "Einde", "Termijn AP (72 uur)", "Soort incident",
		"Detector", "Regel", "Ernst", "Omschrijving", "Soorten persoonsgegevens", "Gevoelige gegevens", "Aantal betrokkenen", "Groep betrokkenen", "Aantal records",
		"Gevolgen", "Genomen maatregelen", "Voorgenomen maatregelen", "Datalek (registreren)", "Gemeld bij AP (advies)",
		"Datum melding AP", "Meldnummer AP", "Reden late melding", "Betrokkenen geïnformeerd", "Datum informeren betrokkenen",
		"Beoordeeld door", "Beoordeeld op", "Versleuteld", "Motivering FG"} {
		col(t, h)
	}
	byID := map[string][]string{}
	for _, r := range rows[1:] {
		if len(r) != len(Headers()) {
			t.Fatalf("row has %d cells, want %d", len(r), len(Headers()))
		}
		byID[r[0]] = r
	}
	inj := byID[f.inj]
	if got := inj[col(t, "Omschrijving")]; got != "'"+injection {
		t.Errorf("formula not neutralised: %q", got)
	}
	b := byID[f.bsn]
	for h, want := range map[string]string{
		"Status": "beoordeeld", "Ontdekt op": "23-11-2026 09:00", "Termijn AP (72 uur)": "26-11-2026 09:00",
		"Soort incident": "kopiëren/exporteren van persoonsgegevens", "Soorten persoonsgegevens": "burgerservicenummer (BSN); naam",
		"Gevoelige gegevens": "ja", "Aantal betrokkenen": "120", "Datalek (registreren)": "ja",
		"Gemeld bij AP (advies)": "ja", "Betrokkenen geïnformeerd": "ja", "Datum informeren betrokkenen": "27-11-2026",
		"Beoordeeld door": "fg", "Beoordeeld op": "23-11-2026 11:00", "Versleuteld": "nee",
		"Motivering FG": "'-BSN is gevoelig, dus melden", "Ernst": "hoog",
	} {
		if got := b[col(t, h)]; got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	if got := byID[f.opn][col(t, "Datalek (registreren)")]; got != "nog niet beoordeeld" {
		t.Errorf("incomplete: %q", got)
	}
}

func TestSafeCell(t *testing.T) {
	for in, want := range map[string]string{"=1+1": "'=1+1", "+31": "'+31", "-2": "'-2", "@SUM(A1)": "'@SUM(A1)",
		"\tx": "'\tx", "\rx": "'\rx", "gewoon": "gewoon", "": ""} {
		if got := SafeCell(in); got != want {
			t.Errorf("SafeCell(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRegisterXLSX(t *testing.T) {
	f := setup(t)
	incidents := f.all(t)
	var x, c bytes.Buffer
	if err := RegisterXLSX(&x, org, incidents, t0); err != nil {
		t.Fatal(err)
	}
	if err := RegisterCSV(&c, org, incidents, t0); err != nil {
		t.Fatal(err)
	}
	want := readCSV(t, c.Bytes())
	wb, err := excelize.OpenReader(bytes.NewReader(x.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer wb.Close()
	if !slices.Contains(wb.GetSheetList(), SheetRegister) {
		t.Fatalf("sheets %v", wb.GetSheetList())
	}
	rows, err := wb.GetRows(SheetRegister)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(want) {
		t.Fatalf("xlsx has %d rows, csv %d", len(rows), len(want))
	}
	for i := range rows {
		r := rows[i]
		for len(r) < len(want[i]) { // GetRows drops trailing empty cells
			r = append(r, "")
		}
		if !slices.Equal(r, want[i]) {
			t.Errorf("row %d:\nxlsx %q\ncsv  %q", i, r, want[i])
		}
	}
	// The injected summary is a plain string, never a formula.
	for i := 2; i <= len(rows); i++ {
		cell, _ := excelize.CoordinatesToCellName(col(t, "Omschrijving")+1, i)
		if fm, _ := wb.GetCellFormula(SheetRegister, cell); fm != "" {
			t.Errorf("%s holds formula %q", cell, fm)
		}
		if typ, _ := wb.GetCellType(SheetRegister, cell); typ == excelize.CellTypeFormula {
			t.Errorf("%s is a formula cell", cell)
		}
	}
	info, err := wb.GetRows(SheetInfo)
	if err != nil || len(info) == 0 || info[0][1] != "Gemeente Voorbeeld" {
		t.Errorf("info sheet %q, %v", info, err)
	}
}

func TestEvidenceZip(t *testing.T) {
	f := setup(t)
	in, err := f.r.Show(context.Background(), f.bsn, "tester", "export")
	if err != nil {
		t.Fatal(err)
	}
	if len(in.Evidence) != 2 {
		t.Fatalf("want 2 evidence items, got %d", len(in.Evidence))
	}
	open := func(e register.Evidence) (io.ReadCloser, error) { return f.r.EvidenceFile(e) }
	var buf bytes.Buffer
	if err := EvidenceZip(&buf, in, open); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	files := map[string][]byte{}
	for _, zf := range zr.File {
		if strings.Contains(zf.Name, "..") || strings.HasPrefix(zf.Name, "/") || strings.Contains(zf.Name, `\`) {
			t.Fatalf("unsafe entry %q", zf.Name)
		}
		rc, err := zf.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		files[zf.Name] = data
		p := filepath.Join(dir, filepath.FromSlash(zf.Name))
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	var line, file string
	for _, e := range in.Evidence {
		switch e.Kind {
		case hit.EvidenceLine:
			line = EntryName(e)
		case hit.EvidenceFile:
			file = EntryName(e)
		}
	}
	if !strings.HasPrefix(line, "items/") || !strings.HasSuffix(line, ".log") {
		t.Errorf("line entry %q", line)
	}
	if !strings.HasPrefix(file, "files/") || !strings.HasSuffix(file, "-passwd") {
		t.Errorf("file entry %q", file)
	}
	if string(files[line]) != evidenceLine {
		t.Errorf("line item %q", files[line])
	}
	if string(files[file]) != fileContent {
		t.Errorf("file item %q", files[file])
	}

	var man Manifest
	if err := json.Unmarshal(files[ManifestName], &man); err != nil {
		t.Fatal(err)
	}
	if man.Incident != in.ID || len(man.Items) != 2 {
		t.Fatalf("manifest %+v", man)
	}
	for _, it := range man.Items {
		if it.SHA256 == "" || it.Name == "" || it.Source == "" || it.Size == 0 || it.ContentSHA256 != "" {
			t.Errorf("manifest item %+v", it)
		}
	}
	sums := string(files[SumsName])
	if strings.Count(sums, "\n") != 2 || !strings.Contains(sums, "  "+line+"\n") {
		t.Errorf("SHA256SUMS %q", sums)
	}

	if _, err := exec.LookPath("sha256sum"); err != nil {
		t.Skip("sha256sum not on PATH")
	}
	cmd := exec.Command("sha256sum", "-c", SumsName)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("sha256sum -c: %v\n%s", err, out)
	}
	if strings.Count(string(out), ": OK") != 2 {
		t.Errorf("sha256sum -c: %s", out)
	}
}

func TestSafeBase(t *testing.T) {
	for in, want := range map[string]string{
		"../../etc/passwd": "passwd", "/srv/exports/lijst.xlsx": "lijst.xlsx", `C:\Users\x\..\b c.csv`: "b_c.csv",
		"..": "bestand", "/": "bestand", "a..b": "a.b", ".hidden": "hidden", "x/../..": "bestand", "": "bestand",
	} {
		got := SafeBase(in)
		if got != want {
			t.Errorf("SafeBase(%q) = %q, want %q", in, got, want)
		}
		name := EntryName(register.Evidence{Seq: 3, Kind: hit.EvidenceFile, Source: in})
		if strings.Contains(name, "..") || checkEntryName(name) != nil {
			t.Errorf("unsafe entry %q", name)
		}
	}
}
