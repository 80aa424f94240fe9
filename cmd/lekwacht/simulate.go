package main

import (
	"fmt"
	"sort"
	"time"

	"github.com/lekwacht/lekwacht/sim"
	"github.com/spf13/cobra"
)

func newSimulateCmd() *cobra.Command {
	var o sim.Options
	var start string
	cmd := &cobra.Command{
		Use:   "simulate --out DIR [--employees N] [--days D] [--learn-days N] [--seed S] [--start YYYY-MM-DD]",
		Short: "Write a realistic gemeente's logs with planted leaks, a directory, a config and truth.json",
		Long: `Write the logs of a simulated gemeente of N employees over D days in the real formats (Postfix,
Exchange message tracking, Samba audit, Winlogbeat JSON, sshd, a zaaksysteem's and an HR system's JSON
audit logs), a matching directory.csv, lekwacht.yaml, the gemeente's rules, export files in the watched
folder, and truth.json listing every planted case. The same seed gives the same output.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.Out == "" {
				return usage("--out DIR is required")
			}
			if start != "" {
				t, err := time.Parse(time.DateOnly, start)
				if err != nil {
					return usage("--start %q: want YYYY-MM-DD", start)
				}
				o.Start = t
			}
			truth, err := sim.Run(o)
			if err != nil {
				return usageError{err}
			}
			w := cmd.OutOrStdout()
			var total int64
			files := make([]string, 0, len(truth.Lines))
			for f, n := range truth.Lines {
				files = append(files, f)
				total += n
			}
			sort.Strings(files)
			for _, f := range files {
				fmt.Fprintf(w, "%-32s %10d lines\n", f, truth.Lines[f])
			}
			fmt.Fprintf(w, "%-32s %10d files\n", "exports/", truth.Files)
			fmt.Fprintf(w, "%d employees, %d days from %s: %d lines, %d planted cases in %s/truth.json\n",
				truth.Employees, truth.Days, truth.Start.Format(time.DateOnly), total, len(truth.Cases), o.Out)
			if o.Learn > 0 {
				fmt.Fprintf(w, "next: lekwacht replay --learn --config %s/lekwacht-learn.yaml\n      lekwacht replay --state --config %s/lekwacht.yaml\n", o.Out, o.Out)
			} else {
				fmt.Fprintf(w, "next: lekwacht replay --config %s/lekwacht.yaml\n", o.Out)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&o.Out, "out", "", "folder to write (new or empty)")
	cmd.Flags().IntVar(&o.Employees, "employees", 500, "employees")
	cmd.Flags().IntVar(&o.Days, "days", 5, "calendar days")
	cmd.Flags().IntVar(&o.Learn, "learn-days", 0, "the first N days are a learning period, written to learn/ (for lekwacht learn) with nothing planted")
	cmd.Flags().Uint64Var(&o.Seed, "seed", 1, "random seed: the same seed gives the same output")
	cmd.Flags().StringVar(&start, "start", sim.DefaultStart.Format(time.DateOnly), "first day")
	return cmd
}
