package esql

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sigforge/sigforge/backends/backendtest"
)

// TestPackGolden compiles every rule of rules/; the ES|QL (or the reason a
// rule cannot be expressed) is the golden file testdata/pack.golden.
func TestPackGolden(t *testing.T) {
	set, cfg := backendtest.LoadPack(t)
	b, err := New(cfg)
	require.NoError(t, err)
	backendtest.Listing{Header: backendtest.FileHeader("#"), Blank: true}.
		Check(t, "testdata/pack.golden", b, set.Rules)
}

// TestPackFixtures runs the compiled ES|QL of every rule on its fixtures
// with the ES|QL evaluator, as `sigforge test --target esql` does.
func TestPackFixtures(t *testing.T) {
	set, cfg := backendtest.LoadPack(t)
	b, err := New(cfg)
	require.NoError(t, err)
	backendtest.RunPackFixtures(t, b, set.Rules)
}
