package main

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/lekwacht/lekwacht/collectors/jsonlog"
	"github.com/lekwacht/lekwacht/daemon"
	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

func newReplayCmd(g *globals) *cobra.Command {
	var opts daemon.ReplayOptions
	var mapping string
	cmd := &cobra.Command{
		Use:   "replay [--format FMT] [--input NAME] [FILE...]",
		Short: "Read whole files (plain or .gz) through the parsers, detectors and register, then exit",
		Long: `Read whole files (plain or .gz) through the parsers, detectors and register, then exit.
Without FILE: every file the configured inputs' paths match, then the files already in the watch:
folders (inspected as if they had just appeared, each attributed to whoever the audit lines just read
show wrote it, else to its owner).`,
		RunE: func(cmd *cobra.Command, files []string) error {
			cfg, err := g.loadConfig()
			if err != nil {
				return err
			}
			if mapping != "" {
				if opts.Mapping, err = jsonlog.LoadMapping(mapping); err != nil {
					return usageError{err}
				}
			}
			opts.Files = files
			if f, ok := cmd.ErrOrStderr().(*os.File); ok && term.IsTerminal(int(f.Fd())) {
				opts.Progress = func(total int64) io.Writer {
					return progressbar.DefaultBytes(total, "replay")
				}
			}
			sum, err := daemon.Replay(cmd.Context(), cfg, opts)
			if err != nil {
				return err
			}
			printInputs(cmd.OutOrStdout(), sum)
			if sum.Unresolved > 0 {
				fmt.Fprintf(cmd.OutOrStdout(), "%d events name someone the directory does not know: lekwacht identities unresolved\n", sum.Unresolved)
			}
			if opts.Learn {
				fmt.Fprintf(cmd.OutOrStdout(), "learned: %d hits and %d weak signals not registered; the baselines are in the detector state for lekwacht run\n", sum.Learned, sum.Signals)
			}
			fmt.Fprintln(cmd.OutOrStdout(), sum)
			return nil
		},
	}
	cmd.Flags().StringVar(&opts.Format, "format", "", "log format of the files (else the matching input's)")
	cmd.Flags().StringVar(&opts.Input, "input", "", "read the files as this configured input")
	cmd.Flags().StringVar(&mapping, "mapping", "", "mapping file for --format json")
	cmd.Flags().BoolVar(&opts.Learn, "learn", false, "learn baselines from the files without opening drafts (a learning period before the first run)")
	cmd.Flags().BoolVar(&opts.State, "state", false, "continue from the detector state run or --learn saved, and save it at the end")
	return cmd
}

// printInputs writes one row per input: lines, events, ignored and rejects by reason.
func printInputs(w io.Writer, sum daemon.Summary) {
	fmt.Fprintf(w, "%-14s %-18s %10s %10s %10s %10s  %s\n", "INPUT", "FORMAT", "LINES", "EVENTS", "IGNORED", "REJECTED", "REASONS")
	for _, in := range sum.Inputs {
		c := in.Counters
		var reasons []string
		for r, n := range c.Rejected() {
			reasons = append(reasons, fmt.Sprintf("%s=%d", r, n))
		}
		sort.Strings(reasons)
		fmt.Fprintf(w, "%-14s %-18s %10d %10d %10d %10d  %s\n", in.Name, in.Format, c.Lines.Load(), c.Events.Load(),
			c.Ignored.Load(), c.RejectedTotal(), strings.Join(reasons, " "))
	}
}
