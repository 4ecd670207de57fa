package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sigforge/sigforge/backends"
	"github.com/sigforge/sigforge/compiler"
	"github.com/sigforge/sigforge/compiler/harness"
	"github.com/sigforge/sigforge/compiler/ir"
)

func newCompileCmd() *cobra.Command {
	var targets []string
	var outDir, configPath, dialect, format string
	var ddl bool
	cmd := &cobra.Command{
		Use:   "compile --target NAME [--out DIR] [--config FILE] PATH...",
		Short: "Compile rules for a target, one file per rule (or the target's single bundle file)",
		Long: "compile writes one file per rule, named after the rule file with the target's\n" +
			"extension (or, for targets whose pack is one file, that file), to --out or to\n" +
			"stdout. A rule the target cannot express is reported on stderr with the reason\n" +
			"and does not fail the others; the exit status is 1 only when a rule is invalid or\n" +
			"fails to compile for another reason. Files are replaced atomically.",
		Args: func(cmd *cobra.Command, args []string) error {
			if ddl {
				return cobra.NoArgs(cmd, args)
			}
			return cobra.MinimumNArgs(1)(cmd, args)
		},
		RunE: command(func(cmd *cobra.Command, paths []string) error {
			defer compiler.OneShotGC()()
			if len(targets) == 0 {
				return usageError("compile needs --target")
			}
			var err error
			if targets, err = sqlDialect(targets, dialect); err != nil {
				return err
			}
			if ddl {
				return writeDDL(cmd, targets, configPath)
			}
			cfg, err := loadConfig(configPath, configDir(paths, isDir))
			if err != nil {
				return err
			}
			chosen, err := selectTargets(cfg, targets)
			if err != nil {
				return err
			}
			if chosen, err = withOutputFormat(cfg, chosen, format); err != nil {
				return err
			}
			// Buffered: thousands of rules give thousands of lines, and an
			// unbuffered write is a system call each.
			stderr := bufio.NewWriter(cmd.ErrOrStderr())
			defer stderr.Flush()
			set, ds := compiler.Load(paths, compiler.Options{Config: cfg})
			ds.Print(stderr)
			bad := ds.HasErrors()
			// Rules that only feed correlations (generate: false) are not
			// emitted on their own; the correlations carry them.
			rules := compiler.Alerting(set.Rules)
			if n := len(set.Rules) - len(rules); n > 0 {
				fmt.Fprintf(stderr, "%d of %d rules only feed correlations (no generate: true): compiled into them, not on their own\n", n, len(set.Rules))
			}
			names := outputNames(rules)
			var files []outputFile
			for _, t := range chosen {
				sub := ""
				if len(chosen) > 1 {
					sub = t.Name()
				}
				var outs []backends.Output
				unsupported, failures := 0, 0
				for i, res := range backends.CompileAll(t, rules) {
					r, o, err := rules[i], res.Output, res.Err
					var un *backends.Unsupported
					switch {
					case errors.As(err, &un):
						unsupported++
						fmt.Fprintln(stderr, un.Error())
						continue
					case err != nil:
						failures++
						fmt.Fprintln(stderr, errorLine(r, t.Name(), err))
						continue
					}
					outs = append(outs, o)
					files = append(files, outputFile{name: filepath.Join(sub, names[r]+o.Ext), text: o.Text})
				}
				if b, ok := t.(backends.Bundler); ok && len(outs) > 0 {
					files = files[:len(files)-len(outs)]
					bundle, err := b.Bundle(outs)
					if err != nil {
						failures++
						fmt.Fprintf(stderr, "sigforge: %s: bundle: %v\n", t.Name(), err)
					} else {
						files = append(files, outputFile{name: filepath.Join(sub, t.Name()+bundle.Ext), text: bundle.Text})
					}
				}
				fmt.Fprintf(stderr, "%s: %d compiled, %d unsupported, %d failed\n", t.Name(), len(outs), unsupported, failures)
				bad = bad || failures > 0
			}
			if outDir == "" {
				stdout := bufio.NewWriterSize(cmd.OutOrStdout(), 64<<10)
				writeStdout(stdout, files)
				if err := stdout.Flush(); err != nil {
					return err
				}
			} else if err := writeFiles(outDir, files); err != nil {
				return err
			}
			if bad {
				return failed
			}
			return nil
		}),
	}
	cmd.Flags().StringArrayVar(&targets, "target", nil, "target to compile for (repeatable; with several, each gets a sub-folder of --out)")
	cmd.Flags().StringVar(&outDir, "out", "", "folder to write the files to (default: print to stdout)")
	cmd.Flags().StringVar(&configPath, "config", "", "configuration file (default: .sigforge.yml beside the rules)")
	cmd.Flags().StringVar(&format, "format", "", "with --target cloudwatch: json (default), cloudformation, terraform or cli")
	cmd.Flags().StringVar(&dialect, "dialect", "", "with --target sql: the SQL dialect (duckdb, athena, cloudtrail-lake); same as --target sql-<dialect>")
	cmd.Flags().BoolVar(&ddl, "ddl", false, "with --target sql-athena (or sql --dialect athena): print the CREATE TABLE statement for the CloudTrail table with partition projection")
	return cmd
}

type outputFile struct {
	name string // relative to --out
	text string
}

// errorLine renders a compile error once with the rule's position.
func errorLine(r *ir.Rule, target string, err error) string {
	msg := err.Error()
	if r.File != "" && strings.HasPrefix(msg, r.File) {
		return msg
	}
	return fmt.Sprintf("%s: %s: %s", r.Pos, target, msg)
}

// outputNames names each rule's file after its rule file; rules sharing a
// file (a correlation and its parts) get the rule's name or id appended.
func outputNames(rules []*ir.Rule) map[*ir.Rule]string {
	count := map[string]int{}
	for _, r := range rules {
		count[harness.Key(r)]++
	}
	names := map[*ir.Rule]string{}
	for i, r := range rules {
		key := harness.Key(r)
		if count[key] > 1 {
			id := r.Name
			if id == "" {
				id = r.ID
			}
			if id == "" {
				id = fmt.Sprint(i)
			}
			key += "." + slug(id)
		}
		names[r] = key
	}
	return names
}

func slug(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '-' || r == '_' || r == '.' || ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z') || ('0' <= r && r <= '9') {
			return r
		}
		return '_'
	}, s)
}

func writeStdout(w io.Writer, files []outputFile) {
	for i, f := range files {
		if i > 0 {
			fmt.Fprintln(w)
		}
		io.WriteString(w, f.text)
		if !strings.HasSuffix(f.text, "\n") {
			fmt.Fprintln(w)
		}
	}
}

// writeFiles writes every file through a temporary file and a rename, so a
// reader never sees a half-written file.
func writeFiles(dir string, files []outputFile) error {
	for _, f := range files {
		path := filepath.Join(dir, f.name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		text := f.text
		if !strings.HasSuffix(text, "\n") {
			text += "\n"
		}
		if err := writeAtomic(path, []byte(text)); err != nil {
			return err
		}
	}
	return nil
}

func writeAtomic(path string, data []byte) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			os.Remove(tmp.Name())
		}
	}()
	if _, err = tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
