package bulkbsn

import (
	"archive/zip"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lekwacht/lekwacht/bsn"
	"github.com/lekwacht/lekwacht/event"
	"github.com/lekwacht/lekwacht/hit"
	"github.com/lekwacht/lekwacht/rules"
	"github.com/xuri/excelize/v2"
)

// validBSNs makes n distinct numbers that pass the elfproef.
func validBSNs(n int, seed uint64) []string {
	rng := rand.New(rand.NewPCG(seed, 1))
	var out []string
	for len(out) < n {
		d := fmt.Sprintf("%08d", 10000000+rng.IntN(89999999))
		sum := 0
		for i := range 8 {
			sum += (9 - i) * int(d[i]-'0')
		}
		if c := sum % 11; c < 10 {
			out = append(out, d+fmt.Sprint(c))
		}
	}
	return out
}

func detector(t *testing.T) *Detector {
	t.Helper()
	r, err := rules.Parse([]byte("id: b\ntitle: B\nstatus: test\nlevel: high\ndetector: bulk_bsn_export\ncategories: [name]\nparams: {min_count: 100, min_bsns: 25}\n"), "b.yaml")
	if err != nil {
		t.Fatal(err)
	}
	d, err := New(r, 100)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func fileEvent(p string) *event.Event {
	return &event.Event{Time: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC), Event: event.Kind{Category: event.CategoryFile, Action: event.ActionCreate},
		User: event.User{Name: "a.bakker"}, File: &event.File{Path: p}, Log: event.Log{Input: "watch"}}
}

func TestFiles(t *testing.T) {
	dir := t.TempDir()
	nums := validBSNs(40, 7)
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(content), 0o600)
		return p
	}
	var csv, dotted, noise strings.Builder
	csv.WriteString("bsn;naam;postcode\n")
	for i, n := range nums {
		fmt.Fprintf(&csv, "%s;Persoon %d;1234AB\n", n, i)
		fmt.Fprintf(&dotted, "klant %d: %s.%s.%s\n", i, n[:4], n[4:6], n[6:])
		fmt.Fprintf(&noise, "order %d: %d\n", i, 100000000+i*7919) // nine digits, mostly no BSN
	}
	// A short list with a BSN column: reported from one number on.
	column := "Burgerservicenummer,Naam\n" + nums[0] + ",Jansen\n" + nums[1] + ",De Vries\n"
	cases := []struct {
		name, path string
		want       int // valid BSNs reported, 0 for no hit
	}{
		{"csv export with a header", write("export.csv", csv.String()), 40},
		{"dotted numbers in a text file", write("lijst.txt", dotted.String()), 40},
		{"order numbers", write("orders.txt", noise.String()), 0},
		{"short list with a BSN column", write("kort.csv", column), 2},
		{"an image is not read", write("foto.jpg", csv.String()), 0},
		{"xlsx", writeXLSX(t, filepath.Join(dir, "lijst.xlsx"), nums), 40},
		{"docx", writeDocx(t, filepath.Join(dir, "brief.docx"), nums), 40},
	}
	d := detector(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			hits := d.Observe(fileEvent(c.path))
			if c.want == 0 {
				if len(hits) != 0 {
					t.Fatalf("reported: %+v", hits)
				}
				return
			}
			if len(hits) != 1 || hits[0].Subjects != c.want {
				t.Fatalf("hits %+v, want one with %d betrokkenen", hits, c.want)
			}
			h := hits[0]
			if h.Evidence[0].Kind != hit.EvidenceFile || h.Evidence[0].File != c.path || h.Pattern != "file-bsns" {
				t.Errorf("evidence %+v: want the file itself", h.Evidence)
			}
			for _, n := range nums {
				if strings.Contains(h.Summary, n) {
					t.Fatalf("a BSN in the summary: %s", h.Summary)
				}
			}
			if err := h.Validate(); err != nil {
				t.Error(err)
			}
		})
	}
}

func writeXLSX(t *testing.T, p string, nums []string) string {
	f := excelize.NewFile()
	f.SetCellValue("Sheet1", "A1", "BSN")
	f.SetCellValue("Sheet1", "B1", "Naam")
	for i, n := range nums {
		f.SetCellValue("Sheet1", fmt.Sprintf("A%d", i+2), n)
		f.SetCellValue("Sheet1", fmt.Sprintf("B%d", i+2), fmt.Sprint("Persoon ", i))
	}
	if err := f.SaveAs(p); err != nil {
		t.Fatal(err)
	}
	return p
}

func writeDocx(t *testing.T, p string, nums []string) string {
	out, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	z := zip.NewWriter(out)
	w, _ := z.Create("word/document.xml")
	fmt.Fprint(w, `<?xml version="1.0"?><w:document><w:body>`)
	for _, n := range nums {
		fmt.Fprintf(w, `<w:p><w:r><w:t>BSN</w:t></w:r><w:r><w:t>%s</w:t></w:r></w:p>`, n)
	}
	fmt.Fprint(w, `</w:body></w:document>`)
	z.Close()
	out.Close()
	return p
}

func TestExports(t *testing.T) {
	d := detector(t)
	ev := func(count int64) *event.Event {
		return &event.Event{Time: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC), Event: event.Kind{Category: event.CategoryApplication, Action: event.ActionExport},
			User: event.User{Name: "a.bakker"}, App: &event.App{Name: "zaaksysteem", Count: count}, Log: event.Log{Path: "/logs/zaak.jsonl", Original: "export"}}
	}
	if hits := d.Observe(ev(99)); len(hits) != 0 {
		t.Fatalf("99 records reported: %+v", hits)
	}
	hits := d.Observe(ev(412))
	if len(hits) != 1 || hits[0].Subjects != 412 || hits[0].Pattern != "app-export" || hits[0].Evidence[0].Kind != hit.EvidenceLine {
		t.Fatalf("412 records: %+v", hits)
	}
	if c := hits[0].Categories; len(c) != 2 || c[1] != hit.CategoryBSN {
		t.Errorf("categories %v: the rule's and bsn", c)
	}
}

func TestInspectReadsCellsApart(t *testing.T) {
	// Two numbers in adjacent cells must not run together into one long digit run.
	nums := validBSNs(2, 3)
	p := writeXLSX(t, filepath.Join(t.TempDir(), "x.xlsx"), nums)
	res, err := Inspect(p, bsn.Options{})
	if err != nil || res.Valid != 2 {
		t.Fatalf("%+v %v", res, err)
	}
}

func TestCopyToRemovableMedia(t *testing.T) {
	d := detector(t)
	dir := t.TempDir()
	var csv strings.Builder
	csv.WriteString("bsn;naam\n")
	for _, n := range validBSNs(30, 9) {
		fmt.Fprintf(&csv, "%s;x\n", n)
	}
	p := filepath.Join(dir, "Lijst.csv")
	os.WriteFile(p, []byte(csv.String()), 0o600)
	if hits := d.Observe(fileEvent(p)); len(hits) != 1 {
		t.Fatalf("the watched export: %+v", hits)
	}
	at := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	win := func(action event.Action, cat event.Category, path string, dev *event.Device, min int) *event.Event {
		ev := &event.Event{Time: at.Add(time.Duration(min) * time.Minute), Event: event.Kind{Category: cat, Action: action},
			User: event.User{Name: "a.bakker"}, Host: event.Host{Name: "WS-0042"}, Device: dev, Log: event.Log{Path: "/logs/win.ndjson", Original: fmt.Sprint(action, path)}}
		if path != "" {
			ev.File = &event.File{Path: path}
		}
		return ev
	}
	usb := &event.Device{Class: "DiskDrive", Description: "SanDisk Cruzer USB Device"}
	// written to E: before any stick was attached: nothing
	if hits := d.Observe(win(event.ActionWrite, event.CategoryFile, `E:\lijst.csv`, nil, 0)); len(hits) != 0 {
		t.Fatalf("no device attached, still reported: %+v", hits)
	}
	d.Observe(win(event.ActionAttach, event.CategoryDevice, "", usb, 1))
	if hits := d.Observe(win(event.ActionWrite, event.CategoryFile, `E:\vakantie.jpg`, nil, 2)); len(hits) != 0 {
		t.Fatalf("a file not known to hold BSNs: %+v", hits)
	}
	hits := d.Observe(win(event.ActionWrite, event.CategoryFile, `E:\backup\LIJST.csv`, nil, 3))
	if len(hits) != 1 || hits[0].Pattern != "removable-media" || hits[0].Severity != hit.SeverityCritical || hits[0].Subjects != 30 || len(hits[0].Evidence) != 2 {
		t.Fatalf("copy of the BSN list to the stick: %+v", hits)
	}
}
