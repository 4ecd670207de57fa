package esql

import (
	"testing"

	"github.com/sigforge/sigforge/compiler/eval"
	"github.com/sigforge/sigforge/compiler/event"
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

type irGen struct {
	data []byte
	i    int
}

func (g *irGen) next() byte {
	if g.i >= len(g.data) {
		return 0
	}
	b := g.data[g.i]
	g.i++
	return b
}

var (
	fuzzAlpha = []byte{'a', 'b', 'c', 'A', 'B', '*', '?', '\\', '"', '-', '.', 'x', 'y', 'z', 'X'}
	fuzzRegex = []string{`^a`, `c$`, `b.c`, `[A-Z]+`, `\d`, `x\?y`, `^$`, `a|y$`, `"`, `(^a|z$)`}
)

func (g *irGen) value() ir.Value {
	v := ir.Value{Kind: ir.KindString}
	for range int(g.next() % 5) {
		c := fuzzAlpha[int(g.next())%len(fuzzAlpha)]
		switch {
		case c == '*' && g.next()%2 == 0:
			v.Parts = append(v.Parts, ir.Part{Kind: ir.AnyString})
		case c == '?' && g.next()%2 == 0:
			v.Parts = append(v.Parts, ir.Part{Kind: ir.AnyChar})
		default:
			v.Parts = append(v.Parts, ir.Part{Kind: ir.Literal, Text: string(c)})
		}
	}
	if len(v.Parts) == 0 {
		v.Parts = []ir.Part{{Kind: ir.Literal, Text: ""}}
	}
	return v
}

func (g *irGen) expr(depth int) ir.Expr {
	k := g.next() % 8
	if depth > 2 {
		k = 7
	}
	switch k {
	case 0:
		return &ir.And{Args: []ir.Expr{g.expr(depth + 1), g.expr(depth + 1)}}
	case 1:
		return &ir.Or{Args: []ir.Expr{g.expr(depth + 1), g.expr(depth + 1)}}
	case 2:
		return &ir.Not{Arg: g.expr(depth + 1)}
	}
	m := &ir.Match{Cased: g.next()%3 == 0, All: g.next()%4 == 0}
	str := []string{"a", "b", "missing"}[g.next()%3]
	switch g.next() % 7 {
	case 0:
		m.Field, m.Op = []string{"a", "b", "n", "ip", "missing"}[g.next()%5], ir.OpExists
	case 1:
		m.Field, m.Op = []string{"a", "b", "n", "ip", "missing"}[g.next()%5], ir.OpNull
	case 2:
		m.Field, m.Op = "ip", ir.OpCIDR
		m.Values = []ir.Value{ir.Str([]string{"10.0.0.0/8", "192.168.0.0/16", "::1/128"}[g.next()%3])}
	case 3:
		m.Field, m.Op = str, ir.OpRegex
		m.Regex.IgnoreCase = g.next()%2 == 0
		m.Values = []ir.Value{ir.Str(fuzzRegex[int(g.next())%len(fuzzRegex)])}
	case 4:
		m.Field, m.Op = "n", []ir.Op{ir.OpLT, ir.OpLTE, ir.OpGT, ir.OpGTE}[g.next()%4]
		m.Values = []ir.Value{ir.NumValue(float64(int(g.next()%20) - 5))}
	case 5:
		m.Field, m.Op = "n", ir.OpEqual
		m.Values = []ir.Value{ir.NumValue(float64(int(g.next()%15) - 3))}
	default:
		m.Field, m.Op = str, ir.OpEqual
		for range 1 + int(g.next()%3) {
			m.Values = append(m.Values, g.value())
		}
	}
	return m
}

// FuzzCompileAgreesWithEval compiles generated detections to ES|QL and
// requires the ES|QL evaluator (three-valued logic, TO_LOWER, LIKE, RLIKE)
// to give compiler/eval's verdict on typed documents.
func FuzzCompileAgreesWithEval(f *testing.F) {
	for _, s := range []string{"", "\x02\x07\x00\x00\x06\x03abc", "\x00\x07\x03\x06\x01\x02\x03", "\x02\x07\x01\x01\x03\x05\x05"} {
		f.Add([]byte(s))
	}
	var docs []map[string]any
	for _, d := range fuzzDocs {
		m, err := event.Decode([]byte(d))
		if err != nil {
			f.Fatal(err)
		}
		docs = append(docs, m)
	}
	b, err := onECS()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r := rule((&irGen{data: data}).expr(0))
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
