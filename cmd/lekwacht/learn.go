package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/lekwacht/lekwacht/daemon"
)

func newLearnCmd(g *globals) *cobra.Command {
	var since time.Duration
	cmd := &cobra.Command{
		Use:   "learn [--since 30d] [FILE...]",
		Short: "A learning period: build the detectors' baselines from old logs without opening drafts",
		Long: `A learning period before the first run: read the configured inputs' files (or FILE...) through the
parsers and every rule, register nothing, and save the detectors' state and baselines for lekwacht run
(register.dir/detector-state.json). --since leaves out events older than that (30d, 720h).
Learn from files run will not read again (rotated ones), or give the inputs from_end: true for the first
start: run reads from its saved positions, and without any from the start of each file.`,
		RunE: func(cmd *cobra.Command, files []string) error {
			cfg, err := g.loadConfig()
			if err != nil {
				return err
			}
			opts := daemon.ReplayOptions{Files: files, Learn: true}
			if since > 0 {
				opts.Since = time.Now().Add(-since)
			}
			sum, err := daemon.Replay(cmd.Context(), cfg, opts)
			if err != nil {
				return err
			}
			printInputs(cmd.OutOrStdout(), sum)
			fmt.Fprintf(cmd.OutOrStdout(), "learned from %d events: %d hits and %d weak signals not registered; the baselines are saved for lekwacht run\n",
				sum.Observed, sum.Learned, sum.Signals)
			return nil
		},
	}
	cmd.Flags().Var((*days)(&since), "since", "leave out events older than this (30d, 720h)")
	return cmd
}

// days is a duration flag that also takes days (30d), as operators write a period.
type days time.Duration

func (d *days) String() string { return time.Duration(*d).String() }
func (d *days) Type() string   { return "duration" }
func (d *days) Set(s string) error {
	var n int
	if _, err := fmt.Sscanf(s, "%dd", &n); err == nil && fmt.Sprintf("%dd", n) == s {
		*d = days(time.Duration(n) * 24 * time.Hour)
		return nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("%q: write days (30d) or a duration (720h)", s)
	}
	*d = days(v)
	return nil
}
