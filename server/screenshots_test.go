package server

import (
	"context"
	"flag"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/lekwacht/lekwacht/config"
	"github.com/lekwacht/lekwacht/documents"
	"github.com/lekwacht/lekwacht/esindex"
	"github.com/lekwacht/lekwacht/esindex/estest"
	"github.com/lekwacht/lekwacht/hit"
	"github.com/lekwacht/lekwacht/register"
)

var updateScreenshots = flag.Bool("update-screenshots", false, "write the README's screenshots to docs/screenshots/ (make screenshots)")

// screenshotDir is where the README's screenshots are kept.
const screenshotDir = "../docs/screenshots"

// TestScreenshotsTriageInKibana walks the README's way through triage in Kibana in a headless
// Chromium, on simulated data, and takes the screenshots of lekwacht's pages it shows: the link in
// Kibana leads to the login (01), then to the draft's page (02); the analyst sets the draft's case
// in progress in Kibana with a note (the in-test Kibana: there is no real one here); one poll of the
// case sync opens the incident, and its page shows the decision (03) with who, when and why in the
// history (04). With -update-screenshots (make screenshots) they are written to docs/screenshots/,
// else to the test's artifacts.
func TestScreenshotsTriageInKibana(t *testing.T) {
	exe := chromium(t)
	dir := artifacts(t)
	if *updateScreenshots {
		dir = screenshotDir
	}
	ctx := context.Background()
	var mu sync.Mutex
	now := time.Date(2026, 11, 20, 9, 40, 0, 0, time.UTC) // the draft's discovery
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	later := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	amsterdam, err := time.LoadLocation("Europe/Amsterdam")
	if err != nil {
		t.Fatal(err)
	}
	reg, err := register.Open(ctx, t.TempDir(), register.Options{Now: clock, Location: amsterdam, Outbox: esindex.CasesOutbox})
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Close()
	at := time.Date(2026, 11, 20, 9, 12, 0, 0, time.UTC)
	res, err := reg.Add(ctx, []hit.Hit{{Detector: "bulk_bsn_export", Rule: "lw-bulk-bsn-export", Severity: hit.SeverityHigh,
		User: "a.bakker", Pattern: "export", Hosts: []string{"WS-0101"}, Time: at, Window: time.Hour, Subjects: 250,
		Categories: []hit.Category{hit.CategoryBSN}, Summary: "export van 250 records met BSN uit het zaaksysteem",
		Evidence: []hit.Evidence{{Kind: hit.EvidenceLine, Input: "zaak", Source: "/var/log/zaak/audit.jsonl", Offset: 40960, Time: at,
			Text: `{"action":"zaak.export","format":"csv","count":250,"user":"a.bakker"}`}}}})
	if err != nil {
		t.Fatal(err)
	}
	id := res[0].Incident

	tokens := filepath.Join(t.TempDir(), "tokens.yaml")
	secret, err := AddToken(tokens, "sec.jansen", RoleAnalyst)
	if err != nil {
		t.Fatal(err)
	}
	tk, err := LoadTokens(tokens)
	if err != nil {
		t.Fatal(err)
	}
	web := httptest.NewServer(New(Options{Register: reg, Tokens: func() *Tokens { return tk }, Now: clock,
		Organisation: config.Organisation{Name: "Gemeente Voorbeeld", Timezone: "Europe/Amsterdam"},
		Log:          slog.New(slog.DiscardHandler), People: testPeople(t, reg)}))
	defer web.Close()

	kb, kibana := estest.NewCases()
	defer kibana.Close()
	kb.Now = clock
	cases, err := esindex.NewCaseSync(reg, esindex.CaseOptions{URL: kibana.URL, Dir: t.TempDir(), PublicURL: web.URL, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := cases.Push(ctx); err != nil || n != 1 {
		t.Fatalf("push: %d %v, want the draft's case", n, err)
	}
	all := kb.All("default")
	if len(all) != 1 || !strings.Contains(all[0]["description"].(string), web.URL+"/incidents/"+id) {
		t.Fatalf("cases in Kibana: %v, want one linking to the incident's page", all)
	}
	caseID := all[0]["id"].(string)

	bctx, step, text := openBrowser(t, exe, 90*time.Second)
	shot := func(name string, a chromedp.Action[[]byte]) {
		t.Helper()
		png, err := chromedp.Run(bctx, a)
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		if len(png) > 150<<10 {
			t.Errorf("%s: %d KB, keep a screenshot under 150 KB", name, len(png)>>10)
		}
		if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	step("follow the link of the case (or of Discover, the dashboard, the alert's event.url)", chromedp.EmulateViewport(1200, 440),
		chromedp.Navigate(web.URL+"/incidents/"+id), chromedp.WaitVisible(chromedp.ID("token")))
	shot("kibana-01-login.png", chromedp.CaptureScreenshot())

	step("log in as the security analyst", chromedp.EmulateViewport(1200, 760), chromedp.SendKeys(chromedp.ID("token"), secret),
		chromedp.Click(chromedp.ID("login-submit")), chromedp.WaitVisible(chromedp.ID("triage-form")))
	if title := text("#incident-title"); !strings.HasPrefix(title, id) {
		t.Fatalf("landed on %q, want the incident's page", title)
	}
	shot("kibana-02-draft.png", chromedp.CaptureScreenshot())

	// In Kibana, 35 minutes later: the analyst writes why and sets the case in progress; the sync's
	// next poll, a minute later, applies it.
	later(35 * time.Minute)
	kb.Analyst("default", caseID, esindex.CaseInProgress, "sec.jansen",
		"Export van 250 BSN's zonder lopende zaak; a.bakker werkt niet aan dit dossier. Naar de FG.")
	later(time.Minute)
	if r, err := cases.Poll(ctx); err != nil || r.Applied != 1 {
		t.Fatalf("poll: %+v %v, want the decision applied", r, err)
	}
	step("the page again", chromedp.Reload(), chromedp.WaitVisible(chromedp.ID("history-table")))
	if badge := text("#incident-title .badge"); !strings.Contains(badge, "open") {
		t.Errorf("status on the page %q, want open", badge)
	}
	shot("kibana-03-opened.png", chromedp.CaptureScreenshot())
	history := text("#history-table")
	for _, want := range []string{"kibana:sec.jansen", "Naar de FG", "Kibana Case " + caseID} {
		if !strings.Contains(history, want) {
			t.Errorf("history on the page lacks %q:\n%s", want, history)
		}
	}
	step("the history in view", chromedp.ScrollIntoView(chromedp.ID("history")))
	shot("kibana-04-history.png", chromedp.Screenshot(chromedp.ID("history")))

	// What `lekwacht incidents show` prints under Verloop, for the README.
	in, err := reg.Summary(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range in.History {
		t.Logf("  %s", documents.ChangeNL(h))
	}
	t.Logf("screenshots in %s", dir)
}
