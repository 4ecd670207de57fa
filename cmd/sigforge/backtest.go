package main

import (
	"fmt"
	"os"
	"os/signal"
	"slices"

	"github.com/spf13/cobra"

	"github.com/sigforge/sigforge/compiler"
	"github.com/sigforge/sigforge/compiler/backtest"
)

func newBacktestCmd() *cobra.Command {
	var rulesDir, fixturesDir, configPath, esURL, dataStream string
	var targets []string
	var keep bool
	cmd := &cobra.Command{
		Use:   "backtest [--rules DIR] [--fixtures DIR] [--target eql|esql|kql]... [--es-url URL] [--keep]",
		Short: "Run the compiled Elastic queries on a real Elasticsearch and compare verdicts",
		Long: "backtest indexes the ECS-mapped fixtures into a throwaway data stream, runs each rule's\n" +
			"EQL (_eql/search), ES|QL (_query) and KQL (as the query DSL Kibana derives from it,\n" +
			"_search) on each fixture file, and fails when Elasticsearch disagrees with sigforge's\n" +
			"own evaluator of that target. Connection: --es-url or $SIGFORGE_ES_URL, with\n" +
			"$SIGFORGE_ES_API_KEY or $SIGFORGE_ES_USERNAME/$SIGFORGE_ES_PASSWORD, $SIGFORGE_ES_CA_FILE.",
		Args: cobra.NoArgs,
		RunE: command(func(cmd *cobra.Command, _ []string) error {
			esCfg := backtest.ConfigFromEnv()
			if esURL != "" {
				esCfg.URL = esURL
			}
			if esCfg.URL == "" {
				return usageError("backtest needs Elasticsearch: set --es-url or SIGFORGE_ES_URL")
			}
			cfg, err := loadConfig(configPath, rulesDir)
			if err != nil {
				return err
			}
			for _, t := range targets {
				if !slices.Contains([]string{"eql", "esql", "kql"}, t) {
					return usageError("backtest runs eql, esql and kql, not %q", t)
				}
			}
			chosen, err := selectTargets(cfg, targets)
			if err != nil {
				return err
			}
			set, ds := compiler.Load([]string{rulesDir}, compiler.Options{Config: cfg})
			ds.Print(cmd.ErrOrStderr())
			if ds.HasErrors() {
				return fmt.Errorf("%d rule problems in %s", len(ds.Errors()), rulesDir)
			}
			es, err := backtest.NewClient(esCfg)
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt)
			defer stop()
			runner := &backtest.Runner{ES: es, Targets: chosen, FixturesDir: fixturesDir, Keep: keep, Name: dataStream}
			report, err := runner.Run(ctx, set.Rules)
			if err != nil {
				return err
			}
			report.Print(cmd.OutOrStdout())
			if report.Failed() > 0 {
				return failed
			}
			return nil
		}),
	}
	cmd.Flags().StringVar(&rulesDir, "rules", "rules", "folder of rule files")
	cmd.Flags().StringVar(&fixturesDir, "fixtures", "fixtures", "folder of fixtures, one sub-folder per rule file")
	cmd.Flags().StringVar(&configPath, "config", "", "configuration file (default: <rules>/.sigforge.yml)")
	cmd.Flags().StringArrayVar(&targets, "target", []string{"eql", "esql", "kql"}, "Elastic target to check (repeatable)")
	cmd.Flags().StringVar(&esURL, "es-url", "", "Elasticsearch URL (default $SIGFORGE_ES_URL)")
	cmd.Flags().StringVar(&dataStream, "data-stream", "", "data stream to index into (default logs-sigforge.backtest-<random>)")
	cmd.Flags().BoolVar(&keep, "keep", false, "keep the data stream and its template afterwards")
	return cmd
}
