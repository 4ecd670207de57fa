package esql

import (
	"fmt"
	"strings"

	"github.com/sigforge/sigforge/compiler/ir"
)

var compareOps = map[string]string{"gt": ">", "gte": ">=", "lt": "<", "lte": "<=", "eq": "==", "neq": "!="}

// correlation renders a correlation rule as one aggregating query.
func (b *Backend) correlation(r *ir.Rule) (string, error) {
	c := r.Correlation
	if c.Timespan <= 0 {
		return "", unsupported(r, nil, "correlation without timespan", "")
	}
	var conds []string
	for _, sub := range c.Rules {
		if sub.IsCorrelation() {
			return "", unsupported(r, nil, "a correlation of correlations", "ES|QL runs one aggregation per query")
		}
		cond, err := b.condition(sub)
		if err != nil {
			return "", err
		}
		conds = append(conds, cond)
	}
	var lines []string
	lines = append(lines, "FROM "+b.opts.Index)
	lines = append(lines, "| WHERE "+joinParen(conds, " OR "))

	// Group-by keys: an alias with different fields per rule becomes a CASE.
	var evals, keys []string
	for _, g := range c.GroupBy {
		fields := map[string]bool{}
		for _, sub := range c.Rules {
			fields[c.FieldFor(g, sub)] = true
		}
		if len(fields) == 1 {
			f := c.FieldFor(g, c.Rules[0])
			keys = append(keys, Field(f))
			continue
		}
		var cases []string
		for i, sub := range c.Rules {
			f := c.FieldFor(g, sub)
			cases = append(cases, paren(conds[i]), Field(f))
		}
		name := "group_" + sanitize(g)
		evals = append(evals, name+" = CASE("+strings.Join(cases, ", ")+")")
		keys = append(keys, name)
	}
	evals = append([]string{"window = DATE_TRUNC(" + Span(c.Timespan) + ", @timestamp)"}, evals...)

	by := strings.Join(append([]string{"window"}, keys...), ", ")
	var stats, having string
	switch c.Type {
	case ir.EventCount:
		stats = "event_count = COUNT(*)"
		having = threshold("event_count", c.Condition)
	case ir.ValueCount, ir.ValueSum, ir.ValueAvg, ir.ValuePercentile:
		f := c.Condition.Field
		fn := map[ir.CorrelationType]string{ir.ValueCount: "COUNT_DISTINCT", ir.ValueSum: "SUM", ir.ValueAvg: "AVG", ir.ValuePercentile: "PERCENTILE"}[c.Type]
		name := string(c.Type)
		arg := Field(f)
		if c.Type == ir.ValuePercentile {
			arg += fmt.Sprintf(", %d", c.Condition.Percentile)
		}
		stats = fmt.Sprintf("%s = %s(%s)", name, fn, arg)
		having = threshold(name, c.Condition)
	case ir.Temporal, ir.TemporalOrdered:
		if c.Type == ir.TemporalOrdered && len(c.Rules) != 2 {
			return "", unsupported(r, nil, "correlation temporal_ordered of more than two rules",
				"ES|QL aggregates cannot check the order of three or more events; use the eql target")
		}
		var aggs, checks []string
		for i := range c.Rules {
			n := fmt.Sprintf("rule_%d", i+1)
			if c.Type == ir.Temporal {
				evals = append(evals, fmt.Sprintf("%s = CASE(%s, 1, 0)", n, paren(conds[i])))
				aggs = append(aggs, fmt.Sprintf("%s = MAX(%s)", n, n))
				checks = append(checks, n+" == 1")
				continue
			}
			evals = append(evals, fmt.Sprintf("%s = CASE(%s, @timestamp, null)", n, paren(conds[i])))
			agg := "MIN"
			if i == 1 {
				agg = "MAX"
			}
			aggs = append(aggs, fmt.Sprintf("%s = %s(%s)", n, agg, n))
		}
		if c.Type == ir.TemporalOrdered {
			checks = []string{"rule_1 < rule_2"}
		}
		stats = strings.Join(aggs, ", ")
		having = strings.Join(checks, " AND ")
	default:
		return "", unsupported(r, nil, "correlation "+string(c.Type), "")
	}
	lines = append(lines, "| EVAL "+strings.Join(evals, ", "))
	lines = append(lines, "| STATS "+stats+" BY "+by)
	lines = append(lines, "| WHERE "+having)
	return strings.Join(lines, "\n"), nil
}

func threshold(name string, t ir.Threshold) string {
	var parts []string
	for _, cmp := range t.Compare {
		parts = append(parts, fmt.Sprintf("%s %s %d", name, compareOps[cmp.Op], cmp.Value))
	}
	if len(parts) == 0 {
		return name + " >= 1"
	}
	return strings.Join(parts, " AND ")
}

func paren(s string) string {
	if strings.Contains(s, " AND ") || strings.Contains(s, " OR ") {
		return "(" + s + ")"
	}
	return s
}

func joinParen(conds []string, sep string) string {
	if len(conds) == 1 {
		return conds[0]
	}
	out := make([]string, len(conds))
	for i, c := range conds {
		out[i] = paren(c)
	}
	return strings.Join(out, sep)
}

func sanitize(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}
