package backends

import (
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/sigforge/sigforge/compiler/ir"
)

// Result is one rule compiled for one target: its output, or the error
// (an *Unsupported when the target cannot express the rule).
type Result struct {
	Output Output
	Err    error
}

// CompileAll compiles every rule for t on up to GOMAXPROCS goroutines;
// result i is rule i's, so the order does not depend on the scheduling.
// Compile of every target must therefore be safe for concurrent use: the
// targets keep no state between rules (backends/all's tests run the pack
// through CompileAll beside a plain loop; run them with -race after
// changing a target).
func CompileAll(t Backend, rules []*ir.Rule) []Result {
	out := make([]Result, len(rules))
	compile := func(i int) {
		o, err := t.Compile(rules[i])
		out[i] = Result{Output: o, Err: err}
	}
	workers := min(runtime.GOMAXPROCS(0), len(rules))
	if workers <= 1 {
		for i := range rules {
			compile(i)
		}
		return out
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < len(rules); i = int(next.Add(1)) - 1 {
				compile(i)
			}
		})
	}
	wg.Wait()
	return out
}
