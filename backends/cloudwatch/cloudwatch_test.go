package cloudwatch

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/sigforge/sigforge/backends"
	"github.com/sigforge/sigforge/backends/backendtest"
	"github.com/sigforge/sigforge/compiler/config"
	"github.com/sigforge/sigforge/compiler/event"
	"github.com/sigforge/sigforge/compiler/ir"
	cwq "github.com/sigforge/sigforge/compiler/query/cloudwatch"
	"github.com/sigforge/sigforge/compiler/source"
)

func match(field string, vals ...ir.Value) *ir.Match {
	return &ir.Match{Field: field, Values: vals, Pos: source.Pos{File: "r.yml", Line: 9, Col: 5}}
}

func cloudtrailRule(title string, det ir.Expr) *ir.Rule {
	return &ir.Rule{
		Title: title, ID: "00000000-0000-4000-8000-000000000001", File: "r.yml",
		Pos:       source.Pos{File: "r.yml", Line: 1, Col: 1},
		Logsource: ir.Logsource{Product: "aws", Service: "cloudtrail"},
		Detection: det, Meta: ir.Meta{Severity: "high", RiskScore: 73},
	}
}

func mustNew(t *testing.T, opts ...Option) *Backend {
	t.Helper()
	b, err := New(nil, opts...)
	require.NoError(t, err)
	return b
}

func eventNames(n int) []ir.Value {
	var vs []ir.Value
	for i := range n {
		vs = append(vs, ir.Str(fmt.Sprintf("ModifyDBSomethingWithALongName%03d", i)))
	}
	return vs
}

// An over-long OR list becomes several filters on one metric, each within
// 1024 characters, and together they fire exactly where the rule does.
func TestLongOrListIsSplitIntoFiltersOfOneMetric(t *testing.T) {
	b := mustNew(t)
	names := eventNames(80)
	r := cloudtrailRule("Many calls", &ir.And{Args: []ir.Expr{
		match("eventSource", ir.Str("rds.amazonaws.com")),
		match("eventName", names...),
	}})
	p, err := b.plan(r)
	require.NoError(t, err)
	require.Greater(t, len(p.Filters), 1)
	for _, f := range p.Filters {
		assert.LessOrEqual(t, len(f.Pattern), cwq.MaxPatternLength)
		assert.Contains(t, f.Pattern, `($.eventSource = "rds.amazonaws.com")`, "the AND is repeated in every part")
	}
	out, err := b.Compile(r)
	require.NoError(t, err)
	q, err := b.Prepare(out)
	require.NoError(t, err)
	for i, n := range []int{0, 41, 79} {
		ev := event.New(map[string]any{"eventSource": "rds.amazonaws.com", "eventName": names[n].Text()}, fmt.Sprint(i))
		fired, err := q.Fires([]event.Event{ev})
		require.NoError(t, err)
		assert.True(t, fired, names[n].Text())
	}
	ev := event.New(map[string]any{"eventSource": "rds.amazonaws.com", "eventName": "DescribeDBInstances"}, "x")
	fired, err := q.Fires([]event.Event{ev})
	require.NoError(t, err)
	assert.False(t, fired)
}

func TestImpossibleRulesAreRefusedNamingRuleAndConstruct(t *testing.T) {
	b := mustNew(t)
	var accounts []ir.Value
	for i := range 60 {
		accounts = append(accounts, ir.Str(fmt.Sprintf("%012d", 100000000000+i)))
	}
	for _, c := range []struct {
		name string
		det  ir.Expr
		want string
	}{
		{"AND too long", &ir.And{Args: []ir.Expr{match("eventName", ir.Str("X")), &ir.Not{Arg: match("recipientAccountId", accounts...)}}},
			"cannot express the AND of the condition"},
		{"cidr", func() ir.Expr { m := match("sourceIPAddress", ir.Str("10.0.0.0/8")); m.Op = ir.OpCIDR; return m }(),
			"cannot express |cidr on sourceIPAddress"},
		{"keyword in JSON", &ir.And{Args: []ir.Expr{match("eventName", ir.Str("X")), match("", ir.Str("evil"))}},
			"cannot express keyword search in a CloudTrail rule"},
		{"fieldref", func() ir.Expr {
			m := match("userIdentity.accountId", ir.Str("recipientAccountId"))
			m.Op = ir.OpFieldRef
			return m
		}(),
			"cannot express |fieldref"},
		{"bad selector", match("requestParameters.aws:SourceIp", ir.Str("1.2.3.4")),
			"cannot express field requestParameters.aws:SourceIp"},
		{"literal star", match("eventName", ir.Value{Kind: ir.KindString, Parts: []ir.Part{{Kind: ir.Literal, Text: "a*b"}}}),
			`'*' has no documented escape`},
	} {
		_, err := b.Compile(cloudtrailRule(c.name, c.det))
		var u *backends.Unsupported
		require.True(t, errors.As(err, &u), "%s: %v", c.name, err)
		assert.Equal(t, backends.CodeUnsupported, "SF300")
		assert.Contains(t, err.Error(), c.want, c.name)
		assert.Contains(t, err.Error(), fmt.Sprintf("(rule %q)", c.name))
		assert.Contains(t, err.Error(), "r.yml:")
	}
}

func TestNegationIsPushedDownWithDeMorgan(t *testing.T) {
	b := mustNew(t)
	det := &ir.Not{Arg: &ir.And{Args: []ir.Expr{
		match("eventName", ir.Str("A")),
		&ir.Not{Arg: match("errorCode", ir.Str("AccessDenied"))},
	}}}
	p, err := b.plan(cloudtrailRule("not and", det))
	require.NoError(t, err)
	assert.Equal(t, `{ ($.eventName != "A") || ($.eventName NOT EXISTS) || ($.eventName IS NULL) || ($.errorCode = "AccessDenied") }`, p.Filters[0].Pattern)
}

func TestNullAndExists(t *testing.T) {
	b := mustNew(t)
	null := match("errorCode")
	null.Op = ir.OpNull
	exists := match("requestParameters.kmsKeyId")
	exists.Op = ir.OpExists
	p, err := b.plan(cloudtrailRule("null", &ir.And{Args: []ir.Expr{null, &ir.Not{Arg: exists}}}))
	require.NoError(t, err)
	assert.Equal(t, `{ ($.errorCode IS NULL || $.errorCode NOT EXISTS) && ($.requestParameters.kmsKeyId NOT EXISTS) }`, p.Filters[0].Pattern)
}

func TestFormatsAndOptions(t *testing.T) {
	assert.Equal(t, []string{"json", "cloudformation", "terraform", "cli"}, Formats())
	for _, f := range Formats() {
		b, err := NewWithFormat(nil, f)
		require.NoError(t, err)
		assert.Equal(t, f, b.(*Backend).Options().Format)
		assert.Equal(t, "cloudwatch", b.Name())
	}
	_, err := NewWithFormat(nil, "yaml")
	require.ErrorContains(t, err, `unknown format "yaml"`)
	for _, bad := range []string{"period: 90", "case_insensitive: maybe", "keyword_case: loose", "namespace: 'a:b'", "array_elements: 99", "period: [1]"} {
		var node yaml.Node
		require.NoError(t, yaml.Unmarshal([]byte(bad), &node))
		_, err := New(&config.Config{Path: "c.yml", Targets: map[string]yaml.Node{Name: *node.Content[0]}})
		assert.Error(t, err, bad)
	}
}

// The CloudFormation and Terraform forms are real YAML and HCL: both parse,
// and hold one filter resource per filter and one alarm per rule.
func TestBundleParsesAsYAMLAndHCL(t *testing.T) {
	rules := []*ir.Rule{
		cloudtrailRule("Instance public", match("eventName", ir.Str("ModifyDBInstance"))),
		cloudtrailRule("Many calls", match("eventName", eventNames(80)...)),
	}
	var outs []backends.Output
	for _, r := range rules {
		outs = append(outs, backends.Output{Rule: r})
	}
	cfn, err := mustNew(t, Format(FormatCloudFormation)).Bundle(outs)
	require.NoError(t, err)
	var tpl struct {
		Parameters map[string]any `yaml:"Parameters"`
		Resources  map[string]struct {
			Type string `yaml:"Type"`
		} `yaml:"Resources"`
	}
	require.NoError(t, yaml.Unmarshal([]byte(cfn.Text), &tpl))
	counts := map[string]int{}
	for _, r := range tpl.Resources {
		counts[r.Type]++
	}
	assert.Equal(t, 2, counts["AWS::CloudWatch::Alarm"])
	assert.Greater(t, counts["AWS::Logs::MetricFilter"], 2)
	assert.Contains(t, tpl.Parameters, "CloudTrailLogGroupName")
	assert.Contains(t, tpl.Parameters, "AlarmTopicArn")

	tf, err := mustNew(t, Format(FormatTerraform)).Bundle(outs)
	require.NoError(t, err)
	f, diags := hclparse.NewParser().ParseHCL([]byte(tf.Text), "main.tf")
	require.False(t, diags.HasErrors(), "%v", diags)
	content, diags := f.Body.Content(&hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{
		{Type: "resource", LabelNames: []string{"type", "name"}},
		{Type: "variable", LabelNames: []string{"name"}},
	}})
	require.False(t, diags.HasErrors(), "%v", diags)
	counts = map[string]int{}
	for _, blk := range content.Blocks {
		counts[blk.Type+" "+blk.Labels[0]]++
	}
	assert.Equal(t, 2, counts["resource aws_cloudwatch_metric_alarm"])
	assert.Greater(t, counts["resource aws_cloudwatch_log_metric_filter"], 2)
	assert.Equal(t, 2, counts["variable cloudtrail_log_group_name"]+counts["variable alarm_topic_arn"])
}

func TestBundleEnforcesLogGroupQuotas(t *testing.T) {
	b := mustNew(t, WithOptions(Options{CaseInsensitive: "regex"}))
	var outs []backends.Output
	for i := range 6 {
		r := cloudtrailRule(fmt.Sprintf("Engine %d", i), match("requestParameters.engine", ir.Str("postgres")))
		outs = append(outs, backends.Output{Rule: r})
	}
	_, err := b.Bundle(outs)
	var qe *QuotaError
	require.True(t, errors.As(err, &qe), "%v", err)
	assert.Equal(t, 6, qe.Count)
	assert.Equal(t, MaxRegexFiltersPerLogGroup, qe.Limit)
	assert.Contains(t, err.Error(), `log group "cloudtrail" would get 6 metric filters with a regex (limit 5)`)

	outs = nil
	for i := range 3 {
		r := cloudtrailRule(fmt.Sprintf("Many %d", i), match("eventName", eventNames(800)...))
		outs = append(outs, backends.Output{Rule: r})
	}
	_, err = b.Bundle(outs)
	require.True(t, errors.As(err, &qe), "%v", err)
	assert.Equal(t, MaxFiltersPerLogGroup, qe.Limit)
}

// The cli form is run by sh with a stand-in aws command that records its
// arguments: the words sh passes must be exactly the patterns and JSON the
// other forms carry, which proves the quoting.
func TestCLIScriptQuotingUnderSh(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	dir := t.TempDir()
	fake := filepath.Join(dir, "aws")
	require.NoError(t, os.WriteFile(fake, []byte("#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\" >> \"$AWS_LOG\"; done\nprintf '%s\\n' '--end--' >> \"$AWS_LOG\"\n"), 0o755))
	r := cloudtrailRule("Quotes 'and' \"things\" $HOME `x`", &ir.And{Args: []ir.Expr{
		match("eventName", ir.Str("It's")),
		match("userAgent", ir.Pattern("*$(reboot)*")),
	}})
	r.Description = "single ' double \" dollar $PATH backtick ` backslash \\"
	b := mustNew(t, Format(FormatCLI), WithOptions(Options{Format: FormatCLI, CaseSensitiveFields: []string{"userAgent"}}))
	out, err := b.Compile(r)
	require.NoError(t, err)
	script := filepath.Join(dir, "deploy.sh")
	require.NoError(t, os.WriteFile(script, []byte(out.Text), 0o755))
	logFile := filepath.Join(dir, "log")
	cmd := exec.Command(sh, script)
	cmd.Env = append(os.Environ(), "PATH="+dir+":"+os.Getenv("PATH"), "AWS_LOG="+logFile, "ALARM_TOPIC_ARN=arn:aws:sns:eu-west-1:111122223333:alerts")
	res, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", res)
	got, err := os.ReadFile(logFile)
	require.NoError(t, err)
	p, err := b.plan(r)
	require.NoError(t, err)
	_, alarm := p.requests("", "", "")
	alarmJSON, err := compactJSON(alarm)
	require.NoError(t, err)
	lines := strings.Split(string(got), "\n")
	assert.Contains(t, lines, p.Filters[0].Pattern)
	assert.Contains(t, lines, "CloudTrail/DefaultLogGroup")
	assert.Contains(t, lines, alarmJSON)
	assert.Contains(t, lines, "arn:aws:sns:eu-west-1:111122223333:alerts")
}

func TestMissingTopicMakesTheScriptStop(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	b := mustNew(t, Format(FormatCLI))
	out, err := b.Compile(cloudtrailRule("x", match("eventName", ir.Str("A"))))
	require.NoError(t, err)
	cmd := exec.Command(sh, "-c", out.Text)
	cmd.Env = []string{"PATH=/nonexistent"}
	res, err := cmd.CombinedOutput()
	require.Error(t, err)
	assert.Contains(t, string(res), "set ALARM_TOPIC_ARN")
}

// Every pattern of the pack is within the limits, in every form.
func TestPackPatternsWithinLimits(t *testing.T) {
	set, cfg := backendtest.LoadPack(t)
	b, err := New(cfg)
	require.NoError(t, err)
	for _, r := range set.Rules {
		p, err := b.plan(r)
		var u *backends.Unsupported
		if errors.As(err, &u) {
			continue
		}
		require.NoError(t, err)
		for _, f := range p.Filters {
			pat, err := cwq.Parse(f.Pattern)
			require.NoError(t, err, f.Pattern)
			assert.LessOrEqual(t, len(f.Pattern), cwq.MaxPatternLength)
			assert.LessOrEqual(t, pat.RegexCount(), cwq.MaxRegexPerPattern)
		}
	}
}

// A base rule of a correlation without generate: true is not an alert of
// its own: the bundle holds only the correlation's filter and alarm.
func TestBundleLeavesOutQuietBaseRules(t *testing.T) {
	base := cloudtrailRule("Denied", match("errorCode", ir.Str("AccessDenied")))
	base.Name = "denied"
	corr := &ir.Rule{Title: "Many denied", ID: "00000000-0000-4000-8000-000000000002", Pos: source.Pos{File: "r.yml", Line: 20, Col: 1},
		Correlation: &ir.Correlation{Type: ir.EventCount, Rules: []*ir.Rule{base}, Timespan: 5 * 60 * 1e9,
			Condition: ir.Threshold{Compare: []ir.Comparison{{Op: "gte", Value: 5}}}}}
	b := mustNew(t)
	out, err := b.Bundle([]backends.Output{{Rule: base}, {Rule: corr}})
	require.NoError(t, err)
	assert.NotContains(t, out.Text, `"sigforge-denied"`)
	assert.Contains(t, out.Text, `"sigforge-many-denied"`)
	corr.Correlation.Generate = true
	out, err = b.Bundle([]backends.Output{{Rule: base}, {Rule: corr}})
	require.NoError(t, err)
	assert.Contains(t, out.Text, `"sigforge-denied"`)
}
