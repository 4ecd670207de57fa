package compiler_test

import (
	"fmt"
	"os"

	"github.com/sigforge/sigforge/compiler"
	"github.com/sigforge/sigforge/compiler/ir"
)

func ExampleParse() {
	rule := `title: Public RDS restore
id: 3c9b5a21-7d4e-4f6a-9b8c-1d2e3f4a5b6c
tags: [attack.exfiltration, attack.t1020]
logsource: {product: aws, service: cloudtrail}
detection:
  restore:
    eventSource: rds.amazonaws.com
    eventName|startswith: RestoreDBInstance
    responseElements.publiclyAccessible: true
  condition: restore
level: high
`
	set, ds := compiler.Parse("rules/public_restore.yml", []byte(rule), compiler.Options{})
	ds.Print(os.Stdout)
	r := set.Rules[0]
	fmt.Println(ir.Format(r.Detection))
	fmt.Println(r.Meta.Severity, r.Meta.RiskScore, r.Meta.Threat[0].ID, r.Meta.Threat[0].Techniques[0].ID)

	_, ds = compiler.Parse("rules/broken.yml", []byte("title: Broken\nlogsource: {product: aws}\ndetection:\n  sel:\n    eventName|contans: Delete\n  condition: sel or other\n"), compiler.Options{})
	ds.Print(os.Stdout)
	// Output:
	// and(eventSource = "rds.amazonaws.com", eventName = "RestoreDBInstance*", responseElements.publiclyAccessible = true)
	// high 73 TA0010 T1020
	// rules/broken.yml:5:15: SF120 unknown modifier "contans" (did you mean "contains"?)
	// rules/broken.yml:6:21: SF111 condition uses "other", which detection does not define
}
