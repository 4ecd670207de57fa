package esql

import (
	"fmt"
	"strings"

	"github.com/sigforge/sigforge/compiler/ir"
)

type compiler struct {
	b    *Backend
	rule *ir.Rule
}

// expr renders e. negated says whether e sits under a NOT (its leaves must
// then never be null); nested whether it needs parentheses as an operand.
func (c *compiler) expr(e ir.Expr, negated, nested bool) (string, error) {
	switch n := e.(type) {
	case *ir.And:
		return c.list(n.Args, " AND ", negated, nested)
	case *ir.Or:
		return c.list(n.Args, " OR ", negated, nested)
	case *ir.Not:
		s, err := c.expr(n.Arg, true, true)
		if err != nil {
			return "", err
		}
		return "NOT " + s, nil
	case *ir.Match:
		s, multi, err := c.match(n, negated)
		if err != nil {
			return "", err
		}
		if multi && nested {
			return "(" + s + ")", nil
		}
		return s, nil
	}
	return "", fmt.Errorf("esql: unknown node %T", e)
}

func (c *compiler) list(args []ir.Expr, sep string, negated, nested bool) (string, error) {
	parts := make([]string, len(args))
	for i, a := range args {
		s, err := c.expr(a, negated, true)
		if err != nil {
			return "", err
		}
		parts[i] = s
	}
	s := strings.Join(parts, sep)
	if nested && len(parts) > 1 {
		return "(" + s + ")", nil
	}
	return s, nil
}

func (c *compiler) fail(m *ir.Match, construct, reason string) error {
	return unsupported(c.rule, m, construct, reason)
}

// match renders one Match; multi reports a top-level AND/OR in the text.
func (c *compiler) match(m *ir.Match, negated bool) (string, bool, error) {
	if m.TimePart != "" {
		return c.datePart(m, negated)
	}
	field := m.Field
	if m.IsKeyword() {
		if c.b.opts.KeywordField == "" {
			return "", false, c.fail(m, "keyword search", "ES|QL has no full-text search over all fields; set targets.esql.keyword_field (e.g. message)")
		}
		field = c.b.opts.KeywordField
		m = keywordAsContains(m, field)
	}
	f := Field(field)
	var preds []string
	switch m.Op {
	case ir.OpExists:
		return f + " IS NOT NULL", false, nil
	case ir.OpNull:
		return f + " IS NULL", false, nil
	case ir.OpEqual:
		preds = c.equal(m, f)
	case ir.OpRegex:
		for _, v := range m.Values {
			re, err := luceneRegex(v, m.Regex)
			if err != nil {
				return "", false, c.fail(m, fmt.Sprintf("|re %q", v.Text()), err.Error())
			}
			preds = append(preds, f+" RLIKE "+Quote(re))
		}
	case ir.OpCIDR:
		var cidrs []string
		for _, v := range m.Values {
			cidrs = append(cidrs, Quote(v.Text()))
		}
		if m.All {
			for _, cidr := range cidrs {
				preds = append(preds, "CIDR_MATCH("+f+", "+cidr+")")
			}
		} else {
			preds = []string{"CIDR_MATCH(" + f + ", " + strings.Join(cidrs, ", ") + ")"}
		}
	case ir.OpLT, ir.OpLTE, ir.OpGT, ir.OpGTE:
		for _, v := range m.Values {
			if v.Kind != ir.KindNumber {
				return "", false, c.fail(m, "|"+m.Op.String()+" with a non-number", "ES|QL compares numbers here")
			}
			preds = append(preds, f+" "+m.Op.String()+" "+v.Text())
		}
	case ir.OpFieldRef:
		for _, v := range m.Values {
			other := Field(v.Text())
			if m.Cased {
				preds = append(preds, f+" == "+other)
			} else {
				preds = append(preds, "TO_LOWER("+f+") == TO_LOWER("+other+")")
			}
		}
	default:
		return "", false, c.fail(m, "operator "+m.Op.String(), "")
	}
	if negated {
		// Guard against ES|QL's null: NOT (null) drops the row, Sigma keeps it.
		for i, p := range preds {
			preds[i] = "(" + f + " IS NOT NULL AND " + p + ")"
		}
	}
	if len(preds) == 1 {
		return preds[0], false, nil
	}
	sep := " OR "
	if m.All {
		sep = " AND "
	}
	return strings.Join(preds, sep), true, nil
}

func (c *compiler) datePart(m *ir.Match, negated bool) (string, bool, error) {
	parts := map[string]string{"minute": "minute_of_hour", "hour": "hour_of_day", "day": "day_of_month", "month": "month_of_year", "year": "year"}
	unit, ok := parts[m.TimePart]
	if !ok || m.Op == ir.OpRegex || m.Op == ir.OpCIDR || m.Op == ir.OpFieldRef {
		return "", false, c.fail(m, "|"+m.TimePart, "no ES|QL DATE_EXTRACT unit for it")
	}
	expr := fmt.Sprintf("DATE_EXTRACT(%s, %s)", Quote(unit), Field(m.Field))
	var preds []string
	for _, v := range m.Values {
		if v.Kind != ir.KindNumber {
			return "", false, c.fail(m, "|"+m.TimePart+" with a non-number", "")
		}
		op := m.Op.String()
		if m.Op == ir.OpEqual {
			op = "=="
		}
		p := expr + " " + op + " " + v.Text()
		if negated {
			p = "(" + Field(m.Field) + " IS NOT NULL AND " + p + ")"
		}
		preds = append(preds, p)
	}
	sep := " OR "
	if m.All {
		sep = " AND "
	}
	return strings.Join(preds, sep), len(preds) > 1, nil
}

func keywordAsContains(m *ir.Match, field string) *ir.Match {
	k := *m
	k.Field = field
	k.Values = nil
	for _, v := range m.Values {
		if v.Kind != ir.KindString {
			v = ir.Str(v.Text())
		}
		parts := []ir.Part{{Kind: ir.AnyString}}
		for _, p := range v.Parts {
			if p.Kind == ir.AnyString && parts[len(parts)-1].Kind == ir.AnyString {
				continue
			}
			parts = append(parts, p)
		}
		if parts[len(parts)-1].Kind != ir.AnyString {
			parts = append(parts, ir.Part{Kind: ir.AnyString})
		}
		k.Values = append(k.Values, ir.Value{Kind: ir.KindString, Parts: parts})
	}
	return &k
}

// likePattern renders a wildcard pattern for LIKE: * and ? are the
// wildcards, and a literal *, ? or \ is escaped with a backslash.
func likePattern(v ir.Value, lower bool) string {
	var b strings.Builder
	for _, p := range v.Parts {
		switch p.Kind {
		case ir.AnyString:
			b.WriteByte('*')
		case ir.AnyChar:
			b.WriteByte('?')
		default:
			t := p.Text
			if lower {
				t = strings.ToLower(t)
			}
			b.WriteString(strings.NewReplacer(`\`, `\\`, `*`, `\*`, `?`, `\?`).Replace(t))
		}
	}
	return b.String()
}

func (c *compiler) equal(m *ir.Match, f string) []string {
	lhs := "TO_LOWER(" + f + ")"
	if m.Cased {
		lhs = f
	}
	var preds, exact []string
	var scalars []string
	for _, v := range m.Values {
		switch v.Kind {
		case ir.KindNumber:
			scalars = append(scalars, v.Text())
			continue
		case ir.KindBool:
			scalars = append(scalars, v.Text())
			continue
		}
		if !v.HasWildcards() {
			s := v.Text()
			if !m.Cased {
				s = strings.ToLower(s)
			}
			exact = append(exact, Quote(s))
			continue
		}
		if shape, _ := v.Shape(); shape == ir.ShapeAny {
			preds = append(preds, f+" IS NOT NULL")
			continue
		}
		preds = append(preds, lhs+" LIKE "+Quote(likePattern(v, !m.Cased)))
	}
	var out []string
	group := func(lhs string, vals []string) {
		switch {
		case len(vals) == 0:
		case len(vals) == 1 || m.All:
			for _, v := range vals {
				out = append(out, lhs+" == "+v)
			}
		default:
			out = append(out, lhs+" IN ("+strings.Join(vals, ", ")+")")
		}
	}
	group(f, scalars)
	group(lhs, exact)
	return append(out, preds...)
}
