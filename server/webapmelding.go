package server

// The melding bij de AP as a page: the draft notification laid out after the AP's form, section by
// section, each field with a copy button and a clear mark where the FG must fill in; printable to
// PDF from the browser. And the letter to betrokkenen as a page. Both are logged as reads.

import (
	"fmt"
	"net/http"

	"github.com/lekwacht/lekwacht/documents"
	"github.com/lekwacht/lekwacht/register"
)

// apField is one field of the AP's form: a stable id (for the copy button and tests), the form's
// label, the value to paste, and Missing when the FG must fill it in (Value then says what).
type apField struct {
	ID, Label, Value string
	Missing          bool
	Hint             string
}

type apSection struct {
	ID, Title string
	Fields    []apField
}

type apPageData struct {
	base
	In       *register.Incident
	Title    string // new melding or vervolgmelding
	Sections []apSection
	Missing  int
}

// apSections lays the melding's sections out for the page: documents.NewAPMelding fills every
// field of the AP's form from the incident, the FG's answers and corrections, or marks it for the
// FG; the page adds where a value comes from, and a copy button to each filled field.
func apSections(m documents.APMelding) []apSection {
	out := make([]apSection, 0, len(m.Sections))
	for i, s := range m.Sections {
		sec := apSection{ID: s.ID, Title: fmt.Sprintf("%d. %s", i+1, s.Title)}
		for _, f := range s.Fields {
			sec.Fields = append(sec.Fields, apField{ID: "ap-" + f.ID, Label: f.Label, Value: f.Value, Missing: f.Missing, Hint: f.Source})
		}
		out = append(out, sec)
	}
	return out
}

// apMelding is the draft melding bij de AP as a page.
func (wb *web) apMelding(w http.ResponseWriter, r *http.Request, v viewer) {
	in, ok := wb.readDocument(w, r, v, "web ap-melding")
	if !ok {
		return
	}
	m := documents.NewAPMelding(wb.o.Organisation, in, wb.o.Now().In(wb.loc))
	d := apPageData{base: wb.base(&v, "Melding bij de AP · "+in.ID), In: in, Title: m.Title, Sections: apSections(m)}
	for _, s := range d.Sections {
		for _, f := range s.Fields {
			if f.Missing {
				d.Missing++
			}
		}
	}
	wb.render(w, http.StatusOK, "apmelding", d)
}

type briefData struct {
	base
	In   *register.Incident
	Text string
}

// brief is the draft letter to betrokkenen as a page.
func (wb *web) brief(w http.ResponseWriter, r *http.Request, v viewer) {
	in, ok := wb.readDocument(w, r, v, "web brief")
	if !ok {
		return
	}
	wb.render(w, http.StatusOK, "brief", briefData{base: wb.base(&v, "Brief aan betrokkenen · "+in.ID), In: in,
		Text: documents.Brief(wb.o.Organisation, in)})
}

// readDocument logs the read and returns the incident without evidence.
func (wb *web) readDocument(w http.ResponseWriter, r *http.Request, v viewer, action string) (*register.Incident, bool) {
	id := r.PathValue("id")
	if err := wb.o.Register.LogAccess(r.Context(), id, v.Name, action); err != nil {
		wb.fail(w, v, err)
		return nil, false
	}
	in, err := wb.o.Register.Summary(r.Context(), id)
	if err != nil {
		wb.fail(w, v, err)
		return nil, false
	}
	return in, true
}
