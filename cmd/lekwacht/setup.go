package main

import (
	"context"
	"time"

	"github.com/lekwacht/lekwacht/esindex"
	"github.com/spf13/cobra"
)

// setupTimeout bounds one `lekwacht setup` run against a cluster that does not answer.
const setupTimeout = 2 * time.Minute

func newSetupCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "setup (elasticsearch|kibana)",
		Short: "Prepare Elasticsearch and Kibana for lekwacht's incidents",
		RunE: func(_ *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usage("setup what: say setup elasticsearch or setup kibana")
			}
			return usage("setup %q: want elasticsearch or kibana", args[0])
		},
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "elasticsearch",
		Short: "Put the ILM policy and index template, create the incidents index behind its alias",
		Long: `Put the ILM policy and the index template of the incidents index, and create the index behind the
alias <index_prefix>-incidents unless it exists (then its mapping is updated in place). Safe to run
again, e.g. after an upgrade. Uses elasticsearch.* from the config.`,
		Args: noSetupArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := g.loadConfig()
			if err != nil {
				return err
			}
			if len(c.Elasticsearch.Addresses) == 0 {
				return usage("elasticsearch.addresses is empty: say where Elasticsearch is in the config")
			}
			client, err := esindex.NewClient(c.Elasticsearch)
			if err != nil {
				return usageError{err}
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), setupTimeout)
			defer cancel()
			return esindex.SetupElasticsearch(ctx, client, c.Elasticsearch.IndexPrefix, cmd.OutOrStdout())
		},
	})
	cmd.AddCommand(&cobra.Command{
		Use:   "kibana",
		Short: "Import the data view, saved searches and triage dashboard into Kibana",
		Long: `Import the data view on the incidents alias, the saved searches "Drafts to triage", "Open for the
FG" and "Past deadline" and the triage dashboard into Kibana (kibana.url; a URL ending in /s/<space>
imports into that space), overwriting earlier copies. Kibana takes the credentials and CA file of
elasticsearch.* from the config.`,
		Args: noSetupArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := g.loadConfig()
			if err != nil {
				return err
			}
			if c.Kibana.URL == "" {
				return usage("kibana.url is empty: say where Kibana is in the config")
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), setupTimeout)
			defer cancel()
			return esindex.SetupKibana(ctx, c.Kibana.URL, c.Elasticsearch, cmd.OutOrStdout())
		},
	})
	return cmd
}

// noSetupArgs makes stray arguments a usage error (exit 2), as cobra.NoArgs does not.
func noSetupArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usage("%s takes no arguments, got %q", cmd.CommandPath(), args)
	}
	return nil
}
