package eql

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sigforge/sigforge/backends/backendtest"
)

// TestEdgeGolden compiles the edge-case rules of testdata/edge/*.txtar
// (escaping, wildcards, lists, not, null, exists, regex, cidr, numbers,
// keywords, correlations); every compiled query must parse.
func TestEdgeGolden(t *testing.T) {
	b, err := New(nil)
	require.NoError(t, err)
	backendtest.Listing{Header: backendtest.TitleHeader("#"), Position: true, Prepare: true}.RunEdgeCases(t, "eql", b)
}
