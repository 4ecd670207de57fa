package compiler_test

import (
	"runtime/debug"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/sigforge/sigforge/compiler"
)

// gcSettings reads the GC percent and memory limit without changing them.
func gcSettings() (int, int64) {
	percent := debug.SetGCPercent(100)
	debug.SetGCPercent(percent)
	return percent, debug.SetMemoryLimit(-1)
}

func TestOneShotGC(t *testing.T) {
	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "")
	percent, limit := gcSettings()
	restore := compiler.OneShotGC()
	p, l := gcSettings()
	assert.Equal(t, -1, p, "collection off")
	assert.Equal(t, int64(compiler.OneShotMemoryLimit), l)
	restore()
	p, l = gcSettings()
	assert.Equal(t, percent, p)
	assert.Equal(t, limit, l)
}

func TestOneShotGCLeavesTheEnvironmentsChoice(t *testing.T) {
	t.Setenv("GOGC", "200")
	percent, limit := gcSettings()
	restore := compiler.OneShotGC()
	p, l := gcSettings()
	assert.Equal(t, percent, p)
	assert.Equal(t, limit, l)
	restore()
}
