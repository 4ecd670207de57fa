package sigma

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sigforge/sigforge/backends/backendtest"
	"github.com/sigforge/sigforge/compiler/golden"
)

// TestPackGolden compiles the bundled pack; the golden file is what every
// other target compiles from.
func TestPackGolden(t *testing.T) {
	set, _ := backendtest.LoadPack(t)
	var out bytes.Buffer
	b := &Backend{}
	for _, r := range set.Rules {
		o, err := b.Compile(r)
		require.NoError(t, err)
		out.WriteString("== " + filepath.Base(r.File) + ": " + r.Title + "\n" + o.Text)
	}
	golden.Check(t, "testdata/pack.golden", out.Bytes())
}

// TestPackFixtures is `sigforge test --target sigma` on the bundled pack:
// every positive fixture fires and every negative stays quiet, and no rule
// is skipped.
func TestPackFixtures(t *testing.T) {
	set, _ := backendtest.LoadPack(t)
	sum := backendtest.RunPackFixtures(t, &Backend{}, set.Rules)
	require.Zero(t, sum.Skipped)
}
