package kql

import (
	"strings"

	"github.com/sigforge/sigforge/compiler/ir"
	kqlq "github.com/sigforge/sigforge/compiler/query/kql"
)

// compiler turns one rewritten detection into KQL text, written to out.
type compiler struct {
	b    *Backend
	rule *ir.Rule // the rule as written, for messages
	out  strings.Builder
}

// compile returns the KQL text of detection e of rule r.
func compile(b *Backend, r *ir.Rule, e ir.Expr) (string, error) {
	c := compiler{b: b, rule: r}
	c.out.Grow(256) // most queries fit
	if err := c.expr(e); err != nil {
		return "", err
	}
	return c.out.String(), nil
}

func (c *compiler) expr(e ir.Expr) error {
	switch n := e.(type) {
	case *ir.And:
		return c.list(n.Args, " and ", true)
	case *ir.Or:
		return c.list(n.Args, " or ", false)
	case *ir.Not:
		c.out.WriteString("not ")
		if !needsParens(n.Arg) {
			return c.expr(n.Arg)
		}
		c.out.WriteByte('(')
		err := c.expr(n.Arg)
		c.out.WriteByte(')')
		return err
	case *ir.Match:
		return c.match(n)
	}
	return unsupported(c.rule, e.Position(), "expression", "unknown node")
}

// needsParens says whether a negated expression must be grouped: and/or
// bind looser than not, and "not not" is not KQL.
func needsParens(e ir.Expr) bool {
	switch n := e.(type) {
	case *ir.And, *ir.Or, *ir.Not:
		return true
	case *ir.Match:
		return n.Op == ir.OpNull // rendered "not field:*"
	}
	return false
}

// list writes args joined by sep; in an and, or-arguments are grouped.
func (c *compiler) list(args []ir.Expr, sep string, parenOr bool) error {
	for i, a := range args {
		if i > 0 {
			c.out.WriteString(sep)
		}
		_, isOr := a.(*ir.Or)
		if paren := parenOr && isOr; paren {
			c.out.WriteByte('(')
			if err := c.expr(a); err != nil {
				return err
			}
			c.out.WriteByte(')')
		} else if err := c.expr(a); err != nil {
			return err
		}
	}
	return nil
}

func (c *compiler) match(m *ir.Match) error {
	if m.TimePart != "" {
		return unsupported(c.rule, m.Pos, "time part |"+m.TimePart+" on "+m.Field, "KQL cannot extract a part of a date")
	}
	field := kqlq.FormatField(m.Field)
	kind := c.b.schema[m.Field]
	if kind == kqlq.Text && m.Op != ir.OpExists && m.Op != ir.OpNull {
		return unsupported(c.rule, m.Pos, "condition on text field "+m.Field,
			m.Field+" is an analyzed text field: Elasticsearch matches it token by token and case-insensitively, not as Sigma compares values; use the eql or esql target")
	}
	switch m.Op {
	case ir.OpExists:
		c.out.WriteString(field)
		c.out.WriteString(":*")
		return nil
	case ir.OpNull:
		c.out.WriteString("not ")
		c.out.WriteString(field)
		c.out.WriteString(":*")
		return nil
	case ir.OpRegex:
		return unsupported(c.rule, m.Pos, "|re on "+fieldName(m), "KQL has no regular expressions; use the eql target (regex~) or the lucene target (/…/)")
	case ir.OpFieldRef:
		return unsupported(c.rule, m.Pos, "|fieldref on "+m.Field, "KQL cannot compare two fields; use the esql target")
	case ir.OpCIDR:
		if kind != kqlq.IP {
			return unsupported(c.rule, m.Pos, "|cidr on "+m.Field, m.Field+" is not an ip field; KQL matches CIDR blocks only on ip fields such as source.ip")
		}
		return c.values(m, field, func(v ir.Value) error {
			// An unquoted value becomes a match query, which Elasticsearch
			// turns into a CIDR term query on an ip field; ":" of IPv6 is
			// escaped.
			return c.literal(text(v), true, true)
		})
	case ir.OpLT, ir.OpLTE, ir.OpGT, ir.OpGTE:
		if kind != kqlq.Number {
			return unsupported(c.rule, m.Pos, "|"+opName(m.Op)+" on "+m.Field,
				"Elasticsearch compares "+m.Field+" as a string (it is not a numeric field), so a KQL range would not compare numbers")
		}
		sep := " or "
		if m.All {
			sep = " and "
		}
		if len(m.Values) > 1 {
			c.out.WriteByte('(')
		}
		for i, v := range m.Values {
			if i > 0 {
				c.out.WriteString(sep)
			}
			c.out.WriteString(field)
			c.out.WriteByte(' ')
			c.out.WriteString(m.Op.String())
			c.out.WriteByte(' ')
			c.out.WriteString(text(v))
		}
		if len(m.Values) > 1 {
			c.out.WriteByte(')')
		}
		return nil
	}
	if m.IsKeyword() {
		return unsupported(c.rule, m.Pos, "keyword search", keywordReason)
	}
	return c.values(m, field, func(v ir.Value) error { return c.value(m, v) })
}

// values writes field:v or field:(v1 or v2) (and for |all).
func (c *compiler) values(m *ir.Match, field string, render func(ir.Value) error) error {
	c.out.WriteString(field)
	c.out.WriteByte(':')
	if len(m.Values) > 1 {
		c.out.WriteByte('(')
	}
	sep := " or "
	if m.All {
		sep = " and "
	}
	for i, v := range m.Values {
		if i > 0 {
			c.out.WriteString(sep)
		}
		err := render(v)
		if ce, ok := err.(*caseError); ok {
			return unsupported(c.rule, m.Pos, "case-insensitive match on "+ce.field, err.Error())
		}
		if err != nil {
			return unsupported(c.rule, m.Pos, "value "+v.Quoted()+" on "+m.Field, err.Error())
		}
	}
	if len(m.Values) > 1 {
		c.out.WriteByte(')')
	}
	return nil
}

// literal writes an unquoted literal run (kqlq.EscapeLiteral).
func (c *compiler) literal(s string, first, last bool) error {
	return kqlq.WriteLiteral(&c.out, s, first, last)
}

// text is v.Text() without a copy for a plain literal.
func text(v ir.Value) string {
	if v.Kind == ir.KindString && len(v.Parts) == 1 && v.Parts[0].Kind == ir.Literal {
		return v.Parts[0].Text
	}
	return v.Text()
}

// value writes one value of an equality match.
func (c *compiler) value(m *ir.Match, v ir.Value) error {
	if !m.Cased && !c.b.caseSafe(m.Field, v) {
		return &caseError{field: m.Field}
	}
	switch v.Kind {
	case ir.KindBool:
		c.out.WriteString(v.Text())
		return nil
	case ir.KindNumber:
		return c.literal(v.Text(), true, true)
	}
	if !v.HasWildcards() {
		t := text(v)
		if t == "" {
			return errorString("the ingest pipeline drops empty strings, so an empty value never matches in Elasticsearch; use null instead")
		}
		kqlq.WriteQuoted(&c.out, t)
		return nil
	}
	return c.wildcard(v)
}

// wildcard writes a pattern as an unquoted KQL wildcard value.
func (c *compiler) wildcard(v ir.Value) error {
	for i, p := range v.Parts {
		switch p.Kind {
		case ir.AnyString:
			c.out.WriteByte('*')
		case ir.AnyChar:
			return errorString("KQL has no single-character wildcard (?); use the eql or lucene target")
		default:
			if strings.ContainsFunc(p.Text, isWhitespace) {
				return errorString("a KQL wildcard value cannot hold whitespace: Kibana's detection engine sends it as a query_string query, which splits it into terms; use the eql or lucene target")
			}
			if err := c.literal(p.Text, i == 0, i == len(v.Parts)-1); err != nil {
				return err
			}
		}
	}
	return nil
}

func isWhitespace(r rune) bool {
	return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\u00a0' || r == '\f' || r == '\v'
}

func fieldName(m *ir.Match) string {
	if m.IsKeyword() {
		return "a keyword search"
	}
	return m.Field
}

func opName(o ir.Op) string {
	switch o {
	case ir.OpLT:
		return "lt"
	case ir.OpLTE:
		return "lte"
	case ir.OpGT:
		return "gt"
	}
	return "gte"
}

// keywordReason is why keyword (unbound) searches are refused: a fieldless
// query runs on every field, and on analyzed text fields such as message
// (engine logs) a wildcard matches single tokens, not the line.
const keywordReason = "a fieldless KQL query runs on every field, and on analyzed text fields (message) a wildcard matches single tokens, not the line; name the field, or use the eql target with keyword_field"

type errorString string

func (e errorString) Error() string { return string(e) }

type caseError struct{ field string }

func (e *caseError) Error() string {
	return "KQL matches " + e.field + " case-sensitively and its values have no fixed case; add |cased to the rule when the case is known, use the eql target, or set targets.kql.case: exact"
}
