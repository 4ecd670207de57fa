package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/sigforge/sigforge/compiler/condcov"
	"github.com/sigforge/sigforge/compiler/harness"
	"github.com/sigforge/sigforge/compiler/ir"
)

// reportCoverage prints the condition coverage report on stdout, the test
// failures (if any) on stderr, and decides the exit status.
func reportCoverage(cmd *cobra.Command, rules []*ir.Rule, fixturesDir, format string, min float64, summary *harness.Summary, ruleErrors bool) error {
	if !summary.OK() {
		if err := (harness.TextReporter{}).Report(cmd.ErrOrStderr(), summary); err != nil {
			return err
		}
	}
	rep := condcov.Measure(rules, fixturesDir)
	if err := rep.Write(cmd.OutOrStdout(), format); err != nil {
		return err
	}
	below := rep.Below(min)
	for _, rc := range below {
		if rc.Error != "" {
			fmt.Fprintf(cmd.ErrOrStderr(), "%s: coverage not measured: %s\n", rc.Rule, rc.Error)
			continue
		}
		fmt.Fprintf(cmd.ErrOrStderr(), "%s: condition coverage %.1f%% is below --min-coverage %g%%\n", rc.Rule, rc.Percent, min)
	}
	switch {
	case ruleErrors:
		return fmt.Errorf("rule problems (see above)")
	case !summary.OK():
		return failed
	case len(below) > 0:
		return failed
	}
	return nil
}
