package main

import (
	"fmt"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/sigforge/sigforge/backends/kibana"
	"github.com/sigforge/sigforge/backends/kibana/client"
	"github.com/sigforge/sigforge/backends/kibana/push"
	"github.com/sigforge/sigforge/compiler"
)

// kibanaFlags are the connection settings shared by push and pull.
// Secrets come from the environment or a file, never from a flag value
// (which other users of the machine could read from the process list).
type kibanaFlags struct {
	url, space, apiKeyFile, username, caFile, ownerTag string
	insecure                                           bool
	timeout                                            time.Duration
}

func (k *kibanaFlags) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&k.url, "kibana-url", "", "Kibana base URL (default $SIGFORGE_KIBANA_URL)")
	f.StringVar(&k.space, "space", "", "Kibana space (default $SIGFORGE_KIBANA_SPACE, else the default space)")
	f.StringVar(&k.apiKeyFile, "api-key-file", "", "file holding the encoded API key (default $SIGFORGE_KIBANA_API_KEY)")
	f.StringVar(&k.username, "username", "", "basic-auth user (default $SIGFORGE_KIBANA_USERNAME; password from $SIGFORGE_KIBANA_PASSWORD)")
	f.StringVar(&k.caFile, "ca-file", "", "PEM file of CAs to trust (default $SIGFORGE_KIBANA_CA_FILE)")
	f.BoolVar(&k.insecure, "insecure", false, "skip TLS certificate verification (not recommended)")
	f.DurationVar(&k.timeout, "timeout", 30*time.Second, "timeout of each HTTP request")
	f.StringVar(&k.ownerTag, "owner-tag", push.DefaultOwnerTag, "tag that marks the rules sigforge manages")
}

func (k *kibanaFlags) client(cmd *cobra.Command) (*client.Client, error) {
	cfg := client.ConfigFromEnv()
	if k.url != "" {
		cfg.URL = k.url
	}
	if k.space != "" {
		cfg.Space = k.space
	}
	if k.username != "" {
		cfg.Username = k.username
	}
	if k.caFile != "" {
		cfg.CAFile = k.caFile
	}
	if k.apiKeyFile != "" {
		b, err := os.ReadFile(k.apiKeyFile)
		if err != nil {
			return nil, fmt.Errorf("api key file: %w", err)
		}
		cfg.APIKey = strings.TrimSpace(string(b))
	}
	cfg.Insecure = k.insecure
	cfg.Timeout = k.timeout
	stderr := cmd.ErrOrStderr()
	cfg.Log = func(msg string) { fmt.Fprintln(stderr, msg) }
	c, err := client.New(cfg)
	if err != nil {
		return nil, usageError("%v", err)
	}
	return c, nil
}

// desiredRules loads the pack, refusing to go on when any rule is invalid
// or fails to compile, and returns the stamped Kibana documents.
func desiredRules(cmd *cobra.Command, rulesDir, configPath string, opts push.Options) ([]client.Rule, error) {
	cfg, err := loadConfig(configPath, rulesDir)
	if err != nil {
		return nil, err
	}
	stderr := cmd.ErrOrStderr()
	set, ds := compiler.Load([]string{rulesDir}, compiler.Options{Config: cfg})
	ds.Print(stderr)
	if ds.HasErrors() {
		return nil, fmt.Errorf("%d rule problems in %s: nothing was sent to Kibana", len(ds.Errors()), rulesDir)
	}
	if len(set.Rules) == 0 {
		return nil, fmt.Errorf("no rules found in %s", rulesDir)
	}
	target, err := kibana.New(cfg)
	if err != nil {
		return nil, err
	}
	docs, skipped, err := push.Desired(target, compiler.Alerting(set.Rules))
	if err != nil {
		return nil, fmt.Errorf("%v: nothing was sent to Kibana", err)
	}
	for _, un := range skipped {
		fmt.Fprintln(stderr, un.Error())
	}
	return push.Stamp(docs, opts)
}

func newPushCmd() *cobra.Command {
	var k kibanaFlags
	var rulesDir, configPath string
	var dryRun, prune, enable, disable bool
	cmd := &cobra.Command{
		Use:   "push [--rules DIR] [--dry-run] [--prune] [--enable|--disable] [--kibana-url URL] [--space NAME]",
		Short: "Make Kibana's detection engine match the compiled pack",
		Long: "push compiles the pack for Kibana and, rule by rule (keyed by rule_id), creates what\n" +
			"is missing, updates what changed (its version bumped) and leaves identical rules alone.\n" +
			"With --prune it deletes the rules carrying the owner tag that are no longer in the pack.\n" +
			"Rules without the owner tag are never modified or deleted. --dry-run prints the plan\n" +
			"and changes nothing. Credentials come from $SIGFORGE_KIBANA_API_KEY (or --api-key-file)\n" +
			"or $SIGFORGE_KIBANA_USERNAME/$SIGFORGE_KIBANA_PASSWORD and are never printed.\n" +
			"The exit status is 1 when any rule fails; a rerun converges.",
		Args: cobra.NoArgs,
		RunE: command(func(cmd *cobra.Command, _ []string) error {
			defer compiler.OneShotGC()()
			if enable && disable {
				return usageError("--enable and --disable exclude each other")
			}
			opts := push.Options{OwnerTag: k.ownerTag, Prune: prune}
			if enable || disable {
				opts.Enabled = &enable
			}
			docs, err := desiredRules(cmd, rulesDir, configPath, opts)
			if err != nil {
				return err
			}
			c, err := k.client(cmd)
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt)
			defer stop()
			plan, err := push.MakePlan(ctx, c, docs, opts)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if dryRun {
				fmt.Fprintf(out, "plan for %s (dry run: nothing changed)\n", c)
				plan.Print(out, false)
				return nil
			}
			applyErr := push.Apply(ctx, c, plan, opts)
			plan.Print(out, true)
			if applyErr != nil {
				return failed
			}
			return nil
		}),
	}
	k.register(cmd)
	cmd.Flags().StringVar(&rulesDir, "rules", "rules", "folder of rule files")
	cmd.Flags().StringVar(&configPath, "config", "", "configuration file (default: <rules>/.sigforge.yml)")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "print the plan and change nothing")
	cmd.Flags().BoolVar(&prune, "prune", false, "delete owned rules that are no longer in the pack")
	cmd.Flags().BoolVar(&enable, "enable", false, "create new rules enabled")
	cmd.Flags().BoolVar(&disable, "disable", false, "create new rules disabled")
	return cmd
}

func newPullCmd() *cobra.Command {
	var k kibanaFlags
	var rulesDir, configPath string
	cmd := &cobra.Command{
		Use:   "pull [--rules DIR] [--kibana-url URL] [--space NAME]",
		Short: "Report drift between the rules in Kibana and the pack in git",
		Long: "pull fetches the rules carrying the owner tag and compares them, field by field, with\n" +
			"the compiled pack: rules missing from Kibana, rules edited in Kibana, and rules in Kibana\n" +
			"that the pack no longer has. It changes nothing and exits 1 when there is drift.",
		Args: cobra.NoArgs,
		RunE: command(func(cmd *cobra.Command, _ []string) error {
			opts := push.Options{OwnerTag: k.ownerTag}
			docs, err := desiredRules(cmd, rulesDir, configPath, opts)
			if err != nil {
				return err
			}
			c, err := k.client(cmd)
			if err != nil {
				return err
			}
			plan, err := push.Drift(cmd.Context(), c, docs, opts)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "drift of %s against %s\n", c, rulesDir)
			plan.Print(out, false)
			if n := plan.Counts(); n[string(push.Unchanged)] != len(plan.Items) {
				return failed
			}
			return nil
		}),
	}
	k.register(cmd)
	cmd.Flags().StringVar(&rulesDir, "rules", "rules", "folder of rule files")
	cmd.Flags().StringVar(&configPath, "config", "", "configuration file (default: <rules>/.sigforge.yml)")
	return cmd
}

func newExportCmd() *cobra.Command {
	var rulesDir, configPath, outPath, ownerTag string
	cmd := &cobra.Command{
		Use:   "export [--rules DIR] [--out FILE]",
		Short: "Write the pack as NDJSON for Kibana's rules _import",
		Long: "export compiles the pack for Kibana and writes one rule per line, stamped with the\n" +
			"owner tag and content hash that push uses, ready for\n" +
			"POST /api/detection_engine/rules/_import. The file is written atomically.",
		Args: cobra.NoArgs,
		RunE: command(func(cmd *cobra.Command, _ []string) error {
			defer compiler.OneShotGC()()
			docs, err := desiredRules(cmd, rulesDir, configPath, push.Options{OwnerTag: ownerTag})
			if err != nil {
				return err
			}
			nd, err := push.NDJSON(docs)
			if err != nil {
				return err
			}
			if outPath == "" || outPath == "-" {
				_, err = cmd.OutOrStdout().Write(nd)
				return err
			}
			if err := writeAtomic(outPath, nd); err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "%d rules written to %s\n", len(docs), outPath)
			return nil
		}),
	}
	cmd.Flags().StringVar(&rulesDir, "rules", "rules", "folder of rule files")
	cmd.Flags().StringVar(&configPath, "config", "", "configuration file (default: <rules>/.sigforge.yml)")
	cmd.Flags().StringVar(&outPath, "out", "", "file to write (default: stdout)")
	cmd.Flags().StringVar(&ownerTag, "owner-tag", push.DefaultOwnerTag, "tag that marks the rules sigforge manages")
	return cmd
}
