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
	SecurityIncident *bool          `json:"security_incident"`
	PersonalData     *bool          `json:"personal_data"`
	Categories       []hit.Category `json:"categories"`
	Subjects         int            `json:"subjects"`
	Encrypted        bool           `json:"encrypted"`
	// SubjectsMin is the low end when the number of betrokkenen is a range (Subjects the high end);
	// 0 means Subjects alone. SubjectsKnown says a Subjects of 0 is known (nobody), not unknown.
	SubjectsMin   int  `json:"-"`
	SubjectsKnown bool `json:"-"`
	// EncryptionUnknown says nobody knows yet whether the data were encrypted (Encrypted is then
	// meaningless): the register sets it for an incident whose evidence does not tell.
	EncryptionUnknown      bool  `json:"-"`
	Delivered              *bool `json:"delivered"`          // nil: not a mail, or unknown
	RetrievedUnopened      bool  `json:"retrieved_unopened"` // returned or retrieved unopened
	Remedied               bool  `json:"remedied"`
	DisproportionateEffort bool  `json:"disproportionate_effort"`
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

// Suggestion is a proposed answer and why. When the answer depends on a fact nobody knows yet,
// Unknown names it (in Dutch), the answer is the careful one, and the reason says what is unknown
// and asks for it: no suggestion rests on an unknown without saying so.
type Suggestion struct {
	Answer  bool     `json:"answer"`
	Reason  string   `json:"reason"`
	Unknown []string `json:"unknown,omitempty"`
}

// Known unknowns, as the suggestions name them.
const (
	UnknownCategories = "soorten persoonsgegevens"
	UnknownSubjects   = "aantal betrokkenen"
	UnknownEncryption = "versleuteling"
)

// subjectsKnown says whether the number of betrokkenen is known: above 0, or a known 0.
func (f Facts) subjectsKnown() bool { return f.Subjects > 0 || f.SubjectsKnown }

// subjectsText is the number of betrokkenen in words: "120", "120 tot 150".
func (f Facts) subjectsText() string {
	if f.SubjectsMin > 0 && f.SubjectsMin < f.Subjects {
		return fmt.Sprintf("%d tot %d", f.SubjectsMin, f.Subjects)
	}
	return fmt.Sprint(f.Subjects)
}

// Suggest proposes an answer to every question from the facts.
func Suggest(f Facts) map[QuestionID]Suggestion {
	s := map[QuestionID]Suggestion{}
	why := f.Why
	if why != "" {
		why = " " + why
	}
	if f.SecurityIncident != nil && *f.SecurityIncident {
		s[QSecurityIncident] = Suggestion{Answer: true, Reason: "Er is een inbreuk op de beveiliging vastgesteld." + why}
	} else {
		s[QSecurityIncident] = Suggestion{Answer: false, Reason: "Er is geen inbreuk op de beveiliging vastgesteld."}
	}
	s[QPersonalData] = suggestPersonalData(f)
	s[QSensitive] = suggestSensitive(f)
	s[QReadable] = suggestReadable(f)
	if f.Remedied {
		s[QRemedied] = Suggestion{Answer: true, Reason: "Er zijn maatregelen genomen die het risico wegnemen (bijvoorbeeld teruggehaald en aantoonbaar verwijderd)."}
	} else {
		s[QRemedied] = Suggestion{Answer: false, Reason: "Er is (nog) geen maatregel bekend die het hoge risico wegneemt. Is de ontvanger bekend en betrouwbaar en heeft die de gegevens aantoonbaar verwijderd zonder ze te gebruiken, dan kan het antwoord ja zijn."}
	}
	s[QDisproportionateEffort] = suggestEffort(f)
	return s
}

func suggestPersonalData(f Facts) Suggestion {
	switch {
	case f.PersonalData == nil:
		return Suggestion{Answer: true, Unknown: []string{UnknownCategories, UnknownSubjects},
			Reason: "Nog onbekend of er persoonsgegevens bij betrokken zijn: er zijn nog geen soorten gegevens en geen betrokkenen vastgesteld. " +
				"Zolang dat niet is uitgezocht, is onrechtmatige verwerking niet redelijkerwijs uit te sluiten. " +
				"Welke gegevens zijn ingezien, gekopieerd of verstuurd, en van hoeveel personen? Vul dat in bij de correcties; blijkt er niets te zijn ingezien, antwoord dan nee."}
	case !*f.PersonalData:
		return Suggestion{Answer: false, Reason: "Er zijn geen persoonsgegevens bij betrokken."}
	case f.RetrievedUnopened:
		return Suggestion{Answer: false, Reason: "De gegevens zijn ongeopend teruggekomen of teruggehaald: onrechtmatige verwerking is redelijkerwijs uit te sluiten (zoals een ongeopend geretourneerde brief)."}
	case f.Delivered != nil && !*f.Delivered:
		return Suggestion{Answer: false, Reason: "De mail is niet afgeleverd (teruggestuurd door de ontvangende server): niemand anders heeft de gegevens gekregen, zoals een ongeopend geretourneerde brief."}
	case f.Delivered != nil:
		return Suggestion{Answer: true, Reason: "De mail is afgeleverd bij de ontvanger: onrechtmatige verwerking is niet uit te sluiten."}
	}
	return Suggestion{Answer: true, Reason: "Persoonsgegevens zijn ingezien, gekopieerd of verwijderd zonder dat onrechtmatige verwerking uit te sluiten is."}
}

// onlyContact says whether every category is contact data (mail addresses, phone numbers), with a
// name at most: the CC-instead-of-BCC case.
func onlyContact(cs []hit.Category) bool {
	if !slices.Contains(cs, hit.CategoryContact) {
		return false
	}
	for _, c := range cs {
		if c != hit.CategoryContact && c != hit.CategoryName {
			return false
		}
	}
	return true
}

// edpbContext is where the EDPB's guidelines weigh what the protocol's list of categories does not.
const edpbContext = "De EDPB (richtsnoeren 01/2021) weegt daarnaast de context: onthult de zending of het bestand zelf iets gevoeligs " +
	"(bijvoorbeeld dat de ontvangers cliënt zijn van schuldhulp, verslavingszorg of een zorgverlener), dan is het risico hoger en is het antwoord ja."

func suggestSensitive(f Facts) Suggestion {
	var sensitive []string
	for _, c := range f.Categories {
		if Sensitive(c) {
			sensitive = append(sensitive, CategoryName(c))
		}
	}
	known := f.subjectsKnown()
	switch {
	case len(sensitive) > 0:
		return Suggestion{Answer: true, Reason: fmt.Sprintf("Gevoelige gegevens (%s): kans op identiteitsfraude, stigmatisering of andere nadelige gevolgen.", strings.Join(sensitive, ", "))}
	case slices.Contains(f.Categories, hit.CategoryMinors):
		return Suggestion{Answer: true, Reason: "Gegevens van minderjarigen: zij verdienen extra bescherming, nadelige gevolgen zijn aannemelijk."}
	case len(f.Categories) == 0 && !known:
		return Suggestion{Answer: true, Unknown: []string{UnknownCategories, UnknownSubjects},
			Reason: "Nog onbekend om welke gegevens en hoeveel betrokkenen het gaat; voorzichtig voorstel: ja, tot dat is uitgezocht. " +
				"Gaat het om gevoelige gegevens (BSN, gezondheid, financiën, inloggegevens, strafrechtelijke gegevens) of om 100 of meer personen, dan blijft het ja; anders nee."}
	case len(f.Categories) == 0:
		return Suggestion{Answer: true, Unknown: []string{UnknownCategories},
			Reason: fmt.Sprintf("Nog onbekend om welke soorten gegevens het gaat (betrokkenen: %s); voorzichtig voorstel: ja, tot dat is uitgezocht. Welke gegevens waren het?", f.subjectsText())}
	case known && f.Subjects >= ManySubjects && onlyContact(f.Categories):
		return Suggestion{Answer: true, Reason: fmt.Sprintf("Alleen namen en contactgegevens, maar van veel betrokkenen (%s): het protocol neemt dan een aanzienlijke kans op nadelige gevolgen aan (bijvoorbeeld phishing). "+
			"Hier verschillen protocol en EDPB: volgens de EDPB (richtsnoeren 01/2021) is het zichtbaar worden van e-mailadressen (CC in plaats van BCC) meestal een laag risico, ook bij veel ontvangers, tenzij de context iets gevoeligs onthult. Weeg dat mee.", f.subjectsText())}
	case known && f.Subjects >= ManySubjects:
		return Suggestion{Answer: true, Reason: fmt.Sprintf("Geen gevoelige categorieën, maar een groot aantal betrokkenen (%s): het protocol neemt dan een aanzienlijke kans op nadelige gevolgen aan. "+
			"De EDPB (richtsnoeren 01/2021) kijkt minder naar het aantal alleen en meer naar de aard van de gegevens en de gevolgen; hier verschillen ze.", f.subjectsText())}
	case !known:
		return Suggestion{Answer: true, Unknown: []string{UnknownSubjects},
			Reason: "Geen gevoelige categorieën, maar het aantal betrokkenen is nog onbekend; voorzichtig voorstel: ja, tot dat bekend is. " +
				fmt.Sprintf("Bij %d of meer betrokkenen neemt het protocol een aanzienlijke kans op nadelige gevolgen aan, bij minder is het antwoord nee. Hoeveel personen zijn het?", ManySubjects)}
	case onlyContact(f.Categories):
		return Suggestion{Answer: false, Reason: fmt.Sprintf("Alleen namen en contactgegevens van een beperkt aantal betrokkenen (%s), zoals e-mailadressen die andere ontvangers konden zien (CC in plaats van BCC): volgens de EDPB meestal een laag risico. %s", f.subjectsText(), edpbContext)}
	}
	return Suggestion{Answer: false, Reason: fmt.Sprintf("Geen gevoelige categorieën en een beperkt aantal betrokkenen (%s), zoals een verwisselde bestelling of brief met naam en adres: laag risico, ook volgens de EDPB (richtsnoeren 01/2021). %s", f.subjectsText(), edpbContext)}
}

func suggestReadable(f Facts) Suggestion {
	switch {
	case f.EncryptionUnknown:
		return Suggestion{Answer: true, Unknown: []string{UnknownEncryption},
			Reason: "Nog onbekend of de gegevens versleuteld waren; voorzichtig voorstel: ja (leesbaar), tot dat is nagegaan. Waren ze passend versleuteld en is de sleutel niet mee gelekt, antwoord dan nee."}
	case f.Encrypted:
		return Suggestion{Answer: false, Reason: "De gegevens waren passend versleuteld en dus niet leesbaar of bruikbaar."}
	}
	return Suggestion{Answer: true, Reason: "De gegevens waren niet versleuteld: leesbaar en bruikbaar voor wie ze kreeg."}
}

func suggestEffort(f Facts) Suggestion {
	switch {
	case f.DisproportionateEffort:
		return Suggestion{Answer: true, Reason: "De betrokkenen zijn niet of alleen met onevenredige inspanning afzonderlijk te bereiken."}
	case !f.subjectsKnown():
		return Suggestion{Answer: false, Unknown: []string{UnknownSubjects},
			Reason: "Het aantal betrokkenen is nog onbekend, en daarmee of zij afzonderlijk te bereiken zijn. Hoeveel personen zijn het, en zijn hun adressen bekend? " +
				"Afzonderlijk informeren is de regel (nee); alleen als dat een onevenredige inspanning vergt, is een openbare mededeling de uitzondering (ja)."}
	case f.Subjects == 0:
		return Suggestion{Answer: false, Reason: "Er zijn geen betrokkenen vastgesteld: er is niemand afzonderlijk te informeren."}
	}
	return Suggestion{Answer: false, Reason: fmt.Sprintf("Afzonderlijk informeren is de regel (art. 34 AVG); bij %s betrokkenen is dat geen onevenredige inspanning als hun adressen bekend zijn. Zijn ze dat niet, antwoord dan ja.", f.subjectsText())}
}

// Decide runs the flow on the suggested answers alone: what `lekwacht assess --facts` prints.
func Decide(f Facts) Outcome {
	answers := map[QuestionID]bool{}
	for id, s := range Suggest(f) {
		answers[id] = s.Answer
	}
	return Evaluate(answers)
}
