package eql

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sigforge/sigforge/backends/backendtest"

	"github.com/stretchr/testify/require"

	"github.com/sigforge/sigforge/backends"
	sigforge "github.com/sigforge/sigforge/compiler"
	"github.com/sigforge/sigforge/compiler/config"
	"github.com/sigforge/sigforge/compiler/golden"
)

// loadPack loads the rule pack in rules/ with its configuration.
func loadPack(t *testing.T) (*sigforge.Set, *config.Config) {
	t.Helper()
	return backendtest.LoadPack(t)
}

// TestPackGolden compiles every rule of the pack; the EQL (or the reason
// the rule cannot be expressed) is the golden file testdata/pack.golden.
func TestPackGolden(t *testing.T) {
	set, cfg := loadPack(t)
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
		_, err = b.Prepare(o)
		require.NoError(t, err, "compiled EQL of %s must parse:\n%s", r.File, o.Text)
		out.WriteString(o.Text + "\n")
	}
	golden.Check(t, "testdata/pack.golden", []byte(out.String()))
}

// TestPackFixtures runs the compiled EQL of every rule on its fixtures, as
// `sigforge test --target eql` does.
func TestPackFixtures(t *testing.T) {
	set, cfg := loadPack(t)
	b, err := New(cfg)
	require.NoError(t, err)
	backendtest.RunPackFixtures(t, b, set.Rules)
}
