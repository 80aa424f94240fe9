package main

import (
	"fmt"
	"log/slog"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/lekwacht/lekwacht/daemon"
	"github.com/lekwacht/lekwacht/identity"
)

func newIdentitiesCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "identities", Short: "The names in the logs and the people in the directory they belong to"}
	cmd.AddCommand(newUnresolvedCmd(g), newResolveCmd(g))
	return cmd
}

func newUnresolvedCmd(g *globals) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "unresolved [--json]",
		Short: "List the accounts, addresses and SIDs the logs name that no one in the directory has",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			r, err := g.openRegister(cmd)
			if err != nil {
				return err
			}
			defer r.Close()
			list, err := r.Unresolved(cmd.Context())
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), list)
			}
			if len(list) == 0 {
				fmt.Fprintln(cmd.OutOrStdout(), "every name in the logs belongs to someone in the directory")
				return nil
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "IDENTIFIER\tINPUT\tEVENTS\tFIRST SEEN\tLAST SEEN")
			for _, u := range list {
				fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", u.Identifier, u.Input, u.Events, u.FirstSeen.Format("2006-01-02 15:04"), u.LastSeen.Format("2006-01-02 15:04"))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "a JSON array")
	return cmd
}

// resolution is what `identities resolve --json` prints per name.
type resolution struct {
	Name       string `json:"name"`
	Identity   string `json:"identity"`
	Account    string `json:"account,omitempty"`
	FullName   string `json:"full_name,omitempty"`
	Department string `json:"department,omitempty"`
}

func newResolveCmd(g *globals) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "resolve NAME... [--json]",
		Short: "Say whom each name belongs to (DOMAIN\\user, UPN, mail address or alias, SID, employee number, admin account)",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, names []string) error {
			res, err := g.resolver()
			if err != nil {
				return err
			}
			out := make([]resolution, 0, len(names))
			unknown := 0
			for _, n := range names {
				p, id := res.Person(n)
				r := resolution{Name: n, Identity: string(id)}
				if p != nil {
					r.Account, r.FullName, r.Department = p.User, p.Name, p.Department
				} else if id == "unknown" {
					unknown++
				}
				out = append(out, r)
			}
			if asJSON {
				if err := writeJSON(cmd.OutOrStdout(), out); err != nil {
					return err
				}
			} else {
				tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "NAME\tIS\tACCOUNT\tPERSON\tDEPARTMENT")
				for _, r := range out {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.Name, r.Identity, orDash(r.Account), orDash(r.FullName), orDash(r.Department))
				}
				if err := tw.Flush(); err != nil {
					return err
				}
			}
			if unknown > 0 {
				return fmt.Errorf("%d of %d names belong to no one in the directory", unknown, len(names))
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "a JSON array")
	return cmd
}

// resolver loads the config's directory and identity settings.
func (g *globals) resolver() (*identity.Resolver, error) {
	cfg, err := g.loadConfig()
	if err != nil {
		return nil, err
	}
	res, _, err := daemon.OpenIdentities(cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		return nil, usageError{err}
	}
	if res == nil {
		return nil, usage("%s names no directory: set directory: (a staff CSV or an AD export)", orDash(cfg.File))
	}
	return res, nil
}
