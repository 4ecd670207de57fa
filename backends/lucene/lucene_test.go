package lucene

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/tools/txtar"

	"github.com/sigforge/sigforge/backends/backendtest"
	"github.com/sigforge/sigforge/compiler/golden"
	"github.com/sigforge/sigforge/compiler/ir"
)

// TestEdgeGolden compiles the edge-case rules of testdata/edge/*.txtar.
func TestEdgeGolden(t *testing.T) {
	listing := backendtest.Listing{Header: backendtest.TitleHeader("#"), Position: true, Blank: true}
	golden.RunTxtar(t, "testdata/edge/*.txtar", func(t *testing.T, a *txtar.Archive) map[string]string {
		b, err := New(backendtest.EdgeConfig(t, a, "sigforge.yml"))
		require.NoError(t, err)
		return map[string]string{"lucene": listing.Render(t, b, backendtest.EdgeRules(t, a, nil))}
	})
}

// TestPackGolden compiles every rule of the pack to testdata/pack.golden.
// The refusals keep their positions: the pack is loaded from a path
// relative to the package, so they do not depend on the checkout folder.
func TestPackGolden(t *testing.T) {
	set, cfg := backendtest.LoadPack(t)
	b, err := New(cfg)
	require.NoError(t, err)
	backendtest.Listing{Header: backendtest.FileHeader("#"), Position: true, Blank: true}.
		Check(t, "testdata/pack.golden", b, set.Rules)
}

func TestEscaping(t *testing.T) {
	assert.Equal(t, `a\+b\-c\=d\&\&e\|\|f\!g\(h\)i\{j\}k\[l\]m\^n\"o\~p\*q\?r\:s\\t\/u\<v\>w\ x`,
		Term(`a+b-c=d&&e||f!g(h)i{j}k[l]m^n"o~p*q?r:s\t/u<v>w x`))
	assert.Equal(t, `"say \"hi\" C:\\x"`, Phrase(`say "hi" C:\x`))
	assert.Equal(t, `*a\ b?c\**`, Wildcard([]ir.Part{{Kind: ir.AnyString}, {Text: "a b"}, {Kind: ir.AnyChar}, {Text: "c*"}, {Kind: ir.AnyString}}))
}

func TestFoldedRegex(t *testing.T) {
	assert.Equal(t, `.*[aA][wW][sS]\-[cC][lL][iI].`, foldedRegex(ir.Pattern("*aws-cli?").Parts))
	assert.Equal(t, `[\é\É]\.`, foldedRegex(ir.Str("É.").Parts))
	assert.Equal(t, `a\/b`, regexBody(`a/b`))
	assert.Equal(t, `a\/b`, regexBody(`a\/b`))
}
