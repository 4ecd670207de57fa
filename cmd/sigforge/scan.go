package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/sigforge/sigforge/compiler"
	"github.com/sigforge/sigforge/compiler/scan"
)

func newScanCmd() *cobra.Command {
	var rulesDir, configPath, format, since, until string
	var workers int
	var noProgress bool
	cmd := &cobra.Command{
		Use:   "scan [--rules DIR] [--config FILE] [--since T] [--until T] [--format text|json|ndjson] FILE|DIR...",
		Short: "Hunt over CloudTrail archives with every rule, correlations included",
		Long: "scan evaluates every CloudTrail rule under --rules (detections and correlations)\n" +
			"over CloudTrail files as AWS writes them: *.json.gz documents {\"Records\":[...]},\n" +
			"plain JSON, NDJSON (*.ndjson, *.jsonl), and folders in the S3 layout\n" +
			"AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/ (read in path order; day\n" +
			"folders outside --since/--until are skipped). --since (inclusive) and --until\n" +
			"(exclusive) take RFC 3339 times, dates (YYYY-MM-DD) or ages (36h, 7d).\n\n" +
			"Alerts go to stdout: one line each (text), one JSON object each (ndjson), or one\n" +
			"JSON document with a summary (json). The per-rule hit summary goes to stderr for\n" +
			"text and ndjson. A bad file (corrupt gzip, cut JSON, a bad NDJSON line) is\n" +
			"reported on stderr with its position and skipped; the scan goes on and exits 1\n" +
			"at the end. A progress bar is shown when stderr is a terminal.",
		Args: cobra.MinimumNArgs(1),
		RunE: command(func(cmd *cobra.Command, paths []string) error {
			if err := checkFormat(format, scan.Formats...); err != nil {
				return err
			}
			now := time.Now()
			var opts scan.Options
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
			opts.Workers = workers
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
			sc, err := scan.New(compiler.Alerting(set.Rules))
			if err != nil {
				return err
			}
			if len(sc.Rules()) == 0 {
				return fmt.Errorf("no CloudTrail rules in %s", rulesDir)
			}
			files, err := scan.Files(paths, opts.Since, opts.Until)
			if err != nil {
				return err
			}
			out, err := scan.NewWriter(format, cmd.OutOrStdout(), stderr)
			if err != nil {
				return usageError("%v", err)
			}
			opts.Counters = &scan.Counters{}
			stopBar := func() {}
			if f, ok := stderr.(*os.File); ok && !noProgress && isatty.IsTerminal(f.Fd()) {
				stopBar = progress(f, files, opts.Counters)
			}
			res, err := sc.Scan(files, opts, out.Alert)
			stopBar()
			if err != nil {
				return err
			}
			return finishScan(stderr, out, res, len(sc.Skipped()))
		}),
	}
	cmd.Flags().StringVar(&rulesDir, "rules", "rules", "folder of rule files")
	cmd.Flags().StringVar(&configPath, "config", "", "configuration file (default: <rules>/.sigforge.yml)")
	cmd.Flags().StringVar(&format, "format", "text", "alert format: text, json or ndjson")
	cmd.Flags().StringVar(&since, "since", "", "only events at or after this time (RFC 3339, YYYY-MM-DD, or an age such as 7d)")
	cmd.Flags().StringVar(&until, "until", "", "only events before this time (RFC 3339, YYYY-MM-DD, or an age)")
	cmd.Flags().IntVar(&workers, "workers", 0, "files read at once (default: the number of CPUs)")
	cmd.Flags().BoolVar(&noProgress, "no-progress", false, "no progress bar, even on a terminal")
	return cmd
}

// progress draws a bar over the bytes read from disk, with files and
// events per second, until the returned function is called.
func progress(w *os.File, files []scan.File, c *scan.Counters) func() {
	var total int64
	for _, f := range files {
		total += f.Size
	}
	bar := progressbar.NewOptions64(total,
		progressbar.OptionSetWriter(w),
		progressbar.OptionShowBytes(true),
		progressbar.OptionSetWidth(30),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionSetDescription("scanning"))
	done := make(chan struct{})
	finished := make(chan struct{})
	start := time.Now()
	go func() {
		defer close(finished)
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				bar.Finish()
				return
			case <-tick.C:
				secs := time.Since(start).Seconds()
				bar.Describe(fmt.Sprintf("%d/%d files, %d events (%.0f events/s)",
					c.Files.Load(), len(files), c.Events.Load(), float64(c.Events.Load())/secs))
				bar.Set64(c.Compressed.Load())
			}
		}
	}()
	return func() {
		close(done)
		<-finished
	}
}

// finishScan reports a scan's or hunt's problems, closes the alert output
// with the summary (skipped rules counted) and fails when a file could not
// be read in full.
func finishScan(stderr io.Writer, out *scan.Writer, res *scan.Result, skipped int) error {
	for _, p := range res.Problems {
		fmt.Fprintf(stderr, "sigforge: %s\n", p)
	}
	if err := out.Close(res, skipped); err != nil {
		return err
	}
	if res.BadFiles > 0 {
		return fmt.Errorf("%d of %d files could not be read in full (see above)", res.BadFiles, res.Files)
	}
	return nil
}
