package cloudwatch

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
	"golang.org/x/tools/txtar"

	"github.com/sigforge/sigforge/backends"
	"github.com/sigforge/sigforge/backends/backendtest"
	"github.com/sigforge/sigforge/compiler/config"
	"github.com/sigforge/sigforge/compiler/event"
	"github.com/sigforge/sigforge/compiler/golden"
	"github.com/sigforge/sigforge/compiler/harness"
	"github.com/sigforge/sigforge/compiler/ir"
)

// edgeConfig reads the optional config.yml section: the targets.cloudwatch
// options of the case.
func edgeConfig(t *testing.T, a *txtar.Archive) *config.Config {
	t.Helper()
	src, ok := golden.Section(a, "config.yml")
	if !ok {
		return nil
	}
	var node yaml.Node
	require.NoError(t, yaml.Unmarshal(src, &node))
	return &config.Config{Path: "config.yml", Targets: map[string]yaml.Node{Name: *node.Content[0]}}
}

func edgeEvents(t *testing.T, a *txtar.Archive, name string) []event.Event {
	t.Helper()
	src, ok := golden.Section(a, name)
	if !ok {
		return nil
	}
	evs, err := harness.Parse(name, src)
	require.NoError(t, err)
	slices.SortStableFunc(evs, func(x, y event.Event) int { return x.Time.Compare(y.Time) })
	return evs
}

// TestEdgeGolden compiles the edge-case rules of testdata/edge/*.txtar in
// every form (out/<format>); every compiled text must read back through
// Prepare, and, when the case has positive.ndjson / negative.ndjson
// sections, must fire on the first and stay quiet on the second in every
// form.
func TestEdgeGolden(t *testing.T) {
	golden.RunTxtar(t, "testdata/edge/*.txtar", func(t *testing.T, a *txtar.Archive) map[string]string {
		cfg := edgeConfig(t, a)
		rules := harness.Tested(backendtest.EdgeRules(t, a, cfg))
		positive, negative := edgeEvents(t, a, "positive.ndjson"), edgeEvents(t, a, "negative.ndjson")
		outs := map[string]string{}
		for _, format := range Formats() {
			b, err := New(cfg, Format(format))
			require.NoError(t, err)
			verdicts := func(t testing.TB, r *ir.Rule, o backends.Output) {
				q, err := b.Prepare(o)
				require.NoError(t, err, "compiled %s must read back:\n%s", format, o.Text)
				if positive != nil {
					fired, err := q.Fires(positive)
					require.NoError(t, err)
					require.True(t, fired, "%s (%s) did not fire on positive.ndjson:\n%s", r.Title, format, o.Text)
				}
				if negative != nil {
					fired, err := q.Fires(negative)
					require.NoError(t, err)
					require.False(t, fired, "%s (%s) fired on negative.ndjson:\n%s", r.Title, format, o.Text)
				}
			}
			outs[format] = backendtest.Listing{Header: backendtest.TitleHeader("###"), Position: true, Verify: verdicts}.Render(t, b, rules)
		}
		return outs
	})
}
