package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"slices"
	"strconv"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/lekwacht/lekwacht/config"
	"github.com/lekwacht/lekwacht/daemon"
	"github.com/lekwacht/lekwacht/server"
	"github.com/spf13/cobra"
)

func newTokensCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "tokens", Short: "Manage the bearer tokens of the API and the web page"}
	var role, file string
	cmd.PersistentFlags().StringVar(&file, "file", "", "tokens file (default http.tokens_file)")
	tokensFile := func() (string, error) {
		if file != "" {
			return file, nil
		}
		cfg, err := g.loadConfig()
		if err != nil {
			return "", err
		}
		if cfg.HTTP.TokensFile == "" {
			return "", usage("no tokens file: set http.tokens_file in the config or say --file F")
		}
		return cfg.HTTP.TokensFile, nil
	}
	add := &cobra.Command{
		Use:   "add NAME --role analyst|fg|admin [--file F]",
		Short: "Make a token: its SHA-256 goes into the tokens file, the secret is printed once",
		Long: `Make a token for NAME with a role: analyst (list, show, triage drafts), fg (list, show, assess) or
admin (everything). The tokens file (http.tokens_file, or --file) keeps only the SHA-256 of the secret;
the secret is printed once on stdout. A running lekwacht reads the file again within a second of a change.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !slices.Contains(server.Roles, server.Role(role)) {
				return usage("--role %q%s (roles: analyst, fg, admin)", role, config.DidYouMean(server.Role(role), server.Roles))
			}
			path, err := tokensFile()
			if err != nil {
				return err
			}
			_, statErr := os.Stat(path)
			secret, err := server.AddToken(path, args[0], server.Role(role))
			if err != nil {
				return usageError{err}
			}
			if errors.Is(statErr, os.ErrNotExist) {
				giveServiceUser(cmd.ErrOrStderr(), path, g.serviceUser())
			}
			fmt.Fprintln(cmd.OutOrStdout(), secret)
			fmt.Fprintf(cmd.ErrOrStderr(), "token %q (%s) added to %s; the secret above is shown only now; a running lekwacht takes it within a second.\n", args[0], role, path)
			readableHint(cmd.ErrOrStderr(), path, g.serviceUser())
			return nil
		},
	}
	add.Flags().StringVar(&role, "role", "", "analyst, fg or admin")
	list := &cobra.Command{
		Use:   "list [--file F]",
		Short: "List the tokens: name, role, when made, when last used (never a secret: the file holds none)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			path, err := tokensFile()
			if err != nil {
				return err
			}
			t, err := server.LoadTokens(path)
			if err != nil {
				return usageError{err}
			}
			used := map[string]time.Time{}
			if cfg, err := g.loadConfig(); err == nil { // run records the uses in its register.dir
				if used, err = daemon.LoadTokensUsed(cfg.Register.Dir); err != nil {
					fmt.Fprintf(cmd.ErrOrStderr(), "last uses unknown: %v\n", err)
				}
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "NAME\tROLE\tCREATED\tLAST USED")
			for _, tok := range t.List() {
				created, last := tok.Created, "-"
				if created == "" {
					created = "-"
				}
				if at, ok := used[tok.Name]; ok {
					last = at.UTC().Format(time.RFC3339)
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", tok.Name, tok.Role, created, last)
			}
			return w.Flush()
		},
	}
	revoke := &cobra.Command{
		Use:   "revoke NAME [--file F]",
		Short: "Remove a token from the tokens file (owner, group and mode kept); a running lekwacht refuses it within a second",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			path, err := tokensFile()
			if err != nil {
				return err
			}
			if err := server.RevokeToken(path, args[0]); err != nil {
				if errors.Is(err, server.ErrNoSuchToken) {
					return usageError{err}
				}
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "token %q removed from %s; a running lekwacht refuses it within a second (it reads the file again when it changes).\n", args[0], path)
			return nil
		},
	}
	cmd.AddCommand(add, list, revoke)
	return cmd
}

// readableHint says which chown to run when the service user exists and cannot read the tokens
// file (sudo lekwacht tokens add makes a new file root's, 0600).
func readableHint(w io.Writer, path, serviceUser string) {
	u, err := user.Lookup(serviceUser)
	if err != nil {
		return // no service user on this machine: nothing to say
	}
	st, err := os.Stat(path)
	if err != nil {
		return
	}
	sys, ok := st.Sys().(*syscall.Stat_t)
	if !ok {
		return
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	mode := st.Mode().Perm()
	if int(sys.Uid) == uid && mode&0o400 != 0 || int(sys.Gid) == gid && mode&0o040 != 0 || mode&0o004 != 0 {
		return
	}
	fmt.Fprintf(w, "%s belongs to uid %d and is mode %04o: the service user %s cannot read it and lekwacht run will not start; run: chown %s: %s\n",
		path, sys.Uid, mode, serviceUser, serviceUser, path)
}

// giveServiceUser makes a file root just created the service user's (owner and group), as the
// unit's files are: run as root, `lekwacht tokens add` would otherwise leave a file the daemon
// cannot read. Not root, or no such user: the file stays as made, and readableHint says what to do.
func giveServiceUser(w io.Writer, path, serviceUser string) {
	if os.Geteuid() != 0 {
		return
	}
	u, err := user.Lookup(serviceUser)
	if err != nil {
		return
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := os.Chown(path, uid, gid); err != nil {
		fmt.Fprintf(w, "could not give %s to %s: %v\n", path, serviceUser, err)
		return
	}
	fmt.Fprintf(w, "%s made %s's (the service user), mode 0600\n", path, serviceUser)
}

// serviceUser is the account lekwacht run runs as: service_user of the config when one was loaded,
// else the user of deploy/systemd.
func (g *globals) serviceUser() string {
	if g.cfg != nil {
		return g.cfg.RunAs()
	}
	return config.DefaultServiceUser
}
