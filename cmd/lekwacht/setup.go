package main

import (
	"context"
	"time"

	"github.com/lekwacht/lekwacht/esindex"
	"github.com/spf13/cobra"
)

// setupTimeout bounds one `lekwacht setup` run against a cluster that does not answer.
const setupTimeout = 2 * time.Minute

// migrateTimeout bounds --migrate's reindex, which copies every incident.
const migrateTimeout = 30 * time.Minute

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
	var printRole, migrate bool
	var roleSpace string
	es := &cobra.Command{
		Use:   "elasticsearch",
		Short: "Put the ILM policy and index template, create the incidents index behind its alias",
		Long: `Put the ILM policy and the index template of the incidents index, and create the index as the write
index of the alias <index_prefix>-incidents unless the alias exists (then the mapping of its indices is
updated in place). Safe to run again, e.g. after an upgrade. Uses elasticsearch.* from the config.

Privileges: the cluster privileges manage_ilm and manage_index_templates and the index privileges
manage (read and index for --migrate) on <index_prefix>-incidents and <index_prefix>-incidents-*; setup
asks Elasticsearch which are missing and names them. monitor is not needed. --print-role prints the
roles of least privilege: lekwacht-setup (this command and setup kibana) and lekwacht-daemon (the key
in lekwacht.yaml that run indexes with), as role descriptors for PUT /_security/role/<name> or an API
key's role_descriptors.

--migrate then reindexes the indices behind the alias into the next index (-v2, -v3, ...) with their
versions, moves the alias there in one step, catches up with writes made meanwhile, and keeps the old
indices for you to delete: for a mapping change that cannot be made in place, or an alias that leads
to several indices.`,
		Args: noSetupArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := g.loadConfig()
			if err != nil {
				return err
			}
			if printRole {
				return esindex.PrintRoles(cmd.OutOrStdout(), c.Elasticsearch.IndexPrefix, roleSpace)
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
			if err := esindex.SetupElasticsearch(ctx, client, c.Elasticsearch.IndexPrefix, cmd.OutOrStdout()); err != nil && !migrate {
				return err
			}
			if !migrate {
				return nil
			}
			ctx, cancel = context.WithTimeout(cmd.Context(), migrateTimeout)
			defer cancel()
			return esindex.MigrateElasticsearch(ctx, client, c.Elasticsearch.IndexPrefix, cmd.OutOrStdout())
		},
	}
	es.Flags().BoolVar(&printRole, "print-role", false, "print the roles of least privilege for the setup key and the daemon's key (JSON), and exit")
	es.Flags().StringVar(&roleSpace, "space", "default", "with --print-role: the Kibana space setup kibana imports into")
	es.Flags().BoolVar(&migrate, "migrate", false, "reindex into a new index and move the alias to it")
	cmd.AddCommand(es)
	var space string
	var security, printKibanaRole bool
	kb := &cobra.Command{
		Use:   "kibana",
		Short: "Import the data view, saved searches and triage dashboard into Kibana; install the Security rule",
		Long: `Import the data view on the incidents alias, the saved searches "Drafts to triage", "Open for the
FG" and "Past deadline" and the triage dashboard into Kibana (kibana.url), overwriting earlier copies,
and install (or update) the Elastic Security detection rule "lekwacht incident" that turns each
incident into one alert on Security's Alerts page (severity and risk score from the incident).
--space NAME imports into that Kibana space (a kibana.url ending in /s/<space> does too); the links
printed are the ids Kibana gave the objects there. --security also adds the alias to the space's
securitySolution:defaultIndex, so Security's data view (Explore, Timelines) shows the incidents.
Kibana takes the credentials and CA file of elasticsearch.* from the config; the key needs the role
lekwacht-setup of setup elasticsearch --print-role --space NAME.

--print-role prints the role lekwacht-kibana-sync that the daemon's key needs besides lekwacht-daemon
when kibana.triage is alerts: read the alerts of the rule and set their status in the space; and
lekwacht-kibana-cases (feature_securitySolutionCases.all in the space) when kibana.triage is cases.`,
		Args: noSetupArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := g.loadConfig()
			if err != nil {
				return err
			}
			if printKibanaRole {
				return esindex.PrintKibanaRole(cmd.OutOrStdout(), space)
			}
			if c.Kibana.URL == "" {
				return usage("kibana.url is empty: say where Kibana is in the config")
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), setupTimeout)
			defer cancel()
			return esindex.SetupKibana(ctx, esindex.KibanaOptions{URL: c.Kibana.URL, Space: space, Security: security, Auth: c.Elasticsearch},
				cmd.OutOrStdout())
		},
	}
	kb.Flags().StringVar(&space, "space", "", "the Kibana space to set up (default: the space of kibana.url, else default)")
	kb.Flags().BoolVar(&printKibanaRole, "print-role", false, "print the roles of least privilege for the daemon's key with kibana.triage alerts or cases (JSON), and exit")
	kb.Flags().BoolVar(&security, "security", false, "add the alias to securitySolution:defaultIndex (Security's data view)")
	cmd.AddCommand(kb)
	return cmd
}

// noSetupArgs makes stray arguments a usage error (exit 2), as cobra.NoArgs does not.
func noSetupArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usage("%s takes no arguments, got %q", cmd.CommandPath(), args)
	}
	return nil
}
