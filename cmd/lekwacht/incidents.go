package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/lekwacht/lekwacht/assessment"
	"github.com/lekwacht/lekwacht/config"
	"github.com/lekwacht/lekwacht/daemon"
	"github.com/lekwacht/lekwacht/documents"
	"github.com/lekwacht/lekwacht/hit"
	"github.com/lekwacht/lekwacht/people"
	"github.com/lekwacht/lekwacht/register"
	"github.com/spf13/cobra"
)

// openRegister opens the register the config names.
func (g *globals) openRegister(cmd *cobra.Command) (*register.Register, error) {
	_, r, err := g.register(cmd)
	return r, err
}

// register loads the config and opens its register.
func (g *globals) register(cmd *cobra.Command) (*config.Config, *register.Register, error) {
	cfg, err := g.loadConfig()
	if err != nil {
		return nil, nil, err
	}
	r, err := daemon.OpenRegister(cmd.Context(), cfg, nil)
	return cfg, r, err
}

// reader is who reads evidence when --by is not given: the login behind sudo, else the OS user.
func reader() string {
	if u := os.Getenv("SUDO_USER"); u != "" {
		return u
	}
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return ""
}

func newIncidentsCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "incidents", Short: "List, show, triage and assess the incidents in the register"}
	cmd.AddCommand(newListCmd(g), newShowCmd(g), newTriageCmd(g), newAssessIncidentCmd(g), newCorrectCmd(g), newLetterCmd(g), newCloseCmd(g), newImportCmd(g))
	return cmd
}

func newListCmd(g *globals) *cobra.Command {
	var status []string
	var detector string
	var overdue, asJSON bool
	var within time.Duration
	cmd := &cobra.Command{
		Use:   "list [--status S] [--detector D] [--overdue | --due-within DUR] [--json]",
		Short: "The incidents, most urgent deadline first: a table, or a JSON array",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f := register.Filter{Detector: detector}
			for _, s := range status {
				st := register.Status(s)
				if !slices.Contains(register.Statuses, st) {
					return usage("--status %q: use one of %v", s, register.Statuses)
				}
				f.Status = append(f.Status, st)
			}
			now := time.Now()
			switch {
			case overdue:
				f.DueBefore = now
			case within > 0:
				f.DueBefore = now.Add(within)
			}
			r, err := g.openRegister(cmd)
			if err != nil {
				return err
			}
			defer r.Close()
			list, err := r.List(cmd.Context(), f)
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), list)
			}
			printIncidents(cmd.OutOrStdout(), list, now)
			return nil
		},
	}
	cmd.Flags().StringSliceVar(&status, "status", nil, "only these statuses (draft, open, dismissed, assessed, closed)")
	cmd.Flags().StringVar(&detector, "detector", "", "only this detector")
	cmd.Flags().BoolVar(&overdue, "overdue", false, "only incidents past their 72-hour deadline whose clock still runs (no melding bij de AP recorded, no decision not to report)")
	cmd.Flags().DurationVar(&within, "due-within", 0, "only incidents whose clock still runs and whose deadline falls within this time (e.g. 24h)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "a JSON array")
	return cmd
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// printIncidents writes the table: one incident a row, the deadline counting down.
func printIncidents(w io.Writer, list []*register.Incident, now time.Time) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATUS\tSEVERITY\tDETECTOR\tUSER\tSUBJECTS\tITEMS\tDEADLINE\tSUMMARY")
	for _, in := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%d\t%s\t%s\n", in.ID, in.Status, in.Severity, in.Detector, in.User,
			in.Subjects, in.EvidenceCount, deadlineText(in, now), in.Summary)
	}
	tw.Flush()
	fmt.Fprintf(w, "%d incidents\n", len(list))
}

// deadlineText is the incident's 72-hour clock in Dutch (documents.ClockNL): "nog 41 uur",
// "termijn verstreken (8 uur geleden)", "gemeld bij de AP op 25-11-2026".
func deadlineText(in *register.Incident, now time.Time) string {
	return documents.ClockNL(in.Clock(now))
}

func newShowCmd(g *globals) *cobra.Command {
	var asJSON bool
	var by string
	cmd := &cobra.Command{
		Use:   "show ID [--json] [--by NAME]",
		Short: "One incident with its evidence, assessment and history (the read is logged)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, r, err := g.register(cmd)
			if err != nil {
				return err
			}
			defer r.Close()
			in, err := r.Show(cmd.Context(), args[0], by, "show")
			if err != nil {
				return err
			}
			f, derr := finder(cfg, r, false)
			if derr != nil {
				fmt.Fprintf(cmd.ErrOrStderr(), "lekwacht: %v (the person and the owners of the hosts are left out)\n", derr)
			}
			x, err := f.Incident(cmd.Context(), in)
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), x)
			}
			printIncident(cmd.OutOrStdout(), x, f.Within())
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "JSON")
	cmd.Flags().StringVar(&by, "by", reader(), "who reads the evidence (logged in the register's access log)")
	return cmd
}

func printIncident(w io.Writer, x *people.Incident, within time.Duration) {
	in := x.Incident
	fmt.Fprintf(w, "%s  %s  %s  %s\n", in.ID, in.Status, in.Severity, in.Summary)
	fmt.Fprintf(w, "detector %s, rule %s %s\nuser %s, hosts %s\n", in.Detector, in.Rule, in.RuleTitle, in.User, strings.Join(in.Hosts, ", "))
	printPeople(w, x, within)
	fmt.Fprintf(w, "seen %s .. %s; discovered %s; deadline %s\n", in.FirstSeen.Format(time.RFC3339), in.LastSeen.Format(time.RFC3339),
		in.DiscoveredAt.Format(time.RFC3339), in.Deadline.Format(time.RFC3339))
	fmt.Fprintf(w, "data categories %v, estimated betrokkenen %d\n", in.DataCategories, in.Subjects)
	if c := in.Corrected; c != nil {
		lo, hi := in.SubjectsBounds()
		start, end := in.LeakPeriod()
		fmt.Fprintf(w, "gecorrigeerd door %s op %s: gegevens %s; betrokkenen %d tot %d; groep %s; datalek %s tot %s\n", c.By, documents.DateTimeNL(c.At),
			strings.Join(categoryNames(in.EffectiveCategories()), ", "), lo, hi, orDash(in.GroupKind()), documents.DateTimeNL(start), documents.DateTimeNL(end))
	}
	fmt.Fprintf(w, "termijn AP: %s\n", documents.ClockNL(in.Clock(time.Now())))
	fmt.Fprintf(w, "\nEvidence (%d items)\n", len(in.Evidence))
	for _, e := range in.Evidence {
		fmt.Fprintf(w, "  #%d %s %s@%d %s sha256:%s\n", e.Seq, e.Time.Format(time.RFC3339), e.Source, e.Offset, e.Kind, e.SHA256[:16])
		if e.Text != "" {
			fmt.Fprintf(w, "     %s\n", e.Text)
		}
	}
	if a := in.Assessment; a != nil {
		fmt.Fprintln(w, "\nAssessment (stroomschema)")
		for _, q := range a.Questions {
			ans := q.Answer
			if ans == "" {
				ans = "-"
			}
			fmt.Fprintf(w, "  %-24s suggested %-3s answer %-3s %s\n", q.ID, q.Suggested, ans, q.Reason)
		}
		fmt.Fprintf(w, "  outcome: %s\n  suggested outcome: %s\n", a.Outcome.Summary(), a.Suggested.Summary())
	}
	fmt.Fprintln(w, "\nVerloop")
	for _, h := range in.History {
		fmt.Fprintf(w, "  %s\n", documents.ChangeNL(h))
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func newTriageCmd(g *globals) *cobra.Command {
	var open, dismiss bool
	var reason, by string
	cmd := &cobra.Command{
		Use:   "triage ID (--open|--dismiss) --reason TEXT --by NAME",
		Short: "The security team's decision on a draft: a real incident for the FG, or a false alarm",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if open == dismiss {
				return usage("give exactly one of --open and --dismiss")
			}
			to := register.StatusOpen
			if dismiss {
				to = register.StatusDismissed
			}
			return g.move(cmd, args[0], to, by, reason)
		},
	}
	cmd.Flags().BoolVar(&open, "open", false, "a real incident: hand it to the FG")
	cmd.Flags().BoolVar(&dismiss, "dismiss", false, "a false alarm")
	cmd.Flags().StringVar(&reason, "reason", "", "why (required)")
	cmd.Flags().StringVar(&by, "by", "", "who decides (required)")
	return cmd
}

func newCloseCmd(g *globals) *cobra.Command {
	var reason, by string
	cmd := &cobra.Command{
		Use:   "close ID --reason TEXT --by NAME",
		Short: "Close an assessed incident once the follow-up is done",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.move(cmd, args[0], register.StatusClosed, by, reason)
		},
	}
	cmd.Flags().StringVar(&reason, "reason", "", "why (required)")
	cmd.Flags().StringVar(&by, "by", "", "who closes it (required)")
	return cmd
}

func (g *globals) move(cmd *cobra.Command, id string, to register.Status, by, reason string) error {
	if strings.TrimSpace(by) == "" || strings.TrimSpace(reason) == "" {
		return usage("--by and --reason are required: who decides, and why")
	}
	r, err := g.openRegister(cmd)
	if err != nil {
		return err
	}
	defer r.Close()
	in, err := r.Move(cmd.Context(), id, to, by, reason)
	if err != nil {
		return err
	}
	fmt.Fprintf(cmd.OutOrStdout(), "%s is now %s\n", in.ID, in.Status)
	return nil
}

func newAssessIncidentCmd(g *globals) *cobra.Command {
	var by string
	var answers []string
	cmd := &cobra.Command{
		Use:   "assess ID --by NAME [--answer Q=yes|no ...] [--answer measures_taken=TEXT ...]",
		Short: "The FG's answers to the assessment flow, and the details the AP form asks for",
		Long: "Questions, in order: " + strings.Join(assessment.IDs(), ", ") + ".\nDetails: " +
			strings.Join(register.Details, ", ") + ".\nWithout --answer, shows the questions with the suggested answers.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if strings.TrimSpace(by) == "" {
				return usage("--by is required: who answers")
			}
			var a register.Answers
			for _, arg := range answers {
				if err := a.ParseAnswer(arg); err != nil {
					return usageError{err}
				}
			}
			r, err := g.openRegister(cmd)
			if err != nil {
				return err
			}
			defer r.Close()
			if len(answers) > 0 {
				if _, err := r.Assess(cmd.Context(), args[0], by, a); err != nil {
					return err
				}
			}
			in, err := r.Summary(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			printAssessment(cmd.OutOrStdout(), in)
			return nil
		},
	}
	cmd.Flags().StringVar(&by, "by", "", "who answers (required)")
	cmd.Flags().StringArrayVar(&answers, "answer", nil, "QUESTION=yes|no, or DETAIL=text; repeat")
	return cmd
}

func printAssessment(w io.Writer, in *register.Incident) {
	a := in.Assessment
	fmt.Fprintf(w, "%s (%s)\n", in.ID, in.Status)
	for i, q := range a.Questions {
		ans := "-"
		if q.Answer != "" {
			ans = fmt.Sprintf("%s (%s, %s)", q.Answer, q.By, q.At.Format(time.RFC3339))
		}
		fmt.Fprintf(w, "%d. %s\n   suggested: %s; %s\n", i+1, q.Question, q.Suggested, q.Reason)
		if len(q.Unknown) > 0 {
			fmt.Fprintf(w, "   onbekend: %s (correct with lekwacht incidents correct %s ...)\n", strings.Join(q.Unknown, ", "), in.ID)
		}
		fmt.Fprintf(w, "   answer: %s\n", ans)
	}
	for _, k := range register.Details {
		if d, ok := a.Details[k]; ok {
			fmt.Fprintf(w, "%s (%s): %s (%s)\n", register.DetailLabel(k), k, d.Value, d.By)
		}
	}
	fmt.Fprintf(w, "outcome: %s\n", a.Outcome.Summary())
	for _, r := range a.Outcome.Reasons {
		fmt.Fprintf(w, "  - %s\n", r)
	}
}

func newImportCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "import [FILE]",
		Short: "Register hits from JSON lines (stdin when no file): a detector outside lekwacht, or a test",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			in, name := cmd.InOrStdin(), "stdin"
			if len(args) == 1 {
				f, err := os.Open(args[0])
				if err != nil {
					return usageError{err}
				}
				defer f.Close()
				in, name = f, args[0]
			}
			hits, err := readHits(in, name)
			if err != nil {
				return usageError{err}
			}
			r, err := g.openRegister(cmd)
			if err != nil {
				return err
			}
			defer r.Close()
			res, err := r.Add(cmd.Context(), hits)
			if err != nil {
				return err
			}
			var created, added, dups int
			for _, x := range res {
				if x.Created {
					created++
				}
				added, dups = added+x.Added, dups+x.Duplicates
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%d hits, %d incidents opened, %d evidence items added, %d already registered\n", len(hits), created, added, dups)
			return nil
		},
	}
}

// readHits decodes one hit per line strictly, naming the line of a bad one.
func readHits(r io.Reader, name string) ([]hit.Hit, error) {
	var hits []hit.Hit
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		var h hit.Hit
		dec := json.NewDecoder(strings.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&h); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, n, err)
		}
		if err := h.Validate(); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, n, err)
		}
		hits = append(hits, h)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(hits) == 0 {
		return nil, errors.New(name + ": no hits")
	}
	return hits, nil
}

func newAssessCmd() *cobra.Command {
	var facts string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "assess --facts F [--json]",
		Short: "Run the assessment flow (stroomschema) on a facts file alone",
		Long: `Run the assessment flow (stroomschema) on a facts file alone. The facts file is JSON; unknown keys
are an error:

  {"security_incident": true, "personal_data": true, "categories": ["bsn"], "subjects": 120,
   "encrypted": false, "delivered": true, "retrieved_unopened": false, "remedied": false,
   "disproportionate_effort": false}`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if facts == "" {
				return usage("--facts is required")
			}
			f, err := os.Open(facts)
			if err != nil {
				return usageError{err}
			}
			defer f.Close()
			fs, err := assessment.ReadFacts(f, facts)
			if err != nil {
				return usageError{err}
			}
			o := assessment.Decide(fs)
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), o)
			}
			sugg := assessment.Suggest(fs)
			for i, q := range assessment.Questions {
				s := sugg[q.ID]
				fmt.Fprintf(cmd.OutOrStdout(), "%d. %s\n   %s: %s\n", i+1, q.Text, yesNo(s.Answer), s.Reason)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "outcome: %s\n", o.Summary())
			for _, r := range o.Reasons {
				fmt.Fprintf(cmd.OutOrStdout(), "  - %s\n", r)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&facts, "facts", "", "facts file (JSON, its keys above)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "the outcome as JSON")
	return cmd
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func newVerifyCmd(g *globals) *cobra.Command {
	var anchors []string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "verify [--anchor SEQ:HASH ...] [--json]",
		Short: "Check the register's hash chain and every evidence item; exit 1 naming what broke",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var as []register.Anchor
			for _, s := range anchors {
				a, err := register.ParseAnchor(s)
				if err != nil {
					return usageError{err}
				}
				as = append(as, a)
			}
			r, err := g.openRegister(cmd)
			if err != nil {
				return err
			}
			defer r.Close()
			rep, err := r.Verify(cmd.Context(), as...)
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			if asJSON {
				if err := writeJSON(w, rep); err != nil {
					return err
				}
			} else {
				for _, p := range rep.Problems {
					fmt.Fprintln(w, "BROKEN", p)
				}
				fmt.Fprintf(w, "%d records, %d evidence items, %d incidents checked; head %s\n", rep.Records, rep.Evidence, rep.Incidents, rep.Anchor())
			}
			if !rep.OK() {
				return fmt.Errorf("verify: %d problems in %s", len(rep.Problems), r.Dir())
			}
			return nil
		},
	}
	cmd.Flags().StringArrayVar(&anchors, "anchor", nil, "a head printed by an earlier verify (SEQ:HASH): check the chain still holds it")
	cmd.Flags().BoolVar(&asJSON, "json", false, "the report as JSON")
	return cmd
}
