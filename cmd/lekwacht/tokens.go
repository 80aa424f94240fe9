package main

import (
	"fmt"
	"slices"

	"github.com/lekwacht/lekwacht/server"
	"github.com/spf13/cobra"
)

func newTokensCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "tokens", Short: "Manage the bearer tokens of the API and the web page"}
	var role, file string
	add := &cobra.Command{
		Use:   "add NAME --role analyst|fg|admin [--file F]",
		Short: "Make a token: its SHA-256 goes into the tokens file, the secret is printed once",
		Long: `Make a token for NAME with a role: analyst (list, show, triage drafts), fg (list, show, assess) or
admin (everything). The tokens file (http.tokens_file, or --file) keeps only the SHA-256 of the secret;
the secret is printed once on stdout. A running lekwacht reads the file again on SIGHUP.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !slices.Contains(server.Roles, server.Role(role)) {
				return usage("--role %q: want one of %v", role, server.Roles)
			}
			if file == "" {
				cfg, err := g.loadConfig()
				if err != nil {
					return err
				}
				if file = cfg.HTTP.TokensFile; file == "" {
					return usage("no tokens file: set http.tokens_file in the config or say --file F")
				}
			}
			secret, err := server.AddToken(file, args[0], server.Role(role))
			if err != nil {
				return usageError{err}
			}
			fmt.Fprintln(cmd.OutOrStdout(), secret)
			fmt.Fprintf(cmd.ErrOrStderr(), "token %q (%s) added to %s; the secret above is shown only now. Reload a running lekwacht with SIGHUP.\n", args[0], role, file)
			return nil
		},
	}
	add.Flags().StringVar(&role, "role", "", "analyst, fg or admin")
	add.Flags().StringVar(&file, "file", "", "tokens file (default http.tokens_file)")
	cmd.AddCommand(add)
	return cmd
}
