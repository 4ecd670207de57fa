package lucene

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/tools/txtar"

	"github.com/sigforge/sigforge/backends"
	sigforge "github.com/sigforge/sigforge/compiler"
	"github.com/sigforge/sigforge/compiler/config"
	"github.com/sigforge/sigforge/compiler/golden"
	"github.com/sigforge/sigforge/compiler/ir"
)

func compileAll(t *testing.T, b *Backend, rules []*ir.Rule, header func(*ir.Rule) string) string {
	t.Helper()
	var out strings.Builder
	for _, r := range rules {
		out.WriteString(header(r))
		o, err := b.Compile(r)
		var u *backends.Unsupported
		switch {
		case errors.As(err, &u):
			out.WriteString("unsupported: " + u.Error() + "\n\n")
			continue
		case err != nil:
			t.Fatalf("%s: %v", r.Title, err)
		}
		out.WriteString(o.Text + "\n")
	}
	return out.String()
}

func configFromArchive(t *testing.T, a *txtar.Archive) *config.Config {
	data, ok := golden.Section(a, "sigforge.yml")
	if !ok {
		return nil
	}
	path := filepath.Join(t.TempDir(), config.FileName)
	require.NoError(t, os.WriteFile(path, data, 0o644))
	cfg, err := config.Load(path)
	require.NoError(t, err)
	return cfg
}

// TestEdgeGolden compiles the edge-case rules of testdata/edge/*.txtar.
func TestEdgeGolden(t *testing.T) {
	golden.RunTxtar(t, "testdata/edge/*.txtar", func(t *testing.T, a *txtar.Archive) map[string]string {
		b, err := New(configFromArchive(t, a))
		require.NoError(t, err)
		src, ok := golden.Section(a, "rule.yml")
		require.True(t, ok, "no rule.yml section")
		set, diags := sigforge.Parse("rule.yml", src, sigforge.Options{})
		require.False(t, diags.HasErrors(), "%v", diags)
		return map[string]string{"lucene": compileAll(t, b, set.Rules, func(r *ir.Rule) string { return "# " + r.Title + "\n" })}
	})
}

// TestPackGolden compiles every rule of the pack to testdata/pack.golden.
func TestPackGolden(t *testing.T) {
	// A relative path keeps the golden independent of the checkout folder.
	dir := "../../rules"
	cfg, err := config.Find(dir)
	require.NoError(t, err)
	set, diags := sigforge.Load([]string{dir}, sigforge.Options{Config: cfg})
	require.False(t, diags.HasErrors(), "%v", diags)
	b, err := New(cfg)
	require.NoError(t, err)
	out := compileAll(t, b, set.Rules, func(r *ir.Rule) string { return "# " + filepath.Base(r.File) + ": " + r.Title + "\n" })
	golden.Check(t, "testdata/pack.golden", []byte(out))
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
