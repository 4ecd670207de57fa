package cloudwatch

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sigforge/sigforge/backends/backendtest"
)

// TestPackGolden compiles every rule of the pack in every form; the output
// (or the reason a rule cannot be expressed) is testdata/pack.<format>.golden,
// and every compiled text reads back through Prepare.
func TestPackGolden(t *testing.T) {
	set, cfg := backendtest.LoadPack(t)
	for _, format := range Formats() {
		t.Run(format, func(t *testing.T) {
			b, err := New(cfg, Format(format))
			require.NoError(t, err)
			backendtest.Listing{Header: backendtest.FileHeader("###"), Blank: true, Prepare: true}.
				Check(t, "testdata/pack."+format+".golden", b, set.Rules)
		})
	}
}

// TestPackFixtures runs the compiled filters and alarm of every rule on its
// fixtures, as `sigforge test --target cloudwatch` does, in every form.
func TestPackFixtures(t *testing.T) {
	set, cfg := backendtest.LoadPack(t)
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
