package esql

import (
	"errors"
	"github.com/sigforge/sigforge/compiler/ecs"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sigforge/sigforge/backends"
	"github.com/sigforge/sigforge/compiler/ir"
	"github.com/sigforge/sigforge/compiler/source"
)

func match(field string, op ir.Op, vals ...ir.Value) *ir.Match {
	return &ir.Match{Field: field, Op: op, Values: vals, Pos: source.Pos{File: "r.yml", Line: 9, Col: 5}}
}

func cased(m *ir.Match) *ir.Match { m.Cased = true; return m }
func all(m *ir.Match) *ir.Match   { m.All = true; return m }
func rule(e ir.Expr) *ir.Rule {
	return &ir.Rule{ID: "r", Title: "T", Pos: source.Pos{File: "r.yml", Line: 1, Col: 1}, Detection: e}
}

func TestConditions(t *testing.T) {
	cases := []struct {
		name string
		expr ir.Expr
		want string
	}{
		{"exact is lowered", match("event.action", ir.OpEqual, ir.Str("ModifyDBInstance")), `TO_LOWER(event.action) == "modifydbinstance"`},
		{"exact cased", cased(match("event.action", ir.OpEqual, ir.Str("ModifyDBInstance"))), `event.action == "ModifyDBInstance"`},
		{"list", match("event.action", ir.OpEqual, ir.Str("A"), ir.Str("b")), `TO_LOWER(event.action) IN ("a", "b")`},
		{"list cased", cased(match("event.action", ir.OpEqual, ir.Str("A"), ir.Str("b"))), `event.action IN ("A", "b")`},
		{"contains", match("aws.cloudtrail.request_parameters", ir.OpEqual, ir.Pattern("*publiclyAccessible=true*")), `TO_LOWER(aws.cloudtrail.request_parameters) LIKE "*publiclyaccessible=true*"`},
		{"literal wildcard characters are escaped", match("user.name", ir.OpEqual, ir.Value{Kind: ir.KindString, Parts: []ir.Part{{Kind: ir.Literal, Text: `A*b?\`}, {Kind: ir.AnyString}}}), `TO_LOWER(user.name) LIKE "a\\*b\\?\\\\*"`},
		{"quotes and newline", cased(match("message", ir.OpEqual, ir.Str("say \"hi\"\n"))), `message == "say \"hi\"\n"`},
		{"mixed values", match("event.action", ir.OpEqual, ir.Str("X"), ir.Pattern("Create*")), `TO_LOWER(event.action) == "x" OR TO_LOWER(event.action) LIKE "create*"`},
		{"all", all(match("aws.cloudtrail.request_parameters", ir.OpEqual, ir.Pattern("*a=1*"), ir.Pattern("*b=2*"))), `TO_LOWER(aws.cloudtrail.request_parameters) LIKE "*a=1*" AND TO_LOWER(aws.cloudtrail.request_parameters) LIKE "*b=2*"`},
		{"not guards null", &ir.Not{Arg: match("event.outcome", ir.OpEqual, ir.Str("success"))}, `NOT (event.outcome IS NOT NULL AND TO_LOWER(event.outcome) == "success")`},
		{"not over and", &ir.Not{Arg: &ir.And{Args: []ir.Expr{match("a", ir.OpEqual, ir.Str("x")), match("b", ir.OpExists)}}}, `NOT ((a IS NOT NULL AND TO_LOWER(a) == "x") AND b IS NOT NULL)`},
		{"nesting", &ir.And{Args: []ir.Expr{match("a", ir.OpEqual, ir.Str("x")), &ir.Or{Args: []ir.Expr{match("b", ir.OpNull), match("c", ir.OpEqual, ir.Str("y"), ir.Pattern("z*"))}}}}, `TO_LOWER(a) == "x" AND (b IS NULL OR (TO_LOWER(c) == "y" OR TO_LOWER(c) LIKE "z*"))`},
		{"exists", match("a", ir.OpExists), `a IS NOT NULL`},
		{"null", match("a", ir.OpNull), `a IS NULL`},
		{"numbers", match("source.port", ir.OpEqual, ir.NumValue(5432), ir.NumValue(3306)), `source.port IN (5432, 3306)`},
		{"bool", match("flag", ir.OpEqual, ir.BoolValue(true)), `flag == true`},
		{"compare", match("count", ir.OpGT, ir.NumValue(10)), `count > 10`},
		{"cidr", match("source.ip", ir.OpCIDR, ir.Str("10.0.0.0/8"), ir.Str("192.168.0.0/16")), `CIDR_MATCH(source.ip, "10.0.0.0/8", "192.168.0.0/16")`},
		{"regex", match("event.action", ir.OpRegex, ir.Str(`^Delete.*(Cluster|Instance)$`)), `event.action RLIKE "Delete[^\n]*(Cluster|Instance)"`},
		{"regex ignore case folds the pattern", &ir.Match{Field: "event.action", Op: ir.OpRegex, Regex: ir.RegexFlags{IgnoreCase: true}, Values: []ir.Value{ir.Str(`db\d`)}}, `event.action RLIKE ".*[Dd][Bb][0-9].*"`},
		{"fieldref", match("a", ir.OpFieldRef, ir.Str("b")), `TO_LOWER(a) == TO_LOWER(b)`},
		{"hour", &ir.Match{Field: "@timestamp", Op: ir.OpEqual, TimePart: "hour", Values: []ir.Value{ir.NumValue(3)}}, `DATE_EXTRACT("hour_of_day", @timestamp) == 3`},
		{"odd field name", match("aws.cloudtrail.flattened.request_parameters.db-name", ir.OpExists), "`aws.cloudtrail.flattened.request_parameters.db-name` IS NOT NULL"},
	}
	b, err := onECS()
	require.NoError(t, err)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, err := b.Compile(rule(tc.expr))
			require.NoError(t, err)
			assert.Equal(t, "FROM logs-aws.cloudtrail-* METADATA _id, _index, _version\n| WHERE "+tc.want+"\n", out.Text)
		})
	}
}

func TestCorrelations(t *testing.T) {
	a := &ir.Rule{ID: "a", Title: "A", Detection: match("event.action", ir.OpEqual, ir.Str("CreateDBSnapshot"))}
	bb := &ir.Rule{ID: "b", Title: "B", Detection: match("event.action", ir.OpEqual, ir.Str("StartExportTask"))}
	corr := func(typ ir.CorrelationType, cond ir.Threshold, rules ...*ir.Rule) *ir.Rule {
		return &ir.Rule{Title: "C", Correlation: &ir.Correlation{Type: typ, Rules: rules, GroupBy: []string{"user.name"}, Timespan: 10 * time.Minute, Condition: cond}}
	}
	cases := []struct {
		name string
		r    *ir.Rule
		want string
	}{
		{"event_count", corr(ir.EventCount, ir.Threshold{Compare: []ir.Comparison{{Op: "gte", Value: 5}}}, a), `FROM logs-aws.cloudtrail-*
| WHERE TO_LOWER(event.action) == "createdbsnapshot"
| EVAL window = DATE_TRUNC(10 minutes, @timestamp)
| STATS event_count = COUNT(*) BY window, user.name
| WHERE event_count >= 5`},
		{"value_count", corr(ir.ValueCount, ir.Threshold{Field: "source.ip", Compare: []ir.Comparison{{Op: "gt", Value: 3}, {Op: "lte", Value: 100}}}, a, bb), `FROM logs-aws.cloudtrail-*
| WHERE TO_LOWER(event.action) == "createdbsnapshot" OR TO_LOWER(event.action) == "startexporttask"
| EVAL window = DATE_TRUNC(10 minutes, @timestamp)
| STATS value_count = COUNT_DISTINCT(source.ip) BY window, user.name
| WHERE value_count > 3 AND value_count <= 100`},
		{"temporal", corr(ir.Temporal, ir.Threshold{}, a, bb), `FROM logs-aws.cloudtrail-*
| WHERE TO_LOWER(event.action) == "createdbsnapshot" OR TO_LOWER(event.action) == "startexporttask"
| EVAL window = DATE_TRUNC(10 minutes, @timestamp), rule_1 = CASE(TO_LOWER(event.action) == "createdbsnapshot", 1, 0), rule_2 = CASE(TO_LOWER(event.action) == "startexporttask", 1, 0)
| STATS rule_1 = MAX(rule_1), rule_2 = MAX(rule_2) BY window, user.name
| WHERE rule_1 == 1 AND rule_2 == 1`},
		{"temporal_ordered", corr(ir.TemporalOrdered, ir.Threshold{}, a, bb), `FROM logs-aws.cloudtrail-*
| WHERE TO_LOWER(event.action) == "createdbsnapshot" OR TO_LOWER(event.action) == "startexporttask"
| EVAL window = DATE_TRUNC(10 minutes, @timestamp), rule_1 = CASE(TO_LOWER(event.action) == "createdbsnapshot", @timestamp, null), rule_2 = CASE(TO_LOWER(event.action) == "startexporttask", @timestamp, null)
| STATS rule_1 = MIN(rule_1), rule_2 = MAX(rule_2) BY window, user.name
| WHERE rule_1 < rule_2`},
	}
	be, err := onECS()
	require.NoError(t, err)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, err := be.Compile(tc.r)
			require.NoError(t, err)
			assert.Equal(t, tc.want+"\n", out.Text)
		})
	}

	aliased := corr(ir.EventCount, ir.Threshold{Compare: []ir.Comparison{{Op: "gte", Value: 2}}}, a, bb)
	aliased.Correlation.GroupBy = []string{"actor"}
	aliased.Correlation.Aliases = map[string]map[string]string{"actor": {"a": "user.name", "b": "aws.cloudtrail.user_identity.arn"}}
	out, err := be.Compile(aliased)
	require.NoError(t, err)
	assert.Contains(t, out.Text, `group_actor = CASE(TO_LOWER(event.action) == "createdbsnapshot", user.name, TO_LOWER(event.action) == "startexporttask", aws.cloudtrail.user_identity.arn)`)
	assert.Contains(t, out.Text, "BY window, group_actor\n")
}

func TestUnsupported(t *testing.T) {
	b, err := onECS()
	require.NoError(t, err)
	three := &ir.Rule{Title: "C", Pos: source.Pos{File: "c.yml", Line: 1, Col: 1}, Correlation: &ir.Correlation{Type: ir.TemporalOrdered, Timespan: time.Minute,
		Rules: []*ir.Rule{rule(match("a", ir.OpExists)), rule(match("b", ir.OpExists)), rule(match("c", ir.OpExists))}}}
	for _, tc := range []struct {
		r    *ir.Rule
		want string
	}{
		{rule(match("", ir.OpEqual, ir.Str("x"))), `r.yml:9:5: SF300 esql cannot express keyword search (rule "T"): ES|QL has no full-text search over all fields; set targets.esql.keyword_field (e.g. message)`},
		{rule(match("a", ir.OpRegex, ir.Str(`a\bb`))), `r.yml:9:5: SF300 esql cannot express |re "a\\bb" (rule "T"): word boundaries (\b, \B) cannot be expressed as a Lucene regex`},
		{three, `c.yml:1:1: SF300 esql cannot express correlation temporal_ordered of more than two rules (rule "C"): ES|QL aggregates cannot check the order of three or more events; use the eql target`},
	} {
		_, err := b.Compile(tc.r)
		var u *backends.Unsupported
		require.True(t, errors.As(err, &u), "%v", err)
		assert.Equal(t, tc.want, err.Error())
	}
}

func TestSpan(t *testing.T) {
	assert.Equal(t, "1 hour", Span(time.Hour))
	assert.Equal(t, "90 seconds", Span(90*time.Second))
	assert.Equal(t, "2 days", Span(48*time.Hour))
	assert.Equal(t, "1500 milliseconds", Span(1500*time.Millisecond))
}

// onECS returns the backend with mapping none, for rules
// written directly on ECS field names.
func onECS() (*Backend, error) {
	b, err := New(nil)
	if err != nil {
		return nil, err
	}
	b.ecs = ecs.Options{Mapping: ecs.MappingNone}
	return b, nil
}
