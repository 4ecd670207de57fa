package condition

import (
	"fmt"

	"github.com/sigforge/sigforge/compiler/source"
)

// Node is a node of a parsed condition. The interface is sealed: the only
// implementations are *Ident, *Of, *And, *Or and *Not.
type Node interface {
	// Position is where the node starts in the YAML file: the identifier,
	// the quantifier of "x of", the "not" keyword, or an And/Or's first
	// token (an opening parenthesis included).
	Position() source.Pos
	node()
}

// Ident references one search identifier of the detection section.
type Ident struct {
	Pos  source.Pos
	Name string
}

// Of is "1 of X", "any of X" (All == false) or "all of X" (All == true).
// Pattern is "them" or an identifier pattern in which '*' matches any run of
// characters; see MatchPattern.
type Of struct {
	Pos     source.Pos
	All     bool
	Pattern string
}

// And holds when every Arg holds. Chains are flattened: "a and b and c" and
// "(a and b) and c" are one And with three Args.
type And struct {
	Pos  source.Pos
	Args []Node
}

// Or holds when at least one Arg holds; flattened like And.
type Or struct {
	Pos  source.Pos
	Args []Node
}

// Not holds when Arg does not.
type Not struct {
	Pos source.Pos
	Arg Node
}

func (*Ident) node() {}
func (*Of) node()    {}
func (*And) node()   {}
func (*Or) node()    {}
func (*Not) node()   {}

func (n *Ident) Position() source.Pos { return n.Pos }
func (n *Of) Position() source.Pos    { return n.Pos }
func (n *And) Position() source.Pos   { return n.Pos }
func (n *Or) Position() source.Pos    { return n.Pos }
func (n *Not) Position() source.Pos   { return n.Pos }

// Them reports whether the Of is over "them" rather than a pattern.
func (n *Of) Them() bool { return n.Pattern == "them" }

// Walk calls fn for n and then, when fn returns true, for each child in
// order.
func Walk(n Node, fn func(Node) bool) {
	if n == nil || !fn(n) {
		return
	}
	switch n := n.(type) {
	case *And:
		for _, a := range n.Args {
			Walk(a, fn)
		}
	case *Or:
		for _, a := range n.Args {
			Walk(a, fn)
		}
	case *Not:
		Walk(n.Arg, fn)
	case *Ident, *Of:
	default:
		panic(fmt.Sprintf("condition: unknown node %T", n))
	}
}
