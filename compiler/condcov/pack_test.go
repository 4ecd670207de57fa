package condcov

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sigforge/sigforge/compiler"
	"github.com/sigforge/sigforge/compiler/config"
)

// TestPackFullConditionCoverage keeps every pack rule at full condition
// coverage (a rule whose fixture folder does not exist yet is the fixture
// harness's business: it fails there).
func TestPackFullConditionCoverage(t *testing.T) {
	cfg, err := config.Find("../../rules")
	require.NoError(t, err)
	set, ds := compiler.Load([]string{"../../rules"}, compiler.Options{Config: cfg})
	require.False(t, ds.HasErrors(), "%v", ds)
	rep := Measure(set.Rules, "../../fixtures")
	require.NotEmpty(t, rep.Rules)
	for _, rc := range rep.Rules {
		if _, err := os.Stat(filepath.Join("../../fixtures", rc.Rule)); err != nil {
			continue
		}
		assert.Empty(t, rc.Error, rc.Rule)
		for _, it := range rc.Items {
			if !it.Covered {
				t.Errorf("%s: %s: %s %s %s is not covered (needs a %s fixture)", rc.Rule, it.Pos, it.Kind, it.Condition, it.Value, it.Needs)
			}
		}
	}
}
