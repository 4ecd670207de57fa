package cloudwatch

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"go.yaml.in/yaml/v3"

	"github.com/sigforge/sigforge/backends"
	"github.com/sigforge/sigforge/compiler/event"
	cwq "github.com/sigforge/sigforge/compiler/query/cloudwatch"
)

// prepared is a compiled rule read back from its text: the filters'
// patterns and the alarm, which is all Fires needs.
type prepared struct {
	filters      []*cwq.Pattern
	dims         map[string]cwq.Selector
	defaultValue bool
	period       int
	threshold    float64
	comparison   string
	missing      string
	// conds is the metric math condition (all must hold), when the alarm
	// uses one.
	conds   []mathCond
	groupBy []string
	// perLogGroup: the metric's namespace names the log group, so each
	// log group counts on its own.
	perLogGroup bool
}

type mathCond struct {
	op    string
	value float64
}

// Prepare reads the patterns and the alarm back from compiled text in the
// backend's format, parsing every pattern with the CloudWatch pattern
// parser: a pattern CloudWatch would reject fails here.
func (b *Backend) Prepare(out backends.Output) (backends.Query, error) {
	var p *prepared
	var err error
	switch b.opts.Format {
	case FormatCloudFormation:
		p, err = readCloudFormation(out.Text)
	case FormatTerraform:
		p, err = readTerraform(out.Text)
	case FormatCLI:
		p, err = readCLI(out.Text)
	default:
		p, err = readJSON(out.Text)
	}
	if err != nil {
		return nil, fmt.Errorf("cloudwatch: %w", err)
	}
	if len(p.filters) == 0 {
		return nil, fmt.Errorf("cloudwatch: the compiled text holds no metric filter")
	}
	if p.period <= 0 {
		return nil, fmt.Errorf("cloudwatch: the compiled text holds no alarm period")
	}
	return p, nil
}

func (p *prepared) addFilter(pattern string, dims map[string]string, def, perLogGroup bool) error {
	p.perLogGroup = p.perLogGroup || perLogGroup
	pat, err := cwq.Parse(pattern)
	if err != nil {
		return fmt.Errorf("filter pattern %q: %w", pattern, err)
	}
	p.filters = append(p.filters, pat)
	p.defaultValue = def
	if p.dims == nil {
		p.dims = map[string]cwq.Selector{}
	}
	for k, v := range dims {
		sel, err := cwq.ParseSelector(v)
		if err != nil {
			return fmt.Errorf("dimension %s: %w", k, err)
		}
		p.dims[k] = sel
	}
	return nil
}

var (
	mathCondRE = regexp.MustCompile(`m1 (>=|<=|==|!=|>|<) (-?[0-9.]+)`)
	groupByRE  = regexp.MustCompile(`GROUP BY (.+?)(?: ORDER BY|$)`)
)

func (p *prepared) setAlarm(period int, threshold float64, comparison, missing, expression, query string) error {
	p.period, p.threshold, p.comparison, p.missing = period, threshold, comparison, missing
	if expression != "" {
		for _, m := range mathCondRE.FindAllStringSubmatch(expression, -1) {
			v, err := strconv.ParseFloat(m[2], 64)
			if err != nil {
				return err
			}
			p.conds = append(p.conds, mathCond{m[1], v})
		}
		if len(p.conds) == 0 {
			return fmt.Errorf("metric math %q: no condition on m1", expression)
		}
	}
	if m := groupByRE.FindStringSubmatch(query); m != nil {
		for _, g := range strings.Split(m[1], ",") {
			p.groupBy = append(p.groupBy, strings.TrimSpace(g))
		}
	}
	return nil
}

func readJSON(text string) (*prepared, error) {
	var doc jsonDoc
	if err := json.Unmarshal([]byte(text), &doc); err != nil {
		return nil, err
	}
	p := &prepared{}
	for _, f := range doc.MetricFilters {
		if len(f.MetricTransformations) != 1 {
			return nil, fmt.Errorf("filter %s: metricTransformations must hold exactly one item", f.FilterName)
		}
		mt := f.MetricTransformations[0]
		per := f.LogGroupName != "" && strings.HasSuffix(mt.MetricNamespace, "/"+f.LogGroupName)
		if err := p.addFilter(f.FilterPattern, mt.Dimensions, mt.DefaultValue != nil, per); err != nil {
			return nil, err
		}
	}
	if len(doc.MetricAlarms) != 1 {
		return nil, fmt.Errorf("want one alarm, found %d", len(doc.MetricAlarms))
	}
	return p, p.setAlarmFrom(doc.MetricAlarms[0])
}

func (p *prepared) setAlarmFrom(a putMetricAlarm) error {
	period, expr, query := a.Period, "", ""
	for _, m := range a.Metrics {
		switch {
		case m.MetricStat != nil:
			period = m.MetricStat.Period
		case strings.HasPrefix(m.Expression, "SELECT"):
			query, period = m.Expression, m.Period
		default:
			expr = m.Expression
		}
	}
	return p.setAlarm(period, a.Threshold, a.ComparisonOperator, a.TreatMissingData, expr, query)
}

func readCloudFormation(text string) (*prepared, error) {
	var tpl struct {
		Resources map[string]struct {
			Type       string    `yaml:"Type"`
			Properties yaml.Node `yaml:"Properties"`
		} `yaml:"Resources"`
	}
	if err := yaml.Unmarshal([]byte(text), &tpl); err != nil {
		return nil, err
	}
	p := &prepared{}
	var alarms []putMetricAlarm
	names := make([]string, 0, len(tpl.Resources))
	for n := range tpl.Resources {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		res := tpl.Resources[n]
		switch res.Type {
		case "AWS::Logs::MetricFilter":
			var props struct {
				FilterPattern         string              `yaml:"FilterPattern"`
				MetricTransformations []cfnTransformation `yaml:"MetricTransformations"`
			}
			if err := res.Properties.Decode(&props); err != nil {
				return nil, fmt.Errorf("%s: %w", n, err)
			}
			if len(props.MetricTransformations) != 1 {
				return nil, fmt.Errorf("%s: MetricTransformations must hold exactly one item", n)
			}
			mt := props.MetricTransformations[0]
			dims := map[string]string{}
			for _, d := range mt.Dimensions {
				dims[d.Key] = d.Value
			}
			_, per := mt.MetricNamespace.(map[string]any)
			if err := p.addFilter(props.FilterPattern, dims, mt.DefaultValue != nil, per); err != nil {
				return nil, fmt.Errorf("%s: %w", n, err)
			}
		case "AWS::CloudWatch::Alarm":
			var props cfnAlarmProps
			if err := res.Properties.Decode(&props); err != nil {
				return nil, fmt.Errorf("%s: %w", n, err)
			}
			a := putMetricAlarm{Period: props.Period, Threshold: props.Threshold,
				ComparisonOperator: props.ComparisonOperator, TreatMissingData: props.TreatMissingData}
			for _, m := range props.Metrics {
				q := metricQuery{ID: m.ID, Expression: m.Expression, Period: m.Period}
				if m.MetricStat != nil {
					q.MetricStat = &metricStat{Period: m.MetricStat.Period}
				}
				a.Metrics = append(a.Metrics, q)
			}
			alarms = append(alarms, a)
		}
	}
	if len(alarms) != 1 {
		return nil, fmt.Errorf("want one alarm, found %d", len(alarms))
	}
	return p, p.setAlarmFrom(alarms[0])
}

// readTerraform parses the HCL and evaluates the literal attributes the
// harness needs (pattern, dimensions, period, threshold, ...).
func readTerraform(text string) (*prepared, error) {
	file, diags := hclsyntax.ParseConfig([]byte(text), "main.tf", hcl.InitialPos)
	if diags.HasErrors() {
		return nil, diags
	}
	body := file.Body.(*hclsyntax.Body)
	p := &prepared{}
	var alarms []putMetricAlarm
	for _, blk := range body.Blocks {
		if blk.Type != "resource" || len(blk.Labels) != 2 {
			continue
		}
		switch blk.Labels[0] {
		case "aws_cloudwatch_log_metric_filter":
			pattern, err := attrString(blk.Body, "pattern")
			if err != nil {
				return nil, err
			}
			dims := map[string]string{}
			def, per := false, false
			for _, mb := range blk.Body.Blocks {
				if mb.Type != "metric_transformation" {
					continue
				}
				if a, ok := mb.Body.Attributes["namespace"]; ok && len(a.Expr.Variables()) > 0 {
					per = true
				}
				if _, ok := mb.Body.Attributes["default_value"]; ok {
					def = true
				}
				if a, ok := mb.Body.Attributes["dimensions"]; ok {
					v, d := a.Expr.Value(nil)
					if d.HasErrors() {
						return nil, d
					}
					for k, x := range v.AsValueMap() {
						dims[k] = x.AsString()
					}
				}
			}
			if err := p.addFilter(pattern, dims, def, per); err != nil {
				return nil, err
			}
		case "aws_cloudwatch_metric_alarm":
			a := putMetricAlarm{}
			var err error
			if _, ok := blk.Body.Attributes["period"]; ok {
				n, err := attrNumber(blk.Body, "period")
				if err != nil {
					return nil, err
				}
				a.Period = int(n)
			}
			if a.Threshold, err = attrNumber(blk.Body, "threshold"); err != nil {
				return nil, err
			}
			if a.ComparisonOperator, err = attrString(blk.Body, "comparison_operator"); err != nil {
				return nil, err
			}
			if a.TreatMissingData, err = attrString(blk.Body, "treat_missing_data"); err != nil {
				return nil, err
			}
			for _, qb := range blk.Body.Blocks {
				if qb.Type != "metric_query" {
					continue
				}
				q := metricQuery{}
				if _, ok := qb.Body.Attributes["expression"]; ok {
					if q.Expression, err = attrString(qb.Body, "expression"); err != nil {
						return nil, err
					}
				}
				if _, ok := qb.Body.Attributes["period"]; ok {
					n, err := attrNumber(qb.Body, "period")
					if err != nil {
						return nil, err
					}
					q.Period = int(n)
				}
				for _, mb := range qb.Body.Blocks {
					if mb.Type == "metric" {
						n, err := attrNumber(mb.Body, "period")
						if err != nil {
							return nil, err
						}
						q.MetricStat = &metricStat{Period: int(n)}
					}
				}
				a.Metrics = append(a.Metrics, q)
			}
			alarms = append(alarms, a)
		}
	}
	if len(alarms) != 1 {
		return nil, fmt.Errorf("want one alarm, found %d", len(alarms))
	}
	return p, p.setAlarmFrom(alarms[0])
}

func attrString(b *hclsyntax.Body, name string) (string, error) {
	a, ok := b.Attributes[name]
	if !ok {
		return "", fmt.Errorf("attribute %s is missing", name)
	}
	v, d := a.Expr.Value(nil)
	if d.HasErrors() {
		return "", d
	}
	if !v.Type().Equals(cty.String) {
		return "", fmt.Errorf("attribute %s is not a string", name)
	}
	return v.AsString(), nil
}

func attrNumber(b *hclsyntax.Body, name string) (float64, error) {
	a, ok := b.Attributes[name]
	if !ok {
		return 0, fmt.Errorf("attribute %s is missing", name)
	}
	v, d := a.Expr.Value(nil)
	if d.HasErrors() {
		return 0, d
	}
	if !v.Type().Equals(cty.Number) {
		return 0, fmt.Errorf("attribute %s is not a number", name)
	}
	f, _ := v.AsBigFloat().Float64()
	return f, nil
}

// readCLI reads the script back the way sh would split its words.
func readCLI(text string) (*prepared, error) {
	cmds, err := shellCommands(text)
	if err != nil {
		return nil, err
	}
	p := &prepared{}
	var alarms []putMetricAlarm
	for _, words := range cmds {
		if len(words) < 3 || words[0] != "aws" {
			continue
		}
		flags := map[string]string{}
		for i := 3; i+1 < len(words); i += 2 {
			flags[words[i]] = words[i+1]
		}
		switch words[1] + " " + words[2] {
		case "logs put-metric-filter":
			var mts []metricTransformation
			if err := json.Unmarshal([]byte(flags["--metric-transformations"]), &mts); err != nil {
				return nil, fmt.Errorf("--metric-transformations: %w", err)
			}
			if len(mts) != 1 {
				return nil, fmt.Errorf("--metric-transformations must hold exactly one item")
			}
			per := strings.Contains(mts[0].MetricNamespace, "${")
			if err := p.addFilter(flags["--filter-pattern"], mts[0].Dimensions, mts[0].DefaultValue != nil, per); err != nil {
				return nil, err
			}
		case "cloudwatch put-metric-alarm":
			var a putMetricAlarm
			if err := json.Unmarshal([]byte(flags["--cli-input-json"]), &a); err != nil {
				return nil, fmt.Errorf("--cli-input-json: %w", err)
			}
			alarms = append(alarms, a)
		}
	}
	if len(alarms) != 1 {
		return nil, fmt.Errorf("want one alarm, found %d", len(alarms))
	}
	return p, p.setAlarmFrom(alarms[0])
}

// shellCommands splits a script into commands and words as sh does for the
// subset the cli form uses: comments, '...', "..." with \ escapes,
// backslash-newline continuations. Parameter expansions stay as written.
func shellCommands(text string) ([][]string, error) {
	var cmds [][]string
	var words []string
	var cur strings.Builder
	inWord := false
	flushWord := func() {
		if inWord {
			words = append(words, cur.String())
			cur.Reset()
			inWord = false
		}
	}
	flushCmd := func() {
		flushWord()
		if len(words) > 0 {
			cmds = append(cmds, words)
			words = nil
		}
	}
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case c == '#' && !inWord:
			for i < len(text) && text[i] != '\n' {
				i++
			}
			flushCmd()
		case c == '\n':
			flushCmd()
		case c == ' ' || c == '\t':
			flushWord()
		case c == '\\':
			if i+1 < len(text) && text[i+1] == '\n' {
				i++
				continue
			}
			if i+1 < len(text) {
				cur.WriteByte(text[i+1])
				i++
			}
			inWord = true
		case c == '\'':
			j := strings.IndexByte(text[i+1:], '\'')
			if j < 0 {
				return nil, fmt.Errorf("unterminated single quote")
			}
			cur.WriteString(text[i+1 : i+1+j])
			i += j + 1
			inWord = true
		case c == '"':
			i++
			for ; i < len(text) && text[i] != '"'; i++ {
				if text[i] == '\\' && i+1 < len(text) && strings.IndexByte("$`\"\\\n", text[i+1]) >= 0 {
					i++
				}
				cur.WriteByte(text[i])
			}
			if i >= len(text) {
				return nil, fmt.Errorf("unterminated double quote")
			}
			inWord = true
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	flushCmd()
	return cmds, nil
}

// Fires runs the filters over the events and evaluates the alarm.
//
// Every event is one log event: a CloudTrail record is its JSON, a text
// line ({"message": line}) is the line. Each filter an event matches adds 1
// to the metric (as CloudWatch does: a split OR list never overlaps, see
// Plan.Filters). The metric is summed per alarm period, periods aligned to
// the epoch as CloudWatch aligns them; events without a time fall in one
// period. With dimensions, an event whose dimension values are not all
// present publishes nothing (assumption A7 in docs/cloudwatch.md), and a
// group-by alarm looks at each group's sum. A period with log events but no
// match is 0 when the filter has a default value, else missing; a missing
// period breaches only under TreatMissingData "breaching". The rule fires
// when some period (and group) breaches.
func (p *prepared) Fires(events []event.Event) (bool, error) {
	type key struct {
		bucket int64
		group  string
	}
	sums := map[key]float64{}
	buckets := map[int64]bool{}
	var order []int64
	needText := slices.ContainsFunc(p.filters, func(f *cwq.Pattern) bool { return f.Kind != cwq.KindJSON })
	for _, ev := range events {
		le := logEvent(ev, needText)
		var bucket int64
		if !ev.Time.IsZero() {
			bucket = int64(math.Floor(float64(ev.Time.Unix()) / float64(p.period)))
		}
		if !buckets[bucket] {
			buckets[bucket] = true
			order = append(order, bucket)
		}
		n := 0
		for _, f := range p.filters {
			if f.Match(le) {
				n++
			}
		}
		if n == 0 {
			continue
		}
		group, ok := p.group(ev, le)
		if !ok {
			continue
		}
		sums[key{bucket, group}] += float64(n)
	}
	for _, bk := range order {
		found := false
		for k, v := range sums {
			if k.bucket != bk {
				continue
			}
			found = true
			if p.breaches(v) {
				return true, nil
			}
		}
		if found {
			continue
		}
		if p.defaultValue && len(p.dims) == 0 {
			if p.breaches(0) {
				return true, nil
			}
			continue
		}
		if p.missing == "breaching" {
			return true, nil
		}
	}
	return false, nil
}

// group returns the event's group (its group-by dimension values) and
// whether every dimension of the metric has a value.
func (p *prepared) group(ev event.Event, le cwq.LogEvent) (string, bool) {
	if p.perLogGroup {
		lg, _ := ev.Fields["logGroup"].(string)
		return "logGroup=" + lg, true
	}
	if len(p.dims) == 0 {
		return "", true
	}
	if le.JSON == nil {
		return "", false
	}
	keys := make([]string, 0, len(p.dims))
	for k := range p.dims {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var parts []string
	for _, k := range keys {
		v, ok := p.dims[k].Lookup(le.JSON)
		s, scalar := event.Scalar(v)
		if !ok || !scalar || v == nil {
			return "", false
		}
		if slices.Contains(p.groupBy, k) {
			parts = append(parts, k+"="+s)
		}
	}
	return strings.Join(parts, "\x00"), true
}

func (p *prepared) breaches(v float64) bool {
	if len(p.conds) > 0 {
		for _, c := range p.conds {
			var ok bool
			switch c.op {
			case ">=":
				ok = v >= c.value
			case ">":
				ok = v > c.value
			case "<=":
				ok = v <= c.value
			case "<":
				ok = v < c.value
			case "==":
				ok = v == c.value
			case "!=":
				ok = v != c.value
			}
			if !ok {
				return false
			}
		}
		return true
	}
	switch p.comparison {
	case cmpGTE:
		return v >= p.threshold
	case cmpGT:
		return v > p.threshold
	case cmpLT:
		return v < p.threshold
	case cmpLTE:
		return v <= p.threshold
	}
	return false
}

// logEvent is the log event CloudWatch would see for a fixture event: a
// CloudWatch Logs event ({"message": line}, possibly with logGroup,
// logStream and a timestamp beside it) is its message; a CloudTrail record
// (which has no top-level message) is its JSON.
//
// The JSON text of a record is only written out when a text pattern needs
// it (needText).
func logEvent(ev event.Event, needText bool) cwq.LogEvent {
	if msg, ok := ev.Fields["message"].(string); ok {
		return cwq.NewLogEvent(msg)
	}
	if !needText {
		return cwq.LogEvent{JSON: ev.Fields}
	}
	return cwq.JSONLogEvent(ev.Fields)
}
