package cloudwatch

import (
	"encoding/json"
	"errors"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sigforge/sigforge/backends"
	"github.com/sigforge/sigforge/backends/backendtest"
	"github.com/sigforge/sigforge/compiler/corpus"
	"github.com/sigforge/sigforge/compiler/eval"
	"github.com/sigforge/sigforge/compiler/event"
	"github.com/sigforge/sigforge/compiler/harness"
	"github.com/sigforge/sigforge/compiler/ir"
)

// mutants derives near-miss events from an event: for every scalar leaf,
// the event without it, with it null, with another string, and with a
// number turned into its string form (and a numeric string into a number).
// Case is never changed: case-sensitivity is a documented difference.
func mutants(fields map[string]any) []map[string]any {
	var out []map[string]any
	var walk func(path []string, v any)
	walk = func(path []string, v any) {
		switch x := v.(type) {
		case map[string]any:
			keys := make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			for _, k := range keys {
				walk(append(slices.Clone(path), k), x[k])
			}
			return
		case []any:
			return // arrays are left alone: conditions check a bounded number of elements
		}
		if len(path) == 0 {
			return
		}
		set := func(nv any, del bool) {
			m := deepCopy(fields).(map[string]any)
			obj := m
			for _, k := range path[:len(path)-1] {
				obj = obj[k].(map[string]any)
			}
			if del {
				delete(obj, path[len(path)-1])
			} else {
				obj[path[len(path)-1]] = nv
			}
			out = append(out, m)
		}
		set(nil, true)
		set(nil, false)
		set("sigforge-mutant", false)
		switch x := v.(type) {
		case json.Number:
			set(x.String(), false)
		case string:
			if _, err := strconv.ParseFloat(x, 64); err == nil && numberText.MatchString(x) {
				set(json.Number(x), false)
			}
		}
	}
	walk(nil, fields)
	return out
}

func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		s := make([]any, len(x))
		for i, e := range x {
			s[i] = deepCopy(e)
		}
		return s
	}
	return v
}

// TestDifferentialAgainstNativeEvaluator runs every compiled CloudTrail
// detection rule of the pack and the native evaluator (compiler/eval, the
// reference semantics of the IR) on every fixture event and on its
// mutants; the verdicts must agree. The mutants never change case or
// arrays, where the target differs by design (docs/cloudwatch.md).
func TestDifferentialAgainstNativeEvaluator(t *testing.T) {
	set, cfg := backendtest.LoadPack(t)
	b, err := New(cfg)
	require.NoError(t, err)
	checked := 0
	for _, r := range harness.Tested(set.Rules) {
		if r.IsCorrelation() {
			continue
		}
		if kind, _ := logKind(r); kind != "json" {
			continue
		}
		out, err := b.Compile(r)
		var u *backends.Unsupported
		if errors.As(err, &u) {
			continue
		}
		require.NoError(t, err)
		q, err := b.Prepare(out)
		require.NoError(t, err)
		ev, err := eval.Compile(r)
		require.NoError(t, err)
		fixtures, err := harness.LoadDir(filepath.Join(corpus.Root(), "fixtures", harness.Key(r)))
		require.NoError(t, err)
		for _, f := range fixtures {
			for _, e := range f.Events {
				for i, m := range append([]map[string]any{e.Fields}, mutants(e.Fields)...) {
					one := []event.Event{event.New(m, e.Origin)}
					got, err := q.Fires(one)
					require.NoError(t, err)
					if want := ev.Fires(one); got != want {
						js, _ := json.Marshal(m)
						t.Errorf("%s, %s mutant %d: cloudwatch %v, native %v\n%s\npatterns: %s", harness.Key(r), f.Path, i, got, want, js,
							strings.Join(patternsOf(t, b, r), "\n  "))
					}
					checked++
				}
			}
		}
	}
	t.Logf("%d events compared", checked)
}

func patternsOf(t *testing.T, b *Backend, r any) []string {
	t.Helper()
	p, err := b.plan(r.(*ir.Rule))
	if err != nil {
		return []string{err.Error()}
	}
	var out []string
	for _, f := range p.Filters {
		out = append(out, f.Pattern)
	}
	return out
}
