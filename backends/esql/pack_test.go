package esql

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sigforge/sigforge/backends"
	sigforge "github.com/sigforge/sigforge/compiler"
	"github.com/sigforge/sigforge/compiler/config"
	"github.com/sigforge/sigforge/compiler/corpus"
	"github.com/sigforge/sigforge/compiler/golden"
)

// TestPackGolden compiles every rule of rules/; the ES|QL (or the reason a
// rule cannot be expressed) is the golden file testdata/pack.golden.
func TestPackGolden(t *testing.T) {
	dir := filepath.Join(corpus.Root(), "rules")
	cfg, err := config.Find(dir)
	require.NoError(t, err)
	set, diags := sigforge.Load([]string{dir}, sigforge.Options{Config: cfg})
	require.False(t, diags.HasErrors(), "%v", diags)
	b, err := New(cfg)
	require.NoError(t, err)
	var out strings.Builder
	for _, r := range set.Rules {
		out.WriteString("# " + filepath.Base(r.File) + ": " + r.Title + "\n")
		o, err := b.Compile(r)
		var u *backends.Unsupported
		switch {
		case errors.As(err, &u):
			out.WriteString("unsupported: " + u.Construct + ": " + u.Reason + "\n\n")
			continue
		case err != nil:
			t.Fatalf("%s: %v", r.File, err)
		}
		out.WriteString(o.Text + "\n")
	}
	golden.Check(t, "testdata/pack.golden", []byte(out.String()))
}
