package main

import (
	"github.com/spf13/cobra"

	"github.com/sigforge/sigforge/backends/all"
	"github.com/sigforge/sigforge/compiler/harness"
)

// formatValues are the --format values each command accepts, offered by
// shell completion.
var formatValues = map[string][]string{
	"validate": {"text", "json", "junit", "sarif", "github"},
	"test":     harness.Formats,
	"coverage": {"navigator", "markdown", "json"},
	"scan":     {"text", "json", "ndjson"},
}

// registerCompletions teaches cobra's `completion` command (bash, zsh,
// fish, powershell) the values of --format and --target, and that rule
// paths are YAML files or folders.
func registerCompletions(root *cobra.Command) {
	for _, cmd := range root.Commands() {
		if values, ok := formatValues[cmd.Name()]; ok && cmd.Flags().Lookup("format") != nil {
			_ = cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions(values, cobra.ShellCompDirectiveNoFileComp))
		}
		if cmd.Flags().Lookup("target") != nil {
			_ = cmd.RegisterFlagCompletionFunc("target", completeTargets)
		}
		switch cmd.Name() {
		case "validate", "fmt", "coverage":
			cmd.ValidArgsFunction = func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
				return []string{"yml", "yaml"}, cobra.ShellCompDirectiveFilterFileExt
			}
		}
	}
}

func completeTargets(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	targets, err := all.Targets(nil)
	if err != nil {
		return nil, cobra.ShellCompDirectiveError
	}
	names := make([]string, len(targets))
	for i, t := range targets {
		names[i] = t.Name()
	}
	return names, cobra.ShellCompDirectiveNoFileComp
}
