package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/sigforge/sigforge/compiler"
	"github.com/sigforge/sigforge/compiler/harness"
	"github.com/sigforge/sigforge/compiler/report"
)

func newTestCmd() *cobra.Command {
	var rulesDir, fixturesDir, configPath, format string
	var targets []string
	cmd := &cobra.Command{
		Use:   "test [--rules DIR] [--fixtures DIR] [--target NAME]... [--config FILE] [--format text|json|junit|sarif|github]",
		Short: "Run every rule on its fixtures for every target",
		Long: "test compiles each rule under --rules for each target and runs the compiled output on\n" +
			"the rule's fixtures: fixtures/<rule file name without .yml>/positive/ must fire and\n" +
			".../negative/ must not (*.json, *.ndjson, *.log). A target that cannot express a\n" +
			"rule is reported as skipped. It prints one line per rule and target, ends with\n" +
			"\"N passed, N failed\", and exits 1 on any failure.",
		Args: cobra.NoArgs,
		RunE: command(func(cmd *cobra.Command, _ []string) error {
			if err := checkFormat(format, harness.Formats...); err != nil {
				return err
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
	cmd.Flags().StringVar(&format, "format", "text", "report format: text, json, junit, sarif or github (workflow annotations)")
	return cmd
}
