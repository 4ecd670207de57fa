package condition

import (
	"fmt"
	"strings"
)

// Binding strength of each node kind, from least to most binding, as in the
// Sigma specification: or < and < not < "x of" and identifiers.
const (
	precOr = iota + 1
	precAnd
	precNot
	precAtom
)

func precedence(n Node) int {
	switch n.(type) {
	case *Or:
		return precOr
	case *And:
		return precAnd
	case *Not:
		return precNot
	}
	return precAtom
}

// Format renders a condition in canonical form: lowercase keywords, single
// spaces, "1 of" for any-quantifiers, and parentheses only where precedence
// needs them. For every parsed node n, Parse(Format(n)) yields n again
// (positions aside).
func Format(n Node) string {
	var b strings.Builder
	format(&b, n)
	return b.String()
}

func format(b *strings.Builder, n Node) {
	switch n := n.(type) {
	case *Ident:
		b.WriteString(n.Name)
	case *Of:
		if n.All {
			b.WriteString("all of ")
		} else {
			b.WriteString("1 of ")
		}
		b.WriteString(n.Pattern)
	case *Not:
		b.WriteString("not ")
		formatOperand(b, n.Arg, precNot)
	case *And:
		formatList(b, n.Args, " and ", precAnd)
	case *Or:
		formatList(b, n.Args, " or ", precOr)
	default:
		panic(fmt.Sprintf("condition: unknown node %T", n))
	}
}

func formatList(b *strings.Builder, args []Node, sep string, prec int) {
	for i, a := range args {
		if i > 0 {
			b.WriteString(sep)
		}
		// A nested node of the same kind keeps its parentheses, so that a
		// hand-built tree prints as the structure it has.
		formatOperand(b, a, prec+1)
	}
}

// formatOperand writes n, parenthesized when it binds less tightly than
// minPrec.
func formatOperand(b *strings.Builder, n Node, minPrec int) {
	if precedence(n) < minPrec {
		b.WriteByte('(')
		format(b, n)
		b.WriteByte(')')
		return
	}
	format(b, n)
}
