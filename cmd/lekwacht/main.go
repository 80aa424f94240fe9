// Command lekwacht is the one binary: the daemon and every tool around the datalekregister.
package main

import (
	"errors"
	"fmt"
	"os"
	_ "time/tzdata" // Europe/Amsterdam on machines without zoneinfo

	"github.com/lekwacht/lekwacht/config"
	"github.com/lekwacht/lekwacht/daemon"
	"github.com/spf13/cobra"
)

// Exit codes of the contract.
const (
	exitOK      = 0
	exitFinding = 1
	exitUsage   = 2
)

// usageError marks an error as bad usage or bad config (exit 2).
type usageError struct{ err error }

func (u usageError) Error() string { return u.err.Error() }
func (u usageError) Unwrap() error { return u.err }

func usage(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

func main() {
	g := &globals{}
	root := newRoot(g)
	err := root.Execute()
	giveRegisterToServiceUser(os.Stderr, g.cfg, g.registerBefore)
	if err == nil {
		os.Exit(exitOK)
	}
	fmt.Fprintln(os.Stderr, "lekwacht:", err)
	var u usageError
	var inUse *daemon.RegisterInUseError // another run, replay or learn holds the register: usage
	if errors.As(err, &u) || errors.As(err, &inUse) {
		os.Exit(exitUsage)
	}
	os.Exit(exitFinding)
}

type globals struct {
	config string
	// cfg is the config the command loaded first (nil: none), registerBefore its register.dir as it
	// was then: after a command run as root, what it made there is given to the service user.
	cfg            *config.Config
	registerBefore registerBefore
}

func newRoot(g *globals) *cobra.Command {
	root := &cobra.Command{
		Use:           "lekwacht",
		Short:         "Catch insider data leaks in a gemeente's audit logs and feed the datalekregister",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().StringVar(&g.config, "config", "", "config file (default ./lekwacht.yaml, then /etc/lekwacht/lekwacht.yaml)")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(newParseCmd(g), newReplayCmd(g), newRunCmd(g), newConfigCmd(g), newFormatsCmd(),
		newIncidentsCmd(g), newAssessCmd(), newVerifyCmd(g), newExportCmd(g), newRulesCmd(g), newSimulateCmd(), newTokensCmd(g), newIdentitiesCmd(g), newPersonCmd(g), newLearnCmd(g))
	root.AddCommand(newSetupCmd(g), newStatusCmd(g))
	root.AddCommand(newVersionCmd())
	return root
}
