package cloudwatch

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"
	"go.yaml.in/yaml/v3"
)

// The request bodies, field for field as the APIs name them: CloudWatch
// Logs' JSON protocol uses camelCase, CloudWatch's query protocol (and its
// CLI skeleton, --cli-input-json) PascalCase.

type putMetricFilter struct {
	LogGroupName          string                 `json:"logGroupName"`
	FilterName            string                 `json:"filterName"`
	FilterPattern         string                 `json:"filterPattern"`
	MetricTransformations []metricTransformation `json:"metricTransformations"`
}

type metricTransformation struct {
	MetricName      string            `json:"metricName"`
	MetricNamespace string            `json:"metricNamespace"`
	MetricValue     string            `json:"metricValue"`
	DefaultValue    *float64          `json:"defaultValue,omitempty"`
	Dimensions      map[string]string `json:"dimensions,omitempty"`
}

type putMetricAlarm struct {
	AlarmName          string        `json:"AlarmName"`
	AlarmDescription   string        `json:"AlarmDescription,omitempty"`
	ActionsEnabled     bool          `json:"ActionsEnabled"`
	AlarmActions       []string      `json:"AlarmActions,omitempty"`
	MetricName         string        `json:"MetricName,omitempty"`
	Namespace          string        `json:"Namespace,omitempty"`
	Statistic          string        `json:"Statistic,omitempty"`
	Period             int           `json:"Period,omitempty"`
	Metrics            []metricQuery `json:"Metrics,omitempty"`
	EvaluationPeriods  int           `json:"EvaluationPeriods"`
	DatapointsToAlarm  int           `json:"DatapointsToAlarm"`
	Threshold          float64       `json:"Threshold"`
	ComparisonOperator string        `json:"ComparisonOperator"`
	TreatMissingData   string        `json:"TreatMissingData"`
	Tags               []tag         `json:"Tags,omitempty"`
}

type metricQuery struct {
	ID         string      `json:"Id"`
	MetricStat *metricStat `json:"MetricStat,omitempty"`
	Expression string      `json:"Expression,omitempty"`
	Label      string      `json:"Label,omitempty"`
	Period     int         `json:"Period,omitempty"`
	ReturnData bool        `json:"ReturnData"`
}

type metricStat struct {
	Metric metric `json:"Metric"`
	Period int    `json:"Period"`
	Stat   string `json:"Stat"`
}

type metric struct {
	Namespace  string `json:"Namespace"`
	MetricName string `json:"MetricName"`
}

type tag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

// requests builds the API requests of a plan; logGroup and topic are the
// values to write for the log group and the SNS topic.
// lgSubst replaces the log group marker of a PerLogGroup plan.
func (p *Plan) requests(logGroup, topic, lgSubst string) ([]putMetricFilter, putMetricAlarm) {
	ns := strings.ReplaceAll(p.Namespace, logGroupMarker, lgSubst)
	var filters []putMetricFilter
	for _, f := range p.Filters {
		mt := metricTransformation{
			MetricName:      p.MetricName,
			MetricNamespace: ns,
			MetricValue:     "1",
			DefaultValue:    p.DefaultValue,
		}
		if len(p.Dimensions) > 0 {
			mt.Dimensions = map[string]string{}
			for _, d := range p.Dimensions {
				mt.Dimensions[d.Key] = d.Value
			}
		}
		filters = append(filters, putMetricFilter{
			LogGroupName: logGroup, FilterName: f.Name, FilterPattern: f.Pattern,
			MetricTransformations: []metricTransformation{mt},
		})
	}
	a := p.Alarm
	alarm := putMetricAlarm{
		AlarmName:          strings.ReplaceAll(a.Name, logGroupMarker, lgSubst),
		AlarmDescription:   a.Description,
		ActionsEnabled:     true,
		EvaluationPeriods:  a.EvaluationPeriods,
		DatapointsToAlarm:  a.DatapointsToAlarm,
		Threshold:          a.Threshold,
		ComparisonOperator: a.Comparison,
		TreatMissingData:   a.TreatMissingData,
		Tags:               p.tags(),
	}
	if topic != "" {
		alarm.AlarmActions = []string{topic}
	}
	switch {
	case a.Query != "":
		alarm.Metrics = []metricQuery{{ID: "q1", Expression: a.Query, Label: p.MetricName, Period: a.Period, ReturnData: true}}
	case a.Expression != "":
		alarm.Metrics = []metricQuery{
			{ID: "m1", MetricStat: &metricStat{Metric: metric{Namespace: ns, MetricName: p.MetricName}, Period: a.Period, Stat: "Sum"}, ReturnData: false},
			{ID: "e1", Expression: a.Expression, Label: p.MetricName + " condition", ReturnData: true},
		}
	default:
		alarm.MetricName, alarm.Namespace, alarm.Statistic, alarm.Period = p.MetricName, ns, "Sum", a.Period
	}
	return filters, alarm
}

func (p *Plan) tags() []tag {
	r := p.Rule
	var out []tag
	if r.ID != "" {
		out = append(out, tag{"sigforge:rule-id", r.ID})
	}
	if r.Meta.Severity != "" {
		out = append(out, tag{"sigforge:severity", r.Meta.Severity})
		out = append(out, tag{"sigforge:risk-score", strconv.Itoa(r.Meta.RiskScore)})
	}
	var attack []string
	for _, tc := range r.Meta.Threat {
		for _, te := range tc.Techniques {
			if !slices.Contains(attack, te.ID) {
				attack = append(attack, te.ID)
			}
		}
	}
	if len(attack) > 0 {
		out = append(out, tag{"sigforge:attack", strings.Join(attack, " ")})
	}
	return out
}

// jsonDoc is the json form: every request of the plans.
type jsonDoc struct {
	MetricFilters []putMetricFilter `json:"metricFilters"`
	MetricAlarms  []putMetricAlarm  `json:"metricAlarms"`
}

func (b *Backend) renderJSON(plans []*Plan) (string, error) {
	doc := jsonDoc{MetricFilters: []putMetricFilter{}, MetricAlarms: []putMetricAlarm{}}
	for _, p := range plans {
		fs, a := p.requests(p.LogGroup.DefaultName(), b.opts.AlarmTopicARN, p.LogGroup.DefaultName())
		doc.MetricFilters = append(doc.MetricFilters, fs...)
		doc.MetricAlarms = append(doc.MetricAlarms, a)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return "", err
	}
	return buf.String(), nil
}

// logGroups returns the distinct log groups of the plans, in order.
func logGroups(plans []*Plan) []LogGroup {
	var out []LogGroup
	for _, p := range plans {
		if !slices.ContainsFunc(out, func(g LogGroup) bool { return g.Key == p.LogGroup.Key }) {
			out = append(out, p.LogGroup)
		}
	}
	slices.SortFunc(out, func(a, b LogGroup) int { return strings.Compare(a.Key, b.Key) })
	return out
}

// CloudFormation. Intrinsic functions are written in their long form
// ({"Ref": X}) so that the template is plain YAML any parser reads.

type cfnTemplate struct {
	AWSTemplateFormatVersion string                  `yaml:"AWSTemplateFormatVersion"`
	Description              string                  `yaml:"Description"`
	Parameters               map[string]cfnParameter `yaml:"Parameters"`
	Resources                map[string]cfnResource  `yaml:"Resources"`
}

type cfnParameter struct {
	Type        string `yaml:"Type"`
	Default     string `yaml:"Default,omitempty"`
	Description string `yaml:"Description"`
}

type cfnResource struct {
	Type       string   `yaml:"Type"`
	DependsOn  []string `yaml:"DependsOn,omitempty"`
	Properties any      `yaml:"Properties"`
}

type ref struct {
	Ref string `yaml:"Ref"`
}

type cfnFilterProps struct {
	LogGroupName          ref                 `yaml:"LogGroupName"`
	FilterName            string              `yaml:"FilterName"`
	FilterPattern         string              `yaml:"FilterPattern"`
	MetricTransformations []cfnTransformation `yaml:"MetricTransformations"`
}

type cfnTransformation struct {
	MetricName      string         `yaml:"MetricName"`
	MetricNamespace any            `yaml:"MetricNamespace"`
	MetricValue     string         `yaml:"MetricValue"`
	DefaultValue    *float64       `yaml:"DefaultValue,omitempty"`
	Dimensions      []cfnDimension `yaml:"Dimensions,omitempty"`
}

type cfnDimension struct {
	Key   string `yaml:"Key"`
	Value string `yaml:"Value"`
}

type cfnAlarmProps struct {
	AlarmName          any              `yaml:"AlarmName"`
	AlarmDescription   string           `yaml:"AlarmDescription,omitempty"`
	ActionsEnabled     bool             `yaml:"ActionsEnabled"`
	AlarmActions       []ref            `yaml:"AlarmActions"`
	MetricName         string           `yaml:"MetricName,omitempty"`
	Namespace          any              `yaml:"Namespace,omitempty"`
	Statistic          string           `yaml:"Statistic,omitempty"`
	Period             int              `yaml:"Period,omitempty"`
	Metrics            []cfnMetricQuery `yaml:"Metrics,omitempty"`
	EvaluationPeriods  int              `yaml:"EvaluationPeriods"`
	DatapointsToAlarm  int              `yaml:"DatapointsToAlarm"`
	Threshold          float64          `yaml:"Threshold"`
	ComparisonOperator string           `yaml:"ComparisonOperator"`
	TreatMissingData   string           `yaml:"TreatMissingData"`
	Tags               []cfnDimension   `yaml:"Tags,omitempty"`
}

type cfnMetricQuery struct {
	ID         string         `yaml:"Id"`
	MetricStat *cfnMetricStat `yaml:"MetricStat,omitempty"`
	Expression string         `yaml:"Expression,omitempty"`
	Label      string         `yaml:"Label,omitempty"`
	Period     int            `yaml:"Period,omitempty"`
	ReturnData bool           `yaml:"ReturnData"`
}

type cfnMetricStat struct {
	Metric cfnMetric `yaml:"Metric"`
	Period int       `yaml:"Period"`
	Stat   string    `yaml:"Stat"`
}

type cfnMetric struct {
	Namespace  any    `yaml:"Namespace"`
	MetricName string `yaml:"MetricName"`
}

const topicParam = "AlarmTopicArn"

// sub writes a value that names a parameter as ${Param} with Fn::Sub.
func sub(s string) any {
	if strings.Contains(s, "${") {
		return map[string]string{"Fn::Sub": s}
	}
	return s
}

// omitEmpty keeps an empty string out of an omitempty field of type any.
func omitEmpty(s string) any {
	if s == "" {
		return nil
	}
	return sub(s)
}

func (b *Backend) renderCloudFormation(plans []*Plan) (string, error) {
	tpl := cfnTemplate{
		AWSTemplateFormatVersion: "2010-09-09",
		Description:              "CloudWatch Logs metric filters and alarms compiled by sigforge from Sigma rules.",
		Parameters:               map[string]cfnParameter{},
		Resources:                map[string]cfnResource{},
	}
	for _, g := range logGroups(plans) {
		tpl.Parameters[g.Param()] = cfnParameter{Type: "String", Default: g.DefaultName(),
			Description: fmt.Sprintf("Log group the %s metric filters watch.", g.Key)}
	}
	tpl.Parameters[topicParam] = cfnParameter{Type: "String", Default: b.opts.AlarmTopicARN, Description: "SNS topic the alarms notify."}
	for _, p := range plans {
		fs, a := p.requests("", "", "${"+p.LogGroup.Param()+"}")
		var deps []string
		for i, f := range fs {
			id := p.LogicalID + "Filter"
			if len(fs) > 1 {
				id += strconv.Itoa(i + 1)
			}
			mt := f.MetricTransformations[0]
			ct := cfnTransformation{MetricName: mt.MetricName, MetricNamespace: sub(mt.MetricNamespace), MetricValue: mt.MetricValue, DefaultValue: mt.DefaultValue}
			for _, d := range p.Dimensions {
				ct.Dimensions = append(ct.Dimensions, cfnDimension(d))
			}
			if _, dup := tpl.Resources[id]; dup {
				return "", fmt.Errorf("cloudwatch: two rules compile to the resource %s; give one a distinct name or title", id)
			}
			tpl.Resources[id] = cfnResource{Type: "AWS::Logs::MetricFilter", Properties: cfnFilterProps{
				LogGroupName: ref{p.LogGroup.Param()}, FilterName: f.FilterName, FilterPattern: f.FilterPattern,
				MetricTransformations: []cfnTransformation{ct},
			}}
			deps = append(deps, id)
		}
		props := cfnAlarmProps{
			AlarmName: sub(a.AlarmName), AlarmDescription: a.AlarmDescription, ActionsEnabled: true,
			AlarmActions: []ref{{topicParam}}, MetricName: a.MetricName, Namespace: omitEmpty(a.Namespace),
			Statistic: a.Statistic, Period: a.Period, EvaluationPeriods: a.EvaluationPeriods,
			DatapointsToAlarm: a.DatapointsToAlarm, Threshold: a.Threshold,
			ComparisonOperator: a.ComparisonOperator, TreatMissingData: a.TreatMissingData,
		}
		for _, tg := range a.Tags {
			props.Tags = append(props.Tags, cfnDimension(tg))
		}
		for _, m := range a.Metrics {
			q := cfnMetricQuery{ID: m.ID, Expression: m.Expression, Label: m.Label, Period: m.Period, ReturnData: m.ReturnData}
			if m.MetricStat != nil {
				q.MetricStat = &cfnMetricStat{Metric: cfnMetric{Namespace: sub(m.MetricStat.Metric.Namespace), MetricName: m.MetricStat.Metric.MetricName},
					Period: m.MetricStat.Period, Stat: m.MetricStat.Stat}
			}
			props.Metrics = append(props.Metrics, q)
		}
		id := p.LogicalID + "Alarm"
		if _, dup := tpl.Resources[id]; dup {
			return "", fmt.Errorf("cloudwatch: two rules compile to the resource %s; give one a distinct name or title", id)
		}
		tpl.Resources[id] = cfnResource{Type: "AWS::CloudWatch::Alarm", DependsOn: deps, Properties: props}
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(tpl); err != nil {
		return "", err
	}
	if err := enc.Close(); err != nil {
		return "", err
	}
	return buf.String(), nil
}

// Terraform, written with hclwrite so that quoting and template escapes
// ("${", "%{") are right by construction.

const topicVar = "alarm_topic_arn"

func (b *Backend) renderTerraform(plans []*Plan) (string, error) {
	f := hclwrite.NewEmptyFile()
	body := f.Body()
	for _, g := range logGroups(plans) {
		v := body.AppendNewBlock("variable", []string{g.Var()}).Body()
		v.SetAttributeValue("description", cty.StringVal(fmt.Sprintf("Log group the %s metric filters watch.", g.Key)))
		v.SetAttributeRaw("type", hclwrite.TokensForIdentifier("string"))
		v.SetAttributeValue("default", cty.StringVal(g.DefaultName()))
		body.AppendNewline()
	}
	tv := body.AppendNewBlock("variable", []string{topicVar}).Body()
	tv.SetAttributeValue("description", cty.StringVal("SNS topic the alarms notify."))
	tv.SetAttributeRaw("type", hclwrite.TokensForIdentifier("string"))
	if b.opts.AlarmTopicARN != "" {
		tv.SetAttributeValue("default", cty.StringVal(b.opts.AlarmTopicARN))
	}
	seen := map[string]bool{}
	for _, p := range plans {
		fs, a := p.requests("", "", logGroupMarker)
		lgVar := p.LogGroup.Var()
		setStr := func(b *hclwrite.Body, name, s string) {
			if strings.Contains(s, logGroupMarker) {
				b.SetAttributeRaw(name, templateTokens(s, lgVar))
				return
			}
			b.SetAttributeValue(name, cty.StringVal(s))
		}
		name := p.ResourceName
		if seen[name] {
			return "", fmt.Errorf("cloudwatch: two rules compile to the resource name %s; give one a distinct name or title", name)
		}
		seen[name] = true
		var deps []string
		for i, flt := range fs {
			rname := name
			if len(fs) > 1 {
				rname = fmt.Sprintf("%s_%d", name, i+1)
			}
			body.AppendNewline()
			rb := body.AppendNewBlock("resource", []string{"aws_cloudwatch_log_metric_filter", rname}).Body()
			rb.SetAttributeValue("name", cty.StringVal(flt.FilterName))
			rb.SetAttributeTraversal("log_group_name", traversal("var", p.LogGroup.Var()))
			rb.SetAttributeValue("pattern", cty.StringVal(flt.FilterPattern))
			mt := flt.MetricTransformations[0]
			tb := rb.AppendNewBlock("metric_transformation", nil).Body()
			tb.SetAttributeValue("name", cty.StringVal(mt.MetricName))
			setStr(tb, "namespace", mt.MetricNamespace)
			tb.SetAttributeValue("value", cty.StringVal(mt.MetricValue))
			if mt.DefaultValue != nil {
				tb.SetAttributeValue("default_value", cty.StringVal(strconv.FormatFloat(*mt.DefaultValue, 'f', -1, 64)))
			}
			if len(p.Dimensions) > 0 {
				dims := map[string]cty.Value{}
				for _, d := range p.Dimensions {
					dims[d.Key] = cty.StringVal(d.Value)
				}
				tb.SetAttributeValue("dimensions", cty.MapVal(dims))
			}
			deps = append(deps, "aws_cloudwatch_log_metric_filter."+rname)
		}
		body.AppendNewline()
		ab := body.AppendNewBlock("resource", []string{"aws_cloudwatch_metric_alarm", name}).Body()
		setStr(ab, "alarm_name", a.AlarmName)
		ab.SetAttributeValue("alarm_description", cty.StringVal(a.AlarmDescription))
		if a.MetricName != "" {
			ab.SetAttributeValue("metric_name", cty.StringVal(a.MetricName))
			setStr(ab, "namespace", a.Namespace)
			ab.SetAttributeValue("statistic", cty.StringVal(a.Statistic))
			ab.SetAttributeValue("period", cty.NumberIntVal(int64(a.Period)))
		}
		ab.SetAttributeValue("evaluation_periods", cty.NumberIntVal(int64(a.EvaluationPeriods)))
		ab.SetAttributeValue("datapoints_to_alarm", cty.NumberIntVal(int64(a.DatapointsToAlarm)))
		ab.SetAttributeValue("threshold", cty.NumberFloatVal(a.Threshold))
		ab.SetAttributeValue("comparison_operator", cty.StringVal(a.ComparisonOperator))
		ab.SetAttributeValue("treat_missing_data", cty.StringVal(a.TreatMissingData))
		ab.SetAttributeValue("actions_enabled", cty.True)
		ab.SetAttributeRaw("alarm_actions", tokensForList(traversal("var", topicVar)))
		for _, m := range a.Metrics {
			qb := ab.AppendNewBlock("metric_query", nil).Body()
			qb.SetAttributeValue("id", cty.StringVal(m.ID))
			if m.Expression != "" {
				qb.SetAttributeValue("expression", cty.StringVal(m.Expression))
			}
			if m.Label != "" {
				qb.SetAttributeValue("label", cty.StringVal(m.Label))
			}
			if m.Period != 0 {
				qb.SetAttributeValue("period", cty.NumberIntVal(int64(m.Period)))
			}
			qb.SetAttributeValue("return_data", cty.BoolVal(m.ReturnData))
			if m.MetricStat != nil {
				mb := qb.AppendNewBlock("metric", nil).Body()
				mb.SetAttributeValue("metric_name", cty.StringVal(m.MetricStat.Metric.MetricName))
				setStr(mb, "namespace", m.MetricStat.Metric.Namespace)
				mb.SetAttributeValue("period", cty.NumberIntVal(int64(m.MetricStat.Period)))
				mb.SetAttributeValue("stat", cty.StringVal(m.MetricStat.Stat))
			}
		}
		if len(a.Tags) > 0 {
			tags := map[string]cty.Value{}
			for _, tg := range a.Tags {
				tags[tg.Key] = cty.StringVal(tg.Value)
			}
			ab.SetAttributeValue("tags", cty.MapVal(tags))
		}
		var depToks hclwrite.Tokens
		for i, d := range deps {
			if i > 0 {
				depToks = append(depToks, &hclwrite.Token{Type: hclsyntax.TokenComma, Bytes: []byte(",")})
			}
			parts := strings.SplitN(d, ".", 2)
			depToks = append(depToks, hclwrite.TokensForTraversal(traversal(parts[0], parts[1]))...)
		}
		ab.SetAttributeRaw("depends_on", bracket(depToks))
	}
	return string(hclwrite.Format(f.Bytes())), nil
}

// templateTokens writes s as a quoted template in which the log group
// marker becomes ${var.<lgVar>}.
func templateTokens(s, lgVar string) hclwrite.Tokens {
	toks := hclwrite.Tokens{{Type: hclsyntax.TokenOQuote, Bytes: []byte(`"`)}}
	for i, part := range strings.Split(s, logGroupMarker) {
		if i > 0 {
			toks = append(toks, &hclwrite.Token{Type: hclsyntax.TokenTemplateInterp, Bytes: []byte("${")})
			toks = append(toks, hclwrite.TokensForTraversal(traversal("var", lgVar))...)
			toks = append(toks, &hclwrite.Token{Type: hclsyntax.TokenTemplateSeqEnd, Bytes: []byte("}")})
		}
		if part != "" {
			lit := hclwrite.TokensForValue(cty.StringVal(part))
			// The value's tokens are quote, literal, quote: keep the literal.
			toks = append(toks, lit[1:len(lit)-1]...)
		}
	}
	return append(toks, &hclwrite.Token{Type: hclsyntax.TokenCQuote, Bytes: []byte(`"`)})
}

func traversal(root, attr string) hcl.Traversal {
	return hcl.Traversal{hcl.TraverseRoot{Name: root}, hcl.TraverseAttr{Name: attr}}
}

func tokensForList(t hcl.Traversal) hclwrite.Tokens {
	return bracket(hclwrite.TokensForTraversal(t))
}

func bracket(inner hclwrite.Tokens) hclwrite.Tokens {
	out := hclwrite.Tokens{{Type: hclsyntax.TokenOBrack, Bytes: []byte("[")}}
	out = append(out, inner...)
	return append(out, &hclwrite.Token{Type: hclsyntax.TokenCBrack, Bytes: []byte("]")})
}

// The cli form: one command per request. Every value is single-quoted
// (a ' inside becomes '\''); the log groups and the SNS topic come from
// environment variables, defaulting to the configured values.

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

func (b *Backend) renderCLI(plans []*Plan) (string, error) {
	var w strings.Builder
	w.WriteString("#!/bin/sh\n")
	w.WriteString("# CloudWatch Logs metric filters and alarms compiled by sigforge from Sigma rules.\n")
	w.WriteString("set -eu\n\n")
	for _, g := range logGroups(plans) {
		fmt.Fprintf(&w, ": \"${%s:=%s}\"\n", g.Env(), shellDefault(g.DefaultName()))
	}
	if b.opts.AlarmTopicARN != "" {
		fmt.Fprintf(&w, ": \"${ALARM_TOPIC_ARN:=%s}\"\n", shellDefault(b.opts.AlarmTopicARN))
	} else {
		w.WriteString(": \"${ALARM_TOPIC_ARN:?set ALARM_TOPIC_ARN to the ARN of the SNS topic the alarms notify}\"\n")
	}
	for _, p := range plans {
		fs, a := p.requests("", "", logGroupMarker)
		// The log group's name goes into the single-quoted JSON through its
		// variable: '...'"${VAR}"'...'.
		quote := func(s string) string {
			return strings.ReplaceAll(shellQuote(s), logGroupMarker, `'"${`+p.LogGroup.Env()+`}"'`)
		}
		fmt.Fprintf(&w, "\n# %s\n", oneLine(p.Rule.Title))
		for _, f := range fs {
			mts, err := compactJSON(f.MetricTransformations)
			if err != nil {
				return "", err
			}
			fmt.Fprintf(&w, "aws logs put-metric-filter \\\n  --log-group-name \"$%s\" \\\n  --filter-name %s \\\n  --filter-pattern %s \\\n  --metric-transformations %s\n",
				p.LogGroup.Env(), shellQuote(f.FilterName), shellQuote(f.FilterPattern), quote(mts))
		}
		a.ActionsEnabled = true
		input, err := compactJSON(a)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(&w, "aws cloudwatch put-metric-alarm \\\n  --cli-input-json %s \\\n  --alarm-actions \"$ALARM_TOPIC_ARN\"\n", quote(input))
	}
	return w.String(), nil
}

// shellDefault quotes a default value inside "${VAR:=...}": within double
// quotes, $ ` " \ need a backslash.
func shellDefault(s string) string {
	return strings.NewReplacer(`\`, `\\`, `$`, `\$`, "`", "\\`", `"`, `\"`).Replace(s)
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func compactJSON(v any) (string, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return strings.TrimSuffix(buf.String(), "\n"), nil
}
