package sql

import (
	"fmt"
	"strings"

	"github.com/sigforge/sigforge/compiler/ir"
)

// Column names of a correlation query's result, read by hunt.
const (
	ColWindowStart = "window_start_ms"
	ColWindowEnd   = "window_end_ms"
	ColValue       = "value"
)

// correlation compiles a correlation rule. The hits CTE holds one row per
// (referenced rule, matching event) with its group-by values; the outer
// query joins every hit h with the hits w of its group that precede it
// (by time, then by event key) and are at most Timespan older: that is the
// window compiler/eval evaluates after h. GROUP BY h ... HAVING keeps the
// windows whose aggregate meets the condition, so the query returns a row
// exactly when the evaluator would raise an alert before any window is
// cleared (the first alert of every group; see docs/sql.md for later ones).
func (b *Backend) correlation(r *ir.Rule, rng Range) (string, error) {
	hits, windows, order, err := b.correlationParts(r, rng)
	if err != nil {
		return "", err
	}
	return "WITH hits AS (\n" + hits + "\n)\n" + windows + "\nORDER BY " + order, nil
}

// CorrelationHits returns, for a correlation rule, a query for the hits
// (rule_no, ev, t, g1..gN, v; ordered by t, ev, rule_no) of the groups in
// which the correlation query finds a window. Hunt replays them through the
// native evaluator, which clears a group's window after each alert, so its
// alerts are the evaluator's exactly while the engine does the filtering
// and finds the groups.
func (b *Backend) CorrelationHits(r *ir.Rule, rng Range) (string, error) {
	if !r.IsCorrelation() {
		return "", fmt.Errorf("%s is not a correlation rule", r.Title)
	}
	hits, windows, _, err := b.correlationParts(r, rng)
	if err != nil {
		return "", b.unsupported(r, err)
	}
	var on []string
	for j, g := range r.Correlation.GroupBy {
		on = append(on, fmt.Sprintf("w.%s = hits.g%d", ident(g), j+1))
	}
	exists := "SELECT 1 FROM windows w"
	if len(on) > 0 {
		exists += " WHERE " + strings.Join(on, " AND ")
	}
	return "WITH hits AS (\n" + hits + "\n),\nwindows AS (\n" + windows + "\n)\nSELECT hits.*\nFROM hits\nWHERE EXISTS (" + exists + ")\nORDER BY hits.t, hits.ev, hits.rule_no", nil
}

// correlationParts returns the hits CTE's body, the windows SELECT and its
// ORDER BY list.
func (b *Backend) correlationParts(r *ir.Rule, rng Range) (hitsSQL, windows, order string, err error) {
	corr := r.Correlation
	d := b.dialect
	var hits []string
	for i, ref := range corr.Rules {
		if ref.IsCorrelation() {
			return "", "", "", refused("chained correlation", "%s references the correlation %q; the SQL targets compile correlations of detection rules only", r.Title, ref.Title)
		}
		cond, err := b.condition(ref)
		if err != nil {
			return "", "", "", err
		}
		c := &compiler{d: d, rule: ref}
		sel := []string{fmt.Sprintf("%d AS rule_no", i+1), d.eventKey() + " AS ev", d.epochMillis() + " AS t"}
		where := []string{paren(cond)}
		var joins []string
		for j, g := range corr.GroupBy {
			a, err := c.field(nil, corr.FieldFor(g, ref))
			if err != nil {
				return "", "", "", err
			}
			if a.inArray {
				return "", "", "", refused("group-by "+g, "grouping by a field inside an array of objects is not supported")
			}
			value := a.scalar
			if len(a.jsonSegs) > 0 && a.chain != nil {
				// A JSON path may cross arrays: the hit joins one group per
				// element, as the evaluator groups it.
				node := a.jsonDoc
				for k, seg := range a.jsonSegs {
					e := fmt.Sprintf("g%de%d", j+1, k+1)
					joins = append(joins, fmt.Sprintf("CROSS JOIN UNNEST(%s) AS u%s(%s)", d.elems(d.jsonGet(node, seg)), e, e))
					node = e
				}
				value = d.elemScalar(node)
			}
			sel = append(sel, fmt.Sprintf("%s AS g%d", value, j+1))
			where = append(where, fmt.Sprintf("%s IS NOT NULL", value))
		}
		if f := corr.Condition.Field; f != "" {
			a, err := c.field(nil, corr.FieldFor(f, ref))
			if err != nil {
				return "", "", "", err
			}
			if a.inArray {
				return "", "", "", refused("field "+f, "aggregating a field inside an array of objects is not supported")
			}
			sel = append(sel, a.scalar+" AS v")
		}
		where = append(where, timeFilter(d, rng.Since, rng.Until)...)
		from := d.table()
		for _, j := range joins {
			from += "\n  " + j
		}
		hits = append(hits, "  SELECT "+strings.Join(sel, ", ")+"\n  FROM "+from+"\n  WHERE "+strings.Join(where, "\n    AND "))
	}
	hitsSQL = strings.Join(hits, "\n  UNION ALL\n")
	var q strings.Builder
	span := corr.Timespan.Milliseconds()
	var groupCols []string
	for j, g := range corr.GroupBy {
		groupCols = append(groupCols, fmt.Sprintf("h.g%d AS %s", j+1, ident(g)))
	}
	if corr.Type == ir.TemporalOrdered {
		n := len(corr.Rules)
		last := fmt.Sprintf("h%d", n)
		var cols []string
		for j, g := range corr.GroupBy {
			cols = append(cols, fmt.Sprintf("h1.g%d AS %s", j+1, ident(g)))
		}
		cols = append(cols, "h1.t AS "+ColWindowStart, last+".t AS "+ColWindowEnd, fmt.Sprintf("%d AS %s", n, ColValue))
		q.WriteString("SELECT " + strings.Join(cols, ", ") + "\nFROM hits h1")
		for k := 2; k <= n; k++ {
			cur, prev := fmt.Sprintf("h%d", k), fmt.Sprintf("h%d", k-1)
			on := []string{fmt.Sprintf("%s.rule_no = %d", cur, k)}
			for j := range corr.GroupBy {
				on = append(on, fmt.Sprintf("%s.g%d = h1.g%d", cur, j+1, j+1))
			}
			on = append(on, fmt.Sprintf("(%s.t > %s.t OR (%s.t = %s.t AND %s.ev > %s.ev))", cur, prev, cur, prev, cur, prev))
			q.WriteString("\nJOIN hits " + cur + " ON " + strings.Join(on, " AND "))
		}
		where := []string{"h1.rule_no = 1"}
		if span > 0 {
			where = append(where, fmt.Sprintf("%s.t - h1.t <= %d", last, span))
		}
		q.WriteString("\nWHERE " + strings.Join(where, " AND "))
		return hitsSQL, q.String(), ColWindowEnd, nil
	}
	var agg string
	switch corr.Type {
	case ir.EventCount:
		agg = "count(DISTINCT w.ev)"
	case ir.ValueCount:
		agg = "count(DISTINCT w.v)"
	case ir.ValueSum:
		agg = "COALESCE(sum(TRY_CAST(w.v AS DOUBLE)), 0)"
	case ir.ValueAvg:
		agg = "avg(TRY_CAST(w.v AS DOUBLE))"
	case ir.Temporal:
		agg = "count(DISTINCT w.rule_no)"
	default:
		return "", "", "", refused("correlation "+string(corr.Type), "not supported by the SQL targets")
	}
	having, err := threshold(agg, corr)
	if err != nil {
		return "", "", "", err
	}
	on := []string{"w.t <= h.t", "(w.t < h.t OR w.ev <= h.ev)"}
	if span > 0 {
		on = append(on, fmt.Sprintf("w.t >= h.t - %d", span))
	}
	group := []string{"h.rule_no", "h.ev", "h.t"}
	for j := range corr.GroupBy {
		on = append([]string{fmt.Sprintf("w.g%d = h.g%d", j+1, j+1)}, on...)
		group = append(group, fmt.Sprintf("h.g%d", j+1))
	}
	cols := append(groupCols, "min(w.t) AS "+ColWindowStart, "h.t AS "+ColWindowEnd, agg+" AS "+ColValue)
	q.WriteString("SELECT " + strings.Join(cols, ", ") + "\nFROM hits h\nJOIN hits w ON " + strings.Join(on, " AND ") +
		"\nGROUP BY " + strings.Join(group, ", ") + "\nHAVING " + having)
	return hitsSQL, q.String(), ColWindowEnd + ", h.ev", nil
}

// threshold renders the correlation condition on the aggregate: every
// comparison must hold; none means "gte 1" (temporal: all rules).
func threshold(agg string, corr *ir.Correlation) (string, error) {
	cmp := corr.Condition.Compare
	if len(cmp) == 0 {
		n := int64(1)
		if corr.Type == ir.Temporal {
			n = int64(len(corr.Rules))
		}
		cmp = []ir.Comparison{{Op: "gte", Value: n}}
	}
	ops := map[string]string{"gt": ">", "gte": ">=", "lt": "<", "lte": "<=", "eq": "=", "neq": "<>"}
	var parts []string
	for _, c := range cmp {
		op, ok := ops[c.Op]
		if !ok {
			return "", refused("condition "+c.Op, "unknown comparison")
		}
		parts = append(parts, fmt.Sprintf("%s %s %d", agg, op, c.Value))
	}
	return strings.Join(parts, " AND "), nil
}

// ident renders a double-quoted SQL identifier.
func ident(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
