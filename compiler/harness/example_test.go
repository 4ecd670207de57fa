package harness_test

import (
	"os"

	"github.com/sigforge/sigforge/backends"
	"github.com/sigforge/sigforge/backends/sigma"
	"github.com/sigforge/sigforge/compiler/harness"
	"github.com/sigforge/sigforge/compiler/ir"
)

// The runner checks a rule on testdata/fixtures/public_restore/ with the
// sigma target (the native evaluator).
func ExampleRunner() {
	rule := &ir.Rule{File: "rules/public_restore.yml", Title: "Public restore", Detection: &ir.And{Args: []ir.Expr{
		&ir.Match{Field: "eventName", Values: []ir.Value{ir.Str("RestoreDBInstanceFromDBSnapshot")}},
		&ir.Match{Field: "responseElements.publiclyAccessible", Values: []ir.Value{ir.BoolValue(true)}},
	}}}
	target, _ := sigma.New(nil)
	runner := &harness.Runner{Targets: []backends.Backend{target}, FixturesDir: "testdata/fixtures"}
	summary := runner.Run([]*ir.Rule{rule})
	harness.TextReporter{}.Report(os.Stdout, summary)
	// Output:
	// PASS  public_restore  sigma  (4 fixtures)
	// 1 passed, 0 failed
}
