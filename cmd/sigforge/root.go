package main

import (
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sigforge/sigforge/backends"
	"github.com/sigforge/sigforge/backends/all"
	"github.com/sigforge/sigforge/compiler/config"
)

func newRootCmd(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "sigforge",
		Short: "Validate, compile and test Sigma detection rules",
		Long: "sigforge validates Sigma rules, compiles each to every target that can express it,\n" +
			"and proves with fixture events that the compiled rules fire where they should.",
		Version:       version(),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetVersionTemplate("sigforge {{.Version}}\n")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return &exitError{code: 2, err: err}
	})
	root.AddCommand(newValidateCmd(), newTestCmd(), newCompileCmd(), newPushCmd(), newPullCmd(), newExportCmd(), newBacktestCmd(), newScanCmd(), newGenCorpusCmd())
	root.AddCommand(newFmtCmd(), newNewCmd(), newCoverageCmd(), newMutateCmd())
	root.AddCommand(newHuntCmd())
	registerCompletions(root)
	return root
}

// version describes the build from the binary's build information.
func version() string {
	info, ok := debug.ReadBuildInfo()
	v := "(devel)"
	var rev, when string
	dirty := false
	if ok {
		if info.Main.Version != "" {
			v = info.Main.Version
		}
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.time":
				when = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
	}
	var b strings.Builder
	b.WriteString(v)
	// A pseudo-version (v0.0.0-date-rev) already names the commit.
	if short := rev[:min(12, len(rev))]; rev != "" && !strings.Contains(v, short) {
		b.WriteString(" commit " + short)
		if dirty {
			b.WriteString("-dirty")
		}
		if when != "" {
			b.WriteString(" " + when)
		}
	}
	fmt.Fprintf(&b, " %s %s/%s", runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return b.String()
}

// loadConfig reads --config when given, else <dir>/.sigforge.yml when it
// exists.
func loadConfig(flag, dir string) (*config.Config, error) {
	if flag != "" {
		return config.Load(flag)
	}
	return config.Find(dir)
}

// configDir is the folder whose .sigforge.yml applies to the paths: the
// first path when it is a folder, else the folder of the first file.
func configDir(paths []string, isDir func(string) bool) string {
	if len(paths) == 0 {
		return "."
	}
	if isDir(paths[0]) {
		return paths[0]
	}
	return filepath.Dir(paths[0])
}

// selectTargets returns the registered targets named (all when none is).
func selectTargets(cfg *config.Config, names []string) ([]backends.Backend, error) {
	targets, err := all.Targets(cfg)
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return targets, nil
	}
	var known []string
	for _, t := range targets {
		known = append(known, t.Name())
	}
	var out []backends.Backend
	for _, n := range names {
		for _, part := range strings.Split(n, ",") {
			part = strings.TrimSpace(part)
			i := slices.Index(known, part)
			if i < 0 {
				return nil, usageError("unknown target %q (available: %s)", part, strings.Join(known, ", "))
			}
			if !slices.ContainsFunc(out, func(b backends.Backend) bool { return b.Name() == part }) {
				out = append(out, targets[i])
			}
		}
	}
	return out, nil
}

func checkFormat(format string, allowed ...string) error {
	if !slices.Contains(allowed, format) {
		return usageError("unknown --format %q (want %s)", format, strings.Join(allowed, " or "))
	}
	return nil
}
