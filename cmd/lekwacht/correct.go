package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/lekwacht/lekwacht/config"
	"github.com/lekwacht/lekwacht/documents"
	"github.com/lekwacht/lekwacht/hit"
	"github.com/lekwacht/lekwacht/register"
	"github.com/spf13/cobra"
)

func newCorrectCmd(g *globals) *cobra.Command {
	var by, reason, group, start, end string
	var cats []string
	var lo, hi, records int
	cmd := &cobra.Command{
		Use: "correct ID --by NAME --reason TEXT [--categories C,...] [--betrokkenen-min N] [--betrokkenen-max N] [--group TEXT] " +
			"[--leak-start TIME] [--leak-end TIME] [--records N]",
		Short: "The FG's corrections of lekwacht's estimate: data categories, betrokkenen, their group, start and end of the leak",
		Long: "Corrections are kept beside lekwacht's own estimate, chained, and written in the history with the value before;\n" +
			"the AP-melding, the letter, the register export and the assessment's suggestions use them.\n" +
			"Categories: " + strings.Join(categoryCodes(), ", ") + ".\nGroups, for example: " + strings.Join(register.GroupKinds, ", ") + ".\n" +
			"Times: 2026-11-23T09:14:00+01:00, 2026-11-23 09:14 or 23-11-2026 09:14 (organisation.timezone).",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if strings.TrimSpace(by) == "" || strings.TrimSpace(reason) == "" {
				return usage("--by and --reason are required: who corrects, and why")
			}
			cfg, err := g.loadConfig()
			if err != nil {
				return err
			}
			var c register.Correction
			fl := cmd.Flags()
			if fl.Changed("categories") {
				c.Categories = []hit.Category{}
				for _, s := range cats {
					if s = strings.TrimSpace(s); s != "" {
						c.Categories = append(c.Categories, hit.Category(s))
					}
				}
			}
			if fl.Changed("betrokkenen-min") {
				c.SubjectsMin = &lo
			}
			if fl.Changed("betrokkenen-max") {
				c.SubjectsMax = &hi
			}
			if fl.Changed("records") {
				c.Records = &records
			}
			if fl.Changed("group") {
				c.Group = &group
			}
			for _, t := range []struct {
				flag, v string
				dst     **time.Time
			}{{"leak-start", start, &c.LeakStart}, {"leak-end", end, &c.LeakEnd}} {
				if !fl.Changed(t.flag) {
					continue
				}
				tm, err := parseWhen(t.v, cfg.Location())
				if err != nil {
					return usage("--%s: %v", t.flag, err)
				}
				*t.dst = &tm
			}
			r, err := g.openRegister(cmd)
			if err != nil {
				return err
			}
			defer r.Close()
			in, err := r.Correct(cmd.Context(), args[0], by, reason, c)
			if err != nil {
				return err
			}
			full, err := r.Summary(cmd.Context(), in.ID)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s gecorrigeerd: %s\n", in.ID, documents.ChangeNL(full.History[len(full.History)-1]))
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&by, "by", "", "who corrects (required)")
	f.StringVar(&reason, "reason", "", "why, or where the better number comes from (required)")
	f.StringSliceVar(&cats, "categories", nil, "the data categories, comma-separated (replaces lekwacht's)")
	f.IntVar(&lo, "betrokkenen-min", 0, "the least number of betrokkenen")
	f.IntVar(&hi, "betrokkenen-max", 0, "the largest number of betrokkenen")
	f.StringVar(&group, "group", "", "the kind of betrokkenen (inwoners, medewerkers, ...)")
	f.StringVar(&start, "leak-start", "", "when the leak started")
	f.StringVar(&end, "leak-end", "", "when the leak ended")
	f.IntVar(&records, "records", 0, "the number of records (dossiers, rows, files) involved")
	return cmd
}

func categoryCodes() []string {
	out := make([]string, len(hit.Categories))
	for i, c := range hit.Categories {
		out[i] = string(c)
	}
	return out
}

func categoryNames(cs []hit.Category) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = documents.CategoryName(c)
	}
	return out
}

// parseWhen reads a time as RFC 3339, or a local date and time in ISO or Dutch order.
func parseWhen(s string, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02 15:04", "2006-01-02T15:04", "02-01-2006 15:04", "2006-01-02", "02-01-2006"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a time: write 2026-11-23 09:14, 23-11-2026 09:14 or 2026-11-23T09:14:00+01:00", s)
}

// letterFlags are the letter's fields as flags, each the detail it fills.
var letterFlags = []struct{ flag, key, help string }{
	{"what-happened", "letter_what_happened", "wat is er gebeurd (plain Dutch)"},
	{"what-it-means", "letter_what_it_means", "wat betekent dit voor u"},
	{"what-we-did", "letter_what_we_did", "wat hebben wij gedaan"},
	{"what-you-can-do", "letter_what_you_can_do", "wat kunt u zelf doen"},
	{"contact", "letter_contact", "contact for questions"},
}

func newLetterCmd(g *globals) *cobra.Command {
	var by string
	vals := make([]string, len(letterFlags))
	cmd := &cobra.Command{
		Use:   "letter ID [--by NAME --what-happened TEXT --what-it-means TEXT --what-we-did TEXT --what-you-can-do TEXT --contact TEXT]",
		Short: "The letter to betrokkenen field by field: the FG's own text for a field, or lekwacht's plain-Dutch default",
		Long: "Without field flags it shows the letter's fields. The letter never takes the FG's notes, measures or motivation for the AP\n" +
			"or the register: what it says is only what is written here (or the default from the kind of incident).",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			a := register.Answers{Details: map[string]string{}}
			for i, lf := range letterFlags {
				if cmd.Flags().Changed(lf.flag) {
					a.Details[lf.key] = vals[i]
				}
			}
			if len(a.Details) > 0 && strings.TrimSpace(by) == "" {
				return usage("--by is required: who writes the letter")
			}
			return g.withRegister(cmd, func(cfg *config.Config, r *register.Register) error {
				if len(a.Details) > 0 {
					if _, err := r.Assess(cmd.Context(), args[0], by, a); err != nil {
						return err
					}
				}
				in, err := r.Summary(cmd.Context(), args[0])
				if err != nil {
					return err
				}
				printLetter(cmd.OutOrStdout(), documents.NewLetter(cfg.Organisation, in))
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&by, "by", "", "who writes (required with a field)")
	for i, lf := range letterFlags {
		cmd.Flags().StringVar(&vals[i], lf.flag, "", lf.help)
	}
	return cmd
}

func printLetter(w io.Writer, l documents.Letter) {
	for _, f := range l.Fields {
		who := "standaardtekst"
		if f.FromFG {
			who = "tekst van de FG"
		}
		fmt.Fprintf(w, "%s (%s, --%s)\n  %s\n", f.Label, who, letterFlag(f.Key), f.Value)
	}
}

func letterFlag(key string) string {
	for _, lf := range letterFlags {
		if lf.key == key {
			return lf.flag
		}
	}
	return key
}
