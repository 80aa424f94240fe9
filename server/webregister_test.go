package server

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/csv"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/lekwacht/lekwacht/assessment"
	"github.com/lekwacht/lekwacht/register"
	"github.com/xuri/excelize/v2"
)

// registerStory puts one incident in each place of the register: a draft, an open one, an assessed
// one to report, one reported to the AP, a closed one, a dismissed one and one the FG found no
// datalek. It returns them by view key.
func registerStory(t *testing.T, f *webFixture) map[string]string {
	t.Helper()
	ctx := context.Background()
	ids := map[string]string{"concept": f.ids[0], "open": f.ids[1]}
	f.open(t, ids["open"])
	leak := map[assessment.QuestionID]bool{"security_incident": true, "personal_data": true, "sensitive": true, "readable": true,
		"remedied": false, "disproportionate_effort": false}
	assess := func(id string, flow map[assessment.QuestionID]bool, details map[string]string) {
		t.Helper()
		f.open(t, id)
		if _, err := f.reg.Assess(ctx, id, "fg.gerritsen", register.Answers{Flow: flow, Details: details}); err != nil {
			t.Fatal(err)
		}
	}
	ids["beoordeeld"] = addIncident(t, f.reg, "p.smit", "private_mail", "private", t0, "bijlage naar privé-adres gestuurd")
	assess(ids["beoordeeld"], leak, nil)
	ids["gemeld"] = addIncident(t, f.reg, "k.jong", "misdirected_mail", "mis", t0, "mail aan verkeerde ontvanger")
	assess(ids["gemeld"], leak, map[string]string{"ap_reported_on": "2026-11-21", "ap_reference": "M-123"})
	ids["afgesloten"] = addIncident(t, f.reg, "r.visser", "threshold", "bulk", t0, "Veel bestanden: 40 verschillende waarden van file.path binnen 10m0s (drempel 30)")
	assess(ids["afgesloten"], leak, nil)
	if _, err := f.reg.Move(ctx, ids["afgesloten"], register.StatusClosed, "fg.gerritsen", "afgehandeld"); err != nil {
		t.Fatal(err)
	}
	ids["afgewezen"] = addIncident(t, f.reg, "m.bos", "record_snooping", "snoop", t0, "12 dossiers bekeken")
	if _, err := f.reg.Move(ctx, ids["afgewezen"], register.StatusDismissed, "sec.jansen", "eigen zaak"); err != nil {
		t.Fatal(err)
	}
	ids["geen-datalek"] = addIncident(t, f.reg, `VOORBEELD\lotte.van.der.meer-dijkstra.gemeentevoorbeeld`, "mass_deletion", "del", t0, "veel verwijderd")
	assess(ids["geen-datalek"], map[assessment.QuestionID]bool{"security_incident": false}, nil)
	return ids
}

func TestWebRegisterViews(t *testing.T) {
	f := newWebFixture(t)
	ids := registerStory(t, f)
	b := f.browser(t)
	b.login(f.secrets[RoleFG])
	want := map[string][]string{
		"te-behandelen": {ids["concept"], ids["open"], ids["beoordeeld"], ids["gemeld"], ids["geen-datalek"]},
		"concept":       {ids["concept"]},
		"open":          {ids["open"]},
		"beoordeeld":    {ids["beoordeeld"], ids["gemeld"], ids["geen-datalek"]},
		"gemeld":        {ids["gemeld"]},
		"afgesloten":    {ids["afgesloten"]},
		"afgewezen":     {ids["afgewezen"]},
		"geen-datalek":  {ids["geen-datalek"]},
		"alle":          {ids["concept"], ids["open"], ids["beoordeeld"], ids["gemeld"], ids["afgesloten"], ids["afgewezen"], ids["geen-datalek"]},
	}
	for view, in := range want {
		resp, body := b.get("/?view=" + view)
		if resp.StatusCode != 200 {
			t.Fatalf("view %s: %d", view, resp.StatusCode)
		}
		for name, id := range ids {
			shown := strings.Contains(body, `data-id="`+id+`"`)
			if shown != contains(in, id) {
				t.Errorf("view %s: %s (%s) shown %v, want %v", view, name, id, shown, !shown)
			}
		}
	}
	_, body := b.get("/?view=alle")
	for _, s := range []string{"beoordeeld · gemeld bij de AP", "beoordeeld · geen datalek", "40 verschillende bestanden binnen 10 minuten",
		"gemeld bij de AP op 21-11-2026", `id="view-afgewezen" class="view" title="geen incident volgens het securityteam (vals alarm), met de reden">Afgewezen <span class="count">1</span>`} {
		if !strings.Contains(body, s) && !strings.Contains(body, strings.ReplaceAll(s, "·", "&middot;")) {
			t.Errorf("the register lacks %q", s)
		}
	}
	if strings.Contains(body, "file.path") || strings.Contains(body, "10m0s") || strings.Contains(body, "2026-11-21") {
		t.Error("the register shows a field name, a Go duration or a date as jjjj-mm-dd")
	}
	// Search: every word, in any field, any case; the view is kept.
	_, body = b.get("/?view=alle&q=" + url.QueryEscape("PRIVÉ p.smit"))
	if !strings.Contains(body, `data-id="`+ids["beoordeeld"]+`"`) || strings.Contains(body, `data-id="`+ids["gemeld"]+`"`) {
		t.Error("search for PRIVÉ p.smit")
	}
	_, body = b.get("/?view=afgewezen&q=zzz")
	if !strings.Contains(body, `id="no-incidents"`) {
		t.Error("a search that matches nothing")
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestWebRegisterExport(t *testing.T) {
	f := newWebFixture(t)
	ids := registerStory(t, f)
	b := f.browser(t)
	b.login(f.secrets[RoleFG])
	resp, body := b.get("/register.csv?view=alle&sep=%3B")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") ||
		!strings.Contains(resp.Header.Get("Content-Disposition"), "datalekregister-alle-20-11-2026.csv") {
		t.Fatalf("csv: %d %v", resp.StatusCode, resp.Header)
	}
	if !strings.HasPrefix(body, "\ufeffIncidentnummer;Status;Ontdekt op;") {
		t.Errorf("csv with semicolons starts %q", body[:min(60, len(body))])
	}
	rd := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\ufeff")))
	rd.Comma = ';'
	rows, err := rd.ReadAll()
	if err != nil || len(rows) != 1+len(ids) {
		t.Fatalf("csv: %d rows, %v; want a header and %d incidents", len(rows), err, len(ids))
	}
	_, body = b.get("/register.csv?view=afgewezen")
	if rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\ufeff"))).ReadAll(); err != nil || len(rows) != 2 || rows[1][0] != ids["afgewezen"] {
		t.Errorf("csv of the view afgewezen, commas: %v %v", rows, err)
	}
	resp, body = b.get("/register.xlsx?view=gemeld")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
		t.Fatalf("xlsx: %d %v", resp.StatusCode, resp.Header)
	}
	x, err := excelize.OpenReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	sheet, err := x.GetRows("Datalekregister")
	if err != nil || len(sheet) != 2 || sheet[0][0] != "Incidentnummer" || sheet[1][0] != ids["gemeld"] {
		t.Errorf("xlsx rows %v %v", sheet, err)
	}
	access, _ := f.reg.AccessLog(context.Background(), ids["gemeld"])
	if n := len(access); n < 2 || access[n-1].Action != "web register.xlsx" || access[n-1].By != "fg.gerritsen" {
		t.Errorf("the export is not in the access log: %+v", access)
	}
	// The security team may not export; the refusal says who can.
	a := f.browser(t)
	a.login(f.secrets[RoleAnalyst])
	resp, body = a.get("/register.csv")
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "alleen de FG of een beheerder kan het datalekregister exporteren") {
		t.Errorf("analyst export: %d", resp.StatusCode)
	}
	if _, body = a.get("/"); !strings.Contains(body, `id="export-refused"`) || strings.Contains(body, `id="export-csv"`) {
		t.Error("the security team's list offers the export")
	}
}

func TestWebCloseRevertEvidence(t *testing.T) {
	f := newWebFixture(t)
	ids := registerStory(t, f)
	ctx := context.Background()
	fg, admin := f.browser(t), f.browser(t)
	fg.login(f.secrets[RoleFG])
	admin.login(f.secrets[RoleAdmin])

	// Close: a reason is needed; an open incident cannot be closed yet, and the message says why.
	_, body := fg.get("/incidents/" + ids["beoordeeld"])
	if !strings.Contains(body, `id="close-form"`) || strings.Contains(body, `id="revert-form"`) {
		t.Error("the FG's page of an assessed incident: want the close form and no revert form")
	}
	fg.post("/incidents/"+ids["beoordeeld"]+"/close", url.Values{"csrf": {fg.csrf}, "reason": {" "}})
	if _, body = fg.get("/incidents/" + ids["beoordeeld"]); !strings.Contains(body, "geef een reden voor het afsluiten") {
		t.Error("close without a reason")
	}
	fg.post("/incidents/"+ids["open"]+"/close", url.Values{"csrf": {fg.csrf}, "reason": {"klaar"}})
	if _, body = fg.get("/incidents/" + ids["open"]); !strings.Contains(body, "kan pas als de FG het stroomschema heeft doorlopen") {
		t.Errorf("closing an open incident: no message saying who moves it on")
	}
	fg.post("/incidents/"+ids["beoordeeld"]+"/close", url.Values{"csrf": {fg.csrf}, "reason": {"brief verstuurd, maatregelen genomen"}})
	if in, _ := f.reg.Get(ctx, ids["beoordeeld"]); in.Status != register.StatusClosed {
		t.Fatalf("status %s after close, want closed", in.Status)
	}
	if _, body = fg.get("/incidents/" + ids["beoordeeld"]); !strings.Contains(body, "beoordeeld → afgesloten") || !strings.Contains(body, "brief verstuurd, maatregelen genomen") {
		t.Error("the history lacks the close")
	}

	// Revert: only an admin; the history keeps the triage and its revert.
	if _, body = fg.get("/incidents/" + ids["afgewezen"]); strings.Contains(body, `id="revert-form"`) {
		t.Error("the FG is offered the revert form")
	}
	resp, body := fg.post("/incidents/"+ids["afgewezen"]+"/revert", url.Values{"csrf": {fg.csrf}, "reason": {"x"}})
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "alleen een beheerder kan een besluit van het securityteam terugdraaien") {
		t.Errorf("FG revert: %d", resp.StatusCode)
	}
	if _, body = admin.get("/incidents/" + ids["afgewezen"]); !strings.Contains(body, `id="revert-form"`) {
		t.Fatal("the admin's page of a dismissed incident lacks the revert form")
	}
	admin.post("/incidents/"+ids["afgewezen"]+"/revert", url.Values{"csrf": {admin.csrf}, "reason": {"toch een zaak van een ander"}})
	_, body = admin.get("/incidents/" + ids["afgewezen"])
	for _, s := range []string{"concept → afgewezen", "eigen zaak", "besluit teruggedraaid: afgewezen → concept", "toch een zaak van een ander", `id="triage-form"`} {
		if !strings.Contains(body, s) {
			t.Errorf("after the revert the page lacks %q", s)
		}
	}

	// The evidence zip: the original line and its sum, the download in the access log in Dutch.
	resp, body = fg.get("/incidents/" + ids["open"] + "/evidence.zip")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/zip" {
		t.Fatalf("evidence zip: %d", resp.StatusCode)
	}
	zr, err := zip.NewReader(bytes.NewReader([]byte(body)), int64(len(body)))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range zr.File {
		names = append(names, e.Name)
		if strings.HasPrefix(e.Name, "items/") {
			rc, _ := e.Open()
			line, _ := io.ReadAll(rc)
			rc.Close()
			if string(line) != `{"action":"export.csv","count":250}` {
				t.Errorf("evidence item %s: %q", e.Name, line)
			}
		}
	}
	if !contains(names, "manifest.json") || !contains(names, "SHA256SUMS") {
		t.Errorf("zip entries %v", names)
	}
	_, body = fg.get("/incidents/" + ids["open"])
	for _, s := range []string{"bewijs gedownload (zip met SHA-256-sommen)", "bekeken op de pagina", "aangemaakt als concept", "lekwacht (automatisch)"} {
		if !strings.Contains(body, s) {
			t.Errorf("the incident page lacks %q", s)
		}
	}
	for _, s := range []string{"web show", "web evidence.zip", ">draft<", ">open →"} {
		if strings.Contains(body, s) {
			t.Errorf("the incident page shows %q", s)
		}
	}
}
