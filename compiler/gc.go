package compiler

import (
	"os"
	"runtime/debug"
)

// OneShotMemoryLimit is the heap size at which OneShotGC's collector runs.
const OneShotMemoryLimit = 1 << 30

// OneShotGC sets the garbage collector for a process that loads a rule set,
// checks or compiles it, reports and exits (sigforge validate, compile,
// test, export, push, coverage): no collection until the heap nears
// OneShotMemoryLimit, as esbuild does for one-shot builds. Loading and
// compiling allocate about 20 bytes per byte of YAML, and the default
// collector spends about a third of the CPU time of loading SigmaHQ on
// collecting it (docs/performance.md); one pass over SigmaHQ's 3,141 rules
// allocates about 100 MB. Streaming commands (scan, hunt) keep the default.
// GOGC or GOMEMLIMIT in the environment take precedence. The returned
// function restores the previous settings.
func OneShotGC() (restore func()) {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return func() {}
	}
	percent := debug.SetGCPercent(-1)
	limit := debug.SetMemoryLimit(OneShotMemoryLimit)
	return func() {
		debug.SetMemoryLimit(limit)
		debug.SetGCPercent(percent)
	}
}
