package cloudwatch_test

import (
	"fmt"

	"github.com/sigforge/sigforge/backends/cloudwatch"
	"github.com/sigforge/sigforge/compiler/event"
	"github.com/sigforge/sigforge/compiler/ir"
)

func ExampleNewWithFormat() {
	b, err := cloudwatch.NewWithFormat(nil, "terraform")
	if err != nil {
		panic(err)
	}
	rule := &ir.Rule{
		Title:     "DB instance made public",
		Logsource: ir.Logsource{Product: "aws", Service: "cloudtrail"},
		Detection: &ir.And{Args: []ir.Expr{
			&ir.Match{Field: "eventName", Values: []ir.Value{ir.Str("ModifyDBInstance")}},
			&ir.Match{Field: "requestParameters.publiclyAccessible", Values: []ir.Value{ir.BoolValue(true)}},
		}},
	}
	out, err := b.Compile(rule)
	if err != nil {
		panic(err)
	}
	q, err := b.(*cloudwatch.Backend).Prepare(out)
	if err != nil {
		panic(err)
	}
	public := event.New(map[string]any{"eventName": "ModifyDBInstance", "requestParameters": map[string]any{"publiclyAccessible": true}}, "example")
	fired, err := q.Fires([]event.Event{public})
	fmt.Println(out.Ext, fired, err)
	// Output: .tf true <nil>
}
