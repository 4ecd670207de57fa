package eql

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
	"github.com/sigforge/sigforge/compiler/harness"
)

// loadPack loads the rule pack in rules/ with its configuration.
func loadPack(t *testing.T) (*sigforge.Set, *config.Config) {
	t.Helper()
	dir := filepath.Join(corpus.Root(), "rules")
	cfg, err := config.Find(dir)
	require.NoError(t, err)
	set, diags := sigforge.Load([]string{dir}, sigforge.Options{Config: cfg})
	require.False(t, diags.HasErrors(), "%v", diags)
	require.NotEmpty(t, set.Rules)
	return set, cfg
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
	rn := harness.Runner{Targets: []backends.Backend{b}, FixturesDir: filepath.Join(corpus.Root(), "fixtures")}
	sum := rn.Run(set.Rules)
	for _, r := range sum.Results {
		switch r.Status {
		case harness.Fail:
			t.Errorf("%s: %s", r.Rule, r.Reason)
			for _, f := range r.Failures() {
				t.Errorf("  %s (%s): %s", f.Path, f.Kind, f.Reason)
			}
		case harness.Skip:
			t.Logf("skipped %s: %s", r.Rule, r.Reason)
		}
	}
	t.Logf("eql: %d passed, %d failed, %d skipped", sum.Passed, sum.Failed, sum.Skipped)
}
