package eval

import (
	"fmt"

	"github.com/sigforge/sigforge/compiler/ir"
)

// Override changes one node of a detection when compiling it, for the
// quality tools (condition coverage, near-miss generation) that ask "what
// would the verdict be if this condition had gone the other way?".
//
// Node is the node to change, compared by identity (a *ir.Match, *ir.And,
// *ir.Or or *ir.Not of the rule's detection). When Replace is set the node is
// compiled as Replace instead (e.g. a Match with one value fewer); otherwise
// the node evaluates to the constant Force.
//
// Overrides live in their own compile path: an Evaluator compiled without one
// is exactly what Compile returns, so the normal path pays nothing.
type Override struct {
	Node    ir.Expr
	Force   bool
	Replace ir.Expr
}

// CompileOverride compiles the detection of a (non-correlation) rule with
// one node overridden. A node that is not part of the detection leaves the
// evaluator equal to Compile's.
func CompileOverride(r *ir.Rule, ov Override) (*Evaluator, error) {
	if r == nil || r.IsCorrelation() || r.Detection == nil {
		return nil, fmt.Errorf("eval: override needs a detection rule")
	}
	if ov.Node == nil {
		return nil, fmt.Errorf("%s: eval: override without a node", r.Pos)
	}
	root, err := compileOverride(r.Detection, ov)
	if err != nil {
		return nil, err
	}
	return &Evaluator{rule: r, root: root}, nil
}

// CompileCorrelationOverride compiles a correlation rule whose referenced
// detection rules (at any depth) are compiled with the override applied.
func CompileCorrelationOverride(r *ir.Rule, ov Override) (*Correlator, error) {
	c, err := CompileCorrelation(r)
	if err != nil {
		return nil, err
	}
	return overrideCorrelator(c, ov)
}

func overrideCorrelator(c *Correlator, ov Override) (*Correlator, error) {
	out := *c
	out.sources = make([]corrSource, len(c.sources))
	copy(out.sources, c.sources)
	for i := range out.sources {
		src := &out.sources[i]
		var err error
		switch {
		case src.det != nil:
			src.det, err = CompileOverride(src.rule, ov)
		case src.sub != nil:
			src.sub, err = overrideCorrelator(src.sub, ov)
		}
		if err != nil {
			return nil, err
		}
	}
	return &out, nil
}

// constNode is an overridden node's constant result.
type constNode bool

func (n constNode) eval(map[string]any) bool { return bool(n) }

func compileOverride(e ir.Expr, ov Override) (node, error) {
	if e == ov.Node {
		if ov.Replace != nil {
			return compileExpr(ov.Replace)
		}
		return constNode(ov.Force), nil
	}
	switch x := e.(type) {
	case *ir.And:
		out := make(andNode, 0, len(x.Args))
		for _, a := range x.Args {
			n, err := compileOverride(a, ov)
			if err != nil {
				return nil, err
			}
			out = append(out, n)
		}
		return out, nil
	case *ir.Or:
		out := make(orNode, 0, len(x.Args))
		for _, a := range x.Args {
			n, err := compileOverride(a, ov)
			if err != nil {
				return nil, err
			}
			out = append(out, n)
		}
		return out, nil
	case *ir.Not:
		n, err := compileOverride(x.Arg, ov)
		if err != nil {
			return nil, err
		}
		return notNode{n}, nil
	}
	return compileExpr(e)
}
