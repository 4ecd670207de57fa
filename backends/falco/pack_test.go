package falco

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sigforge/sigforge/backends/backendtest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sigforge/sigforge/backends"
	sigforge "github.com/sigforge/sigforge/compiler"
	"github.com/sigforge/sigforge/compiler/config"
	"github.com/sigforge/sigforge/compiler/golden"
	fq "github.com/sigforge/sigforge/compiler/query/falco"
)

// loadPack loads the rule pack in rules/ with its configuration.
func loadPack(t *testing.T) (*sigforge.Set, *config.Config) {
	t.Helper()
	return backendtest.LoadPack(t)
}

// TestPackGolden compiles the pack into one rules file (testdata/pack.yaml)
// and lists the rules Falco cannot express, with the reason
// (testdata/pack_unsupported.txt). The file must load in the evaluator on
// the configured engine version.
func TestPackGolden(t *testing.T) {
	set, cfg := loadPack(t)
	b, err := New(cfg)
	require.NoError(t, err)
	var outs []backends.Output
	var refused strings.Builder
	for _, r := range set.Rules {
		o, err := b.Compile(r)
		var u *backends.Unsupported
		switch {
		case errors.As(err, &u):
			refused.WriteString(filepath.Base(r.File) + ": " + u.Construct + ": " + u.Reason + "\n")
			continue
		case err != nil:
			t.Fatalf("%s: %v", r.File, err)
		}
		_, err = b.Prepare(o)
		require.NoError(t, err, "compiled rule of %s must load:\n%s", r.File, o.Text)
		outs = append(outs, o)
	}
	bundle, err := b.Bundle(outs)
	require.NoError(t, err)
	rs, err := fq.Load("pack.yaml", []byte(bundle.Text), fq.LoadOptions{Engine: b.engine})
	require.NoError(t, err, bundle.Text)
	assert.Empty(t, rs.Warnings)
	assert.Len(t, rs.Rules, len(outs))
	golden.Check(t, "testdata/pack.yaml", []byte(bundle.Text))
	golden.Check(t, "testdata/pack_unsupported.txt", []byte(refused.String()))
}

// TestPackFixtures runs the compiled rules on the pack's fixtures, as
// `sigforge test --target falco` does.
func TestPackFixtures(t *testing.T) {
	set, cfg := loadPack(t)
	b, err := New(cfg)
	require.NoError(t, err)
	backendtest.RunPackFixtures(t, b, set.Rules)
}
