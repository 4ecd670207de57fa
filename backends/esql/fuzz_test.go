package esql

import (
	"testing"

	"github.com/sigforge/sigforge/backends/backendtest"
	"github.com/sigforge/sigforge/compiler/eval"
	"github.com/sigforge/sigforge/compiler/ir"
	esqlq "github.com/sigforge/sigforge/compiler/query/esql"
)

// fuzzDocs have typed fields, as an index mapping would: a and b keyword,
// n long, ip ip; no arrays (ES|QL reads multi-valued fields as null).
var fuzzDocs = []string{
	`{"a":"Ab*c","b":"x?y\\z","n":5,"ip":"10.0.0.7"}`,
	`{"a":"abc","b":"X\"Y","n":12,"ip":"192.168.1.1"}`,
	`{"a":"","b":"a-b.c","n":-3}`,
	`{"b":"aaa","n":0,"ip":"::1"}`,
	`{}`, // no JSON null: Sigma's |exists counts it, Elasticsearch cannot see it (docs/elastic-eql.md)
}

var (
	fuzzAlpha = []byte{'a', 'b', 'c', 'A', 'B', '*', '?', '\\', '"', '-', '.', 'x', 'y', 'z', 'X'}
	fuzzRegex = []string{`^a`, `c$`, `b.c`, `[A-Z]+`, `\d`, `x\?y`, `^$`, `a|y$`, `"`, `(^a|z$)`}
)

// fuzzDetection builds a small detection over the typed fields of fuzzDocs
// from fuzz bytes: string operators on a and b, numeric ones on n, cidr on
// ip.
func fuzzDetection(data []byte) ir.Expr {
	g := backendtest.NewDetectionGen(data)
	return g.Expr(func() *ir.Match {
		m := &ir.Match{Cased: g.Next()%3 == 0, All: g.Next()%4 == 0}
		str := []string{"a", "b", "missing"}[g.Next()%3]
		switch g.Next() % 7 {
		case 0:
			m.Field, m.Op = []string{"a", "b", "n", "ip", "missing"}[g.Next()%5], ir.OpExists
		case 1:
			m.Field, m.Op = []string{"a", "b", "n", "ip", "missing"}[g.Next()%5], ir.OpNull
		case 2:
			m.Field, m.Op = "ip", ir.OpCIDR
			m.Values = []ir.Value{ir.Str([]string{"10.0.0.0/8", "192.168.0.0/16", "::1/128"}[g.Next()%3])}
		case 3:
			m.Field, m.Op = str, ir.OpRegex
			m.Regex.IgnoreCase = g.Next()%2 == 0
			m.Values = []ir.Value{ir.Str(fuzzRegex[int(g.Next())%len(fuzzRegex)])}
		case 4:
			m.Field, m.Op = "n", []ir.Op{ir.OpLT, ir.OpLTE, ir.OpGT, ir.OpGTE}[g.Next()%4]
			m.Values = []ir.Value{ir.NumValue(float64(int(g.Next()%20) - 5))}
		case 5:
			m.Field, m.Op = "n", ir.OpEqual
			m.Values = []ir.Value{ir.NumValue(float64(int(g.Next()%15) - 3))}
		default:
			m.Field, m.Op = str, ir.OpEqual
			for range 1 + int(g.Next()%3) {
				m.Values = append(m.Values, g.Value(fuzzAlpha))
			}
		}
		return m
	})
}

// FuzzCompileAgreesWithEval compiles generated detections to ES|QL and
// requires the ES|QL evaluator (three-valued logic, TO_LOWER, LIKE, RLIKE)
// to give compiler/eval's verdict on typed documents.
func FuzzCompileAgreesWithEval(f *testing.F) {
	for _, s := range []string{"", "\x02\x07\x00\x00\x06\x03abc", "\x00\x07\x03\x06\x01\x02\x03", "\x02\x07\x01\x01\x03\x05\x05"} {
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
			return
		}
		q, err := esqlq.Parse("fuzz", out.Text)
		if err != nil {
			t.Fatalf("compiled ES|QL does not parse: %v\n%s", err, out.Text)
		}
		native, err := eval.Compile(r)
		if err != nil {
			return
		}
		for i, d := range docs {
			want := native.MatchFields(d)
			got := len(q.Run([]esqlq.Doc{{Fields: d}})) > 0
			if want != got {
				t.Fatalf("doc %d %s\nrule %s\nesql %s\nsigma %v, esql %v", i, fuzzDocs[i], ir.Format(r.Detection), out.Text, want, got)
			}
		}
	})
}
