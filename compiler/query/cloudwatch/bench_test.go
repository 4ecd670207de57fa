package cloudwatch

import (
	"testing"
)

func BenchmarkParseJSONPattern(b *testing.B) {
	src := `{ ($.eventSource = "rds.amazonaws.com") && ($.eventName = "ModifyDBInstance" || $.eventName = "ModifyDBCluster") && ($.requestParameters.publiclyAccessible IS TRUE) && ($.errorCode IS NULL || $.errorCode NOT EXISTS) }`
	for b.Loop() {
		if _, err := Parse(src); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMatchJSONPattern(b *testing.B) {
	p := MustParse(`{ ($.eventSource = "rds.amazonaws.com") && ($.eventName = "ModifyDBInstance" || $.eventName = "ModifyDBCluster") && ($.requestParameters.publiclyAccessible IS TRUE) && ($.errorCode IS NULL || $.errorCode NOT EXISTS) }`)
	ev := NewLogEvent(`{"eventSource":"rds.amazonaws.com","eventName":"ModifyDBCluster","requestParameters":{"dBClusterIdentifier":"c1","publiclyAccessible":true},"userIdentity":{"arn":"arn:aws:iam::111122223333:user/a"}}`)
	for b.Loop() {
		if !p.Match(ev) {
			b.Fatal("no match")
		}
	}
}

func BenchmarkMatchTextPattern(b *testing.B) {
	p := MustParse(`?"password authentication failed" ?"Access denied for user" ?",FAILED_CONNECT,"`)
	ev := NewLogEvent(`2026-11-24 03:12:00 UTC:198.51.100.77(50000):postgres@orders:[31000]:FATAL:  password authentication failed for user "postgres"`)
	for b.Loop() {
		if !p.Match(ev) {
			b.Fatal("no match")
		}
	}
}
