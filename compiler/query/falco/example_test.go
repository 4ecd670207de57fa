package falco_test

import (
	"fmt"

	"github.com/sigforge/sigforge/compiler/event"
	"github.com/sigforge/sigforge/compiler/query/falco"
)

func ExampleLoad() {
	rules := `
- list: watched_calls
  items: [DeleteDBInstance, StopDBInstance]
- rule: RDS instance stopped or deleted
  desc: A DB instance was stopped or deleted.
  condition: ct.src = "rds.amazonaws.com" and ct.name in (watched_calls) and not ct.error exists
  output: "%ct.user %ct.name %json.value[/requestParameters/dBInstanceIdentifier]"
  priority: WARNING
  source: aws_cloudtrail
`
	rs, err := falco.Load("rules.yaml", []byte(rules), falco.LoadOptions{Engine: falco.MustVersion("0.43.0")})
	if err != nil {
		fmt.Println(err)
		return
	}
	fields, _ := event.Decode([]byte(`{"eventTime": "2026-03-01T10:00:00Z", "eventType": "AwsApiCall",
		"eventSource": "rds.amazonaws.com", "eventName": "StopDBInstance",
		"requestParameters": {"dBInstanceIdentifier": "orders"}}`))
	rec, err := falco.NewRecord(fields, 1)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(rs.Rules[0].Expr)
	fmt.Println(rs.Match(rec))
	// Output:
	// ct.src = "rds.amazonaws.com" and ct.name in ("DeleteDBInstance", "StopDBInstance") and not ct.error exists
	// [RDS instance stopped or deleted]
}
