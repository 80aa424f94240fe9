package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/lekwacht/lekwacht/collectors"
	"github.com/lekwacht/lekwacht/config"
	"github.com/lekwacht/lekwacht/daemon"
	"github.com/spf13/cobra"
)

// loadConfig loads and validates the config; every problem is a usage error (exit 2).
func (g *globals) loadConfig() (*config.Config, error) {
	c, err := config.Load(g.config, collectors.CheckInput)
	if err != nil {
		return nil, usageError{err}
	}
	if g.cfg == nil { // the first load: register.dir as it was before the command wrote anything
		g.cfg, g.registerBefore = c, lookRegister(c.Register.Dir)
	}
	return c, nil
}

func newConfigCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "config", Short: "Work with the configuration"}
	var strict, connect bool
	check := &cobra.Command{
		Use:   "check [--strict] [--connect]",
		Short: "Load what run loads (config, rules, directory, tokens, hooks, TLS, inputs' files, watch folders) and print the effective config with secrets masked",
		Long: `Load what run loads, without opening the register or binding the port: the config, the rules
(shipped and rules.dir), the directory with identity.sources, the hooks, the tokens file, the TLS
files; look for each input's files and into each watch: folder, as the user that runs the check (run
it as the service user). With --connect, also reach Elasticsearch with the configured credentials and
ask whether they may write the incidents. Every problem at once, each with its file and line; exit 2
on a problem. Warnings (an input whose paths match no file, a missing tokens file) leave the exit at
0, or make it 1 with --strict.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := g.loadConfig()
			if err != nil {
				return err
			}
			from := c.File
			if from == "" {
				from = "embedded default (no config file found)"
			}
			p := daemon.Check(c)
			var problems []error
			if p.Err != nil {
				problems = append(problems, fmt.Errorf("run would not start:\n%w", p.Err))
			}
			if connect {
				ctx, cancel := context.WithTimeout(cmd.Context(), 20*time.Second)
				found, warnings, err := daemon.Connect(ctx, c)
				cancel()
				p.Warnings = append(p.Warnings, warnings...)
				if err != nil {
					problems = append(problems, fmt.Errorf("no incident would reach Elasticsearch:\n%w", err))
				} else if found != "" {
					fmt.Fprintf(cmd.ErrOrStderr(), "%s\n", found)
				}
			}
			for _, w := range p.Warnings {
				fmt.Fprintf(cmd.ErrOrStderr(), "warning: %s\n", w)
			}
			if len(problems) > 0 {
				return usage("%s: %w", from, errors.Join(problems...))
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "config ok: %s\n", from)
			b, err := c.Printable()
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), string(b))
			if strict && len(p.Warnings) > 0 {
				return fmt.Errorf("%d warning(s) and --strict", len(p.Warnings))
			}
			return nil
		},
	}
	check.Flags().BoolVar(&strict, "strict", false, "exit 1 when there are warnings")
	check.Flags().BoolVar(&connect, "connect", false, "also reach Elasticsearch with the configured credentials and check their privileges")
	cmd.AddCommand(check)
	return cmd
}

func newFormatsCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "formats",
		Short: "List the log formats lekwacht reads",
		Args:  cobra.NoArgs,
		Run: func(cmd *cobra.Command, _ []string) {
			for _, f := range collectors.Formats() {
				fmt.Fprintf(cmd.OutOrStdout(), "%-18s %s\n", f.Name, f.Doc)
			}
		},
	}
}
