package main

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sigforge/sigforge/compiler"
	"github.com/sigforge/sigforge/compiler/harness"
	"github.com/sigforge/sigforge/compiler/ir"
	"github.com/sigforge/sigforge/compiler/mutate"
)

func newMutateCmd() *cobra.Command {
	var rulesDir, fixturesDir, configPath, format string
	var targets, only []string
	var write bool
	cmd := &cobra.Command{
		Use:   "mutate RULE... [--rules DIR] [--fixtures DIR] [--target NAME]... [--config FILE] [--format text|json] [--write [--only NAME]...]",
		Short: "Derive near-miss events from a rule's positive fixtures and check every target stays quiet on them",
		Long: "mutate derives candidate negative fixtures from the positive fixtures of each RULE (a rule\n" +
			"file, its fixture-folder name, its id or name; \"all\" for every rule under --rules) by\n" +
			"flipping one decisive condition at a time, denying a write call, moving it to another\n" +
			"service, and, for correlations, splitting the burst across principals or spreading it past\n" +
			"the window. It runs the native evaluator and every target that can execute its output on\n" +
			"each mutant, prints one line per mutant, and exits 1 when a mutant SURVIVES (the native\n" +
			"evaluator still fires: the rule is too loose) or a target DISAGREES with the native\n" +
			"verdict. --write saves the quiet, agreed mutants (or those named by --only) as negative\n" +
			"fixtures, each with a provenance sidecar; existing files are never overwritten.\n" +
			"See docs/quality.md.",
		Args: cobra.MinimumNArgs(1),
		RunE: command(func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(format, "text", "json"); err != nil {
				return err
			}
			if len(only) > 0 && !write {
				return usageError("--only needs --write")
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
			if ds.HasErrors() {
				ds.Print(cmd.ErrOrStderr())
				return fmt.Errorf("%d rule problems in %s (see above)", len(ds.Errors()), rulesDir)
			}
			rules, err := pickRules(harness.Tested(set.Rules), args)
			if err != nil {
				return err
			}
			var reps []*mutate.Report
			bad := false
			for _, r := range rules {
				dir := filepath.Join(fixturesDir, harness.Key(r))
				rep, err := mutate.Run(r, dir, mutate.Options{Targets: chosen})
				if err != nil {
					return fmt.Errorf("%s: %w", r.File, err)
				}
				if len(rep.Survivors()) > 0 || len(rep.Disagreements()) > 0 {
					bad = true
				}
				reps = append(reps, rep)
				if write {
					for _, m := range rep.Mutants {
						if len(only) > 0 && !slices.Contains(only, m.Name) {
							continue
						}
						if len(only) == 0 && (m.Survives || len(m.Disagree) > 0) {
							continue
						}
						path, err := mutate.Write(dir, m)
						if err != nil {
							return err
						}
						fmt.Fprintf(cmd.ErrOrStderr(), "wrote %s\n", path)
					}
				}
			}
			if format == "json" {
				err = mutate.WriteJSON(cmd.OutOrStdout(), reps)
			} else {
				err = mutate.WriteText(cmd.OutOrStdout(), reps)
			}
			if err != nil {
				return err
			}
			if bad {
				return failed
			}
			return nil
		}),
	}
	cmd.Flags().StringVar(&rulesDir, "rules", "rules", "folder of rule files")
	cmd.Flags().StringVar(&fixturesDir, "fixtures", "fixtures", "folder of fixtures, one sub-folder per rule file")
	cmd.Flags().StringArrayVar(&targets, "target", nil, "target to run the mutants on (repeatable; default: every target)")
	cmd.Flags().StringVar(&configPath, "config", "", "configuration file (default: <rules>/.sigforge.yml)")
	cmd.Flags().StringVar(&format, "format", "text", "report format: text or json")
	cmd.Flags().BoolVar(&write, "write", false, "save mutants as negative fixtures")
	cmd.Flags().StringArrayVar(&only, "only", nil, "with --write: the mutant to save, by name (repeatable)")
	return cmd
}

// pickRules selects the tested rules named by file path, fixture-folder
// key, id or name; "all" selects every one.
func pickRules(rules []*ir.Rule, names []string) ([]*ir.Rule, error) {
	if slices.Contains(names, "all") {
		return rules, nil
	}
	var out []*ir.Rule
	for _, n := range names {
		key := strings.TrimSuffix(strings.TrimSuffix(filepath.Base(n), ".yml"), ".yaml")
		found := false
		for _, r := range rules {
			if harness.Key(r) == key || r.ID == n || (r.Name != "" && r.Name == n) {
				if !slices.Contains(out, r) {
					out = append(out, r)
				}
				found = true
			}
		}
		if !found {
			return nil, usageError("no tested rule %q under the rules folder (name a rule file, its fixture folder, id or name)", n)
		}
	}
	return out, nil
}
