package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/lekwacht/lekwacht/config"
	"github.com/lekwacht/lekwacht/daemon"
	"github.com/lekwacht/lekwacht/event"
	"github.com/lekwacht/lekwacht/people"
	"github.com/lekwacht/lekwacht/register"
)

func newPersonCmd(g *globals) *cobra.Command {
	var asJSON bool
	var by string
	cmd := &cobra.Command{
		Use:   "person IDENTIFIER [--json] [--by NAME]",
		Short: "Who an account, DOMAIN\\user, UPN, mail address or alias, SID, employee number or admin account is, and all their incidents (the read is logged)",
		Long: "The person the identifier belongs to (directory entry, manager, status, workstations and every name\n" +
			"they go by) and every incident and draft of theirs on one timeline. The view is personal data: it is\n" +
			"recorded in the register's access log (who: --by, else the sudo or OS user).\n" +
			"Exit 1 when no one in the directory has the identifier; incidents registered under it are still listed.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, r, err := g.register(cmd)
			if err != nil {
				return err
			}
			defer r.Close()
			f, err := finder(cfg, r, true)
			if err != nil {
				return err
			}
			v, err := f.Show(cmd.Context(), args[0], by, "person")
			if errors.Is(err, people.ErrNoOne) {
				return fmt.Errorf("no one in the directory has %q and no incident names it; `lekwacht identities unresolved` lists the names in the logs that nobody owns", args[0])
			}
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			if asJSON {
				err = writeJSON(w, v)
			} else {
				err = printPerson(w, v)
			}
			if err != nil || v.Profile != nil {
				return err
			}
			return fmt.Errorf("no one in the directory has %q (%s); its incidents are listed above; `lekwacht identities unresolved` lists the names in the logs that nobody owns", args[0], identityText(v.Identity))
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "JSON: the person's fields, identifiers and incidents")
	cmd.Flags().StringVar(&by, "by", reader(), "who looks the person up (logged in the register's access log)")
	return cmd
}

// finder is the person view over the config's directory. Without a directory (or, when it is not
// required, one that does not load: the reason goes to the caller's warn) names are taken as they are.
func finder(cfg *config.Config, r *register.Register, required bool) (*people.Finder, error) {
	res, src, err := daemon.OpenIdentities(cfg, slog.New(slog.DiscardHandler))
	switch {
	case err != nil && required:
		return nil, usageError{err}
	case src == nil && required:
		return nil, usage("%s names no directory: set directory: (a staff CSV or an AD export) to look people up", orDash(cfg.File))
	case err != nil || src == nil:
		return people.New(r, nil, nil, cfg.Identity.RelatedWithin), err
	}
	return people.New(r, res, src.Current, cfg.Identity.RelatedWithin), nil
}

func identityText(id event.Identity) string {
	switch id {
	case event.IdentityService:
		return "a service account (organisation.service_accounts), no person"
	case event.IdentitySystem:
		return "a computer account or Windows itself, no person"
	}
	return "an account, address or number nobody owns"
}

// printPerson writes the person and their timeline.
func printPerson(w io.Writer, v *people.View) error {
	if p := v.Profile; p != nil {
		fmt.Fprintf(w, "%s (%s)\n", orDash(p.Name), p.Account)
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintf(tw, "  department\t%s\n", orDash(p.Department))
		manager := "-"
		if m := p.Manager; m != nil {
			manager = m.Account
			if m.Name != "" {
				manager += " (" + m.Name + ")"
			}
		}
		fmt.Fprintf(tw, "  manager\t%s\n", manager)
		status := string(p.Status)
		if p.EndDate != "" {
			status += ", end date " + p.EndDate
		}
		fmt.Fprintf(tw, "  status\t%s\n", status)
		fmt.Fprintf(tw, "  workstations\t%s\n", orDash(strings.Join(p.Workstations, ", ")))
		for i, id := range p.Identifiers {
			label := ""
			if i == 0 {
				label = "identifiers"
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", label, id.Kind, id.Value)
		}
		if len(p.Identifiers) == 0 {
			fmt.Fprintf(tw, "  identifiers\t-\n")
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(w, "%s: no one in the directory\n", v.Query)
	}
	fmt.Fprintf(w, "\n%d incidents\n", len(v.Incidents))
	if len(v.Incidents) == 0 {
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME\tID\tSTATUS\tDETECTOR\tSEVERITY\tSUMMARY")
	for _, in := range v.Incidents {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", in.FirstSeen.Format("2006-01-02 15:04"), in.ID, in.Status, in.Detector, in.Severity, in.Summary)
	}
	return tw.Flush()
}

// printPeople writes what the directory and the register add to an incident: its person, the
// owners of its hosts and the related incidents.
func printPeople(w io.Writer, x *people.Incident, within time.Duration) {
	if p := x.Person; p != nil {
		fmt.Fprintf(w, "person %s (%s), %s\n", orDash(p.Name), p.Account, orDash(p.Department))
	}
	for _, o := range x.HostOwners {
		fmt.Fprintf(w, "host %s is the workstation of %s (%s)\n", o.Host, o.Account, orDash(o.Name))
	}
	if len(x.Related) == 0 {
		fmt.Fprintf(w, "related (within %s): none\n", period(within))
		return
	}
	fmt.Fprintf(w, "related (within %s):\n", period(within))
	for _, in := range x.Related {
		fmt.Fprintf(w, "  %s  %s  %s  %s  %s\n", in.FirstSeen.Format("2006-01-02 15:04"), in.ID, in.Status, in.Detector, in.Summary)
	}
}

// period words a duration in days when it is whole days.
func period(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		if n := int(d / (24 * time.Hour)); n == 1 {
			return "1 day"
		} else {
			return fmt.Sprintf("%d days", n)
		}
	}
	return d.String()
}
