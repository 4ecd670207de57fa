// Package packtest holds the tests of the bundled RDS rule pack (rules/ and
// fixtures/ at the module root): the pack loads clean in strict mode, every
// runbook item has its rules, the metadata follows the pack's conventions,
// every rule passes its fixtures on the native evaluator, rules 7 and 15
// behave exactly like the Elastic rules they mirror, the trusted-account
// placeholder comes from configuration, and the whole pack run over every
// real CloudTrail record of ../shared/corpus/cloudtrail-samples gives the
// results written down in testdata/cloudtrail-expectations.yml, on the
// native evaluator and on every target that executes its compiled output.
//
// The package has no code of its own; it exists so that `go test ./...`
// guards the pack.
package packtest
