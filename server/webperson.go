package server

import (
	"net/http"

	"github.com/lekwacht/lekwacht/event"
	"github.com/lekwacht/lekwacht/people"
	"github.com/lekwacht/lekwacht/register"
)

// The person page (/persons/{id}, id any name a person goes by): who it is, every name they have
// and all their incidents on one timeline. The view is logged in the access log like an incident's.

type personData struct {
	base
	View    *people.View
	Note    string // what the name is when no one in the directory has it
	Unowned bool   // an identifier nobody in the directory has (not a service or computer account)
	Access  []register.Access
}

func (wb *web) person(w http.ResponseWriter, r *http.Request, v viewer) {
	view, err := wb.o.People.Show(r.Context(), r.PathValue("id"), v.Name, "web person")
	if err != nil {
		wb.fail(w, v, err)
		return
	}
	access, err := wb.o.Register.PersonAccessLog(r.Context(), view.Key())
	if err != nil {
		wb.fail(w, v, err)
		return
	}
	title := view.Query
	if view.Profile != nil {
		title = view.Name
	}
	d := personData{base: wb.base(&v, title), View: view, Access: access}
	if view.Profile == nil {
		d.Note, d.Unowned = identityNote(view.Identity), view.Identity == event.IdentityUnknown
	}
	wb.render(w, http.StatusOK, "person", d)
}

// identityNote words what a name no one in the directory has is.
func identityNote(id event.Identity) string {
	switch id {
	case event.IdentityService:
		return "Dit is een serviceaccount (organisation.service_accounts), geen medewerker."
	case event.IdentitySystem:
		return "Dit is een computeraccount of Windows zelf, geen medewerker."
	case "":
		return "lekwacht heeft geen personeelsbestand (directory in de configuratie): namen worden genomen zoals de logs ze schrijven."
	}
	return "Niemand in het personeelsbestand heeft deze naam: een account of adres zonder eigenaar."
}
