// Package sigma is the "sigma" target: the rule's intermediate form itself,
// run by the native evaluator (compiler/eval). Its text is ir.Format of the
// detection (or a readable summary of a correlation), so `sigforge compile
// --target sigma` shows exactly what every other backend compiles from, and
// in the fixture harness it is the reference verdict the other targets must
// agree with.
package sigma

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/sigforge/sigforge/backends"
	"github.com/sigforge/sigforge/compiler/config"
	"github.com/sigforge/sigforge/compiler/eval"
	"github.com/sigforge/sigforge/compiler/event"
	"github.com/sigforge/sigforge/compiler/ir"
)

// Name is the target's key.
const Name = "sigma"

// Ext is the extension of the compiled text.
const Ext = ".sigma"

// Backend is the sigma target. It has no options.
type Backend struct{}

var _ backends.Executor = (*Backend)(nil)

// New returns the target; the configuration has no section for it.
func New(*config.Config) (backends.Backend, error) { return &Backend{}, nil }

// Name returns "sigma".
func (*Backend) Name() string { return Name }

// Compile renders the rule's intermediate form. Every rule can be expressed;
// a rule the evaluator cannot run (an invalid regular expression or CIDR)
// is an error with its position.
func (b *Backend) Compile(r *ir.Rule) (backends.Output, error) {
	if r == nil {
		return backends.Output{}, fmt.Errorf("sigma: nil rule")
	}
	var text string
	if r.IsCorrelation() {
		if _, err := eval.CompileCorrelation(r); err != nil {
			return backends.Output{}, err
		}
		text = FormatCorrelation(r.Correlation)
	} else {
		if _, err := eval.Compile(r); err != nil {
			return backends.Output{}, err
		}
		text = ir.Format(r.Detection) + "\n"
	}
	return backends.Output{Rule: r, Text: text, Ext: Ext}, nil
}

// Prepare compiles the output's rule with the native evaluator.
func (b *Backend) Prepare(out backends.Output) (backends.Query, error) {
	if out.Rule == nil {
		return nil, fmt.Errorf("sigma: output has no rule")
	}
	if out.Rule.IsCorrelation() {
		c, err := eval.CompileCorrelation(out.Rule)
		if err != nil {
			return nil, err
		}
		return correlationQuery{c}, nil
	}
	e, err := eval.Compile(out.Rule)
	if err != nil {
		return nil, err
	}
	return detectionQuery{e}, nil
}

type detectionQuery struct{ e *eval.Evaluator }

func (q detectionQuery) Fires(events []event.Event) (bool, error) { return q.e.Fires(events), nil }

// MatchingEvents returns the indexes of the events the rule matches, so the
// harness can name the event that made a negative fixture fire.
func (q detectionQuery) MatchingEvents(events []event.Event) []int {
	var out []int
	for i := range events {
		if q.e.Match(events[i]) {
			out = append(out, i)
		}
	}
	return out
}

type correlationQuery struct{ c *eval.Correlator }

func (q correlationQuery) Fires(events []event.Event) (bool, error) { return q.c.Fires(events), nil }

// FormatCorrelation renders a correlation readably, one setting per line:
//
//	correlation event_count of [failed_login]
//	group-by: userIdentity.arn
//	timespan: 5m
//	condition: count >= 10
func FormatCorrelation(c *ir.Correlation) string {
	var b strings.Builder
	refs := make([]string, len(c.Rules))
	for i, r := range c.Rules {
		refs[i] = refName(r)
	}
	fmt.Fprintf(&b, "correlation %s of [%s]\n", c.Type, strings.Join(refs, ", "))
	if len(c.GroupBy) > 0 {
		fmt.Fprintf(&b, "group-by: %s\n", strings.Join(c.GroupBy, ", "))
	}
	for _, alias := range slices.Sorted(maps.Keys(c.Aliases)) {
		m := c.Aliases[alias]
		var pairs []string
		for _, rule := range slices.Sorted(maps.Keys(m)) {
			pairs = append(pairs, rule+"="+m[rule])
		}
		fmt.Fprintf(&b, "alias %s: %s\n", alias, strings.Join(pairs, ", "))
	}
	if c.Timespan > 0 {
		fmt.Fprintf(&b, "timespan: %s\n", FormatTimespan(c.Timespan))
	}
	fmt.Fprintf(&b, "condition: %s\n", formatCondition(c))
	if c.Generate {
		b.WriteString("generate: true\n")
	}
	return b.String()
}

func refName(r *ir.Rule) string {
	switch {
	case r == nil:
		return "<unresolved>"
	case r.Name != "":
		return r.Name
	case r.ID != "":
		return r.ID
	}
	return fmt.Sprintf("%q", r.Title)
}

var compareOps = map[string]string{"gt": ">", "gte": ">=", "lt": "<", "lte": "<=", "eq": "==", "neq": "!="}

func formatCondition(c *ir.Correlation) string {
	var subject string
	f := c.Condition.Field
	switch c.Type {
	case ir.EventCount:
		subject = "count"
	case ir.ValueCount:
		subject = "count(distinct " + f + ")"
	case ir.ValueSum:
		subject = "sum(" + f + ")"
	case ir.ValueAvg:
		subject = "avg(" + f + ")"
	case ir.ValuePercentile:
		subject = fmt.Sprintf("percentile(%s, %d)", f, c.Condition.Percentile)
	case ir.Temporal:
		subject = "rules matched"
	case ir.TemporalOrdered:
		subject = "rules matched in order"
	default:
		subject = string(c.Type)
	}
	if len(c.Condition.Compare) == 0 {
		switch c.Type {
		case ir.Temporal, ir.TemporalOrdered:
			return fmt.Sprintf("%s == %d", subject, len(c.Rules))
		}
		return subject + " >= 1"
	}
	parts := make([]string, len(c.Condition.Compare))
	for i, cmp := range c.Condition.Compare {
		op, ok := compareOps[cmp.Op]
		if !ok {
			op = cmp.Op
		}
		parts[i] = fmt.Sprintf("%s %s %d", subject, op, cmp.Value)
	}
	return strings.Join(parts, " and ")
}

// FormatTimespan renders a duration in Sigma's form (90m, 2h, 1d), falling
// back to Go's form for values that are not whole units.
func FormatTimespan(d time.Duration) string {
	units := []struct {
		suffix string
		d      time.Duration
	}{{"d", 24 * time.Hour}, {"h", time.Hour}, {"m", time.Minute}, {"s", time.Second}}
	for _, u := range units {
		if d%u.d == 0 {
			return fmt.Sprintf("%d%s", d/u.d, u.suffix)
		}
	}
	return d.String()
}
