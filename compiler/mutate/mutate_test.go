package mutate

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sigforge/sigforge/backends"
	"github.com/sigforge/sigforge/backends/all"
	"github.com/sigforge/sigforge/compiler"
	"github.com/sigforge/sigforge/compiler/config"
	"github.com/sigforge/sigforge/compiler/harness"
	"github.com/sigforge/sigforge/compiler/ir"
)

func loadOne(t *testing.T, dir string) *ir.Rule {
	t.Helper()
	set, ds := compiler.Load([]string{dir}, compiler.Options{})
	require.False(t, ds.HasErrors(), "%v", ds)
	require.Len(t, set.Rules, 1)
	return set.Rules[0]
}

func operators(ms []Mutant) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Operator+": "+m.Change)
	}
	return out
}

func TestPlantedLooseRuleIsCaught(t *testing.T) {
	loose := loadOne(t, "testdata/loose/rules")
	rep, err := Run(loose, "testdata/fixtures/made_public", Options{})
	require.NoError(t, err)
	surv := rep.Survivors()
	require.Len(t, surv, 1, "%v", operators(rep.Mutants))
	assert.Equal(t, OpFailedCall, surv[0].Operator)
	assert.True(t, surv[0].Native)

	var b bytes.Buffer
	require.NoError(t, WriteText(&b, []*Report{rep}))
	assert.Contains(t, b.String(), "SURVIVES failed-call")
	assert.Contains(t, b.String(), "1 surviving")
}

func TestCorrectRuleHasNoSurvivors(t *testing.T) {
	r := loadOne(t, "testdata/rules")
	rep, err := Run(r, "testdata/fixtures/made_public", Options{})
	require.NoError(t, err)
	assert.Empty(t, rep.Survivors())
	got := operators(rep.Mutants)
	for _, want := range []string{
		`flip: eventSource: "rds.amazonaws.com" → "ec2.amazonaws.com"`,
		`flip: eventName: "ModifyDBInstance" → "DescribeDBInstances"`,
		`flip: requestParameters.publiclyAccessible: true → false`,
		`flip: errorCode: "AccessDenied" set (was absent)`,
		`failed-call: errorCode: AccessDenied added (the call was denied)`,
		`other-service: eventSource: rds.amazonaws.com → ec2.amazonaws.com`,
	} {
		assert.Contains(t, got, want)
	}
	// A flip of the other-service kind and the flip of eventSource are the
	// same event but different operators: both are kept.
	for _, m := range rep.Mutants {
		assert.False(t, m.Native, m.Name)
	}
}

func TestTargetsAgreeOnMutants(t *testing.T) {
	r := loadOne(t, "testdata/rules")
	targets, err := all.Targets(&config.Config{})
	require.NoError(t, err)
	var chosen []backends.Backend
	for _, tg := range targets {
		switch tg.Name() {
		case "sigma", "kql", "falco", "cloudwatch":
			chosen = append(chosen, tg)
		}
	}
	rep, err := Run(r, "testdata/fixtures/made_public", Options{Targets: chosen})
	require.NoError(t, err)
	assert.Empty(t, rep.Disagreements())
	for _, m := range rep.Mutants {
		require.Len(t, m.Targets, len(chosen))
	}
}

func TestStreamMutants(t *testing.T) {
	cfg, err := config.Find("../../rules")
	require.NoError(t, err)
	set, ds := compiler.Load([]string{"../../rules/aws_rds_api_call_denied.yml", "../../rules/aws_rds_api_calls_denied_burst.yml"}, compiler.Options{Config: cfg})
	require.False(t, ds.HasErrors(), "%v", ds)
	var burst *ir.Rule
	for _, r := range set.Rules {
		if r.IsCorrelation() {
			burst = r
		}
	}
	require.NotNil(t, burst)
	rep, err := Run(burst, "../../fixtures/aws_rds_api_calls_denied_burst", Options{})
	require.NoError(t, err)
	ops := map[string]bool{}
	for _, m := range rep.Mutants {
		ops[m.Operator] = true
	}
	assert.True(t, ops[OpSplitPrincipals])
	assert.True(t, ops[OpSpreadWindow])
	assert.True(t, ops[OpFlip])
	assert.Empty(t, rep.Survivors())
}

// TestNoSurvivorOnThePack runs every pack rule's mutants natively and, unless
// -short, on every target: no mutant survives and no target disagrees.
func TestNoSurvivorOnThePack(t *testing.T) {
	cfg, err := config.Find("../../rules")
	require.NoError(t, err)
	set, _ := compiler.Load([]string{"../../rules"}, compiler.Options{Config: cfg})
	require.NotEmpty(t, set.Rules)
	var targets []backends.Backend
	if !testing.Short() {
		targets, err = all.Targets(cfg)
		require.NoError(t, err)
	}
	total := 0
	for _, r := range harness.Tested(set.Rules) {
		dir := filepath.Join("../../fixtures", harness.Key(r))
		if _, err := os.Stat(dir); err != nil {
			continue // a rule whose fixtures are still being written
		}
		rep, err := Run(r, dir, Options{Targets: targets})
		require.NoError(t, err, r.File)
		total += len(rep.Mutants)
		for _, m := range rep.Survivors() {
			t.Errorf("%s: mutant %s survives: %s %s", rep.Rule, m.Name, m.Change, m.Condition)
		}
		for _, m := range rep.Disagreements() {
			t.Errorf("%s: targets %v disagree with the native evaluator on mutant %s: %s", rep.Rule, m.Disagree, m.Name, m.Change)
		}
	}
	assert.Greater(t, total, 100)
}

func TestWrite(t *testing.T) {
	r := loadOne(t, "testdata/rules")
	rep, err := Run(r, "testdata/fixtures/made_public", Options{})
	require.NoError(t, err)
	require.NotEmpty(t, rep.Mutants)
	dir := t.TempDir()
	path, err := Write(dir, rep.Mutants[0])
	require.NoError(t, err)
	evs, err := harness.ReadFile(path)
	require.NoError(t, err)
	require.Len(t, evs, 1)
	prov, err := os.ReadFile(path + ".provenance.yml")
	require.NoError(t, err)
	assert.Contains(t, string(prov), "kind: generated")
	_, err = Write(dir, rep.Mutants[0])
	require.Error(t, err, "never overwrites")
}

func TestFieldHelpers(t *testing.T) {
	f := map[string]any{"a": []any{map[string]any{"b": "x"}, map[string]any{"b": "y"}}, "m": "DROP table t"}
	g := clone(f)
	require.True(t, setPath(g, "a.b", "z"))
	assert.Equal(t, "x", f["a"].([]any)[0].(map[string]any)["b"], "clone is deep")
	assert.Equal(t, "z", g["a"].([]any)[1].(map[string]any)["b"])
	require.True(t, setPath(g, "new.deep", 3.0))
	assert.EqualValues(t, "3", g["new"].(map[string]any)["deep"])
	require.True(t, removePath(g, "a.b"))
	assert.False(t, removePath(g, "nope.x"))
	require.True(t, stripText(g, "drop TABLE"))
	assert.Equal(t, "  t", g["m"])
}
