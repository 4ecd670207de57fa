package eval_test

import (
	"testing"

	"github.com/sigforge/sigforge/compiler"
	"github.com/sigforge/sigforge/compiler/corpus"
	"github.com/sigforge/sigforge/compiler/eval"
)

// TestCompileSigmaHQ compiles every SigmaHQ rule that loads into an
// evaluator: the only acceptable failures are regular expressions outside
// RE2 (PCRE lookarounds and backreferences), which are listed.
func TestCompileSigmaHQ(t *testing.T) {
	dir := corpus.Dir(t, "sigmahq-rules")
	set, _ := compiler.Load([]string{dir}, compiler.Options{})
	ok, failed := 0, 0
	for _, r := range set.Rules {
		var err error
		if r.IsCorrelation() {
			_, err = eval.CompileCorrelation(r)
		} else {
			_, err = eval.Compile(r)
		}
		if err != nil {
			failed++
			t.Logf("%v", err)
			continue
		}
		ok++
	}
	t.Logf("%d of %d loaded rules compile into an evaluator", ok, ok+failed)
	if failed*100 > ok+failed {
		t.Errorf("%d of %d rules do not compile", failed, ok+failed)
	}
}
