package eql

import (
	"testing"

	"github.com/sigforge/sigforge/backends/backendtest"
	"github.com/sigforge/sigforge/compiler/eval"
	"github.com/sigforge/sigforge/compiler/ir"
	eqlq "github.com/sigforge/sigforge/compiler/query/eql"
)

// fuzzDocs are ECS-like documents over the fields the generated rules use.
var fuzzDocs = []string{
	`{"a":"Ab*c","b":"x?y\\z","n":5,"ip":"10.0.0.7","arr":["q","AB"]}`,
	`{"a":"abc","b":"X\"Y","n":"12","ip":"192.168.1.1"}`,
	`{"a":"","b":"a-b.c","n":-3}`, // no empty array: Elasticsearch does not index one, so it does not "exist" (docs/elastic-eql.md)
	`{"b":"aaa","n":0,"ip":"::1","arr":["x*y"]}`,
	`{}`,
}

var (
	fuzzFields = []string{"a", "b", "n", "ip", "arr", "missing"}
	fuzzAlpha  = []byte{'a', 'b', 'c', 'A', 'B', '*', '?', '\\', '"', '-', '.', 'x', 'y', 'q', '1', '2'}
	fuzzCIDRs  = []string{"10.0.0.0/8", "192.168.0.0/16", "::1/128"}
	fuzzRegex  = []string{`^a`, `c$`, `b.c`, `[A-Z]+`, `\d`, `x\?y`, `(?i)ab`, `^$`, `a|y$`, `"`}
)

// fuzzDetection builds a small detection over any field of fuzzDocs from
// fuzz bytes.
func fuzzDetection(data []byte) ir.Expr {
	g := backendtest.NewDetectionGen(data)
	return g.Expr(func() *ir.Match {
		m := &ir.Match{Field: fuzzFields[int(g.Next())%len(fuzzFields)], Cased: g.Next()%3 == 0, All: g.Next()%4 == 0}
		switch g.Next() % 7 {
		case 0:
			m.Op = ir.OpExists
		case 1:
			m.Op = ir.OpNull
		case 2:
			m.Op = ir.OpCIDR
			m.Values = []ir.Value{ir.Str(fuzzCIDRs[int(g.Next())%len(fuzzCIDRs)])}
		case 3:
			m.Op = ir.OpRegex
			m.Regex.IgnoreCase = g.Next()%2 == 0
			m.Values = []ir.Value{ir.Str(fuzzRegex[int(g.Next())%len(fuzzRegex)])}
		case 4:
			m.Op = []ir.Op{ir.OpLT, ir.OpLTE, ir.OpGT, ir.OpGTE}[g.Next()%4]
			m.Values = []ir.Value{ir.NumValue(float64(int(g.Next()%20) - 5))}
		case 5:
			m.Op = ir.OpEqual
			m.Values = []ir.Value{ir.NumValue(float64(int(g.Next()%15) - 3))}
		default:
			m.Op = ir.OpEqual
			for range 1 + int(g.Next()%3) {
				m.Values = append(m.Values, g.Value(fuzzAlpha))
			}
		}
		return m
	})
}

// FuzzCompileAgreesWithEval compiles generated detections to EQL and
// requires the EQL evaluator (Elasticsearch semantics, on the same
// documents) to give compiler/eval's (Sigma semantics) verdict.
func FuzzCompileAgreesWithEval(f *testing.F) {
	for _, s := range []string{"", "\x07\x00\x01\x02abc", "\x00\x07\x03\x06\x01\x02\x03", "\x02\x07\x00\x00\x03\x05\x05"} {
		f.Add([]byte(s))
	}
	docs := backendtest.DecodeDocs(f, fuzzDocs)
	b, err := onECS()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r := rule(fuzzDetection(data))
		out, err := b.Compile(r)
		if err != nil {
			return // refused
		}
		q, err := eqlq.Parse("fuzz", out.Text)
		if err != nil {
			t.Fatalf("compiled EQL does not parse: %v\n%s", err, out.Text)
		}
		native, err := eval.Compile(r)
		if err != nil {
			return
		}
		for i, d := range docs {
			if want, got := native.MatchFields(d), q.Event.Matches(d); want != got {
				t.Fatalf("doc %d %s\nrule %s\neql  %s\nsigma %v, eql %v", i, fuzzDocs[i], ir.Format(r.Detection), out.Text, want, got)
			}
		}
	})
}
