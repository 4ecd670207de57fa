package kql

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/tools/txtar"

	"github.com/sigforge/sigforge/backends/backendtest"
	"github.com/sigforge/sigforge/compiler/config"
	"github.com/sigforge/sigforge/compiler/golden"
	"github.com/sigforge/sigforge/compiler/ir"
)

// listing lays out the KQL of each rule, or its refusal, one rule per
// block; every emitted query must parse with our KQL parser.
func listing(header func(*ir.Rule) string) backendtest.Listing {
	return backendtest.Listing{Header: header, Position: true, Blank: true, Prepare: true}
}

// TestEdgeGolden compiles the edge-case rules of testdata/edge/*.txtar
// (escaping, wildcards, lists, not, null, exists, regex, cidr, numbers,
// keywords, case, parameters, correlations).
func TestEdgeGolden(t *testing.T) {
	golden.RunTxtar(t, "testdata/edge/*.txtar", func(t *testing.T, a *txtar.Archive) map[string]string {
		b, err := New(backendtest.EdgeConfig(t, a, "sigforge.yml"))
		require.NoError(t, err)
		return map[string]string{"kql": listing(backendtest.TitleHeader("#")).Render(t, b, backendtest.EdgeRules(t, a, nil))}
	})
}

// TestPackGolden compiles every rule of the pack; the KQL (or why a rule
// cannot be expressed) is testdata/pack.golden.
func TestPackGolden(t *testing.T) {
	set, cfg := backendtest.LoadPack(t)
	b, err := New(cfg)
	require.NoError(t, err)
	listing(backendtest.FileHeader("#")).Check(t, "testdata/pack.golden", b, set.Rules)
}

// TestPackFixtures runs the compiled KQL of every rule on its fixtures, as
// `sigforge test --target kql` does.
func TestPackFixtures(t *testing.T) {
	set, cfg := backendtest.LoadPack(t)
	b, err := New(cfg)
	require.NoError(t, err)
	sum := backendtest.RunPackFixtures(t, b, set.Rules)
	assert.Positive(t, sum.Passed)
}

func TestNewRejectsBadCase(t *testing.T) {
	path := filepath.Join(t.TempDir(), config.FileName)
	require.NoError(t, os.WriteFile(path, []byte("targets:\n  kql:\n    case: loose\n"), 0o644))
	cfg, err := config.Load(path)
	require.NoError(t, err)
	_, err = New(cfg)
	require.ErrorContains(t, err, `targets.kql.case: "loose" is not one of refuse, exact`)
}
