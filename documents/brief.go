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

// Brief is the draft letter to a betrokkene ("brief datalek aan betrokkene", art. 34 AVG), in Dutch
// plain text. It names no evidence, only the nature of the breach in general terms.
func Brief(org config.Organisation, in *register.Incident) string {
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
		"In deze brief leest u wat er is gebeurd, wat de mogelijke gevolgen zijn, wat wij hebben gedaan en wat u zelf kunt doen.\n\n", name)

	p("Wat is er gebeurd?\n\n")
	nature := genericLetterNature
	if n, ok := letterNatures[in.Detector]; ok {
		nature = n
	}
	p("%s %s. Wij hebben dit op %s ontdekt.\n\n", capitalise(when(in)), nature, dutchDate(in.DiscoveredAt))

	p("Om welke gegevens gaat het?\n\n")
	if len(in.DataCategories) == 0 {
		p("- %s\n\n", "[in te vullen door FG: soorten persoonsgegevens]")
	} else {
		for _, n := range categoryNameList(in.DataCategories) {
			p("- %s\n", n)
		}
		p("\n")
	}

	p("Wat zijn de mogelijke gevolgen voor u?\n\n")
	if c := detail(in, "consequences"); c != "" {
		p("%s\n\n", c)
	} else {
		n := 0
		for _, c := range letterConsequences {
			if hasAny(in.DataCategories, c.cats) {
				p("%s\n", c.text)
				n++
			}
		}
		if n == 0 {
			p("Wij verwachten geen grote gevolgen, maar kunnen misbruik van uw gegevens niet helemaal uitsluiten.\n")
		}
		p("\n")
	}

	p("Wat hebben wij gedaan?\n\n")
	if m := detail(in, "measures_taken"); m != "" {
		p("%s\n", m)
	} else {
		p("[in te vullen door FG: genomen maatregelen]\n")
	}
	if m := detail(in, "measures_planned"); m != "" {
		p("Daarnaast gaan wij de volgende maatregelen nemen: %s\n", m)
	}
	p("\n")

	p("Wat kunt u zelf doen?\n\n")
	n := 0
	for _, a := range letterAdvice {
		if hasAny(in.DataCategories, a.cats) {
			p("- %s\n", a.text)
			n++
		}
	}
	if n == 0 {
		p("- %s\n", genericAdvice)
	}
	p("\n")

	p("Heeft u vragen?\n\n")
	p("Voor vragen over dit datalek kunt u contact opnemen met onze Functionaris Gegevensbescherming:\n\n")
	p("%s\n", orPlaceholder(org.FG.Name))
	p("E-mail: %s\n", orPlaceholder(org.FG.Email))
	p("Telefoon: %s\n", orPlaceholder(org.FG.Phone))
	p("Vermeld daarbij ons kenmerk %s.\n\n", in.ID)

	p("Klacht indienen\n\n")
	p("Bent u het niet eens met de manier waarop wij met uw persoonsgegevens zijn omgegaan? Dan heeft u het recht " +
		"een klacht in te dienen bij de Autoriteit Persoonsgegevens (www.autoriteitpersoonsgegevens.nl).\n\n")

	p("Met vriendelijke groet,\n\n")
	p("[naam en functie ondertekenaar]\n%s\n", name)
	return b.String()
}

// when says in general terms when the breach happened.
func when(in *register.Incident) string {
	first, last := in.FirstSeen, in.LastSeen
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
