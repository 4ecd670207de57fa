package eql

import (
	"errors"
	"github.com/sigforge/sigforge/compiler/ecs"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sigforge/sigforge/backends"
	"github.com/sigforge/sigforge/compiler/eval"
	"github.com/sigforge/sigforge/compiler/event"
	"github.com/sigforge/sigforge/compiler/ir"
	eqlq "github.com/sigforge/sigforge/compiler/query/eql"
	"github.com/sigforge/sigforge/compiler/source"
)

func match(field string, op ir.Op, vals ...ir.Value) *ir.Match {
	return &ir.Match{Field: field, Op: op, Values: vals, Pos: source.Pos{File: "r.yml", Line: 9, Col: 5}}
}

func cased(m *ir.Match) *ir.Match { m.Cased = true; return m }
func all(m *ir.Match) *ir.Match   { m.All = true; return m }
func rule(e ir.Expr) *ir.Rule {
	return &ir.Rule{Title: "T", File: "r.yml", Pos: source.Pos{File: "r.yml", Line: 1, Col: 1}, Detection: e}
}
func not(e ir.Expr) ir.Expr         { return &ir.Not{Arg: e} }
func and(es ...ir.Expr) ir.Expr     { return &ir.And{Args: es} }
func or(es ...ir.Expr) ir.Expr      { return &ir.Or{Args: es} }
func lit(parts ...ir.Part) ir.Value { return ir.Value{Kind: ir.KindString, Parts: parts} }

var (
	star = ir.Part{Kind: ir.AnyString}
	qm   = ir.Part{Kind: ir.AnyChar}
	text = func(s string) ir.Part { return ir.Part{Kind: ir.Literal, Text: s} }
)

// docs are ECS documents with the values edge cases probe.
var docs = []string{
	`{"event":{"action":"ModifyDBInstance","outcome":"success"},"source":{"ip":"10.1.2.3","port":5432},"user":{"name":"Admin"},"aws":{"cloudtrail":{"request_parameters":"{dBInstanceIdentifier=db-1, publiclyAccessible=true, masterUserPassword=HIDDEN}"}}}`,
	`{"event":{"action":"modifydbinstance","outcome":"failure"},"source":{"ip":"192.168.1.1","port":"3306"},"user":{"name":"admin"}}`,
	`{"event":{"action":"DeleteDBCluster"},"user":{"name":"a*b?c\\d"},"message":"line with \"quotes\"\nand newline","tags":["x","Y"]}`,
	`{"event":{"action":"CreateDBInstance"},"user":{"name":"axbyc\\d"},"source":{"ip":"2001:db8::1"},"flag":true,"count":7}`,
	`{"event":{"action":"StartExportTask"},"user":{"name":null},"count":"12","flag":"true"}`,
	`{}`,
}

func decoded(t *testing.T) []map[string]any {
	var out []map[string]any
	for _, d := range docs {
		m, err := event.Decode([]byte(d))
		require.NoError(t, err, d)
		out = append(out, m)
	}
	return out
}

func TestConditions(t *testing.T) {
	ds := decoded(t)
	cases := []struct {
		name string
		expr ir.Expr
		want string
	}{
		{"exact case-insensitive", match("event.action", ir.OpEqual, ir.Str("ModifyDBInstance")), `event.action : "ModifyDBInstance"`},
		{"exact cased", cased(match("event.action", ir.OpEqual, ir.Str("ModifyDBInstance"))), `event.action == "ModifyDBInstance"`},
		{"list case-insensitive", match("event.action", ir.OpEqual, ir.Str("DeleteDBCluster"), ir.Str("CreateDBInstance")), `event.action : ("DeleteDBCluster", "CreateDBInstance")`},
		{"list cased", cased(match("event.action", ir.OpEqual, ir.Str("DeleteDBCluster"), ir.Str("createdbinstance"))), `event.action in ("DeleteDBCluster", "createdbinstance")`},
		{"contains uses stringContains~", match("aws.cloudtrail.request_parameters", ir.OpEqual, ir.Pattern("*publiclyAccessible=true*")), `stringContains~(aws.cloudtrail.request_parameters, "publiclyAccessible=true")`},
		{"contains cased uses stringContains", cased(match("aws.cloudtrail.request_parameters", ir.OpEqual, ir.Pattern("*PubliclyAccessible=true*"))), `stringContains(aws.cloudtrail.request_parameters, "PubliclyAccessible=true")`},
		{"prefix", match("event.action", ir.OpEqual, ir.Pattern("modify*")), `event.action : "modify*"`},
		{"suffix cased uses like", cased(match("event.action", ir.OpEqual, ir.Pattern("*Instance"))), `event.action like "*Instance"`},
		{"question mark wildcard", match("event.action", ir.OpEqual, ir.Pattern("Modify?BInstance")), `event.action : "Modify?BInstance"`},
		{"literal star and question mark in exact value", match("user.name", ir.OpEqual, ir.Str(`a*b?c\d`)), `user.name in~ ("a*b?c\\d")`},
		{"literal star in exact cased value", cased(match("user.name", ir.OpEqual, ir.Str(`a*b?c\d`))), `user.name == "a*b?c\\d"`},
		{"literal star in a wildcard pattern becomes a regex", match("user.name", ir.OpEqual, lit(text("A*"), star, text(`\d`))), `user.name regex~ "A\\*.*\\\\d"`},
		{"literal question mark with ? wildcard, cased", cased(match("user.name", ir.OpEqual, lit(text("a*b?"), qm, text(`\d`)))), `user.name regex "a\\*b\\?.\\\\d"`},
		{"quotes and newline escaped", match("message", ir.OpEqual, ir.Str("line with \"quotes\"\nand newline")), `message : "line with \"quotes\"\nand newline"`},
		{"contains with quotes", match("message", ir.OpEqual, ir.Pattern(`*"quotes"*`)), `stringContains~(message, "\"quotes\"")`},
		{"any value", match("user.name", ir.OpEqual, ir.Pattern("*")), `user.name != null`},
		{"all", all(match("aws.cloudtrail.request_parameters", ir.OpEqual, ir.Pattern("*db-1*"), ir.Pattern("*masterUserPassword=*"))), `stringContains~(aws.cloudtrail.request_parameters, "db-1") and stringContains~(aws.cloudtrail.request_parameters, "masterUserPassword=")`},
		{"mixed shapes", match("event.action", ir.OpEqual, ir.Str("X"), ir.Pattern("*DB*"), ir.Pattern("Create*")), `event.action : ("X", "Create*") or stringContains~(event.action, "DB")`},
		{"not", not(match("event.outcome", ir.OpEqual, ir.Str("success"))), `not (event.outcome : "success")`},
		{"and or nesting", and(match("event.action", ir.OpEqual, ir.Str("ModifyDBInstance")), or(match("user.name", ir.OpEqual, ir.Str("admin")), not(match("source.ip", ir.OpCIDR, ir.Str("10.0.0.0/8"))))), `event.action : "ModifyDBInstance" and (user.name : "admin" or not cidrMatch(source.ip, "10.0.0.0/8"))`},
		{"exists", match("event.outcome", ir.OpExists), `event.outcome != null`},
		{"not exists", not(match("event.outcome", ir.OpExists)), `not (event.outcome != null)`},
		{"null", match("event.outcome", ir.OpNull), `event.outcome == null`},
		{"number equality", match("count", ir.OpEqual, ir.NumValue(7)), `count == 7`},
		{"number list", match("source.port", ir.OpEqual, ir.NumValue(5432), ir.NumValue(3306)), `source.port in (5432, 3306)`},
		{"bool", match("flag", ir.OpEqual, ir.BoolValue(true)), `flag == true`},
		{"numeric compare", match("count", ir.OpGTE, ir.NumValue(10)), `count >= 10`},
		{"numeric range", and(match("source.port", ir.OpGT, ir.NumValue(1024)), match("source.port", ir.OpLT, ir.NumValue(6000))), `source.port > 1024 and source.port < 6000`},
		{"cidr list", match("source.ip", ir.OpCIDR, ir.Str("10.0.0.0/8"), ir.Str("2001:db8::/32")), `cidrMatch(source.ip, "10.0.0.0/8", "2001:db8::/32")`},
		{"regex searched", &ir.Match{Field: "event.action", Op: ir.OpRegex, Values: []ir.Value{ir.Str(`DB(Instance|Cluster)$`)}}, `event.action regex ".*DB(Instance|Cluster)"`},
		{"regex ignore case", &ir.Match{Field: "event.action", Op: ir.OpRegex, Regex: ir.RegexFlags{IgnoreCase: true}, Values: []ir.Value{ir.Str(`^modify\w+`)}}, `event.action regex~ "modify[0-9A-Z\\_a-z]+.*"`},
		{"regex with quote and backslash", &ir.Match{Field: "message", Op: ir.OpRegex, Values: []ir.Value{ir.Str(`"quotes"\n`)}}, `message regex ".*\\\"quotes\\\"\n.*"`},
		{"regex list", &ir.Match{Field: "user.name", Op: ir.OpRegex, Values: []ir.Value{ir.Str(`^a\*`), ir.Str(`x\d$`)}}, `user.name regex ("a\\*.*", ".*x[0-9]")`},
		{"dotted field needing backticks", match("aws.cloudtrail.flattened.request_parameters.db-name", ir.OpEqual, ir.Str("x")), "aws.cloudtrail.flattened.request_parameters.`db-name` : \"x\""},
	}
	b, err := onECS()
	require.NoError(t, err)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := rule(tc.expr)
			out, err := b.Compile(r)
			require.NoError(t, err)
			assert.Equal(t, "any where "+tc.want+"\n", out.Text)
			q, err := eqlq.Parse("out", out.Text)
			require.NoError(t, err, "compiled EQL must parse")
			native, err := eval.Compile(r)
			require.NoError(t, err)
			for i, d := range ds {
				assert.Equal(t, native.MatchFields(d), q.Event.Matches(d), "doc %d: %s", i, docs[i])
			}
		})
	}
}

func TestUnsupported(t *testing.T) {
	cases := []struct {
		name string
		r    *ir.Rule
		want string
	}{
		{"keyword", rule(match("", ir.OpEqual, ir.Str("boom"))), "r.yml:9:5: SF300 eql cannot express keyword search (rule \"T\"): EQL has no full-text search; set targets.eql.keyword_field (e.g. message) to search one field"},
		{"fieldref", rule(match("a", ir.OpFieldRef, ir.Str("b"))), "r.yml:9:5: SF300 eql cannot express |fieldref (rule \"T\"): Elasticsearch EQL does not compare a field with another field"},
		{"time part", rule(&ir.Match{Field: "@timestamp", Op: ir.OpEqual, TimePart: "hour", Values: []ir.Value{ir.NumValue(3)}, Pos: source.Pos{File: "r.yml", Line: 9, Col: 5}}), "r.yml:9:5: SF300 eql cannot express |hour (rule \"T\"): EQL has no date-part functions"},
		{"word boundary regex", rule(&ir.Match{Field: "a", Op: ir.OpRegex, Values: []ir.Value{ir.Str(`\bx`)}, Pos: source.Pos{File: "r.yml", Line: 9, Col: 5}}), "r.yml:9:5: SF300 eql cannot express |re \"\\\\bx\" (rule \"T\"): word boundaries (\\b, \\B) cannot be expressed as a Lucene regex"},
		{"event_count", &ir.Rule{Title: "C", Pos: source.Pos{File: "c.yml", Line: 1, Col: 1}, Correlation: &ir.Correlation{Type: ir.EventCount}}, "c.yml:1:1: SF300 eql cannot express correlation event_count (rule \"C\"): EQL has no counting; event_count and value_count compile to Kibana threshold rules (target kibana) and to ES|QL STATS (target esql)"},
		{"temporal", &ir.Rule{Title: "C", Pos: source.Pos{File: "c.yml", Line: 1, Col: 1}, Correlation: &ir.Correlation{Type: ir.Temporal}}, "c.yml:1:1: SF300 eql cannot express correlation temporal (rule \"C\"): EQL sequences are ordered and one query cannot hold every ordering; use temporal_ordered, or the esql target"},
	}
	b, err := onECS()
	require.NoError(t, err)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := b.Compile(tc.r)
			var u *backends.Unsupported
			require.True(t, errors.As(err, &u), "want *backends.Unsupported, got %v", err)
			assert.Equal(t, tc.want, err.Error())
		})
	}
}

func TestKeywordField(t *testing.T) {
	b := &Backend{opts: Options{Category: "any", KeywordField: "message"}, ecs: ecs.Options{Mapping: ecs.MappingNone}}
	out, err := b.Compile(rule(match("", ir.OpEqual, ir.Str("FATAL"), ir.Pattern("password*failed"))))
	require.NoError(t, err)
	assert.Equal(t, "any where stringContains~(message, \"FATAL\") or message : \"*password*failed*\"\n", out.Text)
}

func TestSequence(t *testing.T) {
	a := &ir.Rule{ID: "a", Title: "A", Detection: match("event.action", ir.OpEqual, ir.Str("CreateDBSnapshot"))}
	b2 := &ir.Rule{ID: "b", Title: "B", Detection: match("event.action", ir.OpEqual, ir.Str("StartExportTask"))}
	corr := &ir.Rule{Title: "C", Correlation: &ir.Correlation{Type: ir.TemporalOrdered, Rules: []*ir.Rule{a, b2}, GroupBy: []string{"user.name"}, Timespan: 10 * time.Minute}}
	be, err := onECS()
	require.NoError(t, err)
	out, err := be.Compile(corr)
	require.NoError(t, err)
	assert.Equal(t, `sequence by user.name with maxspan=10m
  [any where event.action : "CreateDBSnapshot"]
  [any where event.action : "StartExportTask"]
`, out.Text)

	// Aliases give each step its own join key.
	corr.Correlation.GroupBy = []string{"actor"}
	corr.Correlation.Aliases = map[string]map[string]string{"actor": {"a": "user.name", "b": "aws.cloudtrail.user_identity.arn"}}
	out, err = be.Compile(corr)
	require.NoError(t, err)
	assert.Equal(t, `sequence with maxspan=10m
  [any where event.action : "CreateDBSnapshot"] by user.name
  [any where event.action : "StartExportTask"] by aws.cloudtrail.user_identity.arn
`, out.Text)
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

func TestPrepareErrorNamesTheCompiledText(t *testing.T) {
	b, err := onECS()
	require.NoError(t, err)
	_, err = b.Prepare(backends.Output{Rule: &ir.Rule{File: "rules/x.yml"}, Text: "any where a =="})
	require.Error(t, err)
	assert.True(t, strings.HasPrefix(err.Error(), `rules/x.yml (compiled eql):1:15: unexpected token "<EOF>"`), err.Error())
}
