package server

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromium finds a Chromium or Chrome to drive; LEKWACHT_CHROMIUM names one explicitly.
func chromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("LEKWACHT_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("no chromium binary found (chromium, chromium-browser, google-chrome, or LEKWACHT_CHROMIUM); " +
		".ci/run installs Debian's chromium, locally: apt-get install chromium")
	return ""
}

// artifacts is where the test keeps its screenshots: $LEKWACHT_ARTIFACTS/<test name>, or a
// temporary directory.
func artifacts(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("LEKWACHT_ARTIFACTS")
	if dir == "" {
		return t.TempDir()
	}
	dir = filepath.Join(dir, t.Name())
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestWebInBrowser is the FG's way through the page in a real headless Chromium: log in with a
// token through the form, see the list with the countdown, open the incident, answer the questions,
// submit, see the outcome. Every step waits for an element of the next page, never for a time.
func TestWebInBrowser(t *testing.T) {
	exe := chromium(t)
	f := newWebFixture(t)
	id := f.ids[0]
	f.open(t, id)
	dir := artifacts(t)

	ctx, step, text := openBrowser(t, exe, 90*time.Second) // a budget for a loaded CI machine, not a wait
	shots := 0
	screenshot := func(name string) {
		t.Helper()
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		shots++
		if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	step("open the page, land on the login form", chromedp.Navigate(f.web.URL+"/"), chromedp.WaitVisible(chromedp.ID("token")))
	screenshot("01-login.png")

	step("log in with the FG's token",
		chromedp.SendKeys(chromedp.ID("token"), f.secrets[RoleFG]),
		chromedp.Click(chromedp.ID("login-submit")),
		chromedp.WaitVisible(chromedp.ID("incident-list")))
	if who := text("#who"); who != "fg.gerritsen (FG)" {
		t.Errorf("logged in as %q", who)
	}
	if c := text("#incident-list .clock"); c != "nog 72 uur" {
		t.Errorf("countdown %q, want nog 72 uur", c)
	}
	// The CSP lets the page's own style sheet and script work.
	assets, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](
		`[getComputedStyle(document.querySelector("header.top")).display, document.documentElement.dataset.countdown || ""]`))
	if err != nil || !slices.Equal(assets, []string{"flex", "live"}) {
		t.Errorf("style sheet and script: %q %v, want [flex live]", assets, err)
	}
	screenshot("02-list.png")

	step("open the incident",
		chromedp.Click(chromedp.CSS("#incident-list a.incident-link")),
		chromedp.WaitVisible(chromedp.ID("assessment-form")))
	if title := text("#incident-title"); title == "" || title[:len(id)] != id {
		t.Errorf("incident page title %q", title)
	}
	screenshot("03-incident.png")

	for _, answer := range []string{"security_incident-yes", "personal_data-yes", "sensitive-yes", "readable-yes",
		"remedied-no", "disproportionate_effort-no"} {
		step("answer "+answer, chromedp.Click(chromedp.ID("q-"+answer)))
	}
	step("fill in the details",
		chromedp.SendKeys(chromedp.ID("d-motivation"), "Export van 250 BSN's zonder zaak; gevoelig en leesbaar."),
		chromedp.SendKeys(chromedp.ID("d-measures_taken"), "Account geblokkeerd, export verwijderd."))
	screenshot("04-answers.png")

	step("submit the assessment",
		chromedp.Click(chromedp.ID("assessment-submit")),
		chromedp.WaitVisible(chromedp.ID("flash")))
	if got := text("#outcome-summary"); got != "registreren, melden bij de AP, betrokkenen informeren" {
		t.Errorf("outcome %q", got)
	}
	screenshot("05-outcome.png")

	in, err := f.reg.Show(context.Background(), id, "test", "test")
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range in.Assessment.Questions {
		if q.By != "fg.gerritsen" {
			t.Errorf("question %s answered by %q", q.ID, q.By)
		}
	}
	t.Logf("%d screenshots in %s", shots, dir)
}

// openBrowser starts a headless Chromium at 1280x900 for the test (closed at its end) and returns its
// context, step (run actions, fail the test with what) and text (the text of a CSS selector).
func openBrowser(t *testing.T, exe string, timeout time.Duration) (context.Context, func(string, ...chromedp.Action[chromedp.Void]), func(string) string) {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(exe), chromedp.NoSandbox,
		chromedp.WindowSize(1280, 900), chromedp.Flag("disable-dev-shm-usage", true), chromedp.Flag("disable-gpu", true))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancelBrowser := chromedp.NewContext(actx)
	t.Cleanup(cancelBrowser)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	t.Cleanup(cancel)
	step := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}
	return ctx, step, text
}
