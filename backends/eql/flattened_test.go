package eql

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/sigforge/sigforge/backends"
	"github.com/sigforge/sigforge/compiler/corpus"
	"github.com/sigforge/sigforge/compiler/harness"
)

// TestPackFixturesFlattened runs the pack's fixtures with request
// parameters compiled to the flattened fields (targets.elastic.parameters:
// flattened) instead of the flat string.
func TestPackFixturesFlattened(t *testing.T) {
	set, cfg := loadPack(t)
	var node yaml.Node
	require.NoError(t, yaml.Unmarshal([]byte("parameters: flattened\n"), &node))
	if cfg.Targets == nil {
		cfg.Targets = map[string]yaml.Node{}
	}
	cfg.Targets["elastic"] = *node.Content[0]
	b, err := New(cfg)
	require.NoError(t, err)
	rn := harness.Runner{Targets: []backends.Backend{b}, FixturesDir: filepath.Join(corpus.Root(), "fixtures")}
	sum := rn.Run(set.Rules)
	for _, r := range sum.Results {
		switch r.Status {
		case harness.Fail:
			t.Errorf("%s: %s", r.Rule, r.Reason)
			for _, f := range r.Failures() {
				t.Errorf("  %s (%s): %s", f.Path, f.Kind, f.Reason)
			}
		case harness.Skip:
			t.Logf("skipped %s: %s", r.Rule, r.Reason)
		}
	}
	t.Logf("eql (flattened parameters): %d passed, %d failed, %d skipped", sum.Passed, sum.Failed, sum.Skipped)
}
