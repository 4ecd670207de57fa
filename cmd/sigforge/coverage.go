package main

import (
	"github.com/spf13/cobra"

	"github.com/sigforge/sigforge/compiler"
	"github.com/sigforge/sigforge/compiler/coverage"
)

func newCoverageCmd() *cobra.Command {
	var format, configPath, name string
	var api bool
	cmd := &cobra.Command{
		Use:   "coverage [--api] [--format navigator|markdown|json|readme] [--name NAME] [--config FILE] [PATH...]",
		Short: "Report the pack's MITRE ATT&CK coverage as a Navigator layer or Markdown tables",
		Long: "coverage reads the rules (default: rules) and reports which ATT&CK techniques and\n" +
			"sub-techniques they detect, under which tactics, with how many rules, and how many of\n" +
			"those each target can express (a rule a target cannot express does not count for it).\n" +
			"--format navigator (default) writes an ATT&CK Navigator layer (format 4.5) scored by\n" +
			"number of rules, the rules listed in each technique's comment; markdown writes one table\n" +
			"per tactic; json the data behind both; readme the README's pack table (one row per\n" +
			"rule: level, severity, risk, ATT&CK, targets) and ATT&CK summary.\n\n" +
			"--api reports instead which posture-changing RDS API calls (the list kept in\n" +
			"compiler/coverage/rds_api.yml, from the RDS API reference) the rules cover, per target,\n" +
			"and every uncovered call with the reason (markdown by default, or json).",
		RunE: command(func(cmd *cobra.Command, paths []string) error {
			defer compiler.OneShotGC()()
			if api && !cmd.Flags().Changed("format") {
				format = "markdown"
			}
			allowed := []string{"navigator", "markdown", "json", "readme"}
			if api {
				allowed = []string{"markdown", "json"}
			}
			if err := checkFormat(format, allowed...); err != nil {
				return err
			}
			if len(paths) == 0 {
				paths = []string{"rules"}
			}
			cfg, err := loadConfig(configPath, configDir(paths, isDir))
			if err != nil {
				return err
			}
			targets, err := selectTargets(cfg, nil)
			if err != nil {
				return err
			}
			set, ds := compiler.Load(paths, compiler.Options{Config: cfg})
			if ds.HasErrors() {
				ds.Print(cmd.ErrOrStderr())
				return failed
			}
			out := cmd.OutOrStdout()
			if api {
				rep := coverage.ComputeAPI(coverage.APICalls(), set.Rules, targets)
				if format == "json" {
					return rep.WriteJSON(out)
				}
				return rep.WriteMarkdown(out)
			}
			if format == "readme" {
				return coverage.WritePackTable(out, set.Rules, targets, "rules")
			}
			rep := coverage.Compute(set.Rules, targets)
			switch format {
			case "markdown":
				return rep.WriteMarkdown(out)
			case "json":
				return rep.WriteJSON(out)
			}
			return rep.WriteLayer(out, name)
		}),
	}
	cmd.Flags().StringVar(&format, "format", "navigator", "navigator (ATT&CK Navigator layer JSON), markdown, json or readme (the README's pack table)")
	cmd.Flags().BoolVar(&api, "api", false, "report the coverage of posture-changing RDS API calls instead of ATT&CK")
	cmd.Flags().StringVar(&name, "name", "sigforge coverage", "layer name shown by the Navigator")
	cmd.Flags().StringVar(&configPath, "config", "", "configuration file (default: .sigforge.yml beside the rules)")
	return cmd
}
