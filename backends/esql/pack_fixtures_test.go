package esql

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sigforge/sigforge/backends"
	sigforge "github.com/sigforge/sigforge/compiler"
	"github.com/sigforge/sigforge/compiler/config"
	"github.com/sigforge/sigforge/compiler/corpus"
	"github.com/sigforge/sigforge/compiler/harness"
)

// TestPackFixtures runs the compiled ES|QL of every rule on its fixtures
// with the ES|QL evaluator, as `sigforge test --target esql` does.
func TestPackFixtures(t *testing.T) {
	dir := filepath.Join(corpus.Root(), "rules")
	cfg, err := config.Find(dir)
	require.NoError(t, err)
	set, diags := sigforge.Load([]string{dir}, sigforge.Options{Config: cfg})
	require.False(t, diags.HasErrors(), "%v", diags)
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
	t.Logf("esql: %d passed, %d failed, %d skipped", sum.Passed, sum.Failed, sum.Skipped)
}
