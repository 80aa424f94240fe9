package documents

import (
	"fmt"
	"slices"
	"strings"

	"github.com/lekwacht/lekwacht/config"
	"github.com/lekwacht/lekwacht/hit"
	"github.com/lekwacht/lekwacht/register"
)

// letterNatures describe the breach in general terms, for betrokkenen.
var letterNatures = map[string]string{
	"shared_credentials": "heeft iemand zich met de inloggegevens van een ander toegang verschaft tot een systeem waarin uw persoonsgegevens staan",
	"bulk_bsn_export":    "is een bestand of lijst met onder meer uw persoonsgegevens gekopieerd of geëxporteerd zonder dat daar een goede reden voor was",
	"misdirected_mail":   "is een bericht met uw persoonsgegevens naar een verkeerde ontvanger gestuurd",
	"private_mail":       "is een bericht met uw persoonsgegevens naar een privé-mailbox buiten de organisatie gestuurd",
	"record_snooping":    "zijn uw persoonsgegevens ingezien door iemand die daar geen aanleiding voor had",
	"mass_deletion":      "zijn persoonsgegevens, waaronder die van u, verwijderd zonder dat dit de bedoeling was",
}

const genericLetterNature = "is er een inbreuk geweest op de beveiliging van persoonsgegevens, waarbij ook uw gegevens betrokken zijn"

// consequence texts per category, for when the FG has not described the consequences.
var letterConsequences = []struct {
	cats []hit.Category
	text string
}{
	{[]hit.Category{hit.CategoryBSN, hit.CategoryIDDocument}, "Uw gegevens kunnen worden misbruikt voor identiteitsfraude, bijvoorbeeld om op uw naam iets aan te vragen of af te sluiten."},
	{[]hit.Category{hit.CategoryCredential}, "Met uw inloggegevens kan iemand mogelijk namens u inloggen."},
	{[]hit.Category{hit.CategoryFinancial}, "Uw financiële gegevens kunnen worden misbruikt, bijvoorbeeld voor fraude of voor geloofwaardige phishingberichten."},
	{[]hit.Category{hit.CategoryHealth, hit.CategorySpecial, hit.CategoryCriminal}, "Het gaat om gevoelige gegevens; als anderen deze kennen, kan dat leiden tot schade, schaamte of ongewenst contact."},
	{[]hit.Category{hit.CategoryName, hit.CategoryAddress, hit.CategoryContact, hit.CategoryLocation}, "U kunt ongevraagd benaderd worden, bijvoorbeeld met berichten die van een betrouwbare afzender lijken te komen."},
}

// advice per category: what the betrokkene can do to limit the consequences.
var letterAdvice = []struct {
	cats []hit.Category
	text string
}{
	{[]hit.Category{hit.CategoryBSN, hit.CategoryIDDocument}, "Let op signalen van identiteitsfraude, zoals post, rekeningen of aanmaningen voor zaken die u niet heeft aangevraagd. Vermoedt u identiteitsfraude? Meld dit dan bij het Centraal Meldpunt Identiteitsfraude en -fouten (CMI) van de Rijksdienst voor Identiteitsgegevens (zie rijksoverheid.nl of rvig.nl voor de contactgegevens) en doe aangifte bij de politie."},
	{[]hit.Category{hit.CategoryCredential}, "Wijzig zo snel mogelijk uw wachtwoord, en ook het wachtwoord van andere diensten waar u hetzelfde wachtwoord gebruikt. Zet waar mogelijk tweestapsverificatie aan."},
	{[]hit.Category{hit.CategoryFinancial}, "Controleer de komende tijd uw bankafschriften op afschrijvingen die u niet herkent en neem bij twijfel contact op met uw bank. Wees alert op phishing: berichten die om uw gegevens, inlogcodes of een betaling vragen. Uw bank of de gemeente vraagt nooit per e-mail of telefoon om uw inlogcodes."},
	{[]hit.Category{hit.CategoryHealth, hit.CategorySpecial, hit.CategoryCriminal}, "Wees alert op ongebruikelijk contact, bijvoorbeeld personen of organisaties die u benaderen over uw persoonlijke situatie zonder dat u weet hoe zij aan die informatie komen. Neem in dat geval contact met ons op."},
}

const genericAdvice = "Wees de komende tijd alert op berichten, telefoontjes of brieven die u niet verwacht, vooral als daarin naar persoonlijke gegevens wordt gevraagd of als de afzender meer over u lijkt te weten dan u zou verwachten. Geef nooit zomaar persoonlijke gegevens of inlogcodes af en neem bij twijfel contact met ons op."

// Letter is the letter to a betrokkene field by field (art. 34 lid 2 AVG: the nature of the breach
// in plain language, the likely consequences, the measures, what the betrokkene can do, contact).
// Each field holds the FG's own text (letter_* details) or a default in plain Dutch from the kind of
// incident and its data categories. Nothing internal enters it: not the FG's notes, measures or
// motivation written for the AP or the register, no account, host, rule or summary of the logs.
type Letter struct {
	Fields []LetterField `json:"fields"`
}

// LetterField is one part of the letter.
type LetterField struct {
	ID     string `json:"id"`  // stable: wat-er-gebeurd, wat-betekent-dit, wat-wij-deden, wat-u-kunt-doen, contact
	Key    string `json:"key"` // the detail the FG fills it with (letter_what_happened, ...)
	Label  string `json:"label"`
	Value  string `json:"value"`
	FromFG bool   `json:"from_fg"` // the FG's own text, else lekwacht's default
}

// Field returns the field with the given id ("" when absent).
func (l Letter) Field(id string) string {
	for _, f := range l.Fields {
		if f.ID == id {
			return f.Value
		}
	}
	return ""
}

// NewLetter fills the letter's fields for an incident as (*register.Register).Summary returns it.
func NewLetter(org config.Organisation, in *register.Incident) Letter {
	var l Letter
	add := func(id, key, label, def string) {
		f := LetterField{ID: id, Key: key, Label: label, Value: def}
		if v := detail(in, key); v != "" {
			f.Value, f.FromFG = v, true
		}
		l.Fields = append(l.Fields, f)
	}
	add("wat-er-gebeurd", "letter_what_happened", "Wat is er gebeurd?", letterWhatHappened(in))
	add("wat-betekent-dit", "letter_what_it_means", "Wat betekent dit voor u?", letterMeaning(in))
	add("wat-wij-deden", "letter_what_we_did", "Wat hebben wij gedaan?", letterWhatWeDid(in))
	add("wat-u-kunt-doen", "letter_what_you_can_do", "Wat kunt u zelf doen?", letterAdviceText(in))
	add("contact", "letter_contact", "Heeft u vragen?", letterContact(org, in))
	return l
}

func letterWhatHappened(in *register.Incident) string {
	nature := genericLetterNature
	if n, ok := letterNatures[in.Detector]; ok {
		nature = n
	}
	return fmt.Sprintf("%s %s. Wij hebben dit op %s ontdekt.", capitalise(when(in)), nature, dutchDate(in.DiscoveredAt))
}

func letterMeaning(in *register.Incident) string {
	var b strings.Builder
	cats := in.EffectiveCategories()
	if len(cats) == 0 {
		b.WriteString("Het gaat om persoonsgegevens van u; welke precies, zoeken wij nog uit.")
	} else {
		fmt.Fprintf(&b, "Het gaat om deze gegevens van u: %s.", strings.Join(categoryNameList(cats), ", "))
	}
	n := 0
	for _, c := range letterConsequences {
		if hasAny(cats, c.cats) {
			b.WriteString(" " + c.text)
			n++
		}
	}
	if n == 0 {
		b.WriteString(" Wij verwachten geen grote gevolgen, maar kunnen misbruik van uw gegevens niet helemaal uitsluiten.")
	}
	return b.String()
}

func letterWhatWeDid(in *register.Incident) string {
	s := "Zodra wij het datalek ontdekten, zijn wij een onderzoek gestart. Wij nemen maatregelen om te voorkomen dat dit opnieuw gebeurt."
	if d := detail(in, "ap_reported_on"); d != "" {
		s += " Wij hebben het datalek op " + DayNL(d) + " gemeld bij de Autoriteit Persoonsgegevens."
	}
	return s
}

func letterAdviceText(in *register.Incident) string {
	var parts []string
	for _, a := range letterAdvice {
		if hasAny(in.EffectiveCategories(), a.cats) {
			parts = append(parts, a.text)
		}
	}
	if len(parts) == 0 {
		parts = append(parts, genericAdvice)
	}
	return strings.Join(parts, " ")
}

func letterContact(org config.Organisation, in *register.Incident) string {
	return fmt.Sprintf("Voor vragen over dit datalek kunt u contact opnemen met onze Functionaris Gegevensbescherming, %s (e-mail: %s, telefoon: %s). Vermeld daarbij ons kenmerk %s.",
		orPlaceholder(org.FG.Name), orPlaceholder(org.FG.Email), orPlaceholder(org.FG.Phone), in.ID)
}

// Brief is the draft letter to a betrokkene ("brief datalek aan betrokkene", art. 34 AVG), in Dutch
// plain text, from NewLetter's fields.
func Brief(org config.Organisation, in *register.Incident) string {
	return NewLetter(org, in).Text(org, in)
}

// Text renders the letter as plain text with the address block, greeting and signature.
func (l Letter) Text(org config.Organisation, in *register.Incident) string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	name := orPlaceholder(org.Name)
	p("%s\n\n", name)
	p("[naam betrokkene]\n[adres]\n[postcode en woonplaats]\n\n")
	p("Datum: [datum]\n")
	p("Ons kenmerk: %s\n", in.ID)
	p("Onderwerp: datalek waarbij uw persoonsgegevens betrokken zijn\n\n")
	p("Geachte heer, mevrouw,\n\n")
	p("Met deze brief laten wij u weten dat er bij %s een datalek is geweest waarbij uw persoonsgegevens betrokken zijn. "+
		"Wij vinden het belangrijk dat u hiervan op de hoogte bent, en bieden u onze excuses aan. "+
		"In deze brief leest u wat er is gebeurd, wat dit voor u betekent, wat wij hebben gedaan en wat u zelf kunt doen.\n\n", name)
	for _, f := range l.Fields {
		p("%s\n\n%s\n\n", f.Label, strings.TrimSpace(f.Value))
	}
	p("Klacht indienen\n\n")
	p("Bent u het niet eens met de manier waarop wij met uw persoonsgegevens zijn omgegaan? Dan heeft u het recht " +
		"een klacht in te dienen bij de Autoriteit Persoonsgegevens (www.autoriteitpersoonsgegevens.nl).\n\n")
	p("Met vriendelijke groet,\n\n")
	p("[naam en functie ondertekenaar]\n%s\n", name)
	return b.String()
}

// when says in general terms when the breach happened.
func when(in *register.Incident) string {
	first, last := in.LeakPeriod()
	switch {
	case first.IsZero():
		return "op [datum]"
	case last.IsZero() || first.Format("2006-01-02") == last.Format("2006-01-02"):
		return "op " + dutchDate(first)
	}
	return "tussen " + dutchDate(first) + " en " + dutchDate(last)
}

func capitalise(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func hasAny(have, want []hit.Category) bool {
	return slices.ContainsFunc(want, func(c hit.Category) bool { return slices.Contains(have, c) })
}
