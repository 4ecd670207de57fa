package backendtest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/tools/txtar"

	"github.com/sigforge/sigforge/backends"
	"github.com/sigforge/sigforge/compiler"
	"github.com/sigforge/sigforge/compiler/config"
	"github.com/sigforge/sigforge/compiler/golden"
	"github.com/sigforge/sigforge/compiler/ir"
)

// EdgeRules parses the rule.yml section of an edge-case archive (see
// golden.RunTxtar) with cfg (nil for none); a missing section or an error in
// the rules fails the test.
func EdgeRules(t testing.TB, a *txtar.Archive, cfg *config.Config) []*ir.Rule {
	t.Helper()
	src, ok := golden.Section(a, "rule.yml")
	require.True(t, ok, "no rule.yml section")
	set, diags := compiler.Parse("rule.yml", src, compiler.Options{Config: cfg})
	require.False(t, diags.HasErrors(), "%v", diags)
	return set.Rules
}

// EdgeConfig loads the configuration file held in the archive's section
// name, or returns nil when the archive has no such section.
func EdgeConfig(t testing.TB, a *txtar.Archive, name string) *config.Config {
	t.Helper()
	data, ok := golden.Section(a, name)
	if !ok {
		return nil
	}
	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(path, data, 0o644))
	cfg, err := config.Load(path)
	require.NoError(t, err)
	return cfg
}

// RunEdgeCases runs the edge-case archives testdata/edge/*.txtar of the
// test's package (see golden.RunTxtar): the rules of each archive are
// compiled with target and laid out by l, and the text must equal the
// archive's out/<name> section.
func (l Listing) RunEdgeCases(t *testing.T, name string, target backends.Backend) {
	t.Helper()
	golden.RunTxtar(t, "testdata/edge/*.txtar", func(t *testing.T, a *txtar.Archive) map[string]string {
		return map[string]string{name: l.Render(t, target, EdgeRules(t, a, nil))}
	})
}
