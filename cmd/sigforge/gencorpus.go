package main

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sigforge/sigforge/compiler"
	"github.com/sigforge/sigforge/compiler/config"
	"github.com/sigforge/sigforge/compiler/gencorpus"
	"github.com/sigforge/sigforge/compiler/harness"
)

func newGenCorpusCmd() *cobra.Command {
	var outDir, size, rulesDir string
	var seed uint64
	cmd := &cobra.Command{
		Use:   "gen-corpus --out DIR [--size 1GB] [--seed N]",
		Short: "Write a seeded CloudTrail archive with planted alerts, for benchmarks and tests",
		Long: "gen-corpus writes a realistic CloudTrail archive in the S3 layout\n" +
			"(DIR/AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/*.json.gz) of about --size\n" +
			"bytes after decompression (suffixes KB, MB, GB: powers of 1024), the same bytes for\n" +
			"the same --seed and --size. Mixed services with a small share of RDS calls, plus\n" +
			"planted events and bursts that fire known rules of the RDS pack; the alerts a scan\n" +
			"must raise are listed in DIR/" + gencorpus.ManifestName + "; with --rules, only those of\n" +
			"rules that alert on their own (not the parts of correlations without generate: true).",
		Args: cobra.NoArgs,
		RunE: command(func(cmd *cobra.Command, _ []string) error {
			if outDir == "" {
				return usageError("gen-corpus needs --out")
			}
			n, err := parseSize(size)
			if err != nil {
				return usageError("--size: %v", err)
			}
			opts := gencorpus.Options{Size: n, Seed: seed}
			if rulesDir != "" {
				if opts.Alerts, err = alertingRules(rulesDir); err != nil {
					return err
				}
			}
			m, err := gencorpus.Generate(outDir, opts)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%d files, %d events, %d bytes (decompressed), %d expected alerts; manifest %s\n",
				m.Files, m.Events, m.Bytes, len(m.Alerts), filepath.Join(outDir, gencorpus.ManifestName))
			return nil
		}),
	}
	cmd.Flags().StringVar(&outDir, "out", "", "output folder")
	cmd.Flags().StringVar(&rulesDir, "rules", "", "the pack the manifest is for: list only the alerts of its rules that alert on their own (default: every rule match)")
	cmd.Flags().StringVar(&size, "size", "64MB", "size after decompression (e.g. 10MB, 1GB)")
	cmd.Flags().Uint64Var(&seed, "seed", 1, "random seed")
	return cmd
}

// parseSize reads 512, 10KB, 64MB, 1GB (powers of 1024; the B is optional).
func parseSize(s string) (int64, error) {
	t := strings.TrimSuffix(strings.ToUpper(strings.TrimSpace(s)), "B")
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30}} {
		if rest, ok := strings.CutSuffix(t, u.suffix); ok {
			t, mult = rest, u.mult
			break
		}
	}
	n, err := strconv.ParseFloat(t, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("invalid size %q", s)
	}
	return int64(n * float64(mult)), nil
}

// alertingRules loads the pack in dir and returns which rule keys alert on
// their own (compiler.Alerting).
func alertingRules(dir string) (func(string) bool, error) {
	cfg, err := config.Find(dir)
	if err != nil {
		return nil, err
	}
	set, ds := compiler.Load([]string{dir}, compiler.Options{Config: cfg})
	if ds.HasErrors() {
		return nil, fmt.Errorf("%s: the rules have errors; run sigforge validate %s", dir, dir)
	}
	keys := map[string]bool{}
	for _, r := range compiler.Alerting(set.Rules) {
		keys[harness.Key(r)] = true
	}
	return func(rule string) bool { return keys[rule] }, nil
}
