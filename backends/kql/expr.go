package kql

import (
	"strings"

	"github.com/sigforge/sigforge/compiler/ir"
	kqlq "github.com/sigforge/sigforge/compiler/query/kql"
)

// compiler turns one rewritten detection into KQL text.
type compiler struct {
	b    *Backend
	rule *ir.Rule // the rule as written, for messages
}

func (c *compiler) expr(e ir.Expr) (string, error) {
	switch n := e.(type) {
	case *ir.And:
		return c.list(n.Args, " and ", func(a ir.Expr) bool { _, isOr := a.(*ir.Or); return isOr })
	case *ir.Or:
		return c.list(n.Args, " or ", func(ir.Expr) bool { return false })
	case *ir.Not:
		inner, err := c.expr(n.Arg)
		if err != nil {
			return "", err
		}
		if needsParens(n.Arg) {
			inner = "(" + inner + ")"
		}
		return "not " + inner, nil
	case *ir.Match:
		return c.match(n)
	}
	return "", unsupported(c.rule, e.Position(), "expression", "unknown node")
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

func (c *compiler) list(args []ir.Expr, sep string, paren func(ir.Expr) bool) (string, error) {
	parts := make([]string, 0, len(args))
	for _, a := range args {
		s, err := c.expr(a)
		if err != nil {
			return "", err
		}
		if paren(a) {
			s = "(" + s + ")"
		}
		parts = append(parts, s)
	}
	if len(parts) == 1 {
		return parts[0], nil
	}
	return strings.Join(parts, sep), nil
}

func (c *compiler) match(m *ir.Match) (string, error) {
	if m.TimePart != "" {
		return "", unsupported(c.rule, m.Pos, "time part |"+m.TimePart+" on "+m.Field, "KQL cannot extract a part of a date")
	}
	field := kqlq.FormatField(m.Field)
	if c.b.schema[m.Field] == kqlq.Text && m.Op != ir.OpExists && m.Op != ir.OpNull {
		return "", unsupported(c.rule, m.Pos, "condition on text field "+m.Field,
			m.Field+" is an analyzed text field: Elasticsearch matches it token by token and case-insensitively, not as Sigma compares values; use the eql or esql target")
	}
	switch m.Op {
	case ir.OpExists:
		return field + ":*", nil
	case ir.OpNull:
		return "not " + field + ":*", nil
	case ir.OpRegex:
		return "", unsupported(c.rule, m.Pos, "|re on "+fieldName(m), "KQL has no regular expressions; use the eql target (regex~) or the lucene target (/…/)")
	case ir.OpFieldRef:
		return "", unsupported(c.rule, m.Pos, "|fieldref on "+m.Field, "KQL cannot compare two fields; use the esql target")
	case ir.OpCIDR:
		if c.b.schema[m.Field] != kqlq.IP {
			return "", unsupported(c.rule, m.Pos, "|cidr on "+m.Field, m.Field+" is not an ip field; KQL matches CIDR blocks only on ip fields such as source.ip")
		}
		return c.values(m, field, func(v ir.Value) (string, error) {
			// An unquoted value becomes a match query, which Elasticsearch
			// turns into a CIDR term query on an ip field; ":" of IPv6 is
			// escaped.
			return kqlq.EscapeLiteral(v.Text(), true, true)
		})
	case ir.OpLT, ir.OpLTE, ir.OpGT, ir.OpGTE:
		if c.b.schema[m.Field] != kqlq.Number {
			return "", unsupported(c.rule, m.Pos, "|"+opName(m.Op)+" on "+m.Field,
				"Elasticsearch compares "+m.Field+" as a string (it is not a numeric field), so a KQL range would not compare numbers")
		}
		var parts []string
		for _, v := range m.Values {
			parts = append(parts, field+" "+m.Op.String()+" "+v.Text())
		}
		if len(parts) == 1 {
			return parts[0], nil
		}
		sep := " or "
		if m.All {
			sep = " and "
		}
		return "(" + strings.Join(parts, sep) + ")", nil
	}
	if m.IsKeyword() {
		return "", unsupported(c.rule, m.Pos, "keyword search", keywordReason)
	}
	return c.values(m, field, func(v ir.Value) (string, error) { return c.value(m, v) })
}

// values renders field:v or field:(v1 or v2) (and for |all).
func (c *compiler) values(m *ir.Match, field string, render func(ir.Value) (string, error)) (string, error) {
	parts := make([]string, 0, len(m.Values))
	for _, v := range m.Values {
		s, err := render(v)
		if ce, ok := err.(*caseError); ok {
			return "", unsupported(c.rule, m.Pos, "case-insensitive match on "+ce.field, err.Error())
		}
		if err != nil {
			return "", unsupported(c.rule, m.Pos, "value "+v.Quoted()+" on "+m.Field, err.Error())
		}
		parts = append(parts, s)
	}
	if len(parts) == 1 {
		return field + ":" + parts[0], nil
	}
	sep := " or "
	if m.All {
		sep = " and "
	}
	return field + ":(" + strings.Join(parts, sep) + ")", nil
}

// value renders one value of an equality match.
func (c *compiler) value(m *ir.Match, v ir.Value) (string, error) {
	if !m.Cased && !c.b.caseSafe(m.Field, v) {
		return "", &caseError{field: m.Field}
	}
	switch v.Kind {
	case ir.KindBool:
		return v.Text(), nil
	case ir.KindNumber:
		return kqlq.EscapeLiteral(v.Text(), true, true)
	}
	if v.Text() == "" && !v.HasWildcards() {
		return "", errorString("the ingest pipeline drops empty strings, so an empty value never matches in Elasticsearch; use null instead")
	}
	if !v.HasWildcards() {
		return kqlq.Quote(v.Text()), nil
	}
	return wildcard(v)
}

// wildcard renders a pattern as an unquoted KQL wildcard value.
func wildcard(v ir.Value) (string, error) {
	var b strings.Builder
	for i, p := range v.Parts {
		switch p.Kind {
		case ir.AnyString:
			b.WriteByte('*')
		case ir.AnyChar:
			return "", errorString("KQL has no single-character wildcard (?); use the eql or lucene target")
		default:
			if strings.ContainsFunc(p.Text, isWhitespace) {
				return "", errorString("a KQL wildcard value cannot hold whitespace: Kibana's detection engine sends it as a query_string query, which splits it into terms; use the eql or lucene target")
			}
			e, err := kqlq.EscapeLiteral(p.Text, i == 0, i == len(v.Parts)-1)
			if err != nil {
				return "", err
			}
			b.WriteString(e)
		}
	}
	return b.String(), nil
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
