package cloudwatch_test

import (
	"fmt"

	"github.com/sigforge/sigforge/compiler/query/cloudwatch"
)

func Example() {
	p, err := cloudwatch.Parse(`{ ($.eventSource = "rds.amazonaws.com") && ($.eventName = "ModifyDBInstance") && ($.requestParameters.publiclyAccessible IS TRUE) }`)
	if err != nil {
		panic(err)
	}
	fmt.Println(p.Kind)
	fmt.Println(p.MatchMessage(`{"eventSource":"rds.amazonaws.com","eventName":"ModifyDBInstance","requestParameters":{"publiclyAccessible":true}}`))
	fmt.Println(p.MatchMessage(`{"eventSource":"rds.amazonaws.com","eventName":"ModifyDBInstance","requestParameters":{"publiclyAccessible":false}}`))

	terms := cloudwatch.MustParse(`?"password authentication failed" ?"Access denied for user"`)
	fmt.Println(terms.MatchMessage(`FATAL:  password authentication failed for user "app"`))
	// Output:
	// json
	// true
	// false
	// true
}
