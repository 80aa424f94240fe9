package server

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/lekwacht/lekwacht/register"
)

// TestFGWalkInBrowser walks an FG through the register in a real headless Chromium: the list with
// every status, search, an incident, corrections, answers, the melding bij de AP as a page (every
// section filled or marked, copy buttons, print rules), the letter, closing, and the export; then
// the same pages on a phone (390 px), none wider than the screen. Screenshots at both widths are
// kept in $LEKWACHT_ARTIFACTS/TestFGWalkInBrowser.
func TestFGWalkInBrowser(t *testing.T) {
	exe := chromium(t)
	f := newWebFixture(t)
	ids := registerStory(t, f)
	id := ids["open"]
	dir := artifacts(t)
	ctx, step, text := openBrowser(t, exe, 90*time.Second)

	eval := func(what, js string) []string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](js))
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return v
	}
	shot := func(name string, full bool) {
		t.Helper()
		action := chromedp.CaptureScreenshot()
		if full {
			action = chromedp.FullScreenshot(100) // 100: PNG
		}
		png, err := chromedp.Run(ctx, action)
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	fits := func(page string) {
		t.Helper()
		w, err := chromedp.Run(ctx, chromedp.Evaluate[[]int](`[document.documentElement.scrollWidth, window.innerWidth]`))
		if err != nil {
			t.Fatal(err)
		}
		if w[0] > w[1] {
			t.Errorf("%s is %d px wide in a %d px window: it scrolls sideways", page, w[0], w[1])
		}
	}
	rows := func() []string {
		t.Helper()
		return eval("the list's rows", `[...document.querySelectorAll("#incident-list tr[data-id]")].map(r => r.dataset.id)`)
	}
	has := func(where, got string, want ...string) {
		t.Helper()
		for _, w := range want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: %q lacks %q", where, got, w)
			}
		}
	}

	// The register: every status has its view; the FG sees drafts too.
	step("log in as the FG",
		chromedp.Navigate(f.web.URL+"/"), chromedp.WaitVisible(chromedp.ID("token")),
		chromedp.SendKeys(chromedp.ID("token"), f.secrets[RoleFG]),
		chromedp.Click(chromedp.ID("login-submit")),
		chromedp.WaitVisible(chromedp.ID("incident-list")))
	has("the title", text("#register-title"), "Datalekregister")
	if got, want := rows(), []string{ids["concept"], ids["open"], ids["beoordeeld"], ids["gemeld"], ids["geen-datalek"]}; !sameSet(got, want) {
		t.Errorf("te behandelen: %v, want %v", got, want)
	}
	shot("01-register-1280.png", true)
	for view, want := range map[string][]string{
		"concept": {ids["concept"]}, "open": {ids["open"]}, "gemeld": {ids["gemeld"]}, "afgesloten": {ids["afgesloten"]},
		"afgewezen": {ids["afgewezen"]}, "geen-datalek": {ids["geen-datalek"]},
		"beoordeeld": {ids["beoordeeld"], ids["gemeld"], ids["geen-datalek"]},
	} {
		step("the view "+view, chromedp.Click(chromedp.ID("view-"+view)),
			chromedp.WaitVisible(chromedp.CSS(`#view-`+view+`[aria-current="page"]`)))
		if got := rows(); !sameSet(got, want) {
			t.Errorf("view %s: %v, want %v", view, got, want)
		}
	}
	step("all", chromedp.Click(chromedp.ID("view-alle")), chromedp.WaitVisible(chromedp.CSS(`#view-alle[aria-current="page"]`)))
	if got := rows(); len(got) != len(ids) {
		t.Errorf("all: %d rows, want %d", len(got), len(ids))
	}
	has("the register", text("#incident-list"), "afgesloten", "afgewezen", "beoordeeld · geen datalek", "beoordeeld · gemeld bij de AP",
		"gemeld bij de AP op 21-11-2026", "40 verschillende bestanden binnen 10 minuten")
	step("search", chromedp.SendKeys(chromedp.ID("q"), "privé"), chromedp.Click(chromedp.ID("search-submit")),
		chromedp.WaitVisible(chromedp.ID("search-clear")))
	if got := rows(); !slices.Equal(got, []string{ids["beoordeeld"]}) {
		t.Errorf("search privé: %v", got)
	}

	// The incident: who is on, the corrections, the answers.
	step("open the incident", chromedp.Navigate(f.web.URL+"/incidents/"+id), chromedp.WaitVisible(chromedp.ID("assessment-form")))
	has("next step", text("#next-step"), "de FG beoordeelt")
	step("correct the estimate",
		chromedp.Click(chromedp.CSS("#corrections-details > summary")), chromedp.WaitVisible(chromedp.ID("c-subjects-min")),
		chromedp.SetValue(chromedp.ID("c-subjects-min"), "240"), chromedp.SetValue(chromedp.ID("c-subjects-max"), "260"),
		chromedp.SetValue(chromedp.ID("c-group"), "inwoners"), chromedp.SetValue(chromedp.ID("c-records"), "250"),
		chromedp.Click(chromedp.ID("c-cat-name")),
		chromedp.SendKeys(chromedp.ID("c-reason"), "telling in het zaaksysteem"),
		chromedp.Click(chromedp.ID("corrections-submit")), chromedp.WaitVisible(chromedp.ID("flash")))
	has("the correction", text("#flash"), "Correctie vastgelegd", "aantal betrokkenen 240 tot 260")
	has("the facts", text("#facts"), "240 tot 260 (gecorrigeerd)", "inwoners", "naam")
	has("the history", text("#history-table"), "telling in het zaaksysteem")
	shot("02-incident-corrected-1280.png", true)
	for _, a := range []string{"security_incident-yes", "personal_data-yes", "sensitive-yes", "readable-yes", "remedied-no", "disproportionate_effort-no"} {
		step("answer "+a, chromedp.Click(chromedp.ID("q-"+a)))
	}
	step("the details",
		chromedp.SendKeys(chromedp.ID("d-consequences"), "Kans op identiteitsfraude met de BSN's."),
		chromedp.SendKeys(chromedp.ID("d-measures_taken"), "Account bvos2 geblokkeerd; medewerker gehoord."),
		chromedp.SendKeys(chromedp.ID("d-subjects_informed_on"), "01-12-2026"),
		chromedp.Click(chromedp.ID("assessment-submit")), chromedp.WaitVisible(chromedp.ID("flash")))
	has("the outcome", text("#outcome-summary"), "registreren, melden bij de AP, betrokkenen informeren")
	if v := eval("the date", `[document.getElementById("d-subjects_informed_on").value]`); v[0] != "01-12-2026" {
		t.Errorf("the date reads %q, want 01-12-2026", v[0])
	}

	// The melding bij de AP as a page.
	step("the AP-melding page", chromedp.Click(chromedp.ID("ap-melding-link")), chromedp.WaitVisible(chromedp.ID("ap-title")))
	sections := eval("sections", `[...document.querySelectorAll("section.ap-section")].map(s => s.id.replace("section-", ""))`)
	if !slices.Equal(sections, apSectionIDs) {
		t.Errorf("sections %v, want %v", sections, apSectionIDs)
	}
	bad := eval("fields", `[...document.querySelectorAll(".ap-field")].filter(f => {
		const v = f.querySelector(".value").textContent.trim();
		return v === "" || f.classList.contains("missing") !== v.startsWith("[in te vullen door FG");
	}).map(f => f.id)`)
	if len(bad) > 0 {
		t.Errorf("fields neither filled nor marked: %v", bad)
	}
	for field, want := range map[string]string{
		"ap-betrokkenen-minimum": "240", "ap-betrokkenen-maximum": "260", "ap-betrokkenen-groep": "inwoners",
		"ap-gegevens-aantal-records": "250", "ap-vervolg-datum-informeren": "01-12-2026",
	} {
		has("field "+field, text("#"+field), want)
	}
	has("encryption after question 4", text("#ap-beveiliging-versleuteld"), "nee, de gegevens waren leesbaar")
	step("copy a field", chromedp.Click(chromedp.CSS(`button.copy[data-copy="ap-melding-soort"]`)),
		chromedp.Poll[chromedp.Void](`document.querySelector('button.copy[data-copy="ap-melding-soort"]').textContent !== "Kopieer"`))
	if got := eval("copied", `[document.documentElement.dataset.copied]`); got[0] != text("#ap-melding-soort") {
		t.Errorf("copied %q", got[0])
	}
	hidden := eval("print rules", `[...document.styleSheets].flatMap(s => [...s.cssRules]).filter(r => r.media && r.media.mediaText === "print")
		.map(r => r.cssText).filter(c => c.includes("button.copy") && c.includes("header.top") && c.includes("display: none"))`)
	if len(hidden) == 0 {
		t.Error("no print rules that hide the header and the copy buttons")
	}
	shot("03-ap-melding-1280.png", true)

	// The letter: nothing internal from the FG's notes.
	step("the letter", chromedp.Navigate(f.web.URL+"/incidents/"+id+"/brief"), chromedp.WaitVisible(chromedp.ID("letter")))
	letter := text("#letter")
	has("the letter", letter, "Gemeente Voorbeeld")
	for _, internal := range []string{"bvos2", "medewerker gehoord", "a.bakker"} {
		if strings.Contains(letter, internal) {
			t.Errorf("the letter holds the internal %q", internal)
		}
	}
	shot("04-brief-1280.png", true)

	// Close, then export the register.
	step("close", chromedp.Navigate(f.web.URL+"/incidents/"+id), chromedp.WaitVisible(chromedp.ID("close-form")),
		chromedp.SendKeys(chromedp.ID("close-reason"), "melding gedaan, brieven verstuurd"),
		chromedp.Click(chromedp.ID("close-submit")), chromedp.WaitVisible(chromedp.ID("flash")))
	has("after closing", text("#incident-title"), "afgesloten")
	has("the history", text("#history-table"), "beoordeeld → afgesloten", "melding gedaan, brieven verstuurd")
	if in, err := f.reg.Get(context.Background(), id); err != nil || in.Status != register.StatusClosed {
		t.Fatalf("after closing: %v %v", in, err)
	}
	step("the export", chromedp.Navigate(f.web.URL+"/?view=afgesloten"), chromedp.WaitVisible(chromedp.ID("export-csv-semicolon")),
		chromedp.Evaluate[chromedp.Void](`window.exported = ""; fetch(document.getElementById("export-csv-semicolon").href)
			.then(r => r.text()).then(t => { window.exported = t; })`),
		chromedp.Poll[chromedp.Void](`window.exported !== ""`))
	csv := eval("the csv", `[window.exported]`)[0] // the byte order mark is read by fetch (TestWebRegisterExport checks it)
	if !strings.HasPrefix(csv, "Incidentnummer;Status;") || !strings.Contains(csv, id+";afgesloten") || !strings.Contains(csv, ids["afgesloten"]) {
		t.Errorf("the export: %.200q", csv)
	}
	step("the xlsx", chromedp.Evaluate[chromedp.Void](`window.xlsx = ""; fetch(document.getElementById("export-xlsx").href)
			.then(r => { window.xlsx = r.status + " " + r.headers.get("content-type"); })`),
		chromedp.Poll[chromedp.Void](`window.xlsx !== ""`))
	if got := eval("the xlsx", `[window.xlsx]`)[0]; got != "200 application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
		t.Errorf("the xlsx export: %s", got)
	}

	// A phone: the same pages, none wider than the screen; the list as cards.
	step("a phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile),
		chromedp.Navigate(f.web.URL+"/?view=alle"), chromedp.WaitVisible(chromedp.ID("incident-list")))
	fits("the register at 390 px")
	if d := eval("cards", `[getComputedStyle(document.querySelector("#incident-list thead")).display,
		getComputedStyle(document.querySelector("#incident-list tr[data-id]")).display]`); !slices.Equal(d, []string{"none", "block"}) {
		t.Errorf("the list at 390 px: thead %s, rows %s; want cards", d[0], d[1])
	}
	overflowing := eval("boxes", `[...document.querySelectorAll("#incident-list td, nav.views a")].filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.textContent.trim())`)
	if len(overflowing) > 0 {
		t.Errorf("values spill out of their boxes at 390 px: %q", overflowing)
	}
	if split := eval("cells", `[...document.querySelectorAll("#incident-list td")].filter(td => {
		const kids = [...td.childNodes].filter(n => n.nodeType === 1 || n.textContent.trim() !== "");
		return kids.length > 1;
	}).map(td => td.dataset.label)`); len(split) > 0 {
		t.Errorf("card cells with more than one value (they break the card's grid): %v", split)
	}
	shot("05-register-390.png", false)
	shot("05-register-390-full.png", true)
	for _, p := range []struct{ name, path, wait string }{
		{"06-incident-390", "/incidents/" + id, "history-table"},
		{"07-ap-melding-390", "/incidents/" + id + "/ap-melding", "ap-title"},
		{"08-brief-390", "/incidents/" + id + "/brief", "letter"},
	} {
		step(p.name, chromedp.Navigate(f.web.URL+p.path), chromedp.WaitVisible(chromedp.ID(p.wait)))
		fits(p.name)
		shot(p.name+".png", false)
		shot(p.name+"-full.png", true)
	}
	t.Logf("screenshots in %s", dir)
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}
