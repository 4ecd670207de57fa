package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/sigforge/sigforge/compiler/format"
)

func newFmtCmd() *cobra.Command {
	var check, diff bool
	cmd := &cobra.Command{
		Use:   "fmt [--check] [--diff] PATH...",
		Short: "Rewrite rule files in the canonical layout (field order, 4-space indentation), keeping comments",
		Long: "fmt rewrites rule files and folders (recursively; hidden files such as .sigforge.yml are\n" +
			"skipped) in the canonical layout: top-level keys in the Sigma specification's order, then\n" +
			"the pack's attributes, 4-space indentation, condition last. Comments and scalar styles\n" +
			"are kept and the rules mean the same. It prints the files it changed. With --check it\n" +
			"writes nothing, lists the files that are not canonical and exits 1 if there are any.\n" +
			"With --diff it writes nothing and prints what it would change as a unified diff.",
		Args: cobra.MinimumNArgs(1),
		RunE: command(func(cmd *cobra.Command, paths []string) error {
			files, err := format.Files(paths)
			if err != nil {
				return err
			}
			out, stderr := cmd.OutOrStdout(), cmd.ErrOrStderr()
			problems, changed := 0, 0
			for _, f := range files {
				res, err := format.File(f)
				if err == nil && res.Changed && !check && !diff {
					err = res.Write()
				}
				if err != nil {
					fmt.Fprintln(stderr, err)
					problems++
					continue
				}
				if res.Changed {
					changed++
					if diff {
						data, err := os.ReadFile(f)
						if err != nil {
							return err
						}
						fmt.Fprint(out, format.Diff(f, data, res.Formatted))
					} else {
						fmt.Fprintln(out, f)
					}
				}
			}
			if problems > 0 || (check && changed > 0) {
				if check && changed > 0 {
					fmt.Fprintf(stderr, "%d of %d files are not formatted (run sigforge fmt)\n", changed, len(files))
				}
				return failed
			}
			return nil
		}),
	}
	cmd.Flags().BoolVar(&check, "check", false, "write nothing; list files that are not canonical and exit 1 if any")
	cmd.Flags().BoolVar(&diff, "diff", false, "write nothing; print the changes as a unified diff")
	return cmd
}
