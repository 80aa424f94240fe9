package server

import (
	"regexp"
	"strings"
	"testing"
)

var (
	apSectionRe = regexp.MustCompile(`(?s)<section class="ap-section" id="section-([a-z-]+)">(.*?)</section>`)
	apFieldRe   = regexp.MustCompile(`(?s)<div class="ap-field( missing)?" id="field-([a-z-]+)">.*?<span class="value" id="[a-z-]+">(.*?)</span>`)
)

// apFields reads the AP-melding page: section -> field id -> value, and which fields are marked.
func apFields(t *testing.T, body string) (map[string]map[string]string, map[string]bool) {
	t.Helper()
	fields, missing := map[string]map[string]string{}, map[string]bool{}
	for _, s := range apSectionRe.FindAllStringSubmatch(body, -1) {
		fields[s[1]] = map[string]string{}
		for _, f := range apFieldRe.FindAllStringSubmatch(s[2], -1) {
			fields[s[1]][f[2]] = f[3]
			missing[f[2]] = f[1] != ""
		}
	}
	return fields, missing
}

func TestWebAPMeldingPage(t *testing.T) {
	f := newWebFixture(t)
	ids := registerStory(t, f)
	b := f.browser(t)
	b.login(f.secrets[RoleFG])
	resp, body := b.get("/incidents/" + ids["gemeld"] + "/ap-melding")
	if resp.StatusCode != 200 {
		t.Fatalf("ap-melding page: %d", resp.StatusCode)
	}
	fields, missing := apFields(t, body)
	for _, s := range []string{"about", "contact", "timeline", "what", "data", "subjects", "before", "consequences", "follow-up", "international", "other"} {
		if len(fields[s]) == 0 {
			t.Errorf("section %s is missing or empty", s)
		}
		for id, v := range fields[s] {
			if v == "" || missing[id] != (v == "[in te vullen door FG]") {
				t.Errorf("field %s: %q, marked %v: every field is filled or marked", id, v, missing[id])
			}
		}
	}
	for id, want := range map[string]string{
		"ap-kind":        "vervolgmelding (aanvulling op meldnummer M-123)",
		"ap-reported":    "21-11-2026",
		"ap-encrypted":   "nee: de gegevens waren leesbaar of bruikbaar (beoordeling FG)",
		"ap-informed":    "ja, met een brief aan de betrokkenen",
		"ap-org":         "Gemeente Voorbeeld",
		"ap-fg-phone":    "[in te vullen door FG]",
		"ap-data-action": "verstrekt aan een onbevoegde ontvanger",
		"ap-start":       "20-11-2026 11:00",
	} {
		got := ""
		for _, s := range fields {
			if v, ok := s[id]; ok {
				got = v
			}
		}
		if got != want {
			t.Errorf("field %s: %q, want %q", id, got, want)
		}
	}
	for _, internal := range []string{"misdirected_mail", "lw-misdirected_mail", "detector", "2026-11-21", "{{"} {
		if strings.Contains(body, internal) {
			t.Errorf("the AP-melding page shows %q", internal)
		}
	}
	if !strings.Contains(body, `data-copy="ap-kind"`) || strings.Contains(body, `data-copy="ap-fg-phone"`) {
		t.Error("copy buttons: want one per filled field, none for a field to fill in")
	}

	_, body = b.get("/incidents/" + ids["gemeld"] + "/brief")
	if !strings.Contains(body, `id="letter"`) || !strings.Contains(body, "Gemeente Voorbeeld") {
		t.Error("the letter page")
	}
	access, _ := f.reg.AccessLog(t.Context(), ids["gemeld"])
	var actions []string
	for _, a := range access {
		actions = append(actions, a.Action)
	}
	if !contains(actions, "web ap-melding") || !contains(actions, "web brief") {
		t.Errorf("access log %v lacks the pages", actions)
	}
}
