package kql

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sigforge/sigforge/backends/backendtest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/tools/txtar"

	"github.com/sigforge/sigforge/backends"
	sigforge "github.com/sigforge/sigforge/compiler"
	"github.com/sigforge/sigforge/compiler/config"
	"github.com/sigforge/sigforge/compiler/golden"
)

// compileAll compiles every rule and renders the KQL, or the refusal, one
// rule per block; every emitted query must parse with our KQL parser.
func compileAll(t *testing.T, b *Backend, set *sigforge.Set, header func(string, string) string) string {
	t.Helper()
	var out strings.Builder
	for _, r := range set.Rules {
		out.WriteString(header(r.File, r.Title))
		o, err := b.Compile(r)
		var u *backends.Unsupported
		switch {
		case errors.As(err, &u):
			out.WriteString("unsupported: " + u.Error() + "\n\n")
			continue
		case err != nil:
			t.Fatalf("%s: %v", r.Title, err)
		}
		_, err = b.Prepare(o)
		require.NoError(t, err, "compiled KQL must parse:\n%s", o.Text)
		out.WriteString(o.Text + "\n")
	}
	return out.String()
}

// configFromArchive reads an optional sigforge.yml section.
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

// TestEdgeGolden compiles the edge-case rules of testdata/edge/*.txtar
// (escaping, wildcards, lists, not, null, exists, regex, cidr, numbers,
// keywords, case, parameters, correlations).
func TestEdgeGolden(t *testing.T) {
	golden.RunTxtar(t, "testdata/edge/*.txtar", func(t *testing.T, a *txtar.Archive) map[string]string {
		b, err := New(configFromArchive(t, a))
		require.NoError(t, err)
		src, ok := golden.Section(a, "rule.yml")
		require.True(t, ok, "no rule.yml section")
		set, diags := sigforge.Parse("rule.yml", src, sigforge.Options{})
		require.False(t, diags.HasErrors(), "%v", diags)
		return map[string]string{"kql": compileAll(t, b, set, func(_, title string) string { return "# " + title + "\n" })}
	})
}

func loadPack(t *testing.T) (*sigforge.Set, *config.Config) {
	t.Helper()
	return backendtest.LoadPack(t)
}

// TestPackGolden compiles every rule of the pack; the KQL (or why a rule
// cannot be expressed) is testdata/pack.golden.
func TestPackGolden(t *testing.T) {
	set, cfg := loadPack(t)
	b, err := New(cfg)
	require.NoError(t, err)
	out := compileAll(t, b, set, func(file, title string) string { return "# " + filepath.Base(file) + ": " + title + "\n" })
	golden.Check(t, "testdata/pack.golden", []byte(out))
}

// TestPackFixtures runs the compiled KQL of every rule on its fixtures, as
// `sigforge test --target kql` does.
func TestPackFixtures(t *testing.T) {
	set, cfg := loadPack(t)
	b, err := New(cfg)
	require.NoError(t, err)
	sum := backendtest.RunPackFixtures(t, b, set.Rules)
	assert.Positive(t, sum.Passed)
}

func TestNewRejectsBadCase(t *testing.T) {
	path := filepath.Join(t.TempDir(), config.FileName)
	require.NoError(t, os.WriteFile(path, []byte("targets:\n  kql:\n    case: loose\n"), 0o644))
	cfg, err := config.Load(path)
	require.NoError(t, err)
	_, err = New(cfg)
	require.ErrorContains(t, err, `targets.kql.case: "loose" is not one of refuse, exact`)
}
