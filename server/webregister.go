package server

// The datalekregister on the page: every incident in views by status (the lifecycle's statuses and
// what the FG decided: reported to the AP, no datalek), a search, the export as CSV or XLSX, and
// the lifecycle steps after the triage: close, and an admin's revert of a triage.

import (
	"bytes"
	"cmp"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/lekwacht/lekwacht/documents"
	"github.com/lekwacht/lekwacht/register"
)

// registerView is one view of the register: a name in the URL (?view=), a label, and which
// incidents it shows. An incident may be in several views (reported and closed).
type registerView struct {
	Key, Label, Hint string
	match            func(in *register.Incident) bool
}

func statusIs(ss ...register.Status) func(*register.Incident) bool {
	return func(in *register.Incident) bool { return slices.Contains(ss, in.Status) }
}

// apReported says whether the date of the melding bij de AP is recorded.
func apReported(in *register.Incident) bool {
	return in.Assessment != nil && strings.TrimSpace(in.Assessment.Details["ap_reported_on"].Value) != ""
}

// noDatalek says whether the FG's completed assessment found no datalek to register.
func noDatalek(in *register.Incident) bool {
	return in.Assessment != nil && in.Assessment.Outcome.Complete && !in.Assessment.Outcome.Register &&
		(in.Status == register.StatusAssessed || in.Status == register.StatusClosed)
}

var registerViews = []registerView{
	{"te-behandelen", "Te behandelen", "concepten, open en beoordeelde incidenten die nog niet zijn afgesloten",
		statusIs(register.StatusDraft, register.StatusOpen, register.StatusAssessed)},
	{"concept", "Concept", "gevonden door lekwacht, wacht op het besluit van het securityteam", statusIs(register.StatusDraft)},
	{"open", "Open", "door het securityteam overgedragen aan de FG, nog te beoordelen", statusIs(register.StatusOpen)},
	{"beoordeeld", "Beoordeeld", "de FG heeft het stroomschema doorlopen; de afhandeling loopt", statusIs(register.StatusAssessed)},
	{"gemeld", "Gemeld bij de AP", "de datum van de melding bij de AP is vastgelegd", apReported},
	{"afgesloten", "Afgesloten", "afgehandeld en afgesloten", statusIs(register.StatusClosed)},
	{"afgewezen", "Afgewezen", "geen incident volgens het securityteam (vals alarm), met de reden", statusIs(register.StatusDismissed)},
	{"geen-datalek", "Geen datalek", "beoordeeld door de FG: geen datalek, niets te registreren of te melden", noDatalek},
	{"alle", "Alle", "het hele datalekregister", func(*register.Incident) bool { return true }},
}

func lookupView(key string) registerView {
	for _, v := range registerViews {
		if v.Key == key {
			return v
		}
	}
	return registerViews[0]
}

// registerLabel is an incident's place in the register in words: its status, and what the FG
// decided once assessed ("beoordeeld · gemeld bij de AP", "afgesloten · geen datalek").
func registerLabel(in *register.Incident) string {
	s := statusName(in.Status)
	switch {
	case apReported(in):
		s += " · gemeld bij de AP"
	case noDatalek(in):
		s += " · geen datalek"
	}
	return s
}

// matches says whether an incident holds every word of a search, in its number, account, hosts,
// summary, kind, status or data categories (case does not matter).
func matches(in *register.Incident, q string) bool {
	words := strings.Fields(strings.ToLower(q))
	if len(words) == 0 {
		return true
	}
	hay := []string{in.ID, in.User, plainSummary(in.Summary), documents.Nature(in.Detector), nameOr(detectorNames, in.Detector, in.Detector),
		registerLabel(in), in.RuleTitle, in.Rule}
	hay = append(hay, in.Hosts...)
	for _, c := range in.DataCategories {
		hay = append(hay, documents.CategoryName(c))
	}
	text := strings.ToLower(strings.Join(hay, " \x00 "))
	for _, w := range words {
		if !strings.Contains(text, w) {
			return false
		}
	}
	return true
}

// selection is what the register page and its export show: the incidents of a view that match a
// search, each with its assessment (no evidence), and how many each view holds.
type selection struct {
	View   registerView
	Query  string
	Rows   []incidentRow
	Counts map[string]int
}

func (wb *web) selectIncidents(r *http.Request) (selection, error) {
	ctx := r.Context()
	sel := selection{View: lookupView(r.URL.Query().Get("view")), Query: strings.TrimSpace(r.URL.Query().Get("q")), Counts: map[string]int{}}
	list, err := wb.o.Register.List(ctx, register.Filter{})
	if err != nil {
		return sel, err
	}
	now := wb.o.Now()
	for _, in := range list {
		if in, err = wb.o.Register.Summary(ctx, in.ID); err != nil { // the assessment and history, without evidence
			return sel, err
		}
		if !matches(in, sel.Query) {
			continue
		}
		for _, v := range registerViews {
			if v.match(in) {
				sel.Counts[v.Key]++
			}
		}
		if sel.View.match(in) {
			row := incidentRow{Incident: in, Label: registerLabel(in)}
			row.Clock, row.Note = deadline(in, now)
			sel.Rows = append(sel.Rows, row)
		}
	}
	// Running clocks first, the most urgent on top; then the rest, the latest discovered first.
	slices.SortStableFunc(sel.Rows, func(a, b incidentRow) int {
		if c := cmp.Compare(boolRank(!a.Clock.Live), boolRank(!b.Clock.Live)); c != 0 {
			return c
		}
		if a.Clock.Live {
			return a.Deadline.Compare(b.Deadline)
		}
		return b.DiscoveredAt.Compare(a.DiscoveredAt)
	})
	return sel, nil
}

// viewLink is one tab of the register page.
type viewLink struct {
	registerView
	N       int
	Current bool
	Href    string
}

type listData struct {
	base
	selection
	Views     []viewLink
	CanExport bool
	Exports   []exportLink
}

type exportLink struct{ Label, Href, ID string }

func (wb *web) list(w http.ResponseWriter, r *http.Request, v viewer) {
	sel, err := wb.selectIncidents(r)
	if err != nil {
		wb.fail(w, v, err)
		return
	}
	d := listData{base: wb.base(&v, "Datalekregister"), selection: sel, CanExport: v.Role.Allows(PermExport)}
	for _, rv := range registerViews {
		q := url.Values{"view": {rv.Key}}
		if sel.Query != "" {
			q.Set("q", sel.Query)
		}
		d.Views = append(d.Views, viewLink{registerView: rv, N: sel.Counts[rv.Key], Current: rv.Key == sel.View.Key, Href: "/?" + q.Encode()})
	}
	q := url.Values{"view": {sel.View.Key}}
	if sel.Query != "" {
		q.Set("q", sel.Query)
	}
	d.Exports = []exportLink{
		{"Excel (XLSX)", "/register.xlsx?" + q.Encode(), "export-xlsx"},
		{"CSV met puntkomma's (Nederlandse Excel)", "/register.csv?" + q.Encode() + "&sep=%3B", "export-csv-semicolon"},
		{"CSV met komma's", "/register.csv?" + q.Encode(), "export-csv"},
	}
	wb.render(w, http.StatusOK, "list", d)
}

// export serves the register's selection (view and search as on the page) as CSV or XLSX, with the
// Dutch headers of documents' register export; ?sep=; writes the CSV with semicolons, as Excel with
// Dutch settings reads it. Each exported incident gets a line in its access log.
func (wb *web) export(format string) pageHandler {
	return func(w http.ResponseWriter, r *http.Request, v viewer) {
		sel, err := wb.selectIncidents(r)
		if err != nil {
			wb.fail(w, v, err)
			return
		}
		incs := make([]*register.Incident, len(sel.Rows))
		for i, row := range sel.Rows {
			incs[i] = row.Incident
		}
		now := wb.o.Now().In(wb.loc)
		var buf bytes.Buffer
		contentType := "text/csv; charset=utf-8"
		if format == "xlsx" {
			contentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
			err = documents.RegisterXLSX(&buf, wb.o.Organisation, incs, now)
		} else {
			err = registerCSV(&buf, wb, incs, now, r.URL.Query().Get("sep"))
		}
		if err != nil {
			wb.fail(w, v, err)
			return
		}
		for _, in := range incs {
			if err := wb.o.Register.LogAccess(r.Context(), in.ID, v.Name, "web register."+format); err != nil {
				wb.fail(w, v, err)
				return
			}
		}
		wb.o.Log.Info("web: register exported", "by", v.Name, "format", format, "view", sel.View.Key, "incidents", len(incs))
		name := fmt.Sprintf("datalekregister-%s-%s.%s", sel.View.Key, now.Format("02-01-2006"), format)
		w.Header().Set("Content-Type", contentType)
		w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
		w.Write(buf.Bytes())
	}
}

// registerCSV is documents.RegisterCSV, with semicolons between the cells when sep is ";".
func registerCSV(w io.Writer, wb *web, incs []*register.Incident, now time.Time, sep string) error {
	if sep != ";" {
		return documents.RegisterCSV(w, wb.o.Organisation, incs, now)
	}
	var comma bytes.Buffer
	if err := documents.RegisterCSV(&comma, wb.o.Organisation, incs, now); err != nil {
		return err
	}
	rd := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(comma.Bytes(), []byte("\ufeff"))))
	records, err := rd.ReadAll()
	if err != nil {
		return err
	}
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.Comma = ';'
	if err := cw.WriteAll(records); err != nil {
		return err
	}
	return cw.Error()
}

// nextStep says who moves an incident on, in the page's words.
func nextStep(in *register.Incident) string {
	switch in.Status {
	case register.StatusDraft:
		return "Aan zet: het securityteam (of een beheerder) beslist of dit een echt incident is: openen of afwijzen."
	case register.StatusOpen:
		return "Aan zet: de FG beoordeelt het incident met het stroomschema."
	case register.StatusAssessed:
		return "Aan zet: de FG handelt af (melding, brief, maatregelen) en sluit het incident daarna af."
	case register.StatusClosed:
		return "Afgesloten: niemand hoeft nog iets te doen."
	case register.StatusDismissed:
		return "Afgewezen als vals alarm. Alleen een beheerder kan dit besluit terugdraaien."
	}
	return ""
}

// refusal words why a lifecycle step is not possible now and who can move the incident on.
func refusal(in *register.Incident, what string) string {
	switch in.Status {
	case register.StatusDraft:
		return "Dit incident is nog een concept; " + what + " kan pas na het besluit van het securityteam en de beoordeling door de FG."
	case register.StatusOpen:
		return "Dit incident is nog niet beoordeeld; " + what + " kan pas als de FG het stroomschema heeft doorlopen."
	case register.StatusClosed:
		return "Dit incident is al afgesloten."
	case register.StatusDismissed:
		return "Dit incident is afgewezen; alleen een beheerder kan dat besluit terugdraaien."
	}
	return "Dit kan niet bij de status " + statusName(in.Status) + "."
}

// closeIncident closes an assessed incident once the follow-up is done (the FG or an admin).
func (wb *web) closeIncident(w http.ResponseWriter, r *http.Request, v viewer) {
	wb.lifecycleStep(w, r, v, "afsluiten", func(id, reason string) (*register.Incident, error) {
		return wb.o.Register.Move(r.Context(), id, register.StatusClosed, v.Name, reason)
	})
}

// revert takes a triage back (an admin): an open or dismissed incident becomes a draft again.
func (wb *web) revert(w http.ResponseWriter, r *http.Request, v viewer) {
	wb.lifecycleStep(w, r, v, "terugdraaien", func(id, reason string) (*register.Incident, error) {
		return wb.o.Register.Revert(r.Context(), id, v.Name, reason)
	})
}

// lifecycleStep runs a step that needs a reason and words the register's refusal for the page.
func (wb *web) lifecycleStep(w http.ResponseWriter, r *http.Request, v viewer, what string, step func(id, reason string) (*register.Incident, error)) {
	id := r.PathValue("id")
	back := "/incidents/" + id
	reason := strings.TrimSpace(r.PostForm.Get("reason"))
	if reason == "" {
		wb.redirectBack(w, r, v, back, flash{Text: "Niet opgeslagen: geef een reden voor het " + what + ".", Error: true})
		return
	}
	in, err := step(id, reason)
	if errors.Is(err, register.ErrTransition) || errors.Is(err, register.ErrInvalid) {
		cur, gerr := wb.o.Register.Get(r.Context(), id)
		if gerr != nil {
			wb.fail(w, v, gerr)
			return
		}
		wb.redirectBack(w, r, v, back, flash{Text: "Niet opgeslagen: " + refusal(cur, what), Error: true})
		return
	}
	if err != nil {
		wb.fail(w, v, err)
		return
	}
	wb.o.Log.Info("web: "+what, "incident", in.ID, "by", v.Name, "to", in.Status)
	wb.redirectBack(w, r, v, back, flash{Text: "Vastgelegd: het incident is nu " + statusName(in.Status) + "."})
}

// evidenceZip serves the incident's evidence bundle (items, manifest, SHA-256 sums), as `lekwacht
// export evidence` writes it; the download is in the access log.
func (wb *web) evidenceZip(w http.ResponseWriter, r *http.Request, v viewer) {
	in, err := wb.o.Register.Show(r.Context(), r.PathValue("id"), v.Name, "web evidence.zip")
	if err != nil {
		wb.fail(w, v, err)
		return
	}
	var buf bytes.Buffer
	err = documents.EvidenceZip(&buf, in, func(e register.Evidence) (io.ReadCloser, error) { return wb.o.Register.EvidenceFile(e) })
	if err != nil {
		wb.fail(w, v, err)
		return
	}
	wb.o.Log.Info("web: evidence exported", "incident", in.ID, "by", v.Name, "items", len(in.Evidence))
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": in.ID + "-bewijs.zip"}))
	w.Write(buf.Bytes())
}
