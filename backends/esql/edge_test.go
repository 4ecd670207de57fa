package esql

import (
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/tools/txtar"

	"github.com/sigforge/sigforge/backends/backendtest"
	"github.com/sigforge/sigforge/compiler/golden"
)

// TestEdgeGolden compiles the edge-case rules of testdata/edge/*.txtar
// (escaping, wildcards, lists, not, null, exists, regex, cidr, numbers,
// keywords, correlations); every compiled query is shown.
func TestEdgeGolden(t *testing.T) {
	b, err := New(nil)
	require.NoError(t, err)
	listing := backendtest.Listing{Header: backendtest.TitleHeader("#"), Position: true}
	golden.RunTxtar(t, "testdata/edge/*.txtar", func(t *testing.T, a *txtar.Archive) map[string]string {
		return map[string]string{"esql": listing.Render(t, b, backendtest.EdgeRules(t, a, nil))}
	})
}
