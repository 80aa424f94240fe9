package main

import (
	"encoding/json"
	"fmt"

	"github.com/lekwacht/lekwacht/collectors"
	"github.com/lekwacht/lekwacht/config"
	"github.com/spf13/cobra"
)

// loadConfig loads and validates the config; every problem is a usage error (exit 2).
func (g *globals) loadConfig() (*config.Config, error) {
	c, err := config.Load(g.config, collectors.CheckInput)
	if err != nil {
		return nil, usageError{err}
	}
	return c, nil
}

func newConfigCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "config", Short: "Work with the configuration"}
	cmd.AddCommand(&cobra.Command{
		Use:   "check",
		Short: "Validate the config and print the effective config with secrets masked",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := g.loadConfig()
			if err != nil {
				return err
			}
			from := c.File
			if from == "" {
				from = "embedded default (no config file found)"
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "config ok: %s\n", from)
			b, _ := json.MarshalIndent(c.Masked(), "", "  ")
			fmt.Fprintln(cmd.OutOrStdout(), string(b))
			return nil
		},
	})
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
