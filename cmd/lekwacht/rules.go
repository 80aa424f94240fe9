package main

import (
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/lekwacht/lekwacht/daemon"
	"github.com/lekwacht/lekwacht/rules"
	"github.com/spf13/cobra"
)

func newRulesCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "rules", Short: "Check the detection rules"}
	cmd.AddCommand(&cobra.Command{
		Use:   "check [DIR]",
		Short: "Validate the shipped rules and a folder of the gemeente's own (default: the config's rules.dir)",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := ""
			if len(args) == 1 {
				dir = args[0]
			} else {
				cfg, err := g.loadConfig()
				if err != nil {
					return err
				}
				dir = cfg.Rules.Dir
			}
			set, err := rules.Load(dir)
			if err != nil {
				return fmt.Errorf("rules check failed:\n%w", err)
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tDETECTOR\tLEVEL\tSTATUS\tWINDOW\tTHRESHOLD\tFILE")
			for _, r := range set.Rules {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\n", r.ID, r.DetectorID(), r.Level, r.Status, time.Duration(r.Window), r.Threshold, r.File)
			}
			tw.Flush()
			fmt.Fprintf(cmd.OutOrStdout(), "%d rules ok, %d active\n", len(set.Rules), len(set.Active()))
			return nil
		},
	})
	cmd.AddCommand(&cobra.Command{
		Use:   "test DIR",
		Short: "Run the test cases in DIR/tests/*.yaml against the shipped rules and DIR's own: lines or events in, expected hits out",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			res, err := daemon.TestRules(args[0], cmd.OutOrStdout())
			if err != nil {
				return usageError{err}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%d passed, %d failed\n", res.Passed, res.Failed)
			if res.Failed > 0 {
				return fmt.Errorf("rules test: %d of %d cases failed", res.Failed, res.Passed+res.Failed)
			}
			return nil
		},
	})
	return cmd
}
