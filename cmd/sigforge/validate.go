package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/sigforge/sigforge/compiler"
	"github.com/sigforge/sigforge/compiler/report"
)

func newValidateCmd() *cobra.Command {
	var strict bool
	var format, configPath string
	cmd := &cobra.Command{
		Use:   "validate [--strict] [--format text|json|junit|sarif|github] [--config FILE] PATH...",
		Short: "Check rule files and report every problem with file:line:col and its code",
		Long: "validate reads rule files and folders (recursively) and reports every problem as\n" +
			"path:line:col: SFnnn message. It exits 0 when there are no errors (warnings are\n" +
			"printed but do not fail), 1 when there are, and 2 on usage errors. --strict adds\n" +
			"the pack's metadata requirements and turns warnings into errors.",
		Args: cobra.MinimumNArgs(1),
		RunE: command(func(cmd *cobra.Command, paths []string) error {
			defer compiler.OneShotGC()()
			if err := checkFormat(format, "text", "json", "junit", "sarif", "github"); err != nil {
				return err
			}
			cfg, err := loadConfig(configPath, configDir(paths, isDir))
			if err != nil {
				return err
			}
			set, ds := compiler.Load(paths, compiler.Options{Strict: strict, Config: cfg})
			errs := len(ds.Errors())
			warns := len(ds) - errs
			out := cmd.OutOrStdout()
			switch format {
			case "json":
				if err := report.WriteValidateJSON(out, set.Files, len(set.Rules), ds); err != nil {
					return err
				}
			case "text":
				if err := report.WriteText(out, ds, report.NewPalette(report.ColorEnabled(out))); err != nil {
					return err
				}
				fmt.Fprintf(cmd.ErrOrStderr(), "%d files, %d rules: %d errors, %d warnings\n", len(set.Files), len(set.Rules), errs, warns)
			default:
				if err := report.Formats[format](out, report.FromDiagnostics(set.Files, ds, version())); err != nil {
					return err
				}
			}
			if errs > 0 {
				return failed
			}
			return nil
		}),
	}
	cmd.Flags().BoolVar(&strict, "strict", false, "require the pack's metadata (risk score, severity, guide, ATT&CK tags, alert fields); warnings become errors")
	cmd.Flags().StringVar(&format, "format", "text", "report format: text, json, junit, sarif or github (workflow annotations)")
	cmd.Flags().StringVar(&configPath, "config", "", "configuration file (default: .sigforge.yml beside the rules)")
	return cmd
}

func isDir(path string) bool {
	info, err := os.Stat(path)
	return err == nil && info.IsDir()
}
