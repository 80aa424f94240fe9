package main

import (
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/lekwacht/lekwacht/collectors/tail"
	"github.com/lekwacht/lekwacht/config"
	"github.com/lekwacht/lekwacht/documents"
	"github.com/lekwacht/lekwacht/register"
	"github.com/spf13/cobra"
)

func newExportCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "export", Short: "The Dutch documents for the FG: AP-melding, brief, register, evidence bundle"}
	cmd.AddCommand(newExportAPCmd(g), newExportBriefCmd(g), newExportRegisterCmd(g), newExportEvidenceCmd(g))
	return cmd
}

// withRegister loads the config, opens the register and calls fn.
func (g *globals) withRegister(cmd *cobra.Command, fn func(cfg *config.Config, r *register.Register) error) error {
	cfg, r, err := g.register(cmd)
	if err != nil {
		return err
	}
	defer r.Close()
	return fn(cfg, r)
}

func newExportAPCmd(g *globals) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "ap-melding ID [--format md|json|html]",
		Short: "Draft of the notification to the Autoriteit Persoonsgegevens (Dutch)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "md" && format != "json" && format != "html" {
				return usage("--format %q: use md, json or html", format)
			}
			return g.withRegister(cmd, func(cfg *config.Config, r *register.Register) error {
				in, err := r.Summary(cmd.Context(), args[0])
				if err != nil {
					return err
				}
				m := documents.NewAPMelding(cfg.Organisation, in, time.Now().In(cfg.Location()))
				switch format {
				case "json":
					return writeJSON(cmd.OutOrStdout(), m)
				case "html":
					return m.HTMLPage(cmd.OutOrStdout())
				}
				_, err = io.WriteString(cmd.OutOrStdout(), m.Markdown())
				return err
			})
		},
	}
	cmd.Flags().StringVar(&format, "format", "md", "md, json or html (a page to print to PDF from the browser)")
	return cmd
}

func newExportBriefCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "brief ID",
		Short: "Draft letter to the betrokkenen (brief datalek aan betrokkene, Dutch)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withRegister(cmd, func(cfg *config.Config, r *register.Register) error {
				in, err := r.Summary(cmd.Context(), args[0])
				if err != nil {
					return err
				}
				_, err = io.WriteString(cmd.OutOrStdout(), documents.Brief(cfg.Organisation, in))
				return err
			})
		},
	}
}

func newExportRegisterCmd(g *globals) *cobra.Command {
	var format, out string
	cmd := &cobra.Command{
		Use:   "register [--format csv|xlsx] [--out F]",
		Short: "The datalekregister, one row per incident (art. 33 lid 5 AVG)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			write := documents.RegisterCSV
			switch format {
			case "csv":
			case "xlsx":
				write = documents.RegisterXLSX
				if out == "" {
					return usage("--format xlsx needs --out FILE.xlsx")
				}
			default:
				return usage("--format %q: use csv or xlsx", format)
			}
			return g.withRegister(cmd, func(cfg *config.Config, r *register.Register) error {
				list, err := r.List(cmd.Context(), register.Filter{})
				if err != nil {
					return err
				}
				full := make([]*register.Incident, len(list))
				for i, in := range list {
					if full[i], err = r.Summary(cmd.Context(), in.ID); err != nil {
						return err
					}
				}
				now := time.Now().In(cfg.Location())
				if out == "" {
					return write(cmd.OutOrStdout(), cfg.Organisation, full, now)
				}
				return tail.WriteAtomicFunc(out, func(w io.Writer) error { return write(w, cfg.Organisation, full, now) })
			})
		},
	}
	cmd.Flags().StringVar(&format, "format", "csv", "csv or xlsx")
	cmd.Flags().StringVar(&out, "out", "", "write to this file (0600) instead of stdout")
	return cmd
}

func newExportEvidenceCmd(g *globals) *cobra.Command {
	var out, by string
	cmd := &cobra.Command{
		Use:   "evidence ID --out F.zip [--by NAME]",
		Short: "Evidence bundle: the items, a manifest and SHA-256 sums (the export is logged)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return usage("--out F.zip is required")
			}
			return g.withRegister(cmd, func(_ *config.Config, r *register.Register) error {
				in, err := r.Show(cmd.Context(), args[0], by, "export evidence")
				if err != nil {
					return err
				}
				err = tail.WriteAtomicFunc(out, func(w io.Writer) error {
					return documents.EvidenceZip(w, in, func(e register.Evidence) (io.ReadCloser, error) { return r.EvidenceFile(e) })
				})
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s: %d items; check with: unzip %s -d DIR && (cd DIR && sha256sum -c SHA256SUMS)\n",
					out, len(in.Evidence), filepath.Base(out))
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "the zip file to write (0600)")
	cmd.Flags().StringVar(&by, "by", reader(), "who exports the evidence (logged in the register's access log)")
	return cmd
}
