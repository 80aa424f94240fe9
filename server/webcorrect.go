package server

// The FG's corrections on the page: the data categories, the number of betrokkenen (minimum and
// maximum), the kind of group, the start and end of the leak and the number of records, with a
// reason. The register keeps lekwacht's estimate and records each correction in the history and the
// hash chain; every document uses the corrected values.

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lekwacht/lekwacht/documents"
	"github.com/lekwacht/lekwacht/hit"
	"github.com/lekwacht/lekwacht/register"
)

// correctionForm is what the corrections form shows: the values in force (corrected, else
// lekwacht's estimate) and lekwacht's own estimate beside them.
type correctionForm struct {
	Categories           []categoryChoice
	SubjectsMin          string
	SubjectsMax          string
	Group                string
	Groups               []string
	LeakStart, LeakEnd   string
	Records              string
	Estimate             string // lekwacht's own estimate of the betrokkenen, in words
	CorrectedBy, Correct string // who corrected last, and when
}

type categoryChoice struct {
	Code, Name string
	Checked    bool
}

const minuteLayout = "02-01-2006 15:04"

func (wb *web) correctionForm(in *register.Incident) correctionForm {
	f := correctionForm{Groups: register.GroupKinds, Group: in.GroupKind()}
	cur := in.EffectiveCategories()
	for _, c := range hit.Categories {
		f.Categories = append(f.Categories, categoryChoice{Code: string(c), Name: documents.CategoryName(c), Checked: slices.Contains(cur, c)})
	}
	if in.SubjectsKnown() {
		lo, hi := in.SubjectsBounds()
		f.SubjectsMin, f.SubjectsMax = strconv.Itoa(lo), strconv.Itoa(hi)
	}
	start, end := in.LeakPeriod()
	f.LeakStart, f.LeakEnd = wb.minute(start), wb.minute(end)
	if n, ok := in.RecordCount(); ok {
		f.Records = strconv.Itoa(n)
	}
	f.Estimate = "onbekend"
	if in.Subjects > 0 {
		f.Estimate = fmt.Sprintf("geschat %d", in.Subjects)
	}
	if c := in.Corrected; c != nil {
		f.CorrectedBy, f.Correct = c.By, wb.formatTime(c.At)
	}
	return f
}

func (wb *web) minute(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(wb.loc).Format(minuteLayout)
}

// parseMinute reads "dd-mm-jjjj uu:mm" (or a date alone, at 00:00) in the gemeente's time zone.
func (wb *web) parseMinute(s string) (time.Time, bool) {
	s = strings.Join(strings.Fields(s), " ")
	if t, err := time.ParseInLocation(minuteLayout, s, wb.loc); err == nil {
		return t, true
	}
	if d, ok := parseDateNL(s); ok {
		t, err := time.ParseInLocation(time.DateOnly, d, wb.loc)
		return t, err == nil
	}
	return time.Time{}, false
}

// readCorrection reads the fields of the form that differ from what is in force. A problem is
// worded for the page.
func (wb *web) readCorrection(in *register.Incident, r *http.Request) (register.Correction, string) {
	var c register.Correction
	cur := wb.correctionForm(in)
	form := r.PostForm
	if form.Get("c_categories_shown") != "" {
		chosen := []hit.Category{}
		for _, v := range form["c_categories"] {
			if !slices.Contains(hit.Categories, hit.Category(v)) {
				return c, fmt.Sprintf("onbekende soort persoonsgegevens %q.", v)
			}
			chosen = append(chosen, hit.Category(v))
		}
		slices.Sort(chosen)
		now := slices.Clone(in.EffectiveCategories())
		slices.Sort(now)
		if !slices.Equal(chosen, now) {
			c.Categories = chosen
		}
	}
	number := func(key, label, was string) (*int, string) {
		v := strings.TrimSpace(form.Get(key))
		if v == "" || v == was {
			return nil, ""
		}
		n, err := strconv.Atoi(strings.ReplaceAll(v, ".", ""))
		if err != nil || n < 0 {
			return nil, label + " moet een heel getal zijn, 0 of meer."
		}
		return &n, ""
	}
	var problem string
	if c.SubjectsMin, problem = number("c_subjects_min", "Het minimum aantal betrokkenen", cur.SubjectsMin); problem != "" {
		return c, problem
	}
	if c.SubjectsMax, problem = number("c_subjects_max", "Het maximum aantal betrokkenen", cur.SubjectsMax); problem != "" {
		return c, problem
	}
	if c.Records, problem = number("c_records", "Het aantal records", cur.Records); problem != "" {
		return c, problem
	}
	if g := strings.TrimSpace(form.Get("c_group")); g != "" && g != cur.Group {
		c.Group = &g
	}
	moment := func(key, label, was string) (*time.Time, string) {
		v := strings.Join(strings.Fields(form.Get(key)), " ")
		if v == "" || v == was {
			return nil, ""
		}
		t, ok := wb.parseMinute(v)
		if !ok {
			return nil, label + " moet een moment zijn als dd-mm-jjjj uu:mm."
		}
		return &t, ""
	}
	if c.LeakStart, problem = moment("c_leak_start", "Het begin van het datalek", cur.LeakStart); problem != "" {
		return c, problem
	}
	if c.LeakEnd, problem = moment("c_leak_end", "Het einde van het datalek", cur.LeakEnd); problem != "" {
		return c, problem
	}
	return c, ""
}

// correct records the FG's corrections under the session's name.
func (wb *web) correct(w http.ResponseWriter, r *http.Request, v viewer) {
	id := r.PathValue("id")
	back := "/incidents/" + id + "#corrections"
	in, err := wb.o.Register.Summary(r.Context(), id)
	if err != nil {
		wb.fail(w, v, err)
		return
	}
	c, problem := wb.readCorrection(in, r)
	if problem != "" {
		wb.redirectBack(w, r, v, back, flash{Text: "Niet opgeslagen: " + problem, Error: true})
		return
	}
	if c.Categories == nil && c.SubjectsMin == nil && c.SubjectsMax == nil && c.Group == nil && c.LeakStart == nil && c.LeakEnd == nil && c.Records == nil {
		wb.redirectBack(w, r, v, back, flash{Text: "Geen wijzigingen: er is niets gecorrigeerd."})
		return
	}
	reason := strings.TrimSpace(r.PostForm.Get("reason"))
	if reason == "" {
		wb.redirectBack(w, r, v, back, flash{Text: "Niet opgeslagen: geef een reden voor de correctie.", Error: true})
		return
	}
	text := register.CorrectionText(in, c)
	_, err = wb.o.Register.Correct(r.Context(), id, v.Name, reason, c)
	switch {
	case errors.Is(err, register.ErrTransition):
		wb.redirectBack(w, r, v, back, flash{Text: "Niet opgeslagen: " + refusal(in, "corrigeren"), Error: true})
		return
	case errors.Is(err, register.ErrInvalid):
		wb.redirectBack(w, r, v, back, flash{Text: "Niet opgeslagen: " + correctionProblem(err), Error: true})
		return
	case err != nil:
		wb.fail(w, v, err)
		return
	}
	wb.o.Log.Info("web: correction", "incident", id, "by", v.Name)
	wb.redirectBack(w, r, v, back, flash{Text: "Correctie vastgelegd: " + text + "."})
}

// correctionProblem words the register's refusal of a correction for the page.
func correctionProblem(err error) string {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "below the minimum"):
		return "het maximum aantal betrokkenen is kleiner dan het minimum."
	case strings.Contains(msg, "before it starts"):
		return "het datalek eindigt voordat het begint."
	}
	return "de correctie klopt niet (" + msg + ")."
}

// subjectsShort is the number of betrokkenen in force for the list: "250", "240-260", "onbekend".
func subjectsShort(in *register.Incident) string {
	if !in.SubjectsKnown() {
		return "onbekend"
	}
	lo, hi := in.SubjectsBounds()
	if lo == hi {
		return strconv.Itoa(lo)
	}
	return fmt.Sprintf("%d–%d", lo, hi)
}

// subjectsText is the number of betrokkenen in force: "120 tot 150 (gecorrigeerd door de FG)",
// "250 (geschat)", "onbekend".
func subjectsText(in *register.Incident) string {
	if !in.SubjectsKnown() {
		return "onbekend"
	}
	lo, hi := in.SubjectsBounds()
	n := strconv.Itoa(lo)
	if hi != lo {
		n = fmt.Sprintf("%d tot %d", lo, hi)
	}
	if c := in.Corrected; c != nil && (c.SubjectsMin != nil || c.SubjectsMax != nil) {
		return n + " (gecorrigeerd)"
	}
	return n + " (geschat door lekwacht)"
}
