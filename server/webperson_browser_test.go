package server

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestPersonPagesInBrowser walks from an incident to its person, on to her manager, in a real
// headless Chromium at 1280 px and at a phone's 390 px, and keeps a screenshot of each page. At
// 390 px no page may be wider than the screen (tables scroll inside themselves).
func TestPersonPagesInBrowser(t *testing.T) {
	exe := chromium(t)
	f := newWebFixture(t)
	s := f.story(t)
	ghost := addIncident(t, f.reg, "oud-account", "shared_credentials", "x", t0, "aanmelding met een account zonder eigenaar", "WS-0101")
	id := f.ids[0]
	f.open(t, id)
	dir := artifacts(t)

	ctx, step, text := openBrowser(t, exe, 60*time.Second)
	screenshot := func(name string) {
		t.Helper()
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// top keeps what the window shows (a full page at 390 px is too long to read as one picture).
	top := func(name string) {
		t.Helper()
		png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// fits checks that the page is no wider than the window: nothing to scroll sideways.
	fits := func(page string) {
		t.Helper()
		w, err := chromedp.Run(ctx, chromedp.Evaluate[[]int](`[document.documentElement.scrollWidth, window.innerWidth]`))
		if err != nil {
			t.Fatal(err)
		}
		if w[0] > w[1] {
			t.Errorf("%s is %d px wide in a %d px window", page, w[0], w[1])
		}
	}

	step("log in with the FG's token, back to the incident",
		chromedp.Navigate(f.web.URL+"/login?next=/incidents/"+id), chromedp.WaitVisible(chromedp.ID("token")),
		chromedp.SendKeys(chromedp.ID("token"), f.secrets[RoleFG]),
		chromedp.Click(chromedp.ID("login-submit")),
		chromedp.WaitVisible(chromedp.ID("related-incidents")))
	if got := text("#person"); !strings.Contains(got, "Anna Bakker, Burgerzaken") {
		t.Errorf("the incident's person: %q", got)
	}
	if got := text("#related-incidents"); !strings.Contains(got, s.foreign) || !strings.Contains(got, s.legacy) || strings.Contains(got, s.dismissed) {
		t.Errorf("related incidents: %q", got)
	}
	screenshot("01-incident-1280.png")
	fits("the incident page")

	step("open the person", chromedp.Click(chromedp.ID("person-link")), chromedp.WaitVisible(chromedp.ID("person-incidents")))
	if got := text("#person-title"); !strings.HasPrefix(got, "Anna Bakker") {
		t.Errorf("person page title %q", got)
	}
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#person-incidents li").length`))
	if err != nil || n != 5 {
		t.Errorf("%d incidents on the timeline (%v), want 5", n, err)
	}
	screenshot("02-person-1280.png")
	fits("the person page")

	step("open the manager", chromedp.Click(chromedp.CSS("#manager a")), chromedp.WaitVisible(chromedp.ID("person-summary")))
	if got := text("#person-title"); !strings.HasPrefix(got, "Marieke Smit") {
		t.Errorf("the manager's page: %q", got)
	}

	step("a name nobody owns", chromedp.Navigate(f.web.URL+"/persons/oud-account"), chromedp.WaitVisible(chromedp.ID("no-one")))
	if got := text("#person-incidents"); !strings.Contains(got, ghost) {
		t.Errorf("the unowned account's incidents: %q", got)
	}
	screenshot("03-unowned-1280.png")

	step("a phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile),
		chromedp.Navigate(f.web.URL+"/persons/a.bakker"), chromedp.WaitVisible(chromedp.ID("person-incidents")))
	screenshot("04-person-390.png")
	top("04-person-390-top.png")
	fits("the person page at 390 px")
	step("the incident on a phone", chromedp.Navigate(f.web.URL+"/incidents/"+s.foreign), chromedp.WaitVisible(chromedp.ID("host-owners")))
	if got := text("#host-owners"); !strings.Contains(got, "WS-0102 is de werkplek van Jan de Vries") {
		t.Errorf("host owners: %q", got)
	}
	screenshot("05-incident-390.png")
	step("scroll to the incident's people", chromedp.ScrollIntoView(chromedp.ID("facts")))
	top("05-incident-390-people.png")
	fits("the incident page at 390 px")
	t.Logf("screenshots in %s", dir)
}
