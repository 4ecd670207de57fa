package main

import (
	"strings"

	"github.com/sigforge/sigforge/backends"
	"github.com/sigforge/sigforge/backends/cloudwatch"
	"github.com/sigforge/sigforge/compiler/config"
)

// withOutputFormat replaces the cloudwatch target by its variant for
// --format (json, cloudformation, terraform, cli); the other targets have
// one output form, so --format is a usage error for them.
func withOutputFormat(cfg *config.Config, chosen []backends.Backend, format string) ([]backends.Backend, error) {
	if format == "" {
		return chosen, nil
	}
	if len(chosen) != 1 || chosen[0].Name() != cloudwatch.Name {
		return nil, usageError("--format goes with --target cloudwatch only (%s)", strings.Join(cloudwatch.Formats(), ", "))
	}
	b, err := cloudwatch.NewWithFormat(cfg, format)
	if err != nil {
		return nil, usageError("%v", err)
	}
	return []backends.Backend{b}, nil
}
