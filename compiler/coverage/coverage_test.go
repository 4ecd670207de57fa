package coverage_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sigforge/sigforge/backends"
	"github.com/sigforge/sigforge/backends/all"
	"github.com/sigforge/sigforge/compiler"
	"github.com/sigforge/sigforge/compiler/attack"
	"github.com/sigforge/sigforge/compiler/config"
	"github.com/sigforge/sigforge/compiler/coverage"
	"github.com/sigforge/sigforge/compiler/golden"
	"github.com/sigforge/sigforge/compiler/internal/schematest"
	"github.com/sigforge/sigforge/compiler/ir"
)

// picky expresses only rules whose title it is told.
type picky struct {
	name string
	ok   map[string]bool
}

func (p picky) Name() string { return p.name }
func (p picky) Compile(r *ir.Rule) (backends.Output, error) {
	if !p.ok[r.Title] {
		return backends.Output{}, &backends.Unsupported{Target: p.name, Construct: "test"}
	}
	return backends.Output{Rule: r, Text: r.Title}, nil
}

func rule(title string, tags ...string) *ir.Rule {
	return &ir.Rule{Title: title, File: "rules/" + title + ".yml", Tags: tags, Meta: ir.Meta{Threat: attack.Threat(tags)}}
}

func TestCompute(t *testing.T) {
	rules := []*ir.Rule{
		rule("a", "attack.impact", "attack.t1485"),
		rule("b", "attack.impact", "attack.t1485", "attack.defense-evasion", "attack.t1578.003"),
		rule("c", "attack.exfiltration", "attack.t1537"),
		rule("d", "attack.impact"), // a tactic alone covers no technique
	}
	all := picky{"all", map[string]bool{"a": true, "b": true, "c": true, "d": true}}
	some := picky{"some", map[string]bool{"a": true}}
	rep := coverage.Compute(rules, []backends.Backend{all, some})

	type row struct {
		tactic, id string
		rules      int
		all, some  int
		expand     bool
	}
	var got []row
	for _, e := range rep.Entries {
		got = append(got, row{e.Tactic, e.ID, len(e.Rules), e.Targets["all"], e.Targets["some"], e.Expand})
	}
	assert.Equal(t, []row{
		{"defense-evasion", "T1578", 0, 0, 0, true}, // only its sub-technique is tagged
		{"defense-evasion", "T1578.003", 1, 1, 0, false},
		{"exfiltration", "T1537", 1, 1, 0, false},
		{"impact", "T1485", 2, 2, 1, false}, // "some" cannot express b
	}, got)
	require.Len(t, rep.Untagged, 1)
	assert.Equal(t, "d", rep.Untagged[0].Title)

	var buf bytes.Buffer
	require.NoError(t, rep.WriteLayer(&buf, "test"))
	require.NoError(t, schematest.ValidateJSON(schematest.NavigatorLayer, buf.Bytes()))
	golden.Check(t, "testdata/small.layer.json", buf.Bytes())
	buf.Reset()
	require.NoError(t, rep.WriteMarkdown(&buf))
	golden.Check(t, "testdata/small.md", buf.Bytes())
}

func TestEmptyLayerIsValid(t *testing.T) {
	rep := coverage.Compute(nil, nil)
	var buf bytes.Buffer
	require.NoError(t, rep.WriteLayer(&buf, "empty"))
	require.NoError(t, schematest.ValidateJSON(schematest.NavigatorLayer, buf.Bytes()))
}

// TestPack is `sigforge coverage rules`: the layer of the bundled pack is
// accepted by the Navigator's layer schema. (No golden file: its target
// columns follow backends/all, which grows.)
func TestPack(t *testing.T) {
	cfg, err := config.Find("../../rules")
	require.NoError(t, err)
	set, ds := compiler.Load([]string{"../../rules"}, compiler.Options{Strict: true, Config: cfg})
	require.Empty(t, ds.Errors())
	targets, err := all.Targets(cfg)
	require.NoError(t, err)
	rep := coverage.Compute(set.Rules, targets)
	require.NotEmpty(t, rep.Entries)

	var buf bytes.Buffer
	require.NoError(t, rep.WriteLayer(&buf, "sigforge RDS pack"))
	require.NoError(t, schematest.ValidateJSON(schematest.NavigatorLayer, buf.Bytes()))

	// Every scored technique lists its rules; gradient spans the scores.
	var l struct {
		Techniques []struct {
			TechniqueID string
			Score       *int
			Comment     string
		}
		Gradient struct{ MinValue, MaxValue int }
	}
	require.NoError(t, json.Unmarshal(buf.Bytes(), &l))
	for _, te := range l.Techniques {
		if te.Score != nil {
			assert.Contains(t, te.Comment, "rules/", te.TechniqueID)
			assert.LessOrEqual(t, *te.Score, l.Gradient.MaxValue)
		}
	}
	assert.Greater(t, l.Gradient.MaxValue, l.Gradient.MinValue)

	// Counts are consistent: sigma (Sigma itself) expresses every rule, no
	// target more rules than the technique has.
	for _, e := range rep.Entries {
		for target, n := range e.Targets {
			assert.LessOrEqual(t, n, len(e.Rules), "%s %s", e.ID, target)
		}
		assert.Equal(t, len(e.Rules), e.Targets["sigma"], e.ID)
	}
	buf.Reset()
	require.NoError(t, rep.WriteMarkdown(&buf))
	for _, e := range rep.Entries {
		if len(e.Rules) > 0 {
			assert.Contains(t, buf.String(), "| "+e.ID+" ")
		}
	}
}
