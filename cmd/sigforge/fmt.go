package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/sigforge/sigforge/compiler/format"
)

func newFmtCmd() *cobra.Command {
	var check bool
	cmd := &cobra.Command{
		Use:   "fmt [--check] PATH...",
		Short: "Rewrite rule files in the canonical layout (field order, 4-space indentation), keeping comments",
		Long: "fmt rewrites rule files and folders (recursively; hidden files such as .sigforge.yml are\n" +
			"skipped) in the canonical layout: top-level keys in the Sigma specification's order, then\n" +
			"the pack's attributes, 4-space indentation, condition last. Comments and scalar styles\n" +
			"are kept and the rules mean the same. It prints the files it changed. With --check it\n" +
			"writes nothing, lists the files that are not canonical and exits 1 if there are any.",
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
				if err == nil && res.Changed && !check {
					err = res.Write()
				}
				if err != nil {
					fmt.Fprintln(stderr, err)
					problems++
					continue
				}
				if res.Changed {
					changed++
					fmt.Fprintln(out, f)
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
	return cmd
}
