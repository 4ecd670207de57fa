package falco

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/tools/txtar"

	"github.com/sigforge/sigforge/backends"
	"github.com/sigforge/sigforge/backends/backendtest"
	"github.com/sigforge/sigforge/compiler/config"
	"github.com/sigforge/sigforge/compiler/eval"
	"github.com/sigforge/sigforge/compiler/event"
	"github.com/sigforge/sigforge/compiler/golden"
	"github.com/sigforge/sigforge/compiler/harness"
	"github.com/sigforge/sigforge/compiler/ir"
)

// TestEdgeGolden compiles the edge-case rules of testdata/edge/*.txtar
// (case, wildcards and escaping, arrays, negation/null/exists, numbers,
// regex, cidr, refusals, old engines). Each archive holds rule.yml, an
// optional config.yml (the sigforge configuration) and an optional
// events.json. out/falco is the compiled text (or the refusal); out/verdicts
// says, per rule and event, whether the compiled Falco rule fires, and the
// test fails whenever that differs from sigforge's native evaluator on the
// Sigma rule: the translation must keep the Sigma semantics.
func TestEdgeGolden(t *testing.T) {
	golden.RunTxtar(t, "testdata/edge/*.txtar", func(t *testing.T, a *txtar.Archive) map[string]string {
		cfg := backendtest.EdgeConfig(t, a, "config.yml")
		if cfg == nil {
			cfg = config.Default()
		}
		b, err := New(cfg)
		require.NoError(t, err)
		rules := backendtest.EdgeRules(t, a, cfg)
		require.NotEmpty(t, rules)
		var evs []eventCase
		if data, ok := golden.Section(a, "events.json"); ok {
			list, err := harness.Parse("events.json", data)
			require.NoError(t, err)
			for i, ev := range list {
				evs = append(evs, eventCase{name: fmt.Sprintf("#%d %s", i, describe(ev.Fields)), ev: ev})
			}
		}
		var verdicts strings.Builder
		verdictsOf := func(t testing.TB, r *ir.Rule, o backends.Output) {
			q, err := b.Prepare(o)
			require.NoError(t, err, "compiled rule must load:\n%s", o.Text)
			if len(evs) == 0 {
				return
			}
			native, err := eval.Compile(r)
			require.NoError(t, err)
			verdicts.WriteString("# " + r.Title + "\n")
			for _, e := range evs {
				got, err := q.Fires([]event.Event{e.ev})
				require.NoError(t, err, e.name)
				want := native.Match(e.ev)
				if got != want {
					t.Errorf("%s: %s: Falco %s, Sigma %s\n%s", r.Title, e.name, verdict(got), verdict(want), o.Text)
				}
				verdicts.WriteString(verdict(got) + "  " + e.name + "\n")
			}
		}
		out := backendtest.Listing{Header: backendtest.TitleHeader("#"), Position: true, Verify: verdictsOf}.Render(t, b, rules)
		res := map[string]string{"falco": out}
		if len(evs) > 0 {
			res["verdicts"] = verdicts.String()
		}
		return res
	})
}

type eventCase struct {
	name string
	ev   event.Event
}

// describe names an event by its "_case" key (which no rule reads), else
// by its eventName.
func describe(f map[string]any) string {
	if s, ok := f["_case"].(string); ok {
		return s
	}
	s, _ := f["eventName"].(string)
	return s
}

func verdict(fires bool) string {
	if fires {
		return "fires"
	}
	return "quiet"
}

// TestEdgeBundle bundles every compiled rule of the edge cases of one
// archive into one file, which must load: rules of one file get distinct
// list and macro names.
func TestEdgeBundle(t *testing.T) {
	b, err := New(nil)
	require.NoError(t, err)
	a, err := txtar.ParseFile("testdata/edge/arrays.txtar")
	require.NoError(t, err)
	var outs []backends.Output
	for _, r := range backendtest.EdgeRules(t, a, nil) {
		// A copy of each rule (same file, title and lists, another id)
		// makes the names collide on purpose.
		twin := *r
		twin.ID = r.ID[:len(r.ID)-1] + "f"
		for _, rr := range []*ir.Rule{r, &twin} {
			o, err := b.Compile(rr)
			if err != nil {
				continue
			}
			outs = append(outs, o)
		}
	}
	require.NotEmpty(t, outs)
	bundle, err := b.Bundle(outs)
	require.NoError(t, err)
	q, err := b.Prepare(bundle)
	require.NoError(t, err, bundle.Text)
	require.NotNil(t, q)
	require.Contains(t, bundle.Text, "- macro: rule_2_valuestoadd_present")
}
