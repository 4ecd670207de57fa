package cloudwatch

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

// TestPackGolden compiles every rule of the pack in every form; the output
// (or the reason a rule cannot be expressed) is testdata/pack.<format>.golden,
// and every compiled text reads back through Prepare.
func TestPackGolden(t *testing.T) {
	set, cfg := loadPack(t)
	for _, format := range Formats() {
		t.Run(format, func(t *testing.T) {
			b, err := New(cfg, Format(format))
			require.NoError(t, err)
			var out strings.Builder
			for _, r := range set.Rules {
				out.WriteString("### " + filepath.Base(r.File) + ": " + r.Title + "\n")
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
				require.NoError(t, err, "compiled %s of %s must read back:\n%s", format, r.File, o.Text)
				out.WriteString(o.Text + "\n")
			}
			golden.Check(t, "testdata/pack."+format+".golden", []byte(out.String()))
		})
	}
}

// TestPackFixtures runs the compiled filters and alarm of every rule on its
// fixtures, as `sigforge test --target cloudwatch` does, in every form.
func TestPackFixtures(t *testing.T) {
	set, cfg := loadPack(t)
	variants := map[string][]Option{}
	for _, f := range Formats() {
		variants[f] = []Option{Format(f)}
	}
	// With the opt-in, the burst-by-principal correlation compiles too
	// (metric dimensions and a Metrics Insights alarm).
	optIn := func(o *Options) { o.GroupByDimensions = true }
	variants["json+group_by_dimensions"] = []Option{optIn}
	variants["terraform+group_by_dimensions"] = []Option{Format(FormatTerraform), optIn}
	for name, opts := range variants {
		t.Run(name, func(t *testing.T) {
			b, err := New(cfg, opts...)
			require.NoError(t, err)
			backendtest.RunPackFixtures(t, b, set.Rules)
		})
	}
}
