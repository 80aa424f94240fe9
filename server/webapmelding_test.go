package server

import (
	"net/url"
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
	checkAPFields(t, fields, missing, map[string]string{
		"ap-melding-soort":           "vervolgmelding (aanvulling op of wijziging van een eerdere melding)",
		"ap-melding-meldnummer":      "M-123",
		"ap-melding-datum-eerste":    "21-11-2026",
		"ap-contact-organisatie":     "Gemeente Voorbeeld",
		"ap-beveiliging-versleuteld": "nee, de gegevens waren leesbaar of bruikbaar (niet of niet passend versleuteld)",
		"ap-vervolg-informeren":      "ja, met een brief aan iedere betrokkene",
		"ap-tijdlijn-begin":          "20-11-2026 10:00",
	})
	for _, internal := range []string{"misdirected_mail", "lw-misdirected_mail", "2026-11-21", "{{"} {
		if strings.Contains(body, internal) {
			t.Errorf("the AP-melding page shows %q", internal)
		}
	}
	if !strings.Contains(body, `data-copy="ap-melding-soort"`) || strings.Contains(body, `data-copy="ap-contact-fg-telefoon"`) {
		t.Error("copy buttons: want one per filled field, none for a field to fill in")
	}

	// The FG's corrections reach the melding.
	b.get("/incidents/" + ids["gemeld"])
	b.post("/incidents/"+ids["gemeld"]+"/corrections", url.Values{"csrf": {b.csrf}, "c_subjects_min": {"120"}, "c_subjects_max": {"150"},
		"c_group": {"inwoners"}, "c_records": {"130"}, "reason": {"telling in het zaaksysteem"}})
	_, body = b.get("/incidents/" + ids["gemeld"])
	for _, s := range []string{"Correctie vastgelegd", "120 tot 150 (gecorrigeerd)", "telling in het zaaksysteem"} {
		if !strings.Contains(body, s) {
			t.Errorf("after the correction the incident page lacks %q", s)
		}
	}
	_, body = b.get("/incidents/" + ids["gemeld"] + "/ap-melding")
	fields, missing = apFields(t, body)
	checkAPFields(t, fields, missing, map[string]string{
		"ap-betrokkenen-groep":       "inwoners",
		"ap-betrokkenen-minimum":     "120",
		"ap-betrokkenen-maximum":     "150",
		"ap-gegevens-aantal-records": "130",
	})

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

// apSectionIDs are the sections of the AP's form, in order.
var apSectionIDs = []string{"melding", "contact", "tijdlijn", "gebeurtenis", "gegevens", "betrokkenen", "beveiliging", "gevolgen",
	"vervolg", "internationaal", "overig"}

// checkAPFields checks that every section is there and every field filled or marked for the FG
// (and only those marked start with the marker), and the values in want.
func checkAPFields(t *testing.T, fields map[string]map[string]string, missing map[string]bool, want map[string]string) {
	t.Helper()
	for _, s := range apSectionIDs {
		if len(fields[s]) == 0 {
			t.Errorf("section %s is missing or empty", s)
		}
		for id, v := range fields[s] {
			if v == "" || missing[id] != strings.HasPrefix(v, "[in te vullen door FG") {
				t.Errorf("field %s: %q, marked %v: every field is filled or marked", id, v, missing[id])
			}
		}
	}
	for id, w := range want {
		got := ""
		for _, s := range fields {
			if v, ok := s[id]; ok {
				got = v
			}
		}
		if got != w {
			t.Errorf("field %s: %q, want %q", id, got, w)
		}
	}
}
