package assessment

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/lekwacht/lekwacht/hit"
)

// Facts are what is known about a leak: the input of `lekwacht assess --facts` (CONTRACT.md), and what
// the register derives from an incident's evidence.
type Facts struct {
	SecurityIncident       *bool          `json:"security_incident"`
	PersonalData           *bool          `json:"personal_data"`
	Categories             []hit.Category `json:"categories"`
	Subjects               int            `json:"subjects"`
	Encrypted              bool           `json:"encrypted"`
	Delivered              *bool          `json:"delivered"`          // nil: not a mail, or unknown
	RetrievedUnopened      bool           `json:"retrieved_unopened"` // returned or retrieved unopened
	Remedied               bool           `json:"remedied"`
	DisproportionateEffort bool           `json:"disproportionate_effort"`
	// Why, when set, says where the first two facts come from (a detector's finding), for the reasons.
	Why string `json:"-"`
}

// ReadFacts decodes a facts file strictly: unknown keys and wrong types are errors with line and column.
func ReadFacts(r io.Reader, name string) (Facts, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return Facts{}, fmt.Errorf("read %s: %w", name, err)
	}
	var f Facts
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return Facts{}, fmt.Errorf("%s:%s: %w", name, position(data, dec.InputOffset(), err), err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) { // one object, nothing after it
		return Facts{}, fmt.Errorf("%s:%s: more after the facts object", name, position(data, dec.InputOffset(), err))
	}
	var errs []error
	if f.SecurityIncident == nil {
		errs = append(errs, fmt.Errorf("%s: security_incident is required (true or false)", name))
	}
	if f.PersonalData == nil {
		errs = append(errs, fmt.Errorf("%s: personal_data is required (true or false)", name))
	}
	if f.Subjects < 0 {
		errs = append(errs, fmt.Errorf("%s: subjects must be 0 or more", name))
	}
	for _, c := range f.Categories {
		if !slices.Contains(hit.Categories, c) {
			errs = append(errs, fmt.Errorf("%s: category %q is not one of %v", name, c, hit.Categories))
		}
	}
	return f, errors.Join(errs...)
}

// position turns a decoder error's byte offset into line:col.
func position(data []byte, offset int64, err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		offset = se.Offset
	case errors.As(err, &te):
		offset = te.Offset
	}
	offset = min(offset, int64(len(data)))
	before := data[:offset]
	line := bytes.Count(before, []byte("\n")) + 1
	col := int(offset) - bytes.LastIndexByte(before, '\n')
	return fmt.Sprintf("%d:%d", line, col)
}

// Suggestion is a proposed answer and why.
type Suggestion struct {
	Answer bool   `json:"answer"`
	Reason string `json:"reason"`
}

// Suggest proposes an answer to every question from the facts.
func Suggest(f Facts) map[QuestionID]Suggestion {
	s := map[QuestionID]Suggestion{}
	why := f.Why
	if why != "" {
		why = " " + why
	}
	if f.SecurityIncident != nil && *f.SecurityIncident {
		s[QSecurityIncident] = Suggestion{true, "Er is een inbreuk op de beveiliging vastgesteld." + why}
	} else {
		s[QSecurityIncident] = Suggestion{false, "Er is geen inbreuk op de beveiliging vastgesteld."}
	}
	s[QPersonalData] = suggestPersonalData(f)
	s[QSensitive] = suggestSensitive(f)
	if f.Encrypted {
		s[QReadable] = Suggestion{false, "De gegevens waren passend versleuteld en dus niet leesbaar of bruikbaar."}
	} else {
		s[QReadable] = Suggestion{true, "De gegevens waren niet versleuteld: leesbaar en bruikbaar voor wie ze kreeg."}
	}
	if f.Remedied {
		s[QRemedied] = Suggestion{true, "Er zijn maatregelen genomen die het risico wegnemen (bijvoorbeeld teruggehaald en aantoonbaar verwijderd)."}
	} else {
		s[QRemedied] = Suggestion{false, "Er is (nog) geen maatregel bekend die het hoge risico wegneemt."}
	}
	if f.DisproportionateEffort {
		s[QDisproportionateEffort] = Suggestion{true, "De betrokkenen zijn niet of alleen met onevenredige inspanning afzonderlijk te bereiken."}
	} else {
		s[QDisproportionateEffort] = Suggestion{false, fmt.Sprintf("De betrokkenen (geschat %d) zijn afzonderlijk te informeren.", f.Subjects)}
	}
	return s
}

func suggestPersonalData(f Facts) Suggestion {
	switch {
	case f.PersonalData == nil || !*f.PersonalData:
		return Suggestion{false, "Er zijn geen persoonsgegevens bij betrokken."}
	case f.RetrievedUnopened:
		return Suggestion{false, "De gegevens zijn ongeopend teruggekomen of teruggehaald: onrechtmatige verwerking is redelijkerwijs uit te sluiten (zoals een ongeopend geretourneerde brief)."}
	case f.Delivered != nil && !*f.Delivered:
		return Suggestion{false, "De mail is niet afgeleverd (teruggestuurd door de ontvangende server): niemand anders heeft de gegevens gekregen, zoals een ongeopend geretourneerde brief."}
	case f.Delivered != nil:
		return Suggestion{true, "De mail is afgeleverd bij de ontvanger: onrechtmatige verwerking is niet uit te sluiten."}
	}
	return Suggestion{true, "Persoonsgegevens zijn ingezien, gekopieerd of verwijderd zonder dat onrechtmatige verwerking uit te sluiten is."}
}

func suggestSensitive(f Facts) Suggestion {
	var sensitive []string
	for _, c := range f.Categories {
		if Sensitive(c) {
			sensitive = append(sensitive, string(c))
		}
	}
	switch {
	case len(sensitive) > 0:
		return Suggestion{true, fmt.Sprintf("Gevoelige gegevens (%s): kans op identiteitsfraude, stigmatisering of andere nadelige gevolgen.", strings.Join(sensitive, ", "))}
	case slices.Contains(f.Categories, hit.CategoryMinors):
		return Suggestion{true, "Gegevens van minderjarigen: zij verdienen extra bescherming, nadelige gevolgen zijn aannemelijk."}
	case f.Subjects >= ManySubjects:
		return Suggestion{true, fmt.Sprintf("Geen gevoelige categorieën, maar een groot aantal betrokkenen (geschat %d): aanzienlijke kans op nadelige gevolgen.", f.Subjects)}
	}
	return Suggestion{false, fmt.Sprintf("Geen gevoelige categorieën en een beperkt aantal betrokkenen (geschat %d).", f.Subjects)}
}

// Decide runs the flow on the suggested answers alone: what `lekwacht assess --facts` prints.
func Decide(f Facts) Outcome {
	answers := map[QuestionID]bool{}
	for id, s := range Suggest(f) {
		answers[id] = s.Answer
	}
	return Evaluate(answers)
}
