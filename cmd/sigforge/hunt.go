package main

import (
	"fmt"
	"os"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/spf13/cobra"

	sqlt "github.com/sigforge/sigforge/backends/sql"
	"github.com/sigforge/sigforge/compiler"
	"github.com/sigforge/sigforge/compiler/hunt"
	"github.com/sigforge/sigforge/compiler/scan"
)

func newHuntCmd() *cobra.Command {
	var rulesDir, configPath, format, since, until, engine string
	var noProgress bool
	var ath hunt.AthenaOptions
	cmd := &cobra.Command{
		Use:   "hunt --engine duckdb|athena [--rules DIR] [--since T] [--until T] [--format text|json|ndjson] PATH...|TABLE",
		Short: "Run every rule as SQL where the logs are: DuckDB over archives, or Amazon Athena",
		Long: "hunt compiles every CloudTrail rule under --rules to SQL (the sql targets) and runs it\n" +
			"where the data is, printing alerts exactly as `sigforge scan` does.\n\n" +
			"--engine duckdb reads CloudTrail files (*.json.gz documents, JSON, NDJSON, folders in\n" +
			"the S3 layout) into an embedded DuckDB and runs the duckdb dialect; bad files are\n" +
			"reported and skipped, and the exit status is 1 at the end.\n" +
			"--engine athena runs the athena dialect on TABLE (default cloudtrail_logs) through\n" +
			"Athena (AWS credentials from the environment, --workgroup, --database, --output-location),\n" +
			"polls each query, pages its results, and reports the bytes scanned and the cost\n" +
			"estimate per rule on stderr.\n\n" +
			"--since (inclusive) and --until (exclusive) take RFC 3339 times, dates or ages (7d);\n" +
			"on Athena they also bound the partitions read. A rule SQL cannot express is listed\n" +
			"on stderr with the reason.",
		Args: cobra.MinimumNArgs(0),
		RunE: command(func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(format, scan.Formats...); err != nil {
				return err
			}
			var opts hunt.Options
			now := time.Now()
			var err error
			if since != "" {
				if opts.Since, err = scan.ParseTime(since, now); err != nil {
					return usageError("--since: %v", err)
				}
			}
			if until != "" {
				if opts.Until, err = scan.ParseTime(until, now); err != nil {
					return usageError("--until: %v", err)
				}
			}
			switch engine {
			case "duckdb":
				if len(args) == 0 {
					return usageError("hunt --engine duckdb needs the files or folders to read")
				}
			case "athena":
				if len(args) > 1 {
					return usageError("hunt --engine athena takes one TABLE")
				}
			default:
				return usageError("--engine must be duckdb or athena, not %q", engine)
			}
			cfg, err := loadConfig(configPath, rulesDir)
			if err != nil {
				return err
			}
			stderr := cmd.ErrOrStderr()
			set, ds := compiler.Load([]string{rulesDir}, compiler.Options{Config: cfg})
			ds.Print(stderr)
			if ds.HasErrors() {
				return fmt.Errorf("%d rule problems in %s (see above)", len(ds.Errors()), rulesDir)
			}
			var b *sqlt.Backend
			if engine == "duckdb" {
				b, err = sqlt.NewDuckDB(cfg)
			} else {
				b, err = sqlt.NewAthena(cfg)
				if err == nil && len(args) == 1 {
					b = sqlt.New(sqlt.NameAthena, sqlt.Athena{Table: args[0]})
				}
			}
			if err != nil {
				return err
			}
			plan, err := hunt.NewPlan(b, compiler.Alerting(set.Rules), opts)
			if err != nil {
				return err
			}
			for _, rf := range plan.Refused {
				fmt.Fprintf(stderr, "sigforge: %s\n", rf.Err)
			}
			if len(plan.Rules) == 0 {
				return fmt.Errorf("no CloudTrail rule of %s compiles to SQL", rulesDir)
			}
			out, err := scan.NewWriter(format, cmd.OutOrStdout(), stderr)
			if err != nil {
				return usageError("%v", err)
			}
			var res *scan.Result
			if engine == "duckdb" {
				files, err := scan.Files(args, opts.Since, opts.Until)
				if err != nil {
					return err
				}
				opts.Counters = &scan.Counters{}
				stopBar := func() {}
				if f, ok := stderr.(*os.File); ok && !noProgress && isatty.IsTerminal(f.Fd()) {
					stopBar = progress(f, files, opts.Counters)
				}
				res, err = hunt.DuckDB(plan, files, opts, out.Alert)
				stopBar()
				if err != nil {
					return err
				}
			} else {
				client, err := hunt.NewAthenaClient(cmd.Context())
				if err != nil {
					return err
				}
				ath.Report = stderr
				res, err = hunt.Athena(cmd.Context(), client, plan, ath, out.Alert)
				if err != nil {
					return err
				}
			}
			return finishScan(stderr, out, res, len(plan.Skipped)+len(plan.Refused))
		}),
	}
	cmd.Flags().StringVar(&engine, "engine", "", "where to run the SQL: duckdb (local archives) or athena")
	cmd.Flags().StringVar(&rulesDir, "rules", "rules", "folder of rule files")
	cmd.Flags().StringVar(&configPath, "config", "", "configuration file (default: <rules>/.sigforge.yml)")
	cmd.Flags().StringVar(&format, "format", "text", "alert format: text, json or ndjson")
	cmd.Flags().StringVar(&since, "since", "", "only events at or after this time (RFC 3339, YYYY-MM-DD, or an age such as 7d)")
	cmd.Flags().StringVar(&until, "until", "", "only events before this time (RFC 3339, YYYY-MM-DD, or an age)")
	cmd.Flags().BoolVar(&noProgress, "no-progress", false, "duckdb: no progress bar while loading, even on a terminal")
	cmd.Flags().StringVar(&ath.WorkGroup, "workgroup", "", "athena: workgroup (default: the account's primary)")
	cmd.Flags().StringVar(&ath.Database, "database", "default", "athena: database (Glue catalog) of the table")
	cmd.Flags().StringVar(&ath.OutputLocation, "output-location", "", "athena: s3:// prefix for query results (unless the workgroup sets one)")
	cmd.Flags().Float64Var(&ath.PricePerTB, "price-per-tb", 5, "athena: USD per TB scanned, for the cost estimate")
	return cmd
}
