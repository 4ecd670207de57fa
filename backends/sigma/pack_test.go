package sigma

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sigforge/sigforge/backends"
	"github.com/sigforge/sigforge/compiler"
	"github.com/sigforge/sigforge/compiler/config"
	"github.com/sigforge/sigforge/compiler/golden"
	"github.com/sigforge/sigforge/compiler/harness"
)

func loadPack(t *testing.T) *compiler.Set {
	t.Helper()
	rules := filepath.Join("..", "..", "rules")
	cfg, err := config.Find(rules)
	require.NoError(t, err)
	set, ds := compiler.Load([]string{rules}, compiler.Options{Config: cfg})
	require.False(t, ds.HasErrors(), ds.Error())
	require.NotEmpty(t, set.Rules)
	return set
}

// TestPackGolden compiles the bundled pack; the golden file is what every
// other target compiles from.
func TestPackGolden(t *testing.T) {
	var out bytes.Buffer
	b := &Backend{}
	for _, r := range loadPack(t).Rules {
		o, err := b.Compile(r)
		require.NoError(t, err)
		out.WriteString("== " + filepath.Base(r.File) + ": " + r.Title + "\n" + o.Text)
	}
	golden.Check(t, "testdata/pack.golden", out.Bytes())
}

// TestPackFixtures is `sigforge test --target sigma` on the bundled pack:
// every positive fixture fires and every negative stays quiet.
func TestPackFixtures(t *testing.T) {
	rn := &harness.Runner{Targets: []backends.Backend{&Backend{}}, FixturesDir: filepath.Join("..", "..", "fixtures")}
	s := rn.Run(loadPack(t).Rules)
	var buf bytes.Buffer
	require.NoError(t, harness.TextReporter{}.Report(&buf, s))
	require.True(t, s.OK(), buf.String())
	require.Zero(t, s.Skipped, buf.String())
}
