package falco

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sigforge/sigforge/backends"
	"github.com/sigforge/sigforge/compiler/config"
	"github.com/sigforge/sigforge/compiler/event"
	"github.com/sigforge/sigforge/compiler/ir"
	fq "github.com/sigforge/sigforge/compiler/query/falco"
	"github.com/sigforge/sigforge/compiler/source"
)

func TestTranslateRegex(t *testing.T) {
	tests := []struct {
		in    string
		flags ir.RegexFlags
		want  string
	}{
		{`abc`, ir.RegexFlags{}, `(.|\n)*(abc)(.|\n)*`},
		{`^abc`, ir.RegexFlags{}, `(abc)(.|\n)*`},
		{`abc$`, ir.RegexFlags{}, `(.|\n)*(abc)`},
		{`^abc$`, ir.RegexFlags{}, `abc`},
		{`^(ab|cd)$`, ir.RegexFlags{}, `(ab|cd)`},
		{`ab|cd`, ir.RegexFlags{}, `(.|\n)*(ab|cd)(.|\n)*`},
		{`a|b`, ir.RegexFlags{}, `(.|\n)*([ab])(.|\n)*`},
		{`\d+\.\d{1,3}`, ir.RegexFlags{}, `(.|\n)*([0-9]+\.[0-9]{1,3})(.|\n)*`},
		{`x*?y`, ir.RegexFlags{}, `(.|\n)*(x*y)(.|\n)*`},
		{`(?:ab)+`, ir.RegexFlags{}, `(.|\n)*((ab)+)(.|\n)*`},
		{`(?P<n>a)`, ir.RegexFlags{}, `(.|\n)*((a))(.|\n)*`},
		{`ab`, ir.RegexFlags{IgnoreCase: true}, `(.|\n)*([Aa][Bb])(.|\n)*`},
		{`a.b`, ir.RegexFlags{DotAll: true}, `(.|\n)*(a(.|\n)b)(.|\n)*`},
		{`^a$`, ir.RegexFlags{Multiline: true}, `(.|\n)*(^a$)(.|\n)*`},
		{`[^a-c]`, ir.RegexFlags{}, `(.|\n)*([\x{0}-\x{60}d-\x{10ffff}])(.|\n)*`},
		{`a\*b`, ir.RegexFlags{}, `(.|\n)*(a\*b)(.|\n)*`},
	}
	for _, tt := range tests {
		got, err := translateRegex(tt.in, tt.flags)
		require.NoError(t, err, tt.in)
		assert.Equal(t, tt.want, got, tt.in)
		_, err = fq.CompileRegex(got)
		assert.NoError(t, err, "%s → %s must load in Falco's dialect", tt.in, got)
	}
	for _, bad := range []string{`\bx`, `a^b`, `a\z|b`, `(`} {
		_, err := translateRegex(bad, ir.RegexFlags{})
		assert.Error(t, err, bad)
	}
}

func TestGlobPattern(t *testing.T) {
	v := ir.Value{Kind: ir.KindString, Parts: []ir.Part{
		{Kind: ir.Literal, Text: `a*b?[c\`}, {Kind: ir.AnyString}, {Kind: ir.AnyChar}, {Kind: ir.Literal, Text: "Z9"},
	}}
	assert.Equal(t, `a\*b\?\[c\\*?Z9`, globPattern(v.Parts, false))
	assert.Equal(t, `[Aa]\*[Bb]\?\[[Cc]\\*?[Zz]9`, globPattern(v.Parts, true))
}

func TestPointer(t *testing.T) {
	assert.Equal(t, "/a~1b/c~0d/0", pointer([]string{"a/b", "c~d", "0"}))
	assert.Equal(t, `json.value["/a b"]`, jsonValue([]string{"a b"}))
	assert.Equal(t, `json.value["/x]"]`, jsonValue([]string{"x]"}))
}

func writeConfig(t *testing.T, text string) *config.Config {
	t.Helper()
	path := filepath.Join(t.TempDir(), ".sigforge.yml")
	require.NoError(t, os.WriteFile(path, []byte(text), 0o644))
	cfg, err := config.Load(path)
	require.NoError(t, err)
	return cfg
}

func TestOptions(t *testing.T) {
	b, err := New(nil)
	require.NoError(t, err)
	assert.Equal(t, DefaultEngineVersion, b.engine.String())
	assert.Equal(t, "falco", b.Name())

	_, err = New(writeConfig(t, "targets:\n  falco:\n    min_engine_version: banana\n"))
	assert.ErrorContains(t, err, "targets.falco.min_engine_version: invalid engine version \"banana\"")
	_, err = New(writeConfig(t, "targets:\n  falco:\n    max_array_elements: 0\n"))
	assert.ErrorContains(t, err, "max_array_elements: 0 is outside 1..100")
	_, err = New(writeConfig(t, "targets:\n  falco:\n    max_array_elements: [1]\n"))
	assert.ErrorContains(t, err, ".sigforge.yml:3:5: targets.falco")
}

func rule(title, file string, det ir.Expr) *ir.Rule {
	return &ir.Rule{
		Pos: source.Pos{File: file, Line: 1, Col: 1}, File: file, ID: "00000000-0000-4000-8000-" + strings.Repeat("0", 11) + "1",
		Title: title, Description: "d", Level: "critical",
		Logsource: ir.Logsource{Product: "aws", Service: "cloudtrail"},
		Meta:      ir.Meta{Severity: "critical", RiskScore: 99, AlertFields: []string{"userIdentity.arn", "requestParameters.dBSnapshotIdentifier", "requestParameters.odd key"}},
		Tags:      []string{"attack.exfiltration", "attack.t1537"},
		Detection: det,
	}
}

func eq(field string, vals ...ir.Value) *ir.Match {
	return &ir.Match{Field: field, Op: ir.OpEqual, Values: vals}
}

func TestCompileAndBundle(t *testing.T) {
	b, err := New(nil)
	require.NoError(t, err)
	r1 := rule("Snapshot 100% public", "rules/a.yml", &ir.And{Args: []ir.Expr{
		eq("eventSource", ir.Str("rds.amazonaws.com")),
		eq("eventName", ir.Str("ModifyDBSnapshotAttribute")),
	}})
	r2 := rule("Snapshot 100% public", "rules/b.yml", eq("eventName", ir.Str("CopyDBSnapshot")))
	r2.ID = "00000000-0000-4000-8000-000000000002"
	o1, err := b.Compile(r1)
	require.NoError(t, err)
	assert.Equal(t, ".yaml", o1.Ext)
	assert.Contains(t, o1.Text, "priority: CRITICAL")
	assert.Contains(t, o1.Text, "tags: [cloud, aws, aws_rds, mitre_exfiltration, T1537]") // no resolved Threat: from the tags
	assert.Contains(t, o1.Text, "output: Snapshot 100 public (user=%ct.user arn=%ct.user.arn")
	assert.Contains(t, o1.Text, "dBSnapshotIdentifier=%json.value[/requestParameters/dBSnapshotIdentifier]")
	assert.NotContains(t, o1.Text, "odd key", "quoted arguments stay out of outputs")
	o2, err := b.Compile(r2)
	require.NoError(t, err)

	bundle, err := b.Bundle([]backends.Output{o1, o2})
	require.NoError(t, err)
	assert.Contains(t, bundle.Text, "- required_engine_version: 0.43.0")
	assert.Contains(t, bundle.Text, "- rule: Snapshot 100% public (00000000-0000-4000-8000-000000000001)")
	assert.Contains(t, bundle.Text, "- rule: Snapshot 100% public (00000000-0000-4000-8000-000000000002)")
	q, err := b.Prepare(bundle)
	require.NoError(t, err)

	ev := func(name string) event.Event {
		f, err := event.Decode([]byte(`{"eventTime":"2026-01-01T00:00:00Z","eventType":"AwsApiCall","eventSource":"rds.amazonaws.com","eventName":"` + name + `"}`))
		require.NoError(t, err)
		return event.New(f, name)
	}
	fires, err := q.Fires([]event.Event{ev("DescribeDBInstances"), ev("CopyDBSnapshot")})
	require.NoError(t, err)
	assert.True(t, fires)
	assert.Equal(t, []int{1}, q.(interface{ MatchingEvents([]event.Event) []int }).MatchingEvents([]event.Event{ev("DescribeDBInstances"), ev("CopyDBSnapshot")}))
	fires, err = q.Fires([]event.Event{ev("DescribeDBInstances")})
	require.NoError(t, err)
	assert.False(t, fires)

	// A stream whose every record the plugin drops proves nothing.
	f, err := event.Decode([]byte(`{"eventSource":"rds.amazonaws.com","eventName":"CopyDBSnapshot"}`))
	require.NoError(t, err)
	_, err = q.Fires([]event.Event{event.New(f, "x.json")})
	assert.ErrorContains(t, err, "x.json: the cloudtrail plugin drops this record: no eventTime")
}

func TestLegacyEngineVersion(t *testing.T) {
	b, err := New(writeConfig(t, "targets:\n  falco:\n    min_engine_version: \"12\"\n"))
	require.NoError(t, err)
	o, err := b.Compile(rule("r", "rules/r.yml", eq("eventName", ir.Str("CopyDBSnapshot"))))
	require.NoError(t, err)
	bundle, err := b.Bundle([]backends.Output{o})
	require.NoError(t, err)
	assert.Contains(t, bundle.Text, "- required_engine_version: 12\n")
	assert.Contains(t, bundle.Text, `ct.name = "CopyDBSnapshot"`)
	_, err = b.Prepare(bundle)
	require.NoError(t, err)
}

func TestPrepareRejectsWhatFalcoRejects(t *testing.T) {
	b, err := New(nil)
	require.NoError(t, err)
	_, err = b.Prepare(backends.Output{Text: "- rule: r\n  desc: d\n  condition: ct.name startswith anyof (a)\n  output: o\n  priority: INFO\n  source: aws_cloudtrail\n"})
	assert.ErrorContains(t, err, "falco.yaml:3:14: operator modifier anyof needs Falco engine version 0.62.0")
}

func TestUnsupportedPositions(t *testing.T) {
	b, err := New(nil)
	require.NoError(t, err)
	m := &ir.Match{Pos: source.Pos{File: "rules/x.yml", Line: 9, Col: 7}, Field: "eventTime", Op: ir.OpEqual, TimePart: "hour", Values: []ir.Value{ir.NumValue(3)}}
	_, err = b.Compile(rule("t", "rules/x.yml", m))
	var u *backends.Unsupported
	require.ErrorAs(t, err, &u)
	assert.Equal(t, "rules/x.yml:9:7: SF300 falco cannot express |hour on eventTime (rule \"t\"): cloudtrail fields are strings; Falco cannot take the hour of a timestamp", err.Error())
	assert.True(t, IsUnsupported(err))
}
