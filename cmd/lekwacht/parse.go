package main

import (
	"fmt"
	"os"
	"time"

	"github.com/lekwacht/lekwacht/collectors/jsonlog"
	"github.com/lekwacht/lekwacht/collectors/parse"
	"github.com/lekwacht/lekwacht/daemon"
	"github.com/spf13/cobra"
)

func newParseCmd(g *globals) *cobra.Command {
	var format, mapping, prefix, tz string
	cmd := &cobra.Command{
		Use:   "parse --format FMT [--mapping F] [FILE...]",
		Short: "Print each normalized event as one JSON line (stdin when no file); rejected lines on stderr",
		RunE: func(cmd *cobra.Command, files []string) error {
			if format == "" {
				return usage("--format is required (see lekwacht formats)")
			}
			opts := parse.Options{Input: format, Prefix: prefix}
			loc, err := time.LoadLocation(tz)
			if err != nil {
				return usage("--timezone: %v", err)
			}
			opts.Location = loc
			if mapping != "" {
				m, err := jsonlog.LoadMapping(mapping)
				if err != nil {
					return usageError{err}
				}
				opts.Mapping = m
			}
			// Year-less timestamps: a file's own modification time is its "now".
			if len(files) == 1 {
				if st, err := os.Stat(files[0]); err == nil {
					mt := st.ModTime()
					opts.Reference = func() time.Time { return mt }
				}
			}
			c, err := daemon.Parse(cmd.Context(), format, opts, files, cmd.InOrStdin(), cmd.OutOrStdout(), cmd.ErrOrStderr())
			if err != nil {
				if c == nil {
					return usageError{err}
				}
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "%d lines, %d events, %d rejected\n", c.Lines.Load(), c.Events.Load(), c.RejectedTotal())
			return nil
		},
	}
	cmd.Flags().StringVar(&format, "format", "", "log format (lekwacht formats lists them)")
	cmd.Flags().StringVar(&mapping, "mapping", "", "mapping file for --format json or csv (YAML, as the config's mapping block)")
	cmd.Flags().StringVar(&prefix, "prefix", "", "samba-audit: full_audit:prefix as in smb.conf")
	cmd.Flags().StringVar(&tz, "timezone", "Europe/Amsterdam", "zone of timestamps that carry none")
	return cmd
}
