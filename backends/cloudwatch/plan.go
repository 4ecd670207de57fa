package cloudwatch

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/sigforge/sigforge/compiler/ir"
	cwq "github.com/sigforge/sigforge/compiler/query/cloudwatch"
)

// Plan is what one rule compiles to, before it is written in a format.
type Plan struct {
	Rule *ir.Rule
	// Slug names the rule's resources (kebab case).
	Slug string
	// LogicalID names the rule's resources in CloudFormation and Terraform
	// (Pascal case).
	LogicalID string
	// ResourceName names the rule's Terraform resources (snake case).
	ResourceName string
	MetricName   string
	Namespace    string
	LogGroup     LogGroup
	// Filters publish the same metric; the alarm's Sum adds them up, which
	// is how a long OR list split over several filters still works as one.
	Filters []Filter
	// Dimensions of the metric, in order (at most three).
	Dimensions []Dimension
	// DefaultValue is published for log events that match no filter; nil
	// when omitted (always with dimensions, which AWS does not combine with
	// a default value).
	DefaultValue *float64
	Alarm        Alarm
	// PerLogGroup is set when a correlation groups by the log group: the
	// namespace and the alarm name then carry the log group's name, so that
	// each log group the stack is deployed on counts on its own metric.
	PerLogGroup bool
}

// logGroupMarker stands for the log group name in Namespace and
// Alarm.Name of a PerLogGroup plan until a format writes it out.
const logGroupMarker = "@@LOG_GROUP@@"

// logGroupFields are the group-by fields that name the log group of a
// CloudWatch Logs event.
var logGroupFields = []string{"logGroup", "aws.cloudwatch.log_group"}

// LogGroup is the log group the filters watch.
type LogGroup struct {
	// Key is "cloudtrail" or the logsource service of a text-log rule.
	Key string
	// Name is the configured log group name ("" when not configured).
	Name string
}

// Param is the CloudFormation parameter holding the log group name.
func (g LogGroup) Param() string {
	if g.Key == "cloudtrail" {
		return "CloudTrailLogGroupName"
	}
	return pascal(g.Key) + "LogGroupName"
}

// Var is the Terraform variable holding the log group name.
func (g LogGroup) Var() string { return snake(g.Key) + "_log_group_name" }

// Env is the shell variable holding the log group name in the cli form.
func (g LogGroup) Env() string { return strings.ToUpper(snake(g.Key)) + "_LOG_GROUP" }

// DefaultName is the configured name, or a conventional one.
func (g LogGroup) DefaultName() string {
	if g.Name != "" {
		return g.Name
	}
	if g.Key == "cloudtrail" {
		return "CloudTrail/DefaultLogGroup"
	}
	return "/aws/rds/instance/database-1/postgresql"
}

// Filter is one metric filter.
type Filter struct {
	Name    string
	Pattern string
	Regexes int
}

// Dimension is a metric dimension: a name and the selector of its value.
type Dimension struct {
	Key   string
	Value string
}

// Alarm is the CloudWatch alarm of a rule.
type Alarm struct {
	Name              string
	Description       string
	Period            int
	EvaluationPeriods int
	DatapointsToAlarm int
	Threshold         float64
	// Comparison is the ComparisonOperator.
	Comparison       string
	TreatMissingData string
	// Expression, when set, is a metric math expression over the metric
	// (id "m1"), used for conditions a single threshold cannot state.
	Expression string
	// Query, when set, is a Metrics Insights query over the dimensioned
	// metric (id "q1"), which the alarm watches instead of the metric.
	Query string
	// GroupBy are the dimensions the Query groups by.
	GroupBy []string
}

const (
	cmpGTE = "GreaterThanOrEqualToThreshold"
	cmpGT  = "GreaterThanThreshold"
	cmpLT  = "LessThanThreshold"
	cmpLTE = "LessThanOrEqualToThreshold"
)

// plan compiles a rule.
func (b *Backend) plan(r *ir.Rule) (*Plan, error) {
	t := &translator{b: b, rule: r}
	p := &Plan{Rule: r, Namespace: b.opts.Namespace}
	p.Slug = b.opts.NamePrefix + kebab(r.Title, r.ID)
	if len(p.Slug) > 200 {
		p.Slug = strings.TrimRight(p.Slug[:200], "-")
	}
	p.MetricName = metricName(r)
	p.LogicalID = p.MetricName
	p.ResourceName = snake(cmpOr(r.Name, r.Title, r.ID))
	if p.ResourceName == "" || p.ResourceName[0] >= '0' && p.ResourceName[0] <= '9' {
		p.ResourceName = "rule_" + p.ResourceName
	}
	if err := checkName("metric name", p.MetricName); err != nil {
		return nil, t.unsupported(r.Pos, "the rule's metric name", err.Error())
	}

	detections := []*ir.Rule{r}
	var corr *ir.Correlation
	if r.IsCorrelation() {
		corr = r.Correlation
		if corr.Type != ir.EventCount {
			return nil, t.unsupported(r.Pos, "correlation "+string(corr.Type),
				"a metric alarm can only count events (event_count)")
		}
		detections = corr.Rules
		if len(detections) == 0 {
			return nil, t.unsupported(r.Pos, "correlation without rules", "it references no rule")
		}
	}

	var patterns []*cwq.Pattern
	kind := ""
	exclusive := true
	for _, d := range detections {
		dt := &translator{b: b, rule: r}
		if d != r {
			dt.rule = d
		}
		if d.Detection == nil {
			return nil, dt.unsupported(d.Pos, "a rule without detection", "a correlation can only reference detection rules")
		}
		k, group := logKind(d)
		if kind == "" {
			kind, p.LogGroup = k, LogGroup{Key: group, Name: b.opts.LogGroups[group]}
		} else if k != kind || group != p.LogGroup.Key {
			return nil, t.unsupported(r.Pos, "correlation over different log groups", "one metric's filters all watch one log group")
		}
		var ps []*cwq.Pattern
		var excl bool
		var err error
		if k == "text" {
			ps, excl, err = dt.textRule(d)
		} else {
			ps, excl, err = dt.jsonRule(d)
		}
		if err != nil {
			return nil, err
		}
		exclusive = exclusive && excl
		patterns = append(patterns, ps...)
	}
	if len(detections) > 1 {
		exclusive = false
	}
	if corr != nil && len(patterns) > 1 && !exclusive {
		return nil, t.unsupported(r.Pos, "an event_count over several metric filters",
			"an event matching two of them would be counted twice; shorten the condition so it fits one 1024-character pattern")
	}
	for i, pat := range patterns {
		text := pat.String()
		if len(text) > cwq.MaxPatternLength {
			return nil, t.unsupported(r.Pos, "the condition", fmt.Sprintf("its pattern is %d characters; the limit is %d", len(text), cwq.MaxPatternLength))
		}
		parsed, err := cwq.Parse(text)
		if err != nil {
			return nil, t.unsupported(r.Pos, "the condition", fmt.Sprintf("the pattern %s is not valid: %v", text, err))
		}
		name := p.Slug
		if len(patterns) > 1 {
			name = fmt.Sprintf("%s-%d", p.Slug, i+1)
		}
		p.Filters = append(p.Filters, Filter{Name: name, Pattern: text, Regexes: parsed.RegexCount()})
	}

	// Dimensions: the correlation's group-by (opt-in), then the principal
	// and DB identifier when asked for.
	var groupBy []string
	if corr != nil && len(corr.GroupBy) == 1 && slices.Contains(logGroupFields, corr.FieldFor(corr.GroupBy[0], detections[0])) {
		// A metric filter watches one log group: grouping by it means one
		// metric per log group.
		p.PerLogGroup = true
		p.Namespace = b.opts.Namespace + "/" + logGroupMarker
	} else if corr != nil && len(corr.GroupBy) > 0 {
		if !b.opts.GroupByDimensions {
			return nil, t.unsupported(r.Pos, "correlation group-by "+strings.Join(corr.GroupBy, ", "),
				"grouping needs metric dimensions, which cost money per value and can get a filter disabled; opt in with targets.cloudwatch.group_by_dimensions: true")
		}
		if kind == "text" {
			return nil, t.unsupported(r.Pos, "correlation group-by on a text log", "only JSON patterns can extract a dimension value")
		}
		for _, g := range corr.GroupBy {
			field := corr.FieldFor(g, detections[0])
			for _, d := range detections[1:] {
				if corr.FieldFor(g, d) != field {
					return nil, t.unsupported(r.Pos, "group-by alias "+g, "its fields differ between the rules, and a metric filter dimension reads one field")
				}
			}
			dim, err := t.dimension(field)
			if err != nil {
				return nil, err
			}
			p.Dimensions = append(p.Dimensions, dim)
			groupBy = append(groupBy, dim.Key)
		}
	}
	if kind == "json" {
		if b.opts.PrincipalDimension {
			p.addDimension(Dimension{Key: "Principal", Value: "$.userIdentity.arn"})
		}
		if b.opts.DBIdentifierDimension {
			dim, err := t.dimension(b.opts.DBIdentifierField)
			if err != nil {
				return nil, err
			}
			dim.Key = "DBIdentifier"
			p.addDimension(dim)
		}
	}
	if len(p.Dimensions) > 3 {
		return nil, t.unsupported(r.Pos, fmt.Sprintf("%d metric dimensions", len(p.Dimensions)), "a metric filter takes at most 3")
	}
	if len(p.Dimensions) == 0 && !b.opts.OmitDefaultValue {
		v := b.opts.DefaultValue
		p.DefaultValue = &v
	}

	alarm, err := b.alarm(t, p, corr, groupBy)
	if err != nil {
		return nil, err
	}
	if p.PerLogGroup {
		if len(p.Dimensions) > 0 {
			return nil, t.unsupported(r.Pos, "group-by the log group with metric dimensions", "a Metrics Insights alarm cannot name a per-log-group namespace")
		}
		alarm.Name += "-" + logGroupMarker
	}
	p.Alarm = alarm
	return p, nil
}

func (p *Plan) addDimension(d Dimension) {
	if !slices.ContainsFunc(p.Dimensions, func(x Dimension) bool { return x.Value == d.Value }) {
		p.Dimensions = append(p.Dimensions, d)
	}
}

func (t *translator) dimension(field string) (Dimension, error) {
	sels, err := t.selectors(&ir.Match{Field: field, Pos: t.rule.Pos})
	if err != nil {
		return Dimension{}, err
	}
	if len(sels) != 1 {
		return Dimension{}, t.unsupported(t.rule.Pos, "dimension on "+field, "the field is an array, and a dimension takes one value")
	}
	return Dimension{Key: pascal(field), Value: sels[0].String()}, nil
}

// logKind says whether a rule reads JSON log events (a CloudTrail record, or
// any JSON log) or text log lines, and which log group: "cloudtrail" for
// CloudTrail, else the logsource service (e.g. "rds").
func logKind(r *ir.Rule) (kind, group string) {
	ls := r.Logsource
	if strings.EqualFold(ls.Service, "cloudtrail") {
		return "json", "cloudtrail"
	}
	kind = "json"
	for _, m := range ir.Matches(r.Detection) {
		if m.IsKeyword() || m.Field == "message" {
			kind = "text"
		}
	}
	group = strings.ToLower(ls.Service)
	switch {
	case group != "":
	case kind == "json":
		group = "cloudtrail"
	case ls.Product != "":
		group = strings.ToLower(ls.Product)
	default:
		group = "text"
	}
	return kind, group
}

func (t *translator) jsonRule(r *ir.Rule) ([]*cwq.Pattern, bool, error) {
	e, err := t.jsonExpr(r.Detection, false)
	if err != nil {
		return nil, false, err
	}
	parts, exclusive, err := t.split(e)
	if err != nil {
		return nil, false, err
	}
	var out []*cwq.Pattern
	for _, x := range parts {
		out = append(out, &cwq.Pattern{Kind: cwq.KindJSON, JSON: x})
	}
	return out, exclusive, nil
}

func (t *translator) textRule(r *ir.Rule) ([]*cwq.Pattern, bool, error) {
	clauses, err := t.textDNF(r.Detection, false)
	if err != nil {
		return nil, false, err
	}
	ps, _, err := t.textPatterns(clauses)
	if err != nil {
		return nil, false, err
	}
	// Text patterns that are several filters can overlap on one line.
	return ps, len(ps) == 1, nil
}

func jsonLen(e cwq.Expr) int { return len((&cwq.Pattern{Kind: cwq.KindJSON, JSON: e}).String()) }

// split cuts an expression whose pattern is over 1024 characters into
// several whose OR it is: the operands of a top-level OR, or, for an AND
// holding an OR, the AND with each chunk of that OR (A && (x || y) is
// (A && x) || (A && y)). An AND that still does not fit is refused.
// exclusive reports whether no event can match two of the parts (the parts
// split one OR of plain equalities on one property), which event_count
// needs.
func (t *translator) split(e cwq.Expr) ([]cwq.Expr, bool, error) {
	if jsonLen(e) <= cwq.MaxPatternLength {
		return []cwq.Expr{e}, true, nil
	}
	switch n := e.(type) {
	case *cwq.Or:
		var out []cwq.Expr
		for _, chunk := range packOr(n.Args, func(x cwq.Expr) cwq.Expr { return x }) {
			if jsonLen(chunk) > cwq.MaxPatternLength {
				sub, _, err := t.split(chunk)
				if err != nil {
					return nil, false, err
				}
				out = append(out, sub...)
				continue
			}
			out = append(out, chunk)
		}
		return out, exclusiveEqualities(n.Args), nil
	case *cwq.And:
		// Distribute over the longest OR operand.
		best := -1
		for i, a := range n.Args {
			if _, ok := a.(*cwq.Or); ok && (best < 0 || jsonLen(a) > jsonLen(n.Args[best])) {
				best = i
			}
		}
		if best >= 0 {
			or := n.Args[best].(*cwq.Or)
			others := slices.Delete(slices.Clone(n.Args), best, best+1)
			wrap := func(x cwq.Expr) cwq.Expr {
				args := slices.Clone(others)
				args = slices.Insert(args, best, x)
				return &cwq.And{Args: args}
			}
			chunks := packOr(or.Args, wrap)
			var out []cwq.Expr
			for _, c := range chunks {
				if jsonLen(c) > cwq.MaxPatternLength {
					return nil, false, t.unsupported(t.rule.Pos, "the AND of the condition",
						fmt.Sprintf("even with its OR list split, one filter pattern is %d characters (limit %d), and an AND cannot be split over several filters%s", jsonLen(c), cwq.MaxPatternLength, t.arrayHint(c)))
				}
				out = append(out, c)
			}
			return out, exclusiveEqualities(or.Args), nil
		}
	}
	return nil, false, t.unsupported(t.rule.Pos, "the condition",
		fmt.Sprintf("its pattern is %d characters (limit %d), and an AND cannot be split over several filters%s", jsonLen(e), cwq.MaxPatternLength, t.arrayHint(e)))
}

// arrayHint suggests checking fewer array elements when the pattern lists
// some.
func (t *translator) arrayHint(e cwq.Expr) string {
	if !strings.Contains(cwq.ExprString(e), "[0]") {
		return ""
	}
	return fmt.Sprintf("; it checks %d elements of each array: a smaller targets.cloudwatch.array_elements shortens it", t.b.opts.ArrayElements)
}

// packOr groups OR operands greedily into chunks whose wrapped pattern fits.
func packOr(args []cwq.Expr, wrap func(cwq.Expr) cwq.Expr) []cwq.Expr {
	var out []cwq.Expr
	var cur []cwq.Expr
	for _, a := range args {
		next := append(slices.Clone(cur), a)
		if len(cur) > 0 && jsonLen(wrap(mkOr(next...))) > cwq.MaxPatternLength {
			out = append(out, wrap(mkOr(cur...)))
			next = []cwq.Expr{a}
		}
		cur = next
	}
	return append(out, wrap(mkOr(cur...)))
}

// exclusiveEqualities reports whether the operands are "= literal" (no
// wildcard) on one selector, all different: no event matches two.
func exclusiveEqualities(args []cwq.Expr) bool {
	sel := ""
	seen := map[string]bool{}
	for _, a := range args {
		c, ok := a.(*cwq.Cond)
		if !ok || c.Op != cwq.OpEq || c.Value.Kind != cwq.ValString || strings.Contains(c.Value.Text, "*") {
			return false
		}
		s := c.Selector.String()
		if sel != "" && s != sel {
			return false
		}
		sel = s
		if seen[c.Value.Text] {
			return false
		}
		seen[c.Value.Text] = true
	}
	return true
}

// alarm builds the alarm: a detection rule alarms on one matching event in
// the period; an event_count correlation on its condition over its timespan.
func (b *Backend) alarm(t *translator, p *Plan, corr *ir.Correlation, groupBy []string) (Alarm, error) {
	r := p.Rule
	a := Alarm{
		Name:              p.Slug,
		Period:            b.opts.Period,
		EvaluationPeriods: 1,
		DatapointsToAlarm: 1,
		Threshold:         1,
		Comparison:        cmpGTE,
		TreatMissingData:  "notBreaching",
		GroupBy:           groupBy,
	}
	a.Description = description(r)
	var compares []ir.Comparison
	if corr != nil {
		span := corr.Timespan
		if span < time.Minute || span%time.Minute != 0 || span > 24*time.Hour {
			return Alarm{}, t.unsupported(r.Pos, "timespan "+span.String(),
				"an alarm period is a whole number of minutes up to one day")
		}
		a.Period = int(span / time.Second)
		compares = corr.Condition.Compare
		if len(compares) == 0 {
			return Alarm{}, t.unsupported(r.Pos, "a correlation without a condition", "the alarm needs a threshold")
		}
	}
	if len(compares) == 1 {
		c := compares[0]
		a.Threshold = float64(c.Value)
		switch c.Op {
		case "gte":
			a.Comparison = cmpGTE
		case "gt":
			a.Comparison = cmpGT
		case "lt":
			a.Comparison, a.TreatMissingData = cmpLT, "breaching"
		case "lte":
			a.Comparison, a.TreatMissingData = cmpLTE, "breaching"
		default:
			compares = append(compares, ir.Comparison{}) // eq/neq: metric math below
		}
	}
	if len(compares) > 1 {
		if len(p.Dimensions) > 0 {
			return Alarm{}, t.unsupported(r.Pos, "a range condition with metric dimensions",
				"a Metrics Insights alarm takes one threshold")
		}
		var conds []string
		for _, c := range compares {
			if c.Op == "" {
				continue
			}
			op, ok := map[string]string{"gte": ">=", "gt": ">", "lt": "<", "lte": "<=", "eq": "==", "neq": "!="}[c.Op]
			if !ok {
				return Alarm{}, t.unsupported(r.Pos, "condition "+c.Op, "unknown comparison")
			}
			conds = append(conds, fmt.Sprintf("m1 %s %d", op, c.Value))
		}
		a.Expression = fmt.Sprintf("IF(%s, 1, 0)", strings.Join(conds, " AND "))
		a.Threshold, a.Comparison, a.TreatMissingData = 1, cmpGTE, "notBreaching"
	}
	if len(p.Dimensions) > 0 {
		a.Query = insightsQuery(p, groupBy)
	}
	return a, nil
}

// insightsQuery sums the metric over its dimensions; with a group-by, one
// time series per group. An alarm on a query that returns several time
// series treats each as a contributor and goes into ALARM when any of them
// breaches (AWS: "Create a CloudWatch alarm based on a Metrics Insights
// query"), which is the correlation's "some group crosses the threshold".
// ORDER BY ... LIMIT 1 would not do: ORDER BY ranks series over the whole
// queried window, not per period.
func insightsQuery(p *Plan, groupBy []string) string {
	var dims []string
	for _, d := range p.Dimensions {
		dims = append(dims, d.Key)
	}
	q := fmt.Sprintf("SELECT SUM(%s) FROM SCHEMA(%s, %s)", p.MetricName, strconvQuote(p.Namespace), strings.Join(dims, ", "))
	if len(groupBy) > 0 {
		q += " GROUP BY " + strings.Join(groupBy, ", ")
	}
	return q
}

func strconvQuote(s string) string { return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"` }

func description(r *ir.Rule) string {
	var b strings.Builder
	b.WriteString(r.Title)
	if r.Meta.Severity != "" {
		fmt.Fprintf(&b, " (severity %s, risk %d)", r.Meta.Severity, r.Meta.RiskScore)
	}
	if r.ID != "" {
		fmt.Fprintf(&b, ". Sigma rule %s", r.ID)
	}
	if r.Description != "" {
		b.WriteString(". ")
		b.WriteString(strings.Join(strings.Fields(r.Description), " "))
	}
	s := b.String()
	if len(s) > 1024 {
		s = s[:1021] + "..."
	}
	return s
}

// metricName is the rule's name (Sigma "name") or its title, in Pascal
// case.
func metricName(r *ir.Rule) string {
	src := r.Name
	if src == "" {
		src = r.Title
	}
	if src == "" {
		src = r.ID
	}
	n := pascal(src)
	if len(n) > 200 {
		n = n[:200]
	}
	return n
}

func words(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r > unicode.MaxASCII || !(unicode.IsLetter(r) || unicode.IsDigit(r)) })
}

func pascal(s string) string {
	var b strings.Builder
	for _, w := range words(s) {
		b.WriteString(strings.ToUpper(w[:1]))
		b.WriteString(w[1:])
	}
	return b.String()
}

func snake(s string) string { return strings.ToLower(strings.Join(words(s), "_")) }

func kebab(title, id string) string {
	s := strings.ToLower(strings.Join(words(title), "-"))
	if s == "" {
		s = strings.ToLower(strings.Join(words(id), "-"))
	}
	return s
}

func cmpOr(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
