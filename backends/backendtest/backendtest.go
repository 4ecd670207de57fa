// Package backendtest holds what the targets' tests share: loading the
// bundled pack (rules/ with its configuration) and running a target on the
// pack's fixtures as `sigforge test --target NAME` does, failing the test on
// any failing fixture; laying compiled rules out in golden files (Listing)
// or compiling them for a bundle (CompileEach); reading the rules and the
// configuration of an edge-case archive (EdgeRules, EdgeConfig) and running
// a package's edge-case archives (Listing.RunEdgeCases); loading
// SigmaHQ's corpus, skipping when it is absent (SigmaHQRules); and drawing
// detections from fuzz input (DetectionGen, DecodeDocs).
package backendtest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sigforge/sigforge/backends"
	"github.com/sigforge/sigforge/compiler"
	"github.com/sigforge/sigforge/compiler/config"
	"github.com/sigforge/sigforge/compiler/corpus"
	"github.com/sigforge/sigforge/compiler/harness"
	"github.com/sigforge/sigforge/compiler/ir"
)

// PackDir returns the pack's rules folder as a path relative to the test's
// package folder, so that messages and goldens never name the checkout
// folder.
func PackDir(t testing.TB) string {
	t.Helper()
	wd, err := os.Getwd()
	require.NoError(t, err)
	rel, err := filepath.Rel(wd, filepath.Join(corpus.Root(), "rules"))
	require.NoError(t, err)
	return rel
}

// LoadPack loads the pack in rules/ with rules/.sigforge.yml; any problem
// fails the test.
func LoadPack(t testing.TB) (*compiler.Set, *config.Config) {
	t.Helper()
	dir := PackDir(t)
	cfg, err := config.Find(dir)
	require.NoError(t, err)
	set, diags := compiler.Load([]string{dir}, compiler.Options{Config: cfg})
	require.False(t, diags.HasErrors(), "%v", diags)
	require.NotEmpty(t, set.Rules)
	return set, cfg
}

// RunPackFixtures runs target on the fixtures of rules (the pack's, from
// fixtures/) as `sigforge test --target NAME` does; every failing rule and
// fixture is a test error, skipped rules are logged.
func RunPackFixtures(t *testing.T, target backends.Backend, rules []*ir.Rule) *harness.Summary {
	t.Helper()
	rn := harness.Runner{Targets: []backends.Backend{target}, FixturesDir: filepath.Join(corpus.Root(), "fixtures")}
	sum := rn.Run(rules)
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
	t.Logf("%s: %d passed, %d failed, %d skipped", target.Name(), sum.Passed, sum.Failed, sum.Skipped)
	return sum
}
