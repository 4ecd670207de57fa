package ecs

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sigforge/sigforge/backends"
	"github.com/sigforge/sigforge/compiler/config"
	"github.com/sigforge/sigforge/compiler/event"
	"github.com/sigforge/sigforge/compiler/ir"
	"github.com/sigforge/sigforge/compiler/source"
)

var pos = source.Pos{File: "rules/x.yml", Line: 12, Col: 7}

func eq(field string, vals ...ir.Value) *ir.Match {
	return &ir.Match{Pos: pos, Field: field, Op: ir.OpEqual, Values: vals}
}

func op(field string, o ir.Op, vals ...ir.Value) *ir.Match {
	return &ir.Match{Pos: pos, Field: field, Op: o, Values: vals}
}

func TestRewrite(t *testing.T) {
	all := eq("requestParameters.vpcSecurityGroupIds", ir.Str("sg-1"), ir.Str("sg-2"))
	all.All = true
	for _, tc := range []struct {
		name string
		opts Options
		in   ir.Expr
		want string
	}{
		{"plain fields", Options{}, &ir.And{Args: []ir.Expr{
			eq("eventSource", ir.Str("rds.amazonaws.com")),
			eq("eventName", ir.Str("ModifyDBInstance"), ir.Str("ModifyDBCluster")),
			&ir.Not{Arg: op("errorCode", ir.OpExists)},
		}}, `and(event.provider = "rds.amazonaws.com", event.action = ["ModifyDBInstance", "ModifyDBCluster"], not(aws.cloudtrail.error_code exists))`},
		{"cidr goes to source.ip, equality to source.address", Options{}, &ir.Or{Args: []ir.Expr{
			op("sourceIPAddress", ir.OpCIDR, ir.Str("10.0.0.0/8")),
			eq("sourceIPAddress", ir.Str("backup.amazonaws.com")),
		}}, `or(source.ip cidr "10.0.0.0/8", source.address = "backup.amazonaws.com")`},
		{"parameter, Elastic's flat form", Options{}, eq("requestParameters.publiclyAccessible", ir.BoolValue(true)),
			`aws.cloudtrail.request_parameters = "*publiclyAccessible=true*"`},
		{"parameter number and wildcard", Options{}, &ir.And{Args: []ir.Expr{
			eq("requestParameters.backupRetentionPeriod", ir.NumValue(0)),
			eq("requestParameters.dBInstanceIdentifier", ir.Pattern("prod*")),
		}}, `and(aws.cloudtrail.request_parameters = "*backupRetentionPeriod=0*", aws.cloudtrail.request_parameters = ["*dBInstanceIdentifier=prod*", "*dBInstanceIdentifier=[*prod*"])`},
		{"parameter exists and null", Options{}, &ir.And{Args: []ir.Expr{
			op("requestParameters.masterUserPassword", ir.OpExists),
			op("responseElements.pendingModifiedValues", ir.OpNull),
		}}, `and(aws.cloudtrail.request_parameters = "*masterUserPassword=*", not(aws.cloudtrail.response_elements = "*pendingModifiedValues=*"))`},
		{"nested parameter", Options{}, eq("responseElements.endpoint.port", ir.NumValue(3306)),
			`aws.cloudtrail.response_elements = "*endpoint=*port=3306*"`},
		{"bounded form", Options{Parameters: ParamsFlatBounded}, eq("requestParameters.dBInstanceIdentifier", ir.Str("prod")),
			`aws.cloudtrail.request_parameters = ["*{dBInstanceIdentifier=prod, *", "*{dBInstanceIdentifier=prod}*", "*{dBInstanceIdentifier=[prod, *", "*{dBInstanceIdentifier=[prod]*", "*{dBInstanceIdentifier=[*, prod, *", "*{dBInstanceIdentifier=[*, prod]*", "*, dBInstanceIdentifier=prod, *", "*, dBInstanceIdentifier=prod}*", "*, dBInstanceIdentifier=[prod, *", "*, dBInstanceIdentifier=[prod]*", "*, dBInstanceIdentifier=[*, prod, *", "*, dBInstanceIdentifier=[*, prod]*"]`},
		{"bounded form, open-ended value", Options{Parameters: ParamsFlatBounded}, eq("requestParameters.masterUserPassword", ir.Pattern("*")),
			`aws.cloudtrail.request_parameters = ["*{masterUserPassword=*", "*, masterUserPassword=*"]`},
		{"bounded nested", Options{Parameters: ParamsFlatBounded}, eq("responseElements.endpoint.port", ir.Pattern("33*")),
			`aws.cloudtrail.response_elements = ["*endpoint=*{port=33*", "*endpoint=*{port=[33*", "*endpoint=*{port=[*, 33*", "*endpoint=*, port=33*", "*endpoint=*, port=[33*", "*endpoint=*, port=[*, 33*"]`},
		{"all values become an and", Options{}, all,
			`and(aws.cloudtrail.request_parameters = ["*vpcSecurityGroupIds=sg-1*", "*vpcSecurityGroupIds=[*sg-1*"], aws.cloudtrail.request_parameters = ["*vpcSecurityGroupIds=sg-2*", "*vpcSecurityGroupIds=[*sg-2*"])`},
		{"bounded form finds list elements", Options{Parameters: ParamsFlatBounded}, eq("requestParameters.vpcSecurityGroupIds", ir.Str("sg-2")),
			`aws.cloudtrail.request_parameters = ["*{vpcSecurityGroupIds=sg-2, *", "*{vpcSecurityGroupIds=sg-2}*", "*{vpcSecurityGroupIds=[sg-2, *", "*{vpcSecurityGroupIds=[sg-2]*", "*{vpcSecurityGroupIds=[*, sg-2, *", "*{vpcSecurityGroupIds=[*, sg-2]*", "*, vpcSecurityGroupIds=sg-2, *", "*, vpcSecurityGroupIds=sg-2}*", "*, vpcSecurityGroupIds=[sg-2, *", "*, vpcSecurityGroupIds=[sg-2]*", "*, vpcSecurityGroupIds=[*, sg-2, *", "*, vpcSecurityGroupIds=[*, sg-2]*"]`},
		{"flattened form", Options{Parameters: ParamsFlattened}, eq("requestParameters.publiclyAccessible", ir.BoolValue(true)),
			`aws.cloudtrail.flattened.request_parameters.publiclyAccessible = true`},
		{"configured mapping", Options{FieldMappings: map[string]string{"userIdentity.userName": "user.name", "custom": "labels.custom"}},
			&ir.And{Args: []ir.Expr{eq("userIdentity.userName", ir.Str("alice")), eq("custom", ir.Str("x"))}},
			`and(user.name = "alice", labels.custom = "x")`},
		{"ECS names pass through", Options{}, eq("event.outcome", ir.Str("success")), `event.outcome = "success"`},
		{"keyword search is kept", Options{}, eq("", ir.Str("DeleteDBInstance")), `<keyword> = "DeleteDBInstance"`},
		{"time part on eventTime", Options{}, &ir.Match{Field: "eventTime", Op: ir.OpEqual, TimePart: "hour", Values: []ir.Value{ir.NumValue(3)}},
			`@timestamp|hour = 3`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &ir.Rule{Title: "t", Detection: tc.in}
			before := ir.Format(tc.in)
			got, err := Rewrite(r, tc.opts)
			require.NoError(t, err)
			assert.Equal(t, tc.want, ir.Format(got.Detection))
			assert.Equal(t, before, ir.Format(r.Detection), "the input rule must not change")
		})
	}
}

func TestRewriteErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts Options
		in   *ir.Match
		want string
	}{
		{"unknown field", Options{}, eq("foo.bar", ir.Str("x")), `rules/x.yml:12:7: field foo.bar cannot be mapped to ECS: no ECS field is known for it`},
		{"lossy field", Options{}, eq("userIdentity.userName", ir.Str("alice")), `field userIdentity.userName cannot be mapped to ECS: user.name holds the session issuer's role name`},
		{"not stored", Options{}, eq("sharedEventID", ir.Str("x")), `sharedEventID is not stored`},
		{"cidr on flat parameter", Options{}, op("requestParameters.cidrIp", ir.OpCIDR, ir.Str("0.0.0.0/0")), `|cidr on requestParameters.cidrIp cannot be mapped to ECS: the parameter is part of the flat string aws.cloudtrail.request_parameters`},
		{"regex on flat parameter", Options{}, op("requestParameters.x", ir.OpRegex, ir.Str("a.*")), `|re on requestParameters.x`},
		{"range on flat parameter", Options{}, op("requestParameters.port", ir.OpGT, ir.NumValue(5)), `|> on requestParameters.port`},
		{"range on flattened parameter", Options{Parameters: ParamsFlattened}, op("requestParameters.port", ir.OpGT, ir.NumValue(5)), `every leaf of a flattened field is a keyword`},
		{"empty parameter value", Options{}, eq("requestParameters.x", ir.Str("")), `the pipeline drops empty strings`},
		{"value on the whole object", Options{}, eq("requestParameters", ir.Str("x")), `value comparison on requestParameters cannot be mapped`},
		{"equality on eventTime", Options{}, eq("eventTime", ir.Str("2024-01-01T00:00:00Z")), `re-formatted as a date (@timestamp)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Rewrite(&ir.Rule{Title: "Rule T", Detection: &ir.Not{Arg: tc.in}}, tc.opts)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			var e *Error
			require.True(t, errors.As(err, &e))
			assert.Equal(t, tc.in.Field, e.Field)
			var u *backends.Unsupported
			require.True(t, errors.As(Unsupported(err, "kql", &ir.Rule{Title: "Rule T"}), &u))
			assert.Contains(t, u.Error(), `SF300 kql cannot express`)
			assert.Contains(t, u.Error(), `(rule "Rule T")`)
		})
	}
}

func TestRewriteCorrelation(t *testing.T) {
	base := &ir.Rule{ID: "b", Title: "base", Detection: eq("eventName", ir.Str("DeleteDBInstance"))}
	corr := &ir.Rule{ID: "c", Title: "corr", Correlation: &ir.Correlation{
		Type: ir.ValueCount, Rules: []*ir.Rule{base, base}, GroupBy: []string{"userIdentity.arn", "acct"},
		Aliases:   map[string]map[string]string{"acct": {"b": "recipientAccountId"}},
		Condition: ir.Threshold{Field: "requestParameters.dBInstanceIdentifier"},
	}}
	_, err := Rewrite(corr, Options{})
	require.ErrorContains(t, err, "set targets.elastic.parameters: flattened")

	got, err := Rewrite(corr, Options{Parameters: ParamsFlattened})
	require.NoError(t, err)
	c := got.Correlation
	assert.Equal(t, []string{"aws.cloudtrail.user_identity.arn", "acct"}, c.GroupBy)
	assert.Equal(t, "aws.cloudtrail.recipient_account_id", c.Aliases["acct"]["b"])
	assert.Equal(t, "aws.cloudtrail.flattened.request_parameters.dBInstanceIdentifier", c.Condition.Field)
	assert.Same(t, c.Rules[0], c.Rules[1], "a rule referenced twice is rewritten once")
	assert.Equal(t, `event.action = "DeleteDBInstance"`, ir.Format(c.Rules[0].Detection))
	assert.Equal(t, "userIdentity.arn", corr.Correlation.GroupBy[0], "the input must not change")
}

func TestOptionsFromConfig(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, config.FileName)
	require.NoError(t, os.WriteFile(path, []byte("targets:\n  elastic:\n    parameters: flattened\n    field_mappings:\n      userIdentity.userName: user.name\n"), 0o644))
	cfg, err := config.Load(path)
	require.NoError(t, err)
	o, err := OptionsFromConfig(cfg)
	require.NoError(t, err)
	assert.Equal(t, ParamsFlattened, o.Parameters)
	assert.Equal(t, "user.name", o.FieldMappings["userIdentity.userName"])

	require.NoError(t, os.WriteFile(path, []byte("targets:\n  elastic:\n    parameters: loose\n"), 0o644))
	cfg, err = config.Load(path)
	require.NoError(t, err)
	_, err = OptionsFromConfig(cfg)
	require.ErrorContains(t, err, `"loose" is not one of flat, flat-bounded, flattened`)

	o, err = OptionsFromConfig(nil)
	require.NoError(t, err)
	assert.Equal(t, Options{}, o)
}

// TestFlatPatternsOnMappedDocuments runs the rewritten parameter patterns
// (case-sensitive globs, as on a keyword field) on mapped documents and
// compares with the raw-field meaning.
func TestFlatPatternsOnMappedDocuments(t *testing.T) {
	raw := `{"requestParameters":{"dBInstanceIdentifier":"prod-2","publiclyAccessible":true,"otherpubliclyAccessible":false,"backupRetentionPeriod":0,"masterUserPassword":null,"endpoint":{"port":3306},"valuesToAdd":["123","all"],"parameters":[{"parameterName":"log_statement","parameterValue":"none"}]}}`
	doc, err := MapJSON([]byte(raw))
	require.NoError(t, err)
	for _, tc := range []struct {
		form  ParamForm
		m     *ir.Match
		fires bool
	}{
		{ParamsFlat, eq("requestParameters.publiclyAccessible", ir.BoolValue(true)), true},
		{ParamsFlat, eq("requestParameters.publiclyAccessible", ir.BoolValue(false)), true}, // Elastic's imprecision: otherpubliclyAccessible=false
		{ParamsFlatBounded, eq("requestParameters.publiclyAccessible", ir.BoolValue(false)), false},
		{ParamsFlat, eq("requestParameters.dBInstanceIdentifier", ir.Str("prod")), true}, // prefix imprecision
		{ParamsFlatBounded, eq("requestParameters.dBInstanceIdentifier", ir.Str("prod")), false},
		{ParamsFlatBounded, eq("requestParameters.dBInstanceIdentifier", ir.Str("prod-2")), true},
		{ParamsFlatBounded, eq("requestParameters.backupRetentionPeriod", ir.NumValue(0)), true},
		{ParamsFlatBounded, op("requestParameters.masterUserPassword", ir.OpExists), false},
		{ParamsFlatBounded, op("requestParameters.masterUserPassword", ir.OpNull), true},
		{ParamsFlatBounded, eq("requestParameters.endpoint.port", ir.NumValue(3306)), true},
		{ParamsFlattened, eq("requestParameters.endpoint.port", ir.NumValue(3306)), true},
		{ParamsFlat, eq("requestParameters.valuesToAdd", ir.Str("all")), true},
		{ParamsFlat, eq("requestParameters.parameters.parameterName", ir.Str("log_statement")), true},
		{ParamsFlatBounded, eq("requestParameters.parameters.parameterName", ir.Str("log_statement")), true},
		{ParamsFlatBounded, eq("requestParameters.parameters.parameterName", ir.Str("log")), false},
		{ParamsFlattened, eq("requestParameters.parameters.parameterName", ir.Str("log_statement")), true},
		{ParamsFlatBounded, eq("requestParameters.valuesToAdd", ir.Str("all")), true},
		{ParamsFlattened, eq("requestParameters.valuesToAdd", ir.Str("all")), true},
		{ParamsFlat, eq("requestParameters.valuesToAdd", ir.Str("al")), true}, // loose
		{ParamsFlatBounded, eq("requestParameters.valuesToAdd", ir.Str("al")), false},
		{ParamsFlatBounded, eq("requestParameters.valuesToAdd", ir.Str("123")), true},
	} {
		got, err := Rewrite(&ir.Rule{Detection: tc.m}, Options{Parameters: tc.form})
		require.NoError(t, err)
		assert.Equal(t, tc.fires, globEval(t, doc, got.Detection), "%s %s", tc.form, ir.Format(got.Detection))
	}
}

// globEval is a minimal case-sensitive evaluator for the Match shapes
// Rewrite emits on parameters.
func globEval(t *testing.T, doc map[string]any, e ir.Expr) bool {
	switch n := e.(type) {
	case *ir.Not:
		return !globEval(t, doc, n.Arg)
	case *ir.Match:
		vs, _ := event.Lookup(doc, n.Field)
		for _, v := range vs {
			s, _ := event.Scalar(v)
			for _, want := range n.Values {
				var re strings.Builder
				re.WriteString("^")
				for _, p := range want.Parts {
					switch p.Kind {
					case ir.AnyString:
						re.WriteString("(?s:.*)")
					case ir.AnyChar:
						re.WriteString(".")
					default:
						re.WriteString(regexp.QuoteMeta(p.Text))
					}
				}
				if want.Kind != ir.KindString {
					re.WriteString(regexp.QuoteMeta(want.Text()))
				}
				re.WriteString("$")
				if regexp.MustCompile(re.String()).MatchString(s) {
					return true
				}
			}
		}
		return false
	}
	t.Fatalf("unexpected %T", e)
	return false
}

func TestCaseFixed(t *testing.T) {
	for _, tc := range []struct {
		field string
		v     ir.Value
		want  bool
	}{
		{"event.action", ir.Str("DeleteDBInstance"), true},
		{"aws.cloudtrail.flattened.request_parameters.engine", ir.Str("MySQL"), true},
		{"user_agent.original", ir.Pattern("*10.0.*"), true},
		{"user_agent.original", ir.Str("backup.amazonaws.com"), true},
		{"source.address", ir.Str("rds.amazonaws.com"), true},
		{"user_agent.original", ir.Str("Backup.amazonaws.com"), false},
		{"user_agent.original", ir.Pattern("*Boto3*"), false},
		{"aws.cloudtrail.user_identity.arn", ir.Str("arn:aws:iam::1:role/Admin"), false},
		{"user.name", ir.BoolValue(true), true},
		// The flat strings: AWS's keys, the caller's values.
		{"aws.cloudtrail.request_parameters", ir.Pattern("*publiclyAccessible=true*"), true},
		{"aws.cloudtrail.request_parameters", ir.Pattern("*attributeName=restore*"), true},
		{"aws.cloudtrail.request_parameters", ir.Pattern("*valuesToAdd=[*all*"), true},
		{"aws.cloudtrail.request_parameters", ir.Pattern("*cloudwatchLogsExportConfiguration={disableLogTypes=[*audit*"), true},
		{"aws.cloudtrail.request_parameters", ir.Pattern("*kmsKeyId=[*arn:aws*"), true},
		{"aws.cloudtrail.request_parameters", ir.Pattern("*ipPermissions=*items=*cidrIp=0.0.0.0/0*"), true},
		{"aws.cloudtrail.request_parameters", ir.Pattern("*parameters=*parameterValue=none*"), false},
		{"aws.cloudtrail.request_parameters", ir.Pattern("*dBInstanceIdentifier=prod-*"), false},
		{"aws.cloudtrail.request_parameters", ir.Pattern("*kmsKeyId=alias/Prod*"), false},
		{"aws.cloudtrail.flattened.request_parameters.parameters.parameterValue", ir.Str("none"), false},
		{"aws.cloudtrail.flattened.request_parameters.dBInstanceIdentifier", ir.Pattern("prod-*"), false},
		{"aws.cloudtrail.flattened.request_parameters.backupRetentionPeriod", ir.Str("0"), true},
	} {
		assert.Equal(t, tc.want, CaseFixed(tc.field, tc.v), "%s %s", tc.field, tc.v.Quoted())
	}
}

func TestLookupAndFlatFields(t *testing.T) {
	f, ok := Lookup("sourceIPAddress", Options{})
	require.True(t, ok)
	assert.Equal(t, Field{Raw: "sourceIPAddress", ECS: "source.address", IP: "source.ip"}, f)
	_, ok = Lookup("sharedEventID", Options{})
	assert.False(t, ok, "not stored")
	f, ok = Lookup("event.outcome", Options{})
	assert.True(t, ok)
	assert.Equal(t, "event.outcome", f.ECS)
	f, ok = Lookup("custom", Options{FieldMappings: map[string]string{"custom": "labels.custom"}})
	assert.True(t, ok)
	assert.Equal(t, "labels.custom", f.ECS)
	_, ok = Lookup("nope", Options{})
	assert.False(t, ok)

	assert.Equal(t, "aws.cloudtrail.request_parameters", FlatField("requestParameters"))
	assert.Equal(t, "", FlatField("eventName"))
	assert.True(t, IsFlatString("aws.cloudtrail.response_elements"))
	assert.False(t, IsFlatString("aws.cloudtrail.flattened.response_elements"))
}
