package main

import (
	"github.com/spf13/cobra"

	"github.com/sigforge/sigforge/compiler"
	"github.com/sigforge/sigforge/compiler/coverage"
)

func newCoverageCmd() *cobra.Command {
	var format, configPath, name string
	cmd := &cobra.Command{
		Use:   "coverage [--format navigator|markdown|json] [--name NAME] [--config FILE] [PATH...]",
		Short: "Report the pack's MITRE ATT&CK coverage as a Navigator layer or Markdown tables",
		Long: "coverage reads the rules (default: rules) and reports which ATT&CK techniques and\n" +
			"sub-techniques they detect, under which tactics, with how many rules, and how many of\n" +
			"those each target can express (a rule a target cannot express does not count for it).\n" +
			"--format navigator (default) writes an ATT&CK Navigator layer (format 4.5) scored by\n" +
			"number of rules, the rules listed in each technique's comment; markdown writes one table\n" +
			"per tactic; json the data behind both.",
		RunE: command(func(cmd *cobra.Command, paths []string) error {
			if err := checkFormat(format, "navigator", "markdown", "json"); err != nil {
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
			rep := coverage.Compute(set.Rules, targets)
			out := cmd.OutOrStdout()
			switch format {
			case "markdown":
				return rep.WriteMarkdown(out)
			case "json":
				return rep.WriteJSON(out)
			}
			return rep.WriteLayer(out, name)
		}),
	}
	cmd.Flags().StringVar(&format, "format", "navigator", "navigator (ATT&CK Navigator layer JSON), markdown or json")
	cmd.Flags().StringVar(&name, "name", "sigforge coverage", "layer name shown by the Navigator")
	cmd.Flags().StringVar(&configPath, "config", "", "configuration file (default: .sigforge.yml beside the rules)")
	return cmd
}
