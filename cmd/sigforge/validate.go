package main

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/sigforge/sigforge/compiler"
	"github.com/sigforge/sigforge/compiler/source"
)

func newValidateCmd() *cobra.Command {
	var strict bool
	var format, configPath string
	cmd := &cobra.Command{
		Use:   "validate [--strict] [--format text|json] [--config FILE] PATH...",
		Short: "Check rule files and report every problem with file:line:col and its code",
		Long: "validate reads rule files and folders (recursively) and reports every problem as\n" +
			"path:line:col: SFnnn message. It exits 0 when there are no errors (warnings are\n" +
			"printed but do not fail), 1 when there are, and 2 on usage errors. --strict adds\n" +
			"the pack's metadata requirements and turns warnings into errors.",
		Args: cobra.MinimumNArgs(1),
		RunE: command(func(cmd *cobra.Command, paths []string) error {
			if err := checkFormat(format, "text", "json"); err != nil {
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
				report := validateReport{Files: set.Files, Rules: len(set.Rules), Errors: errs, Warnings: warns, Diagnostics: ds}
				if report.Files == nil {
					report.Files = []string{}
				}
				if report.Diagnostics == nil {
					report.Diagnostics = source.Diagnostics{}
				}
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				if err := enc.Encode(report); err != nil {
					return err
				}
			default:
				ds.Print(out)
				fmt.Fprintf(cmd.ErrOrStderr(), "%d files, %d rules: %d errors, %d warnings\n", len(set.Files), len(set.Rules), errs, warns)
			}
			if errs > 0 {
				return failed
			}
			return nil
		}),
	}
	cmd.Flags().BoolVar(&strict, "strict", false, "require the pack's metadata (risk score, severity, guide, ATT&CK tags, alert fields); warnings become errors")
	cmd.Flags().StringVar(&format, "format", "text", "report format: text or json")
	cmd.Flags().StringVar(&configPath, "config", "", "configuration file (default: .sigforge.yml beside the rules)")
	return cmd
}

type validateReport struct {
	Files       []string           `json:"files"`
	Rules       int                `json:"rules"`
	Errors      int                `json:"errors"`
	Warnings    int                `json:"warnings"`
	Diagnostics source.Diagnostics `json:"diagnostics"`
}

func isDir(path string) bool {
	info, err := os.Stat(path)
	return err == nil && info.IsDir()
}
