package falco

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sigforge/sigforge/backends"
	"github.com/sigforge/sigforge/backends/backendtest"
	"github.com/sigforge/sigforge/compiler/golden"
	"github.com/sigforge/sigforge/compiler/ir"
	fq "github.com/sigforge/sigforge/compiler/query/falco"
)

// TestPackGolden compiles the pack into one rules file (testdata/pack.yaml)
// and lists the rules Falco cannot express, with the reason
// (testdata/pack_unsupported.txt). The file must load in the evaluator on
// the configured engine version.
func TestPackGolden(t *testing.T) {
	set, cfg := backendtest.LoadPack(t)
	b, err := New(cfg)
	require.NoError(t, err)
	outs, refused := backendtest.CompileEach(t, b, set.Rules, func(t testing.TB, r *ir.Rule, o backends.Output) {
		_, err := b.Prepare(o)
		require.NoError(t, err, "compiled rule of %s must load:\n%s", r.File, o.Text)
	})
	bundle, err := b.Bundle(outs)
	require.NoError(t, err)
	rs, err := fq.Load("pack.yaml", []byte(bundle.Text), fq.LoadOptions{Engine: b.engine})
	require.NoError(t, err, bundle.Text)
	assert.Empty(t, rs.Warnings)
	assert.Len(t, rs.Rules, len(outs))
	golden.Check(t, "testdata/pack.yaml", []byte(bundle.Text))
	golden.Check(t, "testdata/pack_unsupported.txt", []byte(refused))
}

// TestPackFixtures runs the compiled rules on the pack's fixtures, as
// `sigforge test --target falco` does.
func TestPackFixtures(t *testing.T) {
	set, cfg := backendtest.LoadPack(t)
	b, err := New(cfg)
	require.NoError(t, err)
	backendtest.RunPackFixtures(t, b, set.Rules)
}
