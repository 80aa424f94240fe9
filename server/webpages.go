package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/lekwacht/lekwacht/assessment"
	"github.com/lekwacht/lekwacht/config"
	"github.com/lekwacht/lekwacht/documents"
	"github.com/lekwacht/lekwacht/people"
	"github.com/lekwacht/lekwacht/register"
)

// clock is an incident's 72 hours as the page shows them: "nog 41 uur", "termijn verstreken".
type clock struct {
	Live     bool // false: no deadline runs (any more)
	Deadline time.Time
	Text     string
	Class    string // ok, soon (under 24 hours), overdue
}

// countdown words the time left until deadline. The page's script keeps it current with the same
// wording (static/countdown.js).
func countdown(deadline, now time.Time) clock {
	c := clock{Live: true, Deadline: deadline, Class: "ok"}
	left := deadline.Sub(now)
	switch {
	case left <= 0:
		c.Text, c.Class = "termijn verstreken", "overdue"
	case left < time.Hour:
		c.Text, c.Class = fmt.Sprintf("nog %d min", max(1, int(left/time.Minute))), "soon"
	default:
		c.Text = fmt.Sprintf("nog %d uur", int(left/time.Hour))
		if left < 24*time.Hour {
			c.Class = "soon"
		}
	}
	return c
}

// deadline says where an incident stands against the 72 hours, as the register's one clock
// (register.Incident.Clock) has it: a countdown from discovery, drafts too, until the melding bij
// de AP is recorded or the FG decided not to report; then why it stopped.
func deadline(in *register.Incident, now time.Time) (clock, string) {
	c := in.Clock(now)
	if !c.Running {
		return clock{}, c.Stopped
	}
	note := ""
	if in.Status == register.StatusAssessed || in.Status == register.StatusClosed {
		note = "melding bij de AP nog te doen"
	}
	return countdown(c.Deadline, now), note
}

type incidentRow struct {
	*register.Incident
	Clock clock
	Note  string
	Label string // its place in the register in words (registerLabel)
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}

type incidentData struct {
	base
	In         *register.Incident
	Clock      clock
	Note       string
	Nature     string
	Evidence   evidenceSummary
	Details    []detailView
	Access     []register.Access
	Next       string // the next question's text while the flow is incomplete
	CanAssess  bool   // the viewer may answer, and the incident is open or assessed
	CanTriage  bool   // the viewer may triage, and the incident is a draft
	CanClose   bool   // the viewer may close, and the incident is assessed
	CanRevert  bool   // the viewer may revert the triage, and the incident is open or dismissed
	NextStep   string // who moves the incident on
	CanCorrect bool   // the viewer may correct, and the incident is not dismissed
	Correction correctionForm
	Subjects   string // the number of betrokkenen in force, in words
	Documents  []documentKind
	Categories []string
	// People is what the directory and the register add: the person, the related incidents (within
	// RelatedWithin) and the owners of the incident's hosts.
	People        *people.Incident
	RelatedWithin string
}

type evidenceSummary struct {
	Count       int
	Sources     []sourceCount
	First, Last time.Time
}

type sourceCount struct {
	Input, Source string
	N             int
}

func summariseEvidence(ev []register.Evidence) evidenceSummary {
	s := evidenceSummary{Count: len(ev)}
	for _, e := range ev {
		i := slices.IndexFunc(s.Sources, func(c sourceCount) bool { return c.Input == e.Input && c.Source == e.Source })
		if i < 0 {
			s.Sources = append(s.Sources, sourceCount{Input: e.Input, Source: e.Source})
			i = len(s.Sources) - 1
		}
		s.Sources[i].N++
		if s.First.IsZero() || e.Time.Before(s.First) {
			s.First = e.Time
		}
		if e.Time.After(s.Last) {
			s.Last = e.Time
		}
	}
	return s
}

// detailView is one of register.Details as a form field.
type detailView struct {
	Key, Label string
	Kind       string // textarea, date or text
	register.Detail
}

var detailFields = map[string]struct{ label, kind string }{
	"motivation":           {"Motivering van het advies", "textarea"},
	"consequences":         {"Gevolgen voor de betrokkenen", "textarea"},
	"measures_taken":       {"Genomen maatregelen", "textarea"},
	"measures_planned":     {"Voorgenomen maatregelen", "textarea"},
	"subjects_informed_on": {"Datum (voorgenomen) informeren betrokkenen", "date"},
	"late_reason":          {"Reden van een melding na 72 uur", "textarea"},
	"ap_reported_on":       {"Datum melding bij de AP", "date"},
	"ap_reference":         {"Meldnummer van de AP", "text"},
}

func detailViews(a *register.Assessment) []detailView {
	var out []detailView
	for _, k := range register.Details {
		f, ok := detailFields[k]
		if !ok {
			f.label, f.kind = k, "textarea"
		}
		dv := detailView{Key: k, Label: f.label, Kind: f.kind}
		if a != nil {
			dv.Detail = a.Details[k]
		}
		out = append(out, dv)
	}
	return out
}

func (wb *web) incident(w http.ResponseWriter, r *http.Request, v viewer) {
	in, err := wb.o.Register.Show(r.Context(), r.PathValue("id"), v.Name, "web show")
	if err != nil {
		wb.fail(w, v, err)
		return
	}
	access, err := wb.o.Register.AccessLog(r.Context(), in.ID)
	if err != nil {
		wb.fail(w, v, err)
		return
	}
	x, err := wb.o.People.Incident(r.Context(), in)
	if err != nil {
		wb.fail(w, v, err)
		return
	}
	d := incidentData{base: wb.base(&v, in.ID), In: in, People: x, RelatedWithin: days(wb.o.People.Within()),
		Nature:   documents.Nature(in.Detector),
		Evidence: summariseEvidence(in.Evidence), Details: detailViews(in.Assessment), Access: access,
		CanAssess:  v.Role.Allows(PermAssess) && (in.Status == register.StatusOpen || in.Status == register.StatusAssessed),
		CanTriage:  v.Role.Allows(PermTriage) && in.Status == register.StatusDraft,
		CanClose:   v.Role.Allows(PermAssess) && in.Status == register.StatusAssessed,
		CanRevert:  v.Role.Allows(PermRevert) && slices.Contains(register.Revertible, in.Status),
		NextStep:   nextStep(in),
		CanCorrect: v.Role.Allows(PermAssess) && in.Status != register.StatusDismissed,
		Correction: wb.correctionForm(in),
		Subjects:   subjectsText(in),
		Documents:  documentKinds}
	d.Clock, d.Note = deadline(in, d.Now)
	for _, c := range in.EffectiveCategories() {
		d.Categories = append(d.Categories, documents.CategoryName(c))
	}
	if in.Assessment != nil && !in.Assessment.Outcome.Complete {
		if q, ok := assessment.Lookup(in.Assessment.Outcome.Next); ok {
			d.Next = q.Text
		}
	}
	wb.render(w, http.StatusOK, "incident", d)
}

const maxDetail = 20000

// assess records the FG's changed answers and details under the session's name.
func (wb *web) assess(w http.ResponseWriter, r *http.Request, v viewer) {
	id := r.PathValue("id")
	back := "/incidents/" + id
	cur, err := wb.o.Register.Summary(r.Context(), id)
	if err != nil {
		wb.fail(w, v, err)
		return
	}
	a, problem := changedAnswers(cur.Assessment, r)
	if problem != "" {
		wb.redirectBack(w, r, v, back, flash{Text: "Niet opgeslagen: " + problem, Error: true})
		return
	}
	if len(a.Flow)+len(a.Details) == 0 {
		wb.redirectBack(w, r, v, back, flash{Text: "Geen wijzigingen: er is niets opgeslagen."})
		return
	}
	in, err := wb.o.Register.Assess(r.Context(), id, v.Name, a)
	if errors.Is(err, register.ErrTransition) || errors.Is(err, register.ErrInvalid) {
		wb.redirectBack(w, r, v, back, flash{Text: "Niet opgeslagen: " + err.Error(), Error: true})
		return
	}
	if err != nil {
		wb.fail(w, v, err)
		return
	}
	wb.o.Log.Info("web: assessment", "incident", in.ID, "by", v.Name, "answers", len(a.Flow), "details", len(a.Details))
	msg := fmt.Sprintf("Beoordeling opgeslagen: %d antwoord(en), %d toelichting(en).", len(a.Flow), len(a.Details))
	if in.Status == register.StatusAssessed && cur.Status == register.StatusOpen {
		msg += " De beoordeling is compleet."
	}
	wb.redirectBack(w, r, v, back, flash{Text: msg})
}

// changedAnswers reads the form's answers (q_ID = yes|no) and details (d_KEY) that differ from what
// the register holds; an unanswered radio or an untouched field is no answer. A problem with the
// form is returned worded for the page.
func changedAnswers(cur *register.Assessment, r *http.Request) (register.Answers, string) {
	var a register.Answers
	if cur == nil {
		return a, ""
	}
	for _, q := range cur.Questions {
		val := r.PostForm.Get("q_" + string(q.ID))
		if val == "" || val == q.Answer {
			continue
		}
		if val != "yes" && val != "no" {
			return a, fmt.Sprintf("het antwoord op %q moet ja of nee zijn.", q.Question)
		}
		if a.Flow == nil {
			a.Flow = map[assessment.QuestionID]bool{}
		}
		a.Flow[q.ID] = val == "yes"
	}
	for _, dv := range detailViews(cur) {
		vals, ok := r.PostForm["d_"+dv.Key]
		if !ok {
			continue
		}
		val := strings.TrimSpace(strings.ReplaceAll(vals[0], "\r\n", "\n"))
		if val == dv.Value {
			continue
		}
		if len(val) > maxDetail {
			return a, fmt.Sprintf("%s is langer dan %d tekens.", dv.Label, maxDetail)
		}
		if dv.Kind == "date" && val != "" {
			d, ok := parseDateNL(val)
			if !ok {
				return a, fmt.Sprintf("%s moet een datum zijn (dd-mm-jjjj).", dv.Label)
			}
			val = d
		}
		if val == dv.Value {
			continue
		}
		if a.Details == nil {
			a.Details = map[string]string{}
		}
		a.Details[dv.Key] = val
	}
	return a, ""
}

// triage is the security team's decision on a draft: open (hand it to the FG) or dismiss.
func (wb *web) triage(w http.ResponseWriter, r *http.Request, v viewer) {
	id := r.PathValue("id")
	back := "/incidents/" + id
	to := map[string]register.Status{"open": register.StatusOpen, "dismiss": register.StatusDismissed}[r.PostForm.Get("decision")]
	if to == "" {
		wb.redirectBack(w, r, v, back, flash{Text: "Niet opgeslagen: kies openen of afwijzen.", Error: true})
		return
	}
	reason := strings.TrimSpace(r.PostForm.Get("reason"))
	if reason == "" {
		wb.redirectBack(w, r, v, back, flash{Text: "Niet opgeslagen: geef een reden.", Error: true})
		return
	}
	in, err := wb.o.Register.Move(r.Context(), id, to, v.Name, reason)
	if errors.Is(err, register.ErrTransition) || errors.Is(err, register.ErrInvalid) {
		wb.redirectBack(w, r, v, back, flash{Text: "Niet opgeslagen: " + err.Error(), Error: true})
		return
	}
	if err != nil {
		wb.fail(w, v, err)
		return
	}
	wb.o.Log.Info("web: triage", "incident", in.ID, "by", v.Name, "to", in.Status)
	wb.redirectBack(w, r, v, back, flash{Text: "Besluit vastgelegd: " + statusName(in.Status) + "."})
}

// documentKind is a document the page offers for download.
type documentKind struct {
	File, Label string
	contentType string
	render      func(org config.Organisation, in *register.Incident, now time.Time) ([]byte, error)
}

var documentKinds = []documentKind{
	{"ap-melding.md", "Melding bij de AP (concept, Markdown)", "text/markdown; charset=utf-8",
		func(org config.Organisation, in *register.Incident, now time.Time) ([]byte, error) {
			return []byte(documents.NewAPMelding(org, in, now).Markdown()), nil
		}},
	{"ap-melding.json", "Melding bij de AP (concept, JSON)", "application/json; charset=utf-8",
		func(org config.Organisation, in *register.Incident, now time.Time) ([]byte, error) {
			return json.MarshalIndent(documents.NewAPMelding(org, in, now), "", "  ")
		}},
	{"brief.md", "Brief aan betrokkenen (concept)", "text/markdown; charset=utf-8",
		func(org config.Organisation, in *register.Incident, _ time.Time) ([]byte, error) {
			return []byte(documents.Brief(org, in)), nil
		}},
}

// document serves a Dutch document as an attachment; the download is logged as a read.
func (wb *web) document(doc documentKind) pageHandler {
	return func(w http.ResponseWriter, r *http.Request, v viewer) {
		id := r.PathValue("id")
		if err := wb.o.Register.LogAccess(r.Context(), id, v.Name, "web "+doc.File); err != nil {
			wb.fail(w, v, err)
			return
		}
		in, err := wb.o.Register.Summary(r.Context(), id)
		if err != nil {
			wb.fail(w, v, err)
			return
		}
		body, err := doc.render(wb.o.Organisation, in, wb.o.Now().In(wb.loc))
		if err != nil {
			wb.fail(w, v, err)
			return
		}
		w.Header().Set("Content-Type", doc.contentType)
		w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": in.ID + "-" + doc.File}))
		w.Write(body)
	}
}
