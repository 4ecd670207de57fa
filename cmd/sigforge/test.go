package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/sigforge/sigforge/compiler"
	"github.com/sigforge/sigforge/compiler/condcov"
	"github.com/sigforge/sigforge/compiler/harness"
	"github.com/sigforge/sigforge/compiler/report"
)

func newTestCmd() *cobra.Command {
	var rulesDir, fixturesDir, configPath, format string
	var targets []string
	var coverage bool
	var minCoverage float64
	cmd := &cobra.Command{
		Use:   "test [--rules DIR] [--fixtures DIR] [--target NAME]... [--config FILE] [--format text|json|junit|sarif|github] [--coverage [--min-coverage N]]",
		Short: "Run every rule on its fixtures for every target",
		Long: "test compiles each rule under --rules for each target and runs the compiled output on\n" +
			"the rule's fixtures: fixtures/<rule file name without .yml>/positive/ must fire and\n" +
			".../negative/ must not (*.json, *.ndjson, *.log). A target that cannot express a\n" +
			"rule is reported as skipped. It prints one line per rule and target, ends with\n" +
			"\"N passed, N failed\", and exits 1 on any failure.\n\n" +
			"With --coverage it prints the condition coverage of each rule by its fixtures instead\n" +
			"(text or json; see docs/quality.md): test failures then go to stderr, and the command\n" +
			"exits 1 on a failure or when a rule's coverage is below --min-coverage percent.",
		Args: cobra.NoArgs,
		RunE: command(func(cmd *cobra.Command, _ []string) error {
			defer compiler.OneShotGC()()
			if coverage {
				if err := checkFormat(format, condcov.Formats...); err != nil {
					return err
				}
			} else if err := checkFormat(format, harness.Formats...); err != nil {
				return err
			}
			if cmd.Flags().Changed("min-coverage") && !coverage {
				return usageError("--min-coverage needs --coverage")
			}
			cfg, err := loadConfig(configPath, rulesDir)
			if err != nil {
				return err
			}
			chosen, err := selectTargets(cfg, targets)
			if err != nil {
				return err
			}
			set, ds := compiler.Load([]string{rulesDir}, compiler.Options{Config: cfg})
			ds.Print(cmd.ErrOrStderr())
			if len(set.Rules) == 0 && !ds.HasErrors() {
				return fmt.Errorf("no rules found in %s", rulesDir)
			}
			rep, err := harness.NewFormatReporter(format, report.ColorEnabled(cmd.OutOrStdout()), version())
			if err != nil {
				return usageError("%v", err)
			}
			summary := (&harness.Runner{Targets: chosen, FixturesDir: fixturesDir}).Run(set.Rules)
			if coverage {
				return reportCoverage(cmd, set.Rules, fixturesDir, format, minCoverage, summary, ds.HasErrors())
			}
			if err := rep.Report(cmd.OutOrStdout(), summary); err != nil {
				return err
			}
			if ds.HasErrors() {
				return fmt.Errorf("%d rule problems in %s (see above)", len(ds.Errors()), rulesDir)
			}
			if !summary.OK() {
				return failed
			}
			return nil
		}),
	}
	cmd.Flags().StringVar(&rulesDir, "rules", "rules", "folder of rule files")
	cmd.Flags().StringVar(&fixturesDir, "fixtures", "fixtures", "folder of fixtures, one sub-folder per rule file")
	cmd.Flags().StringArrayVar(&targets, "target", nil, "target to check (repeatable; default: every target)")
	cmd.Flags().StringVar(&configPath, "config", "", "configuration file (default: <rules>/.sigforge.yml)")
	cmd.Flags().StringVar(&format, "format", "text", "report format: text, json, junit, sarif or github (workflow annotations); text or json with --coverage")
	cmd.Flags().BoolVar(&coverage, "coverage", false, "report condition coverage of each rule by its fixtures")
	cmd.Flags().Float64Var(&minCoverage, "min-coverage", 0, "with --coverage: fail when a rule's condition coverage is below this percent")
	return cmd
}
