package docgen

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sigforge/sigforge/backends"
	"github.com/sigforge/sigforge/backends/all"
	"github.com/sigforge/sigforge/compiler"
	"github.com/sigforge/sigforge/compiler/config"
	"github.com/sigforge/sigforge/compiler/coverage"
	"github.com/sigforge/sigforge/compiler/golden"
	"github.com/sigforge/sigforge/compiler/harness"
	"github.com/sigforge/sigforge/compiler/validate"
)

func targets(t *testing.T) []backends.Backend {
	ts, err := all.Targets(nil)
	require.NoError(t, err)
	return ts
}

// TestProbesAreValidSigma: every probe loads without a problem, so a ✗ in
// the matrix is the target's refusal, never a broken probe.
func TestProbesAreValidSigma(t *testing.T) {
	for _, p := range Probes {
		_, err := load(p.Rule, nil)
		assert.NoError(t, err, p.Feature)
	}
}

// TestDocsAreCurrent keeps the generated pages under docs/ in step with
// the code.
func TestDocsAreCurrent(t *testing.T) {
	ts := targets(t)
	page, err := TargetsPage(ts, nil)
	require.NoError(t, err)
	golden.Check(t, "../../docs/targets.md", []byte(page))

	var picked []backends.Backend
	for _, tg := range ts {
		switch tg.Name() {
		case "eql", "falco", "cloudwatch":
			picked = append(picked, tg)
		}
	}
	page, err = FieldsPage(picked, nil)
	require.NoError(t, err)
	golden.Check(t, "../../docs/field-mapping.md", []byte(page))

	golden.Check(t, "../../docs/problem-codes.md", []byte(CodesPage()))

	cfg, err := config.Find("../../rules")
	require.NoError(t, err)
	set, ds := compiler.Load([]string{"../../rules"}, compiler.Options{Config: cfg})
	require.Empty(t, ds.Errors())
	withCfg, err := all.Targets(cfg)
	require.NoError(t, err)
	var buf bytes.Buffer
	require.NoError(t, coverage.Compute(set.Rules, withCfg).WriteMarkdown(&buf))
	golden.Check(t, "../../docs/coverage.md", append([]byte(generated), buf.Bytes()...))
}

func TestMatrixSigmaExpressesEverything(t *testing.T) {
	ts := targets(t)
	m, err := Matrix(ts, nil)
	require.NoError(t, err)
	for j, tg := range ts {
		if tg.Name() != "sigma" {
			continue
		}
		for i := range Probes {
			assert.True(t, m[i][j].OK, "sigma target refuses %s: %s", Probes[i].Feature, m[i][j].Reason)
		}
	}
}

func TestCodesPageListsEveryCode(t *testing.T) {
	page := CodesPage()
	for _, c := range append(validate.Codes, harness.FailureCodes...) {
		assert.Contains(t, page, "| "+c.ID+" | "+c.Name+" |")
	}
	assert.Contains(t, page, "| SF300 |")
}

func TestMarkdownEscaping(t *testing.T) {
	assert.Equal(t, "`a \\| b`", code("a | b"))
	assert.Equal(t, "a \\| b &lt;x&gt;", mdEscape("a | b <x>"))
	assert.True(t, strings.HasSuffix(code(strings.Repeat("x", 200)), "...`"))
}
