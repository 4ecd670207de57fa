package falco

import (
	"os"
	"testing"

	"github.com/sigforge/sigforge/compiler/corpus"
)

const benchCondition = `ct.src = "rds.amazonaws.com" and ct.name in (ModifyDBInstance, ModifyDBCluster)
and (tolower(json.value[/requestParameters/publiclyAccessible]) = "true" or json.value[/requestParameters/dBInstanceIdentifier] iglob "prod-*")
and not ct.error exists and not ct.errormessage exists`

func BenchmarkParse(b *testing.B) {
	for b.Loop() {
		if _, err := Parse("", benchCondition); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMatch(b *testing.B) {
	e, err := Parse("", benchCondition)
	if err != nil {
		b.Fatal(err)
	}
	f, err := Compile(e, Version{})
	if err != nil {
		b.Fatal(err)
	}
	rec := record(b, modify)
	b.ReportAllocs()
	for b.Loop() {
		if !f.Match(rec) {
			b.Fatal("no match")
		}
	}
}

// BenchmarkLoadUpstream loads Falco's own CloudTrail rules file.
func BenchmarkLoadUpstream(b *testing.B) {
	data, err := os.ReadFile(corpus.Dir(b, "falco-cloudtrail-rules") + "/aws_cloudtrail_rules.yaml")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := Load("r.yaml", data, LoadOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
