package kibana

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sigforge/sigforge/backends"
	"github.com/sigforge/sigforge/backends/backendtest"
	"github.com/sigforge/sigforge/compiler/config"
	"github.com/sigforge/sigforge/compiler/ecs"
	"github.com/sigforge/sigforge/compiler/event"
	"github.com/sigforge/sigforge/compiler/golden"
	"github.com/sigforge/sigforge/compiler/ir"
	"github.com/sigforge/sigforge/compiler/source"
	"go.yaml.in/yaml/v3"
)

func baseRule() *ir.Rule {
	return &ir.Rule{
		ID: "9b0b6b1e-1111-4c1e-9e55-6d1f0c2a0001", Title: "RDS instance made public", Description: "An instance was made public.",
		Author: "Alice, Bob", Level: "high", Tags: []string{"attack.persistence", "attack.t1133", "attack.defense-evasion", "attack.t1578.005"},
		References:     []string{"https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ModifyDBInstance.html"},
		FalsePositives: []string{"Approved change"},
		Logsource:      ir.Logsource{Product: "aws", Service: "cloudtrail"},
		Pos:            source.Pos{File: "r.yml", Line: 1, Col: 1},
		Meta: ir.Meta{RiskScore: 73, Severity: "high", Guide: "## Triage\nLook.", AlertFields: []string{"userIdentity.arn", "sourceIPAddress", "requestParameters.dBInstanceIdentifier", "requestParameters.publiclyAccessible", "notAField"},
			Threat: []ir.Tactic{
				{ID: "TA0003", Name: "Persistence", Reference: "https://attack.mitre.org/tactics/TA0003/", Techniques: []ir.Technique{{ID: "T1133", Name: "External Remote Services", Reference: "https://attack.mitre.org/techniques/T1133/"}}},
				{ID: "TA0005", Name: "Defense Evasion", Reference: "https://attack.mitre.org/tactics/TA0005/", Techniques: []ir.Technique{{ID: "T1578", Name: "Modify Cloud Compute Infrastructure",
					Subtechniques: []ir.Technique{{ID: "T1578.005", Name: "Modify Cloud Compute Configurations"}}}}},
			}},
		Detection: &ir.And{Args: []ir.Expr{
			&ir.Match{Field: "eventName", Op: ir.OpEqual, Values: []ir.Value{ir.Str("ModifyDBInstance")}},
			&ir.Match{Field: "requestParameters.publiclyAccessible", Op: ir.OpEqual, Values: []ir.Value{ir.BoolValue(true)}},
			&ir.Match{Field: "sourceIPAddress", Op: ir.OpCIDR, Values: []ir.Value{ir.Str("10.0.0.0/8")}},
		}},
	}
}

func TestDocumentFields(t *testing.T) {
	withKQL, err := New(nil)
	require.NoError(t, err)
	doc0, err := withKQL.Document(baseRule())
	require.NoError(t, err)
	assert.Equal(t, "query", doc0.Type, "backends/kql expresses the rule")
	assert.Equal(t, "kuery", doc0.Language)

	b := withKQL.WithKQL(nil)
	out, err := b.Compile(baseRule())
	require.NoError(t, err)
	validate(t, "base", []byte(out.Text))
	var doc map[string]any
	require.NoError(t, json.Unmarshal([]byte(out.Text), &doc))
	assert.Equal(t, "9b0b6b1e-1111-4c1e-9e55-6d1f0c2a0001", doc["rule_id"])
	assert.Equal(t, "eql", doc["type"], "without a KQL compiler, detection rules are EQL rules")
	assert.Equal(t, []any{"Alice", "Bob"}, doc["author"])
	assert.Equal(t, "high", doc["severity"])
	assert.EqualValues(t, 73, doc["risk_score"])
	assert.Equal(t, "event.ingested", doc["timestamp_override"])
	assert.Equal(t, []any{"filebeat-*", "logs-aws.cloudtrail-*"}, doc["index"])
	assert.Equal(t, map[string]any{"field_names": []any{"aws.cloudtrail.user_identity.arn", "source.address", "aws.cloudtrail.request_parameters"}}, doc["investigation_fields"])
	assert.Equal(t, []any{
		map[string]any{"name": "aws.cloudtrail.request_parameters", "type": "keyword"},
		map[string]any{"name": "event.action", "type": "keyword"},
		map[string]any{"name": "source.ip", "type": "ip"},
	}, doc["required_fields"])
	assert.Equal(t, []any{map[string]any{"package": "aws", "integration": "cloudtrail", "version": "^2.0.0"}}, doc["related_integrations"])
	threat := doc["threat"].([]any)
	require.Len(t, threat, 2)
	de := threat[1].(map[string]any)
	assert.Equal(t, "TA0005", de["tactic"].(map[string]any)["id"])
	tech := de["technique"].([]any)[0].(map[string]any)
	assert.Equal(t, "T1578", tech["id"])
	assert.Equal(t, "https://attack.mitre.org/techniques/T1578/", tech["reference"])
	sub := tech["subtechnique"].([]any)[0].(map[string]any)
	assert.Equal(t, "https://attack.mitre.org/techniques/T1578/005/", sub["reference"])
	assert.Contains(t, doc["tags"], "Tactic: Defense Evasion")
	assert.Contains(t, doc["tags"], "Resources: Investigation Guide")
	// Key order is fixed.
	assert.True(t, strings.Index(out.Text, `"rule_id"`) < strings.Index(out.Text, `"name"`))
	assert.True(t, strings.Index(out.Text, `"threat"`) < strings.Index(out.Text, `"note"`))
}

func TestInformationalBecomesLow(t *testing.T) {
	r := baseRule()
	r.Level, r.Meta.Severity, r.Meta.RiskScore = "informational", "informational", 0
	b, err := New(nil)
	require.NoError(t, err)
	doc, err := b.Document(r)
	require.NoError(t, err)
	assert.Equal(t, "low", doc.Severity)
	assert.Equal(t, 21, doc.RiskScore)
}

func kqlStub(r *ir.Rule) (string, error) {
	// Stands in for the KQL target: rewrites to ECS, quotes each equality,
	// refuses the rest.
	r, err := ecs.Rewrite(r, ecs.Options{})
	if err != nil {
		return "", err
	}
	var parts []string
	for _, m := range ir.Matches(r.Detection) {
		if m.Op != ir.OpEqual || m.Values[0].Kind != ir.KindString {
			return "", &backends.Unsupported{Target: "kql", Construct: m.Op.String()}
		}
		parts = append(parts, m.Field+`:"`+m.Values[0].Text()+`"`)
	}
	return strings.Join(parts, " and "), nil
}

func correlation(typ ir.CorrelationType, cond ir.Threshold) *ir.Rule {
	base := &ir.Rule{ID: "b", Title: "Snapshot", Logsource: ir.Logsource{Product: "aws", Service: "cloudtrail"},
		Detection: &ir.Match{Field: "eventName", Op: ir.OpEqual, Values: []ir.Value{ir.Str("CreateDBSnapshot")}}}
	return &ir.Rule{ID: "c0c0c0c0-1111-4c1e-9e55-6d1f0c2a0002", Title: "Many snapshots", Level: "medium", Meta: ir.Meta{Severity: "medium", RiskScore: 47},
		Logsource:   ir.Logsource{Product: "aws", Service: "cloudtrail"},
		Correlation: &ir.Correlation{Type: typ, Rules: []*ir.Rule{base}, GroupBy: []string{"userIdentity.arn"}, Timespan: 15 * time.Minute, Condition: cond}}
}

func TestCorrelationTypes(t *testing.T) {
	b0, err := New(nil)
	require.NoError(t, err)
	b := b0.WithKQL(nil)
	withKQL := b0.WithKQL(kqlStub)
	cases := []struct {
		name     string
		b        *Backend
		r        *ir.Rule
		wantType string
		check    func(t *testing.T, d *Rule)
	}{
		{"event_count is a threshold rule", withKQL, correlation(ir.EventCount, ir.Threshold{Compare: []ir.Comparison{{Op: "gte", Value: 5}}}), "threshold", func(t *testing.T, d *Rule) {
			assert.Equal(t, &Threshold{Field: []string{"aws.cloudtrail.user_identity.arn"}, Value: 5}, d.Threshold)
			assert.Equal(t, `(event.action:"CreateDBSnapshot")`, d.Query)
			assert.Equal(t, "15m", d.Interval)
			assert.Equal(t, "now-15m", d.From)
		}},
		{"value_count is a threshold with cardinality", withKQL, correlation(ir.ValueCount, ir.Threshold{Field: "awsRegion", Compare: []ir.Comparison{{Op: "gt", Value: 3}}}), "threshold", func(t *testing.T, d *Rule) {
			assert.Equal(t, &Threshold{Field: []string{"aws.cloudtrail.user_identity.arn"}, Value: 1, Cardinality: []Cardinality{{Field: "cloud.region", Value: 4}}}, d.Threshold)
		}},
		{"an upper bound needs ES|QL", withKQL, correlation(ir.EventCount, ir.Threshold{Compare: []ir.Comparison{{Op: "lt", Value: 5}}}), "esql", func(t *testing.T, d *Rule) {
			assert.Contains(t, d.Query, "WHERE event_count < 5")
			assert.Nil(t, d.Index)
		}},
		{"without KQL, counts use ES|QL", b, correlation(ir.EventCount, ir.Threshold{Compare: []ir.Comparison{{Op: "gte", Value: 5}}}), "esql", nil},
		{"temporal_ordered is an EQL sequence", b, func() *ir.Rule {
			r := correlation(ir.TemporalOrdered, ir.Threshold{})
			r.Correlation.Rules = append(r.Correlation.Rules, r.Correlation.Rules[0])
			return r
		}(), "eql", func(t *testing.T, d *Rule) {
			assert.True(t, strings.HasPrefix(d.Query, "sequence by aws.cloudtrail.user_identity.arn with maxspan=15m"))
			assert.Equal(t, "5m", d.Interval)
			assert.Equal(t, "now-20m", d.From, "look back over maxspan plus the interval")
		}},
		{"temporal is ES|QL", b, func() *ir.Rule {
			r := correlation(ir.Temporal, ir.Threshold{})
			r.Correlation.Rules = append(r.Correlation.Rules, r.Correlation.Rules[0])
			return r
		}(), "esql", func(t *testing.T, d *Rule) {
			assert.Equal(t, "15m", d.Interval)
			assert.Equal(t, "now-30m", d.From)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, err := tc.b.Compile(tc.r)
			require.NoError(t, err)
			validate(t, tc.name, []byte(out.Text))
			doc, err := tc.b.Document(tc.r)
			require.NoError(t, err)
			assert.Equal(t, tc.wantType, doc.Type)
			if tc.check != nil {
				tc.check(t, doc)
			}
		})
	}
}

func TestDetectionWithKQL(t *testing.T) {
	b, err := New(nil)
	require.NoError(t, err)
	r := baseRule()
	r.Detection = &ir.Match{Field: "eventName", Op: ir.OpEqual, Values: []ir.Value{ir.Str("ModifyDBInstance")}}
	doc, err := b.WithKQL(kqlStub).Document(r)
	require.NoError(t, err)
	assert.Equal(t, "query", doc.Type)
	assert.Equal(t, "kuery", doc.Language)
	// KQL refuses (cidr here): the rule falls back to EQL.
	doc, err = b.WithKQL(kqlStub).Document(baseRule())
	require.NoError(t, err)
	assert.Equal(t, "eql", doc.Type)
}

func TestConfiguration(t *testing.T) {
	var cfg config.Config
	require.NoError(t, yaml.Unmarshal([]byte(`
targets:
  kibana:
    language: esql
    index: [logs-*]
    indices:
      aws/cloudtrail: [logs-aws.cloudtrail-default]
    license: Elastic License v2
`), &cfg))
	b, err := New(&cfg)
	require.NoError(t, err)
	doc, err := b.Document(baseRule())
	require.NoError(t, err)
	assert.Equal(t, "esql", doc.Type)
	assert.Equal(t, "Elastic License v2", doc.License)
	b.opts.Language = "eql"
	doc, err = b.Document(baseRule())
	require.NoError(t, err)
	assert.Equal(t, []string{"logs-aws.cloudtrail-default"}, doc.Index)

	require.NoError(t, yaml.Unmarshal([]byte("targets:\n  kibana:\n    language: sql\n"), &cfg))
	_, err = New(&cfg)
	require.EqualError(t, err, `targets.kibana.language: "sql" is not one of kuery, eql, esql`)
}

func TestBundle(t *testing.T) {
	b, err := New(nil)
	require.NoError(t, err)
	o1, err := b.Compile(baseRule())
	require.NoError(t, err)
	r2 := baseRule()
	r2.ID = "9b0b6b1e-1111-4c1e-9e55-6d1f0c2a0009"
	o2, err := b.Compile(r2)
	require.NoError(t, err)
	bundle, err := b.Bundle([]backends.Output{o1, o2})
	require.NoError(t, err)
	assert.Equal(t, ".ndjson", bundle.Ext)
	lines := strings.Split(strings.TrimSuffix(bundle.Text, "\n"), "\n")
	require.Len(t, lines, 2)
	for _, l := range lines {
		validate(t, "bundle line", []byte(l))
	}
	_, err = b.Bundle([]backends.Output{o1, o1})
	require.ErrorContains(t, err, "rule_id 9b0b6b1e-1111-4c1e-9e55-6d1f0c2a0001 is used by")
}

func TestRuleWithoutID(t *testing.T) {
	b, err := New(nil)
	require.NoError(t, err)
	r := baseRule()
	r.ID = ""
	_, err = b.Compile(r)
	var u *backends.Unsupported
	require.True(t, errors.As(err, &u))
}

// TestPack compiles the rule pack: every document must validate, and the
// NDJSON import bundle is the golden file testdata/pack.ndjson.
func TestPack(t *testing.T) {
	set, cfg := backendtest.LoadPack(t)
	b, err := New(cfg)
	require.NoError(t, err)
	outs, skipped := backendtest.CompileEach(t, b, set.Rules, validated(func(r *ir.Rule) string { return r.File }))
	bundle, err := b.Bundle(outs)
	require.NoError(t, err)
	golden.Check(t, "testdata/pack.ndjson", []byte(bundle.Text))
	golden.Check(t, "testdata/pack.unsupported", []byte(skipped))
}

// validated is a check of every compiled document: it must validate (see
// validate), under the name name gives the rule.
func validated(name func(*ir.Rule) string) func(testing.TB, *ir.Rule, backends.Output) {
	return func(t testing.TB, r *ir.Rule, o backends.Output) { validate(t, name(r), []byte(o.Text)) }
}

// TestEdgeGolden compiles the edge-case rules (testdata/edge/*.txtar).
func TestEdgeGolden(t *testing.T) {
	b, err := New(nil)
	require.NoError(t, err)
	backendtest.Listing{Position: true, Verify: validated(func(r *ir.Rule) string { return r.Title })}.RunEdgeCases(t, "kibana", b)
}

func TestDetectionFallsBackToESQL(t *testing.T) {
	b, err := New(nil)
	require.NoError(t, err)
	r := baseRule()
	// KQL and EQL cannot compare two fields; ES|QL can.
	r.Detection = &ir.Match{Field: "userIdentity.arn", Op: ir.OpFieldRef, Cased: true, Values: []ir.Value{ir.Str("userIdentity.sessionContext.sessionIssuer.arn")}}
	out, err := b.Compile(r)
	require.NoError(t, err)
	validate(t, "fieldref", []byte(out.Text))
	doc, err := b.Document(r)
	require.NoError(t, err)
	assert.Equal(t, "esql", doc.Type)
	assert.Contains(t, doc.Query, "aws.cloudtrail.user_identity.arn == aws.cloudtrail.user_identity.session_context.session_issuer.arn")
}

func TestBundleMarksBaseRulesAsBuildingBlocks(t *testing.T) {
	b, err := New(nil)
	require.NoError(t, err)
	corr := correlation(ir.EventCount, ir.Threshold{Compare: []ir.Comparison{{Op: "gte", Value: 5}}})
	base := corr.Correlation.Rules[0]
	base.ID = "5d6a3f0e-1111-4c1e-9e55-6d1f0c2a0003"
	base.Description = "Base."
	var outs []backends.Output
	for _, r := range []*ir.Rule{base, corr} {
		o, err := b.Compile(r)
		require.NoError(t, err)
		outs = append(outs, o)
	}
	bundle, err := b.Bundle(outs)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(bundle.Text), "\n")
	require.Len(t, lines, 2)
	assert.Contains(t, lines[0], `"building_block_type":"default"`)
	assert.NotContains(t, lines[1], "building_block_type")
	for _, l := range lines {
		validate(t, "bundle", []byte(l))
	}
	corr.Correlation.Generate = true
	bundle, err = b.Bundle(outs)
	require.NoError(t, err)
	assert.NotContains(t, bundle.Text, "building_block_type")
}

// TestPackFixtures runs every compiled Kibana document on its rule's
// fixtures with the executor of its language, as `sigforge test --target
// kibana` does.
func TestPackFixtures(t *testing.T) {
	set, cfg := backendtest.LoadPack(t)
	b, err := New(cfg)
	require.NoError(t, err)
	backendtest.RunPackFixtures(t, b, set.Rules)
}

func TestThresholdExecution(t *testing.T) {
	b, err := New(nil)
	require.NoError(t, err)
	r := correlation(ir.ValueCount, ir.Threshold{Field: "awsRegion", Compare: []ir.Comparison{{Op: "gte", Value: 3}}})
	out, err := b.Compile(r)
	require.NoError(t, err)
	q, err := b.Prepare(out)
	require.NoError(t, err)
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	ev := func(minute int, arn, region string) event.Event {
		m, err := event.Decode(fmt.Appendf(nil, `{"eventSource":"rds.amazonaws.com","eventName":"CreateDBSnapshot","awsRegion":%q,"userIdentity":{"arn":%q}}`, region, arn))
		require.NoError(t, err)
		return event.Event{Fields: m, Time: start.Add(time.Duration(minute) * time.Minute)}
	}
	for _, tc := range []struct {
		name   string
		events []event.Event
		want   bool
	}{
		{"three regions in the window", []event.Event{ev(0, "a", "us-east-1"), ev(5, "a", "eu-west-1"), ev(10, "a", "ap-south-1")}, true},
		{"two regions only", []event.Event{ev(0, "a", "us-east-1"), ev(5, "a", "eu-west-1"), ev(10, "a", "us-east-1")}, false},
		{"spread beyond the window", []event.Event{ev(0, "a", "us-east-1"), ev(10, "a", "eu-west-1"), ev(30, "a", "ap-south-1")}, false},
		{"different principals", []event.Event{ev(0, "a", "us-east-1"), ev(1, "b", "eu-west-1"), ev(2, "c", "ap-south-1")}, false},
	} {
		got, err := q.Fires(tc.events)
		require.NoError(t, err)
		assert.Equal(t, tc.want, got, tc.name)
	}
	_, err = b.Prepare(backends.Output{Text: `{"type":"machine_learning"}`})
	require.Error(t, err)
}
