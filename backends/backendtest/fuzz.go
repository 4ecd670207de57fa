package backendtest

import (
	"testing"

	"github.com/sigforge/sigforge/compiler/event"
	"github.com/sigforge/sigforge/compiler/ir"
)

// DetectionGen draws a small detection from fuzz input, one byte per
// choice (zero once the input is used up), for fuzz tests that compare a
// target's evaluator with compiler/eval. The matches at the leaves are the
// caller's: they depend on the fields its documents hold.
type DetectionGen struct {
	data []byte
	i    int
}

// NewDetectionGen reads choices from data.
func NewDetectionGen(data []byte) *DetectionGen { return &DetectionGen{data: data} }

// Next returns the next choice.
func (g *DetectionGen) Next() byte {
	if g.i >= len(g.data) {
		return 0
	}
	b := g.data[g.i]
	g.i++
	return b
}

// Expr returns an expression of And, Or and Not (at most three deep) over
// matches made by leaf.
func (g *DetectionGen) Expr(leaf func() *ir.Match) ir.Expr { return g.expr(0, leaf) }

func (g *DetectionGen) expr(depth int, leaf func() *ir.Match) ir.Expr {
	k := g.Next() % 8
	if depth > 2 {
		k = 7
	}
	switch k {
	case 0:
		return &ir.And{Args: []ir.Expr{g.expr(depth+1, leaf), g.expr(depth+1, leaf)}}
	case 1:
		return &ir.Or{Args: []ir.Expr{g.expr(depth+1, leaf), g.expr(depth+1, leaf)}}
	case 2:
		return &ir.Not{Arg: g.expr(depth+1, leaf)}
	}
	return leaf()
}

// Value returns a string value of up to four characters of alphabet, where
// '*' and '?' are wildcards or literal characters by the next choice; the
// empty string when there are none.
func (g *DetectionGen) Value(alphabet []byte) ir.Value {
	v := ir.Value{Kind: ir.KindString}
	for range int(g.Next() % 5) {
		c := alphabet[int(g.Next())%len(alphabet)]
		switch {
		case c == '*' && g.Next()%2 == 0:
			v.Parts = append(v.Parts, ir.Part{Kind: ir.AnyString})
		case c == '?' && g.Next()%2 == 0:
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

// DecodeDocs decodes JSON documents as compiler/event does (numbers as
// json.Number); a bad document fails tb.
func DecodeDocs(tb testing.TB, docs []string) []map[string]any {
	tb.Helper()
	var out []map[string]any
	for _, d := range docs {
		m, err := event.Decode([]byte(d))
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}
