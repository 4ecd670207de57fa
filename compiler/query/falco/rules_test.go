package falco

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sigforge/sigforge/compiler/corpus"
)

func loadRecords(t *testing.T, path string) []*Record {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	var file struct{ Records []json.RawMessage }
	require.NoError(t, json.Unmarshal(data, &file))
	var out []*Record
	for i, raw := range file.Records {
		out = append(out, record(t, string(raw)))
		out[i].Num = uint64(i + 1)
	}
	return out
}

// TestUpstreamRules loads Falco's own aws_cloudtrail_rules.yaml and runs it
// on hand-written records, as a check that the grammar and fields cover
// real-world rules.
func TestUpstreamRules(t *testing.T) {
	dir := corpus.Dir(t, "falco-cloudtrail-rules")
	data, err := os.ReadFile(filepath.Join(dir, "aws_cloudtrail_rules.yaml"))
	require.NoError(t, err)
	rs, err := Load("aws_cloudtrail_rules.yaml", data, LoadOptions{})
	require.NoError(t, err)
	assert.Empty(t, rs.Warnings)
	assert.Equal(t, MustVersion("10"), rs.RequiredEngine)
	require.NotEmpty(t, rs.Rules)
	for _, r := range rs.Rules {
		assert.NotNil(t, r.Filter, r.Name)
	}
	recs := loadRecords(t, "testdata/records.json")
	want := [][]string{
		{"Console Root Login Without MFA", "Console Login Without MFA"},
		{"Run Instances", "Run Instances in Non-approved Region"},
		nil, // StopLogging that failed
		{"CloudTrail Logging Disabled"},
		{"Delete Bucket Public Access Block"},
	}
	for i, rec := range recs {
		assert.ElementsMatch(t, want[i], rs.Match(rec), "record %d", i)
	}
}

func TestLoadListsAndMacros(t *testing.T) {
	const file = `
- required_engine_version: 0.43.0
- required_plugin_versions:
  - name: cloudtrail
    version: 0.10.0
  - name: json
    version: 0.7.0
- list: base_regions
  items: [eu-west-1]
- list: approved_regions
  items: [base_regions, us-east-1, "two words"]
- macro: rds_call
  condition: ct.src = "rds.amazonaws.com" and not ct.error exists
- macro: rds_modify
  condition: rds_call and ct.name in (rds_names)
- list: rds_names
  items: [ModifyDBInstance, ModifyDBCluster]
- rule: Modify outside approved regions
  desc: d
  condition: rds_modify and not ct.region in (approved_regions)
  output: "%ct.user %json.value[/requestParameters/dBInstanceIdentifier]"
  priority: warning
  source: aws_cloudtrail
  tags: [a, b]
- rule: Disabled
  desc: d
  condition: rds_call
  output: x
  priority: DEBUG
  source: aws_cloudtrail
  enabled: false
- rule: Syscall rule
  desc: d
  condition: proc.name = x
  output: x
  priority: INFO
`
	rs, err := Load("r.yaml", []byte(file), LoadOptions{})
	require.NoError(t, err)
	assert.Equal(t, []string{"approved_regions", "base_regions", "rds_names"}, rs.ListNames())
	assert.Equal(t, []string{"eu-west-1", "us-east-1", "two words"}, rs.Lists[1].Items)
	assert.Equal(t, `ct.src = "rds.amazonaws.com" and not ct.error exists and ct.name in ("ModifyDBInstance", "ModifyDBCluster") and not ct.region in ("eu-west-1", "us-east-1", "two words")`, rs.Rules[0].Expr.String())
	assert.Len(t, rs.Warnings, 1) // the syscall rule
	rec := record(t, modify)
	assert.Empty(t, rs.Match(rec)) // eu-west-1 is approved; "Disabled" is disabled
	rec.Fields["awsRegion"] = "ap-east-1"
	assert.Equal(t, []string{"Modify outside approved regions"}, rs.Match(rec))
}

func TestLoadErrors(t *testing.T) {
	tests := []struct{ name, file, want string }{
		{"undefined macro", "- rule: r\n  desc: d\n  condition: ct.name = x and later\n  output: o\n  priority: INFO\n  source: aws_cloudtrail\n- macro: later\n  condition: ct.name = y\n",
			`r.yaml:3:30: Undefined macro 'later' used in filter.`},
		{"bad escape", "- rule: r\n  desc: d\n  condition: ct.name = \"a\\qb\"\n  output: o\n  priority: INFO\n  source: aws_cloudtrail\n",
			`r.yaml:3:24: unsupported string escape sequence: \q`},
		{"unknown field", "- rule: r\n  desc: d\n  condition: ct.nope = x\n  output: o\n  priority: INFO\n  source: aws_cloudtrail\n",
			`r.yaml:3:14: filter_check called with nonexistent field ct.nope`},
		{"folded condition", "- rule: r\n  desc: d\n  condition: >-\n    ct.name = x and\n    ct.nope = y\n  output: o\n  priority: INFO\n  source: aws_cloudtrail\n",
			`r.yaml:3:14: filter_check called with nonexistent field ct.nope (condition line 1, column 17)`},
		{"bad priority", "- rule: r\n  desc: d\n  condition: ct.name = x\n  output: o\n  priority: LOUD\n  source: aws_cloudtrail\n",
			`r.yaml:5:13: Invalid priority level: LOUD`},
		{"missing output", "- rule: r\n  desc: d\n  condition: ct.name = x\n  priority: INFO\n  source: aws_cloudtrail\n",
			`r.yaml:1:3: item has no mapping for key 'output'`},
		{"unknown output field", "- rule: r\n  desc: d\n  condition: ct.name = x\n  output: user=%ct.nobody\n  priority: INFO\n  source: aws_cloudtrail\n",
			`r.yaml:4:11: invalid output format: unknown field ct.nobody`},
		{"percent at the end", "- rule: r\n  desc: d\n  condition: ct.name = x\n  output: 100%\n  priority: INFO\n  source: aws_cloudtrail\n",
			`r.yaml:4:11: invalid formatting syntax: formatting cannot end with a %`},
		{"percent before a word", "- rule: r\n  desc: d\n  condition: ct.name = x\n  output: 100% sure %ct.user\n  priority: INFO\n  source: aws_cloudtrail\n",
			`r.yaml:4:11: invalid output format: unknown filter after % at offset 3`},
		{"output field without its argument", "- rule: r\n  desc: d\n  condition: ct.name = x\n  output: id=%json.value\n  priority: INFO\n  source: aws_cloudtrail\n",
			`r.yaml:4:11: invalid output format: field json.value requires an argument`},
		{"unknown plugin", "- required_plugin_versions:\n  - name: k8saudit\n    version: 0.1.0\n",
			`r.yaml:2:5: Plugin 'k8saudit' required by this rules file is not loaded (the evaluator emulates cloudtrail 0.17.1, json 0.7.4)`},
		{"plugin too new", "- required_plugin_versions:\n  - name: json\n    version: 0.9.0\n",
			`r.yaml:3:14: Plugin 'json' version 0.9.0 is required, the emulated plugin is 0.7.4`},
		{"engine too old", "- required_engine_version: 0.60.0\n", `r.yaml:1:28: rules require engine version 0.60.0, but the engine version is 0.43.0`},
		{"feature too new", "- rule: r\n  desc: d\n  condition: ct.name startswith anyof (a)\n  output: o\n  priority: INFO\n  source: aws_cloudtrail\n",
			`operator modifier anyof needs Falco engine version 0.62.0 (Falco 0.44.0)`},
		{"enable unknown rule", "- rule: r\n  enabled: false\n", `r.yaml:1:9: Rule has 'enabled' key but no rule by that name already exists`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load("r.yaml", []byte(tt.file), LoadOptions{Engine: MustVersion("0.43.0")})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestSubstituteList(t *testing.T) {
	l := &List{Name: "names", Items: []string{"a", "b c"}}
	assert.Equal(t, `ct.name in ( a, "b c" ) and x`, substituteList(`ct.name in (names) and x`, l))
	// Not a whole word: untouched.
	assert.Equal(t, `ct.name in (names2)`, substituteList(`ct.name in (names2)`, l))
	// Falco substitutes inside quoted strings too when the name stands
	// between blanks.
	assert.Equal(t, `ct.name = "x a, "b c" y"`, substituteList(`ct.name = "x names y"`, l))
	empty := &List{Name: "none"}
	assert.Equal(t, `ct.name in (a  )`, substituteList(`ct.name in (a, none)`, empty))
}

// Falco replaces an earlier list, macro or rule of the same name
// (define_info in rule_loader_collector.cpp); a "rule: X / enabled: false"
// item switches an earlier rule off.
func TestLoadRedefinitions(t *testing.T) {
	const file = `
- list: names
  items: [A]
- list: names
  items: [B]
- macro: m
  condition: ct.name in (names)
- rule: r
  desc: d
  condition: ct.name = A
  output: o
  priority: INFO
  source: aws_cloudtrail
- rule: r
  desc: d
  condition: m
  output: o
  priority: INFO
  source: aws_cloudtrail
- rule: off
  desc: d
  condition: ct.name = B
  output: o
  priority: INFO
  source: aws_cloudtrail
- rule: off
  enabled: false
`
	rs, err := Load("r.yaml", []byte(file), LoadOptions{})
	require.NoError(t, err)
	assert.Len(t, rs.Warnings, 2)
	require.Len(t, rs.Rules, 2)
	assert.Equal(t, `ct.name in ("B")`, rs.Rules[0].Expr.String())
	assert.False(t, rs.Rules[1].Enabled)
	rec := record(t, `{"eventTime": "2026-01-01T00:00:00Z", "eventType": "AwsApiCall", "eventName": "B"}`)
	assert.Equal(t, []string{"r"}, rs.Match(rec))
}

// Exceptions are appended to the condition as Falco's rule loader does.
func TestLoadExceptions(t *testing.T) {
	const file = `
- list: ci_roles
  items: [deployer, "release bot"]
- rule: r
  desc: d
  condition: ct.name = DeleteDBInstance
  output: o
  priority: INFO
  source: aws_cloudtrail
  exceptions:
    - name: known_regions
      fields: ct.region
      values: [eu-west-1, us-east-2]
    - name: ci
      fields: [ct.user, ct.srcip]
      comps: [in, startswith]
      values:
        - [ci_roles, "10.0."]
        - [[ops, "on call"], 192.168.]
    - name: empty
      fields: [ct.user]
      values: []
`
	rs, err := Load("r.yaml", []byte(file), LoadOptions{})
	require.NoError(t, err)
	assert.Equal(t, `ct.name = "DeleteDBInstance" and not ct.region in ("eu-west-1", "us-east-2") and not ((ct.user in ("deployer", "release bot") and ct.srcip startswith "10.0.") or (ct.user in ("ops", "on call") and ct.srcip startswith "192.168."))`,
		rs.Rules[0].Expr.String())
	base := `"eventTime": "2026-01-01T00:00:00Z", "eventType": "AwsApiCall", "eventName": "DeleteDBInstance", "userIdentity": {"type": "IAMUser", "userName": "release bot"}`
	assert.Empty(t, rs.Match(record(t, `{`+base+`, "awsRegion": "eu-west-1"}`)))
	assert.Empty(t, rs.Match(record(t, `{`+base+`, "awsRegion": "ap-east-1", "sourceIPAddress": "10.0.3.4"}`)))
	assert.Equal(t, []string{"r"}, rs.Match(record(t, `{`+base+`, "awsRegion": "ap-east-1", "sourceIPAddress": "10.1.3.4"}`)))

	_, err = Load("r.yaml", []byte("- rule: r\n  desc: d\n  condition: ct.name = x\n  output: o\n  priority: INFO\n  source: aws_cloudtrail\n  exceptions:\n    - name: e\n      fields: ct.name\n      comps: startswith\n      values: [a]\n"), LoadOptions{})
	assert.ErrorContains(t, err, "r.yaml:10:14: When fields is a single value, comps must be one of (in, pmatch, intersects)")
}
