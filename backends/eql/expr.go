package eql

import (
	"fmt"
	"slices"

	"github.com/sigforge/sigforge/compiler/ir"
	eqlq "github.com/sigforge/sigforge/compiler/query/eql"
)

// printer writes one rule's EQL text straight from the IR, exactly as
// compiler/query/eql prints the query tree the same rule would make (the
// tree itself is only needed to run a query: Prepare parses the text).
// Building the tree first cost more than printing it.
type printer struct {
	b    *Backend
	rule *ir.Rule
	buf  []byte
	// A match's values and the predicates they share, reused from match
	// to match.
	items []item
	preds []pred
}

// form is the kind of node at the top of a printed expression, which
// decides whether an enclosing expression parenthesizes it (as
// compiler/query/eql's printer does: nested and/or in and/or, anything but
// a call as the operand of not).
type form int

const (
	formOther form = iota // comparison, in, pattern, not
	formCall
	formAnd
	formOr
)

// predKind is the kind of one predicate on a match's field.
type predKind int

const (
	predPattern  predKind = iota // f op "p" or f op ("p1", "p2")
	predIn                       // f in (…), f in~ (…), or f == x for one cased value
	predContains                 // stringContains(f, "s")
	predNotNull                  // f != null
)

// pred is one predicate of a match; its values are a linked list of items.
type pred struct {
	kind        predKind
	op          string // of a pattern
	insensitive bool   // of an in-list
	first, last int    // items
	n           int
}

// item is one value of a match in the predicate it belongs to.
type item struct {
	text  string
	raw   bool      // a number or boolean, written as it is; else quoted
	regex []ir.Part // a pattern written as a Lucene regex (text unused)
	next  int       // the next item of the predicate, or -1
}

// wrap parenthesizes what was written from start on.
func (p *printer) wrap(start int) {
	p.buf = append(p.buf, 0)
	copy(p.buf[start+1:], p.buf[start:len(p.buf)-1])
	p.buf[start] = '('
	p.buf = append(p.buf, ')')
}

func (p *printer) expr(e ir.Expr) (form, error) {
	switch n := e.(type) {
	case *ir.And:
		return p.bool(n.Args, " and ", formAnd)
	case *ir.Or:
		return p.bool(n.Args, " or ", formOr)
	case *ir.Not:
		p.buf = append(p.buf, "not "...)
		start := len(p.buf)
		f, err := p.expr(n.Arg)
		if err != nil {
			return 0, err
		}
		if f != formCall {
			p.wrap(start)
		}
		return formOther, nil
	case *ir.Match:
		return p.match(n)
	}
	return 0, fmt.Errorf("eql: unknown node %T", e)
}

// bool writes the arguments of and/or (one argument stands for itself).
func (p *printer) bool(args []ir.Expr, sep string, whole form) (form, error) {
	if len(args) == 1 {
		return p.expr(args[0])
	}
	for i, a := range args {
		if i > 0 {
			p.buf = append(p.buf, sep...)
		}
		start := len(p.buf)
		f, err := p.expr(a)
		if err != nil {
			return 0, err
		}
		if f == formAnd || f == formOr {
			p.wrap(start)
		}
	}
	return whole, nil
}

func (p *printer) fail(m *ir.Match, construct, reason string) error {
	return unsupported(p.rule, m, construct, reason)
}

// joiner writes the separators of the per-value predicates of a match:
// or for "any value", and for |all; one predicate stands for itself.
type joiner struct {
	all bool
	n   int
}

func (j *joiner) next(p *printer) {
	if j.n > 0 {
		if j.all {
			p.buf = append(p.buf, " and "...)
		} else {
			p.buf = append(p.buf, " or "...)
		}
	}
	j.n++
}

// form is the form of the joined predicates, the one predicate's (one) when
// there is only one.
func (j *joiner) form(one form) form {
	switch {
	case j.n == 1:
		return one
	case j.all:
		return formAnd
	}
	return formOr
}

func (p *printer) field(path string) { p.buf = eqlq.AppendFieldName(p.buf, path) }

func (p *printer) match(m *ir.Match) (form, error) {
	if m.TimePart != "" {
		return 0, p.fail(m, "|"+m.TimePart, "EQL has no date-part functions")
	}
	field := m.Field
	if m.IsKeyword() {
		if p.b.opts.KeywordField == "" {
			return 0, p.fail(m, "keyword search", "EQL has no full-text search; set targets.eql.keyword_field (e.g. message) to search one field")
		}
		field = p.b.opts.KeywordField
		m = keywordAsContains(m, field)
	}
	switch m.Op {
	case ir.OpEqual:
		return p.equal(m, field)
	case ir.OpRegex:
		return p.regex(m, field)
	case ir.OpCIDR:
		if !m.All {
			p.buf = append(p.buf, "cidrMatch("...)
			p.field(field)
			for _, v := range m.Values {
				p.buf = append(p.buf, ", "...)
				p.buf = eqlq.AppendQuoted(p.buf, v.Text())
			}
			p.buf = append(p.buf, ')')
			return formCall, nil
		}
		j := joiner{all: true}
		for _, v := range m.Values {
			j.next(p)
			p.buf = append(p.buf, "cidrMatch("...)
			p.field(field)
			p.buf = append(p.buf, ", "...)
			p.buf = eqlq.AppendQuoted(p.buf, v.Text())
			p.buf = append(p.buf, ')')
		}
		return j.form(formCall), nil
	case ir.OpExists:
		p.field(field)
		p.buf = append(p.buf, " != null"...)
		return formOther, nil
	case ir.OpNull:
		p.field(field)
		p.buf = append(p.buf, " == null"...)
		return formOther, nil
	case ir.OpLT, ir.OpLTE, ir.OpGT, ir.OpGTE:
		j := joiner{all: m.All}
		for _, v := range m.Values {
			if v.Kind != ir.KindNumber {
				return 0, p.fail(m, "|"+m.Op.String()+" with a non-number", "EQL compares numbers only")
			}
			j.next(p)
			p.field(field)
			p.buf = append(p.buf, ' ')
			p.buf = append(p.buf, m.Op.String()...)
			p.buf = append(p.buf, ' ')
			p.buf = append(p.buf, v.Text()...)
		}
		return j.form(formOther), nil
	case ir.OpFieldRef:
		return 0, p.fail(m, "|fieldref", "Elasticsearch EQL does not compare a field with another field")
	}
	return 0, p.fail(m, "operator "+m.Op.String(), "")
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

// newPred starts a predicate of the match.
func (p *printer) newPred(kind predKind, op string, insensitive bool) int {
	p.preds = append(p.preds, pred{kind: kind, op: op, insensitive: insensitive, first: -1, last: -1})
	return len(p.preds) - 1
}

// add appends a value to predicate i.
func (p *printer) add(i int, it item) {
	it.next = -1
	p.items = append(p.items, it)
	k := len(p.items) - 1
	pr := &p.preds[i]
	if pr.n == 0 {
		pr.first = k
	} else {
		p.items[pr.last].next = k
	}
	pr.last = k
	pr.n++
}

// literal writes an item's value.
func (p *printer) literal(it *item) {
	switch {
	case it.raw:
		p.buf = append(p.buf, it.text...)
	case it.regex != nil:
		p.buf = append(p.buf, '"')
		for _, part := range it.regex {
			switch part.Kind {
			case ir.AnyString:
				p.buf = append(p.buf, ".*"...)
			case ir.AnyChar:
				p.buf = append(p.buf, '.')
			default:
				p.buf = eqlq.AppendQuotedLucene(p.buf, part.Text)
			}
		}
		p.buf = append(p.buf, '"')
	default:
		p.buf = eqlq.AppendQuoted(p.buf, it.text)
	}
}

// equal writes an OpEqual match. Values of the same form share one list
// predicate (`f : ("a", "b*")`) unless |all asks for each.
func (p *printer) equal(m *ir.Match, field string) (form, error) {
	p.items, p.preds = slices.Grow(p.items[:0], len(m.Values)), slices.Grow(p.preds[:0], len(m.Values))
	var patterns [4]int // the shared pattern lists, one per operator
	nPatterns := 0
	addPattern := func(op string, it item) {
		if m.All {
			p.add(p.newPred(predPattern, op, false), it)
			return
		}
		for _, i := range patterns[:nPatterns] {
			if p.preds[i].op == op {
				p.add(i, it)
				return
			}
		}
		i := p.newPred(predPattern, op, false)
		patterns[nPatterns] = i
		nPatterns++
		p.add(i, it)
	}
	in := -1 // the shared in-list
	addIn := func(s string, raw, insensitive bool) {
		if m.All || (in >= 0 && p.preds[in].insensitive != insensitive) {
			p.add(p.newPred(predIn, "", insensitive), item{text: s, raw: raw})
			return
		}
		if in < 0 {
			in = p.newPred(predIn, "", insensitive)
		}
		p.add(in, item{text: s, raw: raw})
	}
	for _, v := range m.Values {
		switch v.Kind {
		case ir.KindNumber, ir.KindBool:
			addIn(v.Text(), true, false)
			continue
		}
		v = normalize(v)
		shape, lit := v.Shape()
		switch {
		case !v.HasWildcards():
			if m.Cased {
				addIn(lit, false, false)
			} else if wildcardSafe(v) {
				addPattern(":", item{text: lit})
			} else {
				addIn(lit, false, true)
			}
		case !wildcardSafe(v):
			op := "regex~"
			if m.Cased {
				op = "regex"
			}
			addPattern(op, item{regex: v.Parts})
		case shape == ir.ShapeContains:
			p.add(p.newPred(predContains, "", !m.Cased), item{text: lit})
		case shape == ir.ShapeAny:
			p.newPred(predNotNull, "", false)
		case m.Cased:
			addPattern("like", item{text: wildcardText(v)})
		default:
			addPattern(":", item{text: wildcardText(v)})
		}
	}
	j := joiner{all: m.All}
	one := formOther
	for i := range p.preds {
		pr := &p.preds[i]
		j.next(p)
		switch pr.kind {
		case predPattern:
			p.field(field)
			p.buf = append(p.buf, ' ')
			p.buf = append(p.buf, pr.op...)
			p.buf = append(p.buf, ' ')
			p.list(pr, pr.n > 1)
		case predIn:
			p.field(field)
			if pr.n == 1 && !pr.insensitive {
				// A one-element in-list reads better as ==.
				p.buf = append(p.buf, " == "...)
				p.literal(&p.items[pr.first])
				break
			}
			p.buf = append(p.buf, " in"...)
			if pr.insensitive {
				p.buf = append(p.buf, '~')
			}
			p.buf = append(p.buf, ' ')
			p.list(pr, true)
		case predContains:
			p.buf = append(p.buf, "stringContains"...)
			if pr.insensitive {
				p.buf = append(p.buf, '~')
			}
			p.buf = append(p.buf, '(')
			p.field(field)
			p.buf = append(p.buf, ", "...)
			p.literal(&p.items[pr.first])
			p.buf = append(p.buf, ')')
			one = formCall
		case predNotNull:
			p.field(field)
			p.buf = append(p.buf, " != null"...)
		}
	}
	return j.form(one), nil
}

// list writes a predicate's values separated by ", ", in parentheses when
// paren is true.
func (p *printer) list(pr *pred, paren bool) {
	if paren {
		p.buf = append(p.buf, '(')
	}
	for k := pr.first; k >= 0; k = p.items[k].next {
		if k != pr.first {
			p.buf = append(p.buf, ", "...)
		}
		p.literal(&p.items[k])
	}
	if paren {
		p.buf = append(p.buf, ')')
	}
}

func (p *printer) regex(m *ir.Match, field string) (form, error) {
	op := "regex"
	if m.Regex.IgnoreCase {
		op = "regex~"
	}
	flags := eqlq.RegexFlags{IgnoreCase: m.Regex.IgnoreCase, Multiline: m.Regex.Multiline, DotAll: m.Regex.DotAll}
	j := joiner{all: true}
	if !m.All {
		p.field(field)
		p.buf = append(p.buf, ' ')
		p.buf = append(p.buf, op...)
		p.buf = append(p.buf, ' ')
		if len(m.Values) > 1 {
			p.buf = append(p.buf, '(')
		}
	}
	for i, v := range m.Values {
		lucene, err := eqlq.ToLucene(v.Text(), flags)
		if err != nil {
			return 0, p.fail(m, fmt.Sprintf("|re %q", v.Text()), err.Error())
		}
		if m.All {
			j.next(p)
			p.field(field)
			p.buf = append(p.buf, ' ')
			p.buf = append(p.buf, op...)
			p.buf = append(p.buf, ' ')
		} else if i > 0 {
			p.buf = append(p.buf, ", "...)
		}
		p.buf = eqlq.AppendQuoted(p.buf, lucene)
	}
	if !m.All {
		if len(m.Values) > 1 {
			p.buf = append(p.buf, ')')
		}
		return formOther, nil
	}
	return j.form(formOther), nil
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
