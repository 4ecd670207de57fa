package eql

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sigforge/sigforge/backends/backendtest"
)

// TestPackGolden compiles every rule of the pack; the EQL (or the reason
// the rule cannot be expressed) is the golden file testdata/pack.golden.
// Every compiled query must parse.
func TestPackGolden(t *testing.T) {
	set, cfg := backendtest.LoadPack(t)
	b, err := New(cfg)
	require.NoError(t, err)
	backendtest.Listing{Header: backendtest.FileHeader("#"), Blank: true, Prepare: true}.
		Check(t, "testdata/pack.golden", b, set.Rules)
}

// TestPackFixtures runs the compiled EQL of every rule on its fixtures, as
// `sigforge test --target eql` does.
func TestPackFixtures(t *testing.T) {
	set, cfg := backendtest.LoadPack(t)
	b, err := New(cfg)
	require.NoError(t, err)
	backendtest.RunPackFixtures(t, b, set.Rules)
}
