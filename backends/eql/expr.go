package eql

import (
	"fmt"
	"strings"

	"github.com/sigforge/sigforge/compiler/ir"
	eqlq "github.com/sigforge/sigforge/compiler/query/eql"
)

// compiler turns one rule's detection into an EQL condition.
type compiler struct {
	b    *Backend
	rule *ir.Rule
	// The query's most frequent nodes and argument lists come from
	// shared blocks: a few allocations per rule instead of one per node.
	calls  block[eqlq.Call]
	lits   block[eqlq.Literal]
	fields block[eqlq.Field]
	lists  block[eqlq.Expr]
}

// block hands out pieces of shared allocations. Each piece has no spare
// capacity: appending to it copies.
type block[T any] struct {
	buf []T
}

// maxBlock bounds a block, so that a few pieces do not hold a large one.
const maxBlock = 128

// reserve makes room for n elements in one allocation.
func (b *block[T]) reserve(n int) {
	if cap(b.buf)-len(b.buf) < n {
		b.buf = make([]T, 0, n)
	}
}

// counts are what the condition of a detection needs: a field per match,
// a string literal per contains pattern or plain value, list entries for
// the arguments of and/or and for each match's predicates, and a call
// (with two arguments) per contains pattern; and size estimates the
// length of its text, so that it is built in one allocation (or two).
type counts struct {
	matches, lits, lists, preds, calls, size int
}

func (k *counts) add(e ir.Expr) {
	switch n := e.(type) {
	case *ir.And:
		k.lists += len(n.Args)
		for _, a := range n.Args {
			k.add(a)
		}
	case *ir.Or:
		k.lists += len(n.Args)
		for _, a := range n.Args {
			k.add(a)
		}
	case *ir.Not:
		k.add(n.Arg)
	case *ir.Match:
		k.matches++
		k.size += len(n.Field) + 8
		contains := 0
		for _, v := range n.Values {
			switch shape, _ := v.Shape(); {
			case shape == ir.ShapeContains:
				contains++
				k.lits++
			case v.Kind == ir.KindString && !v.HasWildcards():
				k.lits++ // may be a pattern instead
			}
			k.size += len(n.Field)/2 + 8
			for _, p := range v.Parts {
				k.size += len(p.Text) + 2
			}
		}
		k.calls += contains
		k.preds += min(len(n.Values), contains+4) // see equal
	}
}

// reserve sizes the blocks for a condition.
func (c *compiler) reserve(k counts) {
	c.fields.reserve(k.matches)
	c.lits.reserve(k.lits)
	c.lists.reserve(k.lists + k.preds + 2*k.calls)
	c.calls.reserve(k.calls)
}

// take returns n zero elements.
func (b *block[T]) take(n int) []T {
	if cap(b.buf)-len(b.buf) < n {
		b.buf = make([]T, 0, max(n, min(2*cap(b.buf), maxBlock), 4))
	}
	start := len(b.buf)
	b.buf = b.buf[:start+n]
	return b.buf[start : start+n : start+n]
}

// str returns a string literal.
func (c *compiler) str(s string) *eqlq.Literal {
	l := &c.lits.take(1)[0]
	l.Value = eqlq.Value{Kind: eqlq.StringKind, Str: s}
	return l
}

// list returns an empty list with room for n elements.
func (c *compiler) list(n int) []eqlq.Expr { return c.lists.take(n)[:0] }

func (c *compiler) expr(e ir.Expr) (eqlq.Expr, error) {
	switch n := e.(type) {
	case *ir.And:
		out := &eqlq.And{Args: c.list(len(n.Args))}
		for _, a := range n.Args {
			x, err := c.expr(a)
			if err != nil {
				return nil, err
			}
			out.Args = append(out.Args, x)
		}
		return single(out.Args, out), nil
	case *ir.Or:
		out := &eqlq.Or{Args: c.list(len(n.Args))}
		for _, a := range n.Args {
			x, err := c.expr(a)
			if err != nil {
				return nil, err
			}
			out.Args = append(out.Args, x)
		}
		return single(out.Args, out), nil
	case *ir.Not:
		x, err := c.expr(n.Arg)
		if err != nil {
			return nil, err
		}
		return &eqlq.Not{Arg: x}, nil
	case *ir.Match:
		return c.match(n)
	}
	return nil, fmt.Errorf("eql: unknown node %T", e)
}

func single(args []eqlq.Expr, whole eqlq.Expr) eqlq.Expr {
	if len(args) == 1 {
		return args[0]
	}
	return whole
}

// combine joins per-value predicates: or for "any value", and for |all.
func combine(m *ir.Match, preds []eqlq.Expr) eqlq.Expr {
	if len(preds) == 1 {
		return preds[0]
	}
	if m.All {
		return &eqlq.And{Args: preds}
	}
	return &eqlq.Or{Args: preds}
}

func (c *compiler) fail(m *ir.Match, construct, reason string) error {
	return unsupported(c.rule, m, construct, reason)
}

func (c *compiler) match(m *ir.Match) (eqlq.Expr, error) {
	if m.TimePart != "" {
		return nil, c.fail(m, "|"+m.TimePart, "EQL has no date-part functions")
	}
	field := m.Field
	if m.IsKeyword() {
		if c.b.opts.KeywordField == "" {
			return nil, c.fail(m, "keyword search", "EQL has no full-text search; set targets.eql.keyword_field (e.g. message) to search one field")
		}
		field = c.b.opts.KeywordField
		m = keywordAsContains(m, field)
	}
	f := &c.fields.take(1)[0]
	f.Path = field
	switch m.Op {
	case ir.OpEqual:
		return c.equal(m, f)
	case ir.OpRegex:
		return c.regex(m, f)
	case ir.OpCIDR:
		var cidrs []eqlq.Expr
		for _, v := range m.Values {
			cidrs = append(cidrs, c.str(v.Text()))
		}
		if !m.All {
			return &eqlq.Call{Name: "cidrMatch", Args: append([]eqlq.Expr{f}, cidrs...)}, nil
		}
		var preds []eqlq.Expr
		for _, cidr := range cidrs {
			preds = append(preds, &eqlq.Call{Name: "cidrMatch", Args: []eqlq.Expr{f, cidr}})
		}
		return combine(m, preds), nil
	case ir.OpExists:
		return &eqlq.Compare{Op: "!=", Left: f, Right: &eqlq.Literal{Value: eqlq.Value{Kind: eqlq.NullKind}}}, nil
	case ir.OpNull:
		return &eqlq.Compare{Op: "==", Left: f, Right: &eqlq.Literal{Value: eqlq.Value{Kind: eqlq.NullKind}}}, nil
	case ir.OpLT, ir.OpLTE, ir.OpGT, ir.OpGTE:
		var preds []eqlq.Expr
		for _, v := range m.Values {
			if v.Kind != ir.KindNumber {
				return nil, c.fail(m, "|"+m.Op.String()+" with a non-number", "EQL compares numbers only")
			}
			preds = append(preds, &eqlq.Compare{Op: m.Op.String(), Left: f, Right: num(v)})
		}
		return combine(m, preds), nil
	case ir.OpFieldRef:
		return nil, c.fail(m, "|fieldref", "Elasticsearch EQL does not compare a field with another field")
	}
	return nil, c.fail(m, "operator "+m.Op.String(), "")
}

// keywordAsContains turns a keyword search into a contains match on field.
func keywordAsContains(m *ir.Match, field string) *ir.Match {
	k := *m
	k.Field = field
	k.Values = nil
	for _, v := range m.Values {
		if v.Kind != ir.KindString {
			v = ir.Str(v.Text())
		}
		parts := append([]ir.Part{{Kind: ir.AnyString}}, v.Parts...)
		parts = append(parts, ir.Part{Kind: ir.AnyString})
		k.Values = append(k.Values, ir.Value{Kind: ir.KindString, Parts: mergeStars(parts)})
	}
	return &k
}

func mergeStars(ps []ir.Part) []ir.Part {
	var out []ir.Part
	for _, p := range ps {
		if p.Kind == ir.AnyString && len(out) > 0 && out[len(out)-1].Kind == ir.AnyString {
			continue
		}
		out = append(out, p)
	}
	return out
}

func num(v ir.Value) *eqlq.Literal {
	return &eqlq.Literal{Value: eqlq.Value{Kind: eqlq.NumberKind, Num: v.Num}, Text: v.Text()}
}

// wildcardSafe reports whether the literal parts of a pattern can be
// written in an EQL wildcard pattern: no literal *, ? or \ (EQL documents
// no escape for them).
func wildcardSafe(v ir.Value) bool {
	for _, p := range v.Parts {
		if p.Kind != ir.Literal {
			continue
		}
		for i := 0; i < len(p.Text); i++ {
			if c := p.Text[i]; c == '*' || c == '?' || c == '\\' {
				return false
			}
		}
	}
	return true
}

// wildcardText renders a pattern with * and ? wildcards.
func wildcardText(v ir.Value) string { return v.Text() }

// patternLucene renders a Sigma wildcard pattern as a Lucene regex.
func patternLucene(v ir.Value) string {
	var b strings.Builder
	for _, p := range v.Parts {
		switch p.Kind {
		case ir.AnyString:
			b.WriteString(".*")
		case ir.AnyChar:
			b.WriteString(".")
		default:
			eqlq.WriteLuceneLiteral(&b, p.Text)
		}
	}
	return b.String()
}

// equal compiles an OpEqual match. Values of the same form share one
// list predicate (`f : ("a", "b*")`) unless |all asks for each.
func (c *compiler) equal(m *ir.Match, f *eqlq.Field) (eqlq.Expr, error) {
	// At most one predicate per value; contains patterns have one each,
	// the other values share a few lists.
	contains := 0
	for _, v := range m.Values {
		if shape, _ := v.Shape(); shape == ir.ShapeContains {
			contains++
		}
	}
	preds := c.list(min(len(m.Values), contains+4))
	var lists []*eqlq.Pattern // one per operator (":", "like", "regex", "regex~")
	var ins *eqlq.In
	addPattern := func(op, p string) {
		if m.All {
			preds = append(preds, &eqlq.Pattern{Op: op, Left: f, Patterns: []string{p}})
			return
		}
		for _, l := range lists {
			if l.Op == op {
				l.Patterns = append(l.Patterns, p)
				return
			}
		}
		l := &eqlq.Pattern{Op: op, Left: f, Patterns: make([]string, 1, len(m.Values))}
		l.Patterns[0] = p
		lists = append(lists, l)
		preds = append(preds, l)
	}
	addIn := func(v eqlq.Expr, insensitive bool) {
		if m.All || (ins != nil && ins.Insensitive != insensitive) {
			preds = append(preds, &eqlq.In{Left: f, List: []eqlq.Expr{v}, Insensitive: insensitive})
			return
		}
		if ins == nil {
			ins = &eqlq.In{Left: f, Insensitive: insensitive}
			preds = append(preds, ins)
		}
		ins.List = append(ins.List, v)
	}
	for _, v := range m.Values {
		switch v.Kind {
		case ir.KindNumber:
			addIn(num(v), false)
			continue
		case ir.KindBool:
			addIn(&eqlq.Literal{Value: eqlq.Value{Kind: eqlq.BoolKind, Bool: v.Bool}}, false)
			continue
		}
		v = normalize(v)
		shape, lit := v.Shape()
		switch {
		case !v.HasWildcards():
			if m.Cased {
				addIn(c.str(lit), false)
			} else if wildcardSafe(v) {
				addPattern(":", lit)
			} else {
				addIn(c.str(lit), true)
			}
		case !wildcardSafe(v):
			op := "regex~"
			if m.Cased {
				op = "regex"
			}
			addPattern(op, patternLucene(v))
		case shape == ir.ShapeContains:
			call := &c.calls.take(1)[0]
			call.Name, call.Insensitive = "stringContains", !m.Cased
			call.Args = c.list(2)
			call.Args = append(call.Args, f, c.str(lit))
			preds = append(preds, call)
		case shape == ir.ShapeAny:
			preds = append(preds, &eqlq.Compare{Op: "!=", Left: f, Right: &eqlq.Literal{Value: eqlq.Value{Kind: eqlq.NullKind}}})
		case m.Cased:
			addPattern("like", wildcardText(v))
		default:
			addPattern(":", wildcardText(v))
		}
	}
	// A one-element in-list reads better as == (cased, no wildcards).
	for i, p := range preds {
		if in, ok := p.(*eqlq.In); ok && len(in.List) == 1 && !in.Insensitive {
			preds[i] = &eqlq.Compare{Op: "==", Left: f, Right: in.List[0]}
		}
	}
	return combine(m, preds), nil
}

func (c *compiler) regex(m *ir.Match, f *eqlq.Field) (eqlq.Expr, error) {
	op := "regex"
	if m.Regex.IgnoreCase {
		op = "regex~"
	}
	var pats []string
	for _, v := range m.Values {
		lucene, err := eqlq.ToLucene(v.Text(), eqlq.RegexFlags{IgnoreCase: m.Regex.IgnoreCase, Multiline: m.Regex.Multiline, DotAll: m.Regex.DotAll})
		if err != nil {
			return nil, c.fail(m, fmt.Sprintf("|re %q", v.Text()), err.Error())
		}
		pats = append(pats, lucene)
	}
	if !m.All {
		return &eqlq.Pattern{Op: op, Left: f, Patterns: pats}, nil
	}
	var preds []eqlq.Expr
	for _, p := range pats {
		preds = append(preds, &eqlq.Pattern{Op: op, Left: f, Patterns: []string{p}})
	}
	return combine(m, preds), nil
}

// normalize merges adjacent literal parts and repeated "*" so that Shape
// sees a contains/prefix/suffix pattern however the value was built.
func normalize(v ir.Value) ir.Value {
	if isNormal(v.Parts) {
		return v
	}
	var parts []ir.Part
	for _, p := range v.Parts {
		n := len(parts)
		switch {
		case p.Kind == ir.Literal && n > 0 && parts[n-1].Kind == ir.Literal:
			parts[n-1].Text += p.Text
		case p.Kind == ir.Literal && p.Text == "" && len(v.Parts) > 1:
		case p.Kind == ir.AnyString && n > 0 && parts[n-1].Kind == ir.AnyString:
		default:
			parts = append(parts, p)
		}
	}
	if len(parts) == 0 {
		parts = []ir.Part{{Kind: ir.Literal, Text: ""}}
	}
	v.Parts = parts
	return v
}

// isNormal reports whether normalize would leave parts as they are: at
// least one part, no adjacent literals, no empty literal among several
// parts, no repeated "*".
func isNormal(parts []ir.Part) bool {
	for i, p := range parts {
		switch {
		case p.Kind == ir.Literal && p.Text == "" && len(parts) > 1:
			return false
		case i > 0 && p.Kind == parts[i-1].Kind && (p.Kind == ir.Literal || p.Kind == ir.AnyString):
			return false
		}
	}
	return len(parts) > 0
}
