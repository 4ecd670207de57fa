package all_test

import (
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sigforge/sigforge/backends"
	"github.com/sigforge/sigforge/backends/all"
	"github.com/sigforge/sigforge/backends/backendtest"
)

// TestCompileAllMatchesOneByOne compiles the pack for every target with
// backends.CompileAll (several goroutines at once) and one rule at a time:
// the results must be the same, in the same order. Run with -race after
// changing a target: Compile must be safe for concurrent use.
func TestCompileAllMatchesOneByOne(t *testing.T) {
	if runtime.GOMAXPROCS(0) < 2 {
		runtime.GOMAXPROCS(2) // CompileAll runs one by one on one proc
	}
	set, cfg := backendtest.LoadPack(t)
	targets, err := all.Targets(cfg)
	require.NoError(t, err)
	names := map[string]bool{}
	for _, tg := range targets {
		names[tg.Name()] = true
		got := backends.CompileAll(tg, set.Rules)
		require.Len(t, got, len(set.Rules))
		compiled := 0
		for i, r := range set.Rules {
			o, err := tg.Compile(r)
			want := backends.Result{Output: o, Err: err}
			if err != nil {
				assert.EqualError(t, got[i].Err, err.Error(), "%s: %s", tg.Name(), r.File)
				continue
			}
			compiled++
			assert.Equal(t, want, got[i], "%s: %s", tg.Name(), r.File)
		}
		assert.Positive(t, compiled, "%s compiled no pack rule", tg.Name())
	}
	assert.Len(t, names, len(targets), "target names are unique")
}
