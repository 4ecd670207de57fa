package eql

import (
	"testing"

	"github.com/sigforge/sigforge/compiler/event"
)

// BenchmarkParse parses a query of the size sigforge emits for the pack.
func BenchmarkParse(b *testing.B) {
	const q = `any where ((event.provider : "rds.amazonaws.com" and event.action : ("ModifyDBInstance", "ModifyDBCluster") and stringContains~(aws.cloudtrail.request_parameters, "publiclyAccessible=true")) or (event.provider : "rds.amazonaws.com" and event.action : ("CreateDBInstance", "CreateDBInstanceReadReplica", "CreateDBCluster", "RestoreDBInstanceFromDBSnapshot") and (stringContains~(aws.cloudtrail.request_parameters, "publiclyAccessible=true") or stringContains~(aws.cloudtrail.response_elements, "publiclyAccessible=true")))) and aws.cloudtrail.error_code == null and aws.cloudtrail.error_message == null`
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse("bench", q); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMatch evaluates a parsed query on one ECS document.
func BenchmarkMatch(b *testing.B) {
	q, err := Parse("bench", `any where event.provider : "rds.amazonaws.com" and event.action : ("ModifyDBInstance", "ModifyDBCluster") and stringContains~(aws.cloudtrail.request_parameters, "publiclyAccessible=true") and aws.cloudtrail.error_code == null`)
	if err != nil {
		b.Fatal(err)
	}
	doc, err := event.Decode([]byte(modifyDoc))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		if q.Event.Matches(doc) {
			n++
		}
	}
	if n == 0 {
		b.Fatal("the query must match")
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
