package sigma_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sigforge/sigforge/compiler/ir"
	"github.com/sigforge/sigforge/compiler/sigma"
)

const fullRule = `title: Full rule
id: 0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9
name: full_rule
related:
  - id: 1a2b3c4d-5e6f-4a0b-9c1d-2e3f4a5b6c7d
    type: derived
taxonomy: sigma
status: experimental
description: |
  Two lines
  of description.
license: DRL-1.1
author: Ann, Bob
references:
  - https://example.com/a
date: 2024-01-02
modified: '2024-02-03'
tags:
  - attack.exfiltration
  - attack.t1020
logsource:
  product: aws
  service: cloudtrail
  category: api
  definition: CloudTrail management events
  custom_key: extra
detection:
  sel:
    eventName: X
  condition: sel
fields:
  - userIdentity.arn
falsepositives:
  - Admins
level: medium
scope:
  - server
risk_score: 40
severity: high
alert_fields: [userIdentity.arn]
investigation_guide: Check it.
x_owner: team-db
x_numbers: [1, 2]
`

func TestReadFullRule(t *testing.T) {
	docs, ds := sigma.Read("full.yml", []byte(fullRule))
	require.Empty(t, ds)
	require.Len(t, docs, 1)
	d := docs[0]
	assert.Equal(t, sigma.KindRule, d.Kind)
	assert.Equal(t, "Full rule", d.Title)
	assert.Equal(t, "full_rule", d.Name)
	assert.Equal(t, []ir.Related{{ID: "1a2b3c4d-5e6f-4a0b-9c1d-2e3f4a5b6c7d", Type: "derived"}}, d.Related)
	assert.Equal(t, "Two lines\nof description.\n", d.Description)
	assert.Equal(t, "Ann, Bob", d.Author)
	assert.Equal(t, "2024-01-02", d.Date)
	assert.Equal(t, "2024-02-03", d.Modified)
	assert.Equal(t, ir.Logsource{Category: "api", Product: "aws", Service: "cloudtrail",
		Definition: "CloudTrail management events", Extra: map[string]string{"custom_key": "extra"}}, d.Logsource)
	assert.Equal(t, []string{"server"}, d.Scope)
	assert.Equal(t, []string{"userIdentity.arn"}, d.Fields)
	require.NotNil(t, d.RiskScore)
	assert.Equal(t, 40, *d.RiskScore)
	assert.Equal(t, "high", d.Severity)
	assert.Equal(t, "Check it.", d.Guide)
	assert.Equal(t, map[string]any{"x_owner": "team-db", "x_numbers": []any{1, 2}}, d.Custom)
	assert.Equal(t, "full.yml:19:5", d.TagPos[0].String())
	assert.Equal(t, "full.yml:1:1", d.Pos.String())
}

func TestReadMultiDocument(t *testing.T) {
	src := "title: a\nlogsource: {product: x}\ndetection: {s: {f: 1}, condition: s}\n" +
		"---\n" +
		"title: c\ncorrelation: {type: temporal, rules: [a, b], timespan: 90m}\n" +
		"---\n" +
		"title: f\nlogsource: {product: x}\nfilter: {rules: any, s: {g: 2}, condition: not s}\n" +
		"---\n"
	docs, ds := sigma.Read("m.yml", []byte(src))
	require.Empty(t, ds)
	require.Len(t, docs, 3)
	assert.Equal(t, []sigma.Kind{sigma.KindRule, sigma.KindCorrelation, sigma.KindFilter},
		[]sigma.Kind{docs[0].Kind, docs[1].Kind, docs[2].Kind})
	assert.Equal(t, "m.yml:5:1", docs[1].Pos.String())
	assert.Equal(t, 1, docs[1].Index)
	c := docs[1].Correlation
	assert.Equal(t, ir.Temporal, c.Type)
	assert.Equal(t, 90*time.Minute, c.Timespan)
	assert.Equal(t, []ir.Comparison{{Op: "gte", Value: 2}}, c.Condition.Compare, "temporal defaults to all rules")
	f := docs[2].Filter
	assert.Empty(t, f.Rules, "rules: any")
	require.Len(t, f.Detection.Searches, 1)
	assert.Equal(t, "s", f.Detection.Searches[0].Name)
}

func TestReadDetectionShapes(t *testing.T) {
	src := `title: shapes
logsource: {product: x}
detection:
  map:
    a: 1
    'b|contains|all': [x, 'y']
  listofmaps:
    - c: null
    - d: ''
  keywords:
    - k1
    - 42
  condition: map
`
	docs, ds := sigma.Read("s.yml", []byte(src))
	require.Empty(t, ds)
	det := docs[0].Detection
	require.Len(t, det.Searches, 3)
	m := det.Search("map")
	require.Len(t, m.Alternatives, 1)
	items := m.Alternatives[0].Items
	require.Len(t, items, 2)
	assert.Equal(t, sigma.Int, items[0].Values[0].Kind)
	assert.Equal(t, "b", items[1].Field)
	assert.Equal(t, "contains", items[1].Modifiers[0].Name)
	assert.Equal(t, "s.yml:6:8", items[1].Modifiers[0].Pos.String(), "quoted key: one column for the quote")
	assert.Equal(t, "s.yml:6:17", items[1].Modifiers[1].Pos.String())
	assert.True(t, items[1].List)
	l := det.Search("listofmaps")
	require.Len(t, l.Alternatives, 2)
	assert.Equal(t, sigma.Null, l.Alternatives[0].Items[0].Values[0].Kind)
	assert.Equal(t, sigma.String, l.Alternatives[1].Items[0].Values[0].Kind)
	kw := det.Search("keywords")
	require.Len(t, kw.Alternatives, 1)
	assert.Equal(t, "", kw.Alternatives[0].Items[0].Field)
	assert.Len(t, kw.Alternatives[0].Items[0].Values, 2)
}

// TestTextPositions maps offsets of a condition back into the file for
// every YAML scalar style.
func TestTextPositions(t *testing.T) {
	tests := []struct {
		name, cond string
		find       string // a word in the condition
		want       string // its file position
	}{
		{"plain", "condition: sel and not other", "other", "p.yml:5:26"},
		{"single quoted", "condition: 'sel and not other'", "other", "p.yml:5:27"},
		{"single quoted with escaped quote", "condition: 'it''s and other'", "other", "p.yml:5:25"},
		{"double quoted", `condition: "sel and not other"`, "other", "p.yml:5:27"},
		{"literal block", "condition: |\n    sel and\n      not other", "other", "p.yml:7:11"},
		{"folded block", "condition: >\n    sel and\n    not other", "other", "p.yml:7:9"},
		{"plain over lines", "condition: sel and\n     not other", "other", "p.yml:6:10"},
		{"flow list", "condition: [sel, other]", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := "title: t\nlogsource: {product: x}\ndetection:\n  sel: {a: 1}\n  " + tt.cond + "\n"
			docs, ds := sigma.Read("p.yml", []byte(src))
			require.Empty(t, ds)
			conds := docs[0].Detection.Conditions
			require.NotEmpty(t, conds)
			if tt.find == "" {
				require.Len(t, conds, 2)
				assert.Equal(t, "p.yml:5:20", conds[1].PosAt(0).String())
				return
			}
			c := conds[0]
			off := strings.Index(c.Value, tt.find)
			require.GreaterOrEqual(t, off, 0)
			assert.Equal(t, tt.want, c.PosAt(off).String())
			line := strings.Count(c.Value[:off], "\n") + 1
			col := off - strings.LastIndex(c.Value[:off], "\n")
			assert.Equal(t, tt.want, c.PosAtLineCol(line, col).String())
		})
	}
}

func TestParseTimespan(t *testing.T) {
	tests := map[string]time.Duration{
		"30s": 30 * time.Second, "15m": 15 * time.Minute, "2h": 2 * time.Hour, "1d": 24 * time.Hour,
		"1w": 7 * 24 * time.Hour, "1M": 2629746 * time.Second, "1y": 31556952 * time.Second,
	}
	for s, want := range tests {
		got, ok := sigma.ParseTimespan(s)
		assert.True(t, ok, s)
		assert.Equal(t, want, got, s)
	}
	for _, bad := range []string{"", "15", "m", "0m", "-5m", "1.5h", "15 m", "15min", "99999999999999999999d"} {
		_, ok := sigma.ParseTimespan(bad)
		assert.False(t, ok, bad)
	}
}

// TestYAMLErrorLines checks that syntax errors name the line of the
// problem (yaml.v3 reports parser errors 0-based, scanner errors 1-based).
func TestYAMLErrorLines(t *testing.T) {
	tests := []struct{ src, want string }{
		{"a: 1\nb: [x\nc: 2\n", "y.yml:2:1: SF100"},
		{"a: 1\nb: 2\n  c: 3\n", "y.yml:3:1: SF100"},
		{"a: 1\nb:\n\t- x\n", "y.yml:3:1: SF100"},
		{"a: 1\n- b\n", "y.yml:2:1: SF100"},
		{"a: 1\n\nb: {x: 1\n", "y.yml:3:1: SF100"},
		{"a: 1\nb: *nope\n", "y.yml:2:4: SF100"},
		{"title: a\nlogsource: {product: x}\ndetection: {s: {a: 1}, condition: s}\n---\ntitle: b\n  bad: [\n", "y.yml:6:1: SF100"},
	}
	for _, tt := range tests {
		docs, ds := sigma.Read("y.yml", []byte(tt.src))
		require.Len(t, ds, 1, "%q", tt.src)
		assert.Contains(t, ds[0].Error(), tt.want, "%q", tt.src)
		if strings.HasPrefix(tt.src, "title: a\n") {
			assert.Len(t, docs, 1, "documents before the error are kept")
		}
	}
}
