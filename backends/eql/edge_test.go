package eql

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/tools/txtar"

	"github.com/sigforge/sigforge/backends"
	sigforge "github.com/sigforge/sigforge/compiler"
	"github.com/sigforge/sigforge/compiler/golden"
)

// TestEdgeGolden compiles the edge-case rules of testdata/edge/*.txtar
// (escaping, wildcards, lists, not, null, exists, regex, cidr, numbers,
// keywords, correlations); every compiled query must parse.
func TestEdgeGolden(t *testing.T) {
	b, err := New(nil)
	require.NoError(t, err)
	golden.RunTxtar(t, "testdata/edge/*.txtar", func(t *testing.T, a *txtar.Archive) map[string]string {
		src, ok := golden.Section(a, "rule.yml")
		require.True(t, ok, "no rule.yml section")
		set, diags := sigforge.Parse("rule.yml", src, sigforge.Options{})
		require.False(t, diags.HasErrors(), "%v", diags)
		var out strings.Builder
		for _, r := range set.Rules {
			out.WriteString("# " + r.Title + "\n")
			o, err := b.Compile(r)
			var u *backends.Unsupported
			if errors.As(err, &u) {
				out.WriteString("unsupported: " + u.Error() + "\n")
				continue
			}
			require.NoError(t, err)
			_, err = b.Prepare(o)
			require.NoError(t, err, "compiled EQL must parse:\n%s", o.Text)
			out.WriteString(o.Text)
		}
		return map[string]string{"eql": out.String()}
	})
}
