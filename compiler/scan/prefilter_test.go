package scan

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sigforge/sigforge/compiler"
	"github.com/sigforge/sigforge/compiler/config"
	"github.com/sigforge/sigforge/compiler/eval"
	"github.com/sigforge/sigforge/compiler/event"
	"github.com/sigforge/sigforge/compiler/harness"
	"github.com/sigforge/sigforge/compiler/ir"
)

func parseDetection(t *testing.T, detection string) ir.Expr {
	t.Helper()
	src := "title: t\nlogsource:\n    product: aws\n    service: cloudtrail\ndetection:\n" + detection
	set, ds := compiler.Parse("t.yml", []byte(src), compiler.Options{})
	require.False(t, ds.HasErrors(), "%v", ds)
	require.Len(t, set.Rules, 1)
	return set.Rules[0].Detection
}

func render(r requirements) string {
	var parts []string
	for _, f := range slices.Sorted(maps.Keys(r)) {
		parts = append(parts, f+": "+ir.Format(r[f]))
	}
	return strings.Join(parts, "; ")
}

func TestRequired(t *testing.T) {
	tests := []struct{ name, detection, want string }{
		{"equal", "    sel:\n        eventSource: RDS.amazonaws.com\n    condition: sel", `eventSource: eventSource = "RDS.amazonaws.com"`},
		{"and of fields", "    sel:\n        eventSource: rds.amazonaws.com\n        eventName: [A, B]\n        errorCode: null\n    condition: sel",
			`errorCode: errorCode null; eventName: eventName = ["A", "B"]; eventSource: eventSource = "rds.amazonaws.com"`},
		{"wildcards", "    sel:\n        eventName|contains: Delete\n    condition: sel", `eventName: eventName = "*Delete*"`},
		{"dotted field gives nothing", "    sel:\n        userIdentity.type: Root\n    condition: sel", ""},
		{"fieldref gives nothing", "    sel:\n        a|fieldref: b\n    condition: sel", ""},
		{"not gives nothing", "    sel:\n        eventName: A\n    condition: not sel", ""},
		{"or keeps common fields", "    a:\n        eventSource: rds.amazonaws.com\n        eventName: A\n    b:\n        eventSource: ec2.amazonaws.com\n    condition: a or b",
			`eventSource: or(eventSource = "rds.amazonaws.com", eventSource = "ec2.amazonaws.com")`},
		{"or with a free branch", "    a:\n        eventName: A\n    b:\n        errorCode: X*\n    condition: a or b", ""},
		{"and on one field", "    a:\n        eventName: [A, B]\n    b:\n        eventName|startswith: B\n    condition: a and b", `eventName: and(eventName = ["A", "B"], eventName = "B*")`},
		{"keywords give nothing", "    keywords:\n        - rds\n    condition: keywords", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, render(required(parseDetection(t, tt.detection))))
		})
	}
}

// packAndFixtures loads the pack's CloudTrail rules and the events of its
// fixtures.
func packAndFixtures(t testing.TB) ([]*ir.Rule, []map[string]any) {
	t.Helper()
	cfg, err := config.Find("../../rules")
	require.NoError(t, err)
	set, ds := compiler.Load([]string{"../../rules"}, compiler.Options{Config: cfg})
	require.False(t, ds.HasErrors(), "%v", ds)
	var rules []*ir.Rule
	for _, r := range set.Rules {
		if AppliesToCloudTrail(r) && !r.IsCorrelation() {
			rules = append(rules, r)
		}
	}
	paths, err := filepath.Glob("../../fixtures/*/*/*.json")
	require.NoError(t, err)
	var events []map[string]any
	for _, p := range paths {
		evs, err := harness.ReadFile(p)
		require.NoError(t, err)
		for _, ev := range evs {
			events = append(events, ev.Fields)
		}
	}
	require.NotEmpty(t, events)
	return rules, events
}

// checkExact asserts that the prefilter keeps every rule that matches the
// record (raw JSON).
func checkExact(t testing.TB, pf *prefilter, rules []*ir.Rule, evals []*eval.Evaluator, raw []byte) {
	rd, err := NewReader(bytes.NewReader(raw), false, pf.fields)
	require.NoError(t, err)
	rec, err := rd.Next()
	if err != nil {
		return // not a record the scanner would evaluate either
	}
	fields, err := event.Decode(rec.Raw)
	if err != nil {
		return
	}
	cand := newBitset(len(rules))
	pf.candidates(rec, cand, newValues(len(pf.fields), len(pf.checks)))
	for i, e := range evals {
		if e.MatchFields(fields) {
			assert.True(t, cand.has(i), "prefilter drops %s, which matches %s", rules[i].Title, raw)
		}
	}
}

// variants rewrites the values of eventSource and eventName in ways the
// evaluator still matches (case, escapes, Unicode folding) or not.
func variants(fields map[string]any) [][]byte {
	var out [][]byte
	base, _ := json.Marshal(fields)
	out = append(out, base)
	for _, key := range []string{"eventSource", "eventName"} {
		v, ok := fields[key].(string)
		if !ok {
			continue
		}
		for _, nv := range []any{strings.ToUpper(v), strings.Replace(v, "s", "ſ", 1), strings.Replace(v, "k", "\u212a", 1), []any{"x", v}, nil, 5} {
			m := maps.Clone(fields)
			m[key] = nv
			b, _ := json.Marshal(m)
			out = append(out, b)
		}
		// An escaped value and an escaped key.
		escaped := bytes.Replace(base, []byte(`"`+key+`":"`+v[:1]), []byte(fmt.Sprintf(`"%s":"\u%04x`, key, v[0])), 1)
		out = append(out, escaped)
		out = append(out, bytes.Replace(base, []byte(`"`+key+`"`), []byte(`"`+key[:2]+`\u00`+fmt.Sprintf("%x", key[2])+key[3:]+`"`), 1))
		m := maps.Clone(fields)
		delete(m, key)
		b, _ := json.Marshal(m)
		out = append(out, b)
	}
	return out
}

func TestPrefilterNeverDropsAMatch(t *testing.T) {
	rules, events := packAndFixtures(t)
	pf, err := newPrefilter(rules)
	require.NoError(t, err)
	assert.Equal(t, []string{"errorCode", "errorMessage", "eventName", "eventSource"}, pf.fields)
	var evals []*eval.Evaluator
	for _, r := range rules {
		e, err := eval.Compile(r)
		require.NoError(t, err)
		evals = append(evals, e)
	}
	matched := 0
	for _, fields := range events {
		for _, raw := range variants(fields) {
			checkExact(t, pf, rules, evals, raw)
			if f, err := event.Decode(raw); err == nil && slices.ContainsFunc(evals, func(e *eval.Evaluator) bool { return e.MatchFields(f) }) {
				matched++
			}
		}
	}
	assert.Greater(t, matched, len(events), "the variants keep matching (case, escapes, folding)")
}

func TestPrefilterDropsOtherServices(t *testing.T) {
	rules, _ := packAndFixtures(t)
	pf, err := newPrefilter(rules)
	require.NoError(t, err)
	cand := newBitset(len(rules))
	for raw, want := range map[string]bool{
		`{"eventSource":"s3.amazonaws.com","eventName":"GetObject"}`:                                       false,
		`{"eventSource":"rds.amazonaws.com","eventName":"ListTagsForResource"}`:                            false,
		`{"eventSource":"rds.amazonaws.com","eventName":"ListTagsForResource","errorCode":"AccessDenied"}`: true,
		`{"eventSource":"rds.amazonaws.com","eventName":"StopDBCluster","errorCode":"Throttling"}`:         false,
		`{"eventSource":"RDS.amazonaws.com","eventName":"StopDBCluster"}`:                                  true,
		`{"eventName":"StopDBCluster"}`:                                                                    false,
		`{"eventSource":"rd\u0073.amazonaws.com","eventName":"StopDBCluster"}`:                             true,
		`{"eventSource":"rd\u0073.amazonaws.com","eventName":"GetObject"}`:                                 false,
		`{"eventSource":["x","rds.amazonaws.com"],"eventName":"StopDBCluster"}`:                            true,
		`{"eventSource":["s3.amazonaws.com"],"eventName":"StopDBCluster"}`:                                 false,
		`{"eventSource":"s3.amazonaws.com","eventNam\u0065":"GetObject","x":1}`:                            true, // escaped key: cannot tell
		`{"eventSource":"rds.amazonaws.com","eventName":"GetObject","eventName":"StopDBCluster"}`:          true, // the last duplicate wins
	} {
		rd, err := NewReader(strings.NewReader(raw), false, pf.fields)
		require.NoError(t, err)
		rec, err := rd.Next()
		require.NoError(t, err)
		assert.Equal(t, want, pf.candidates(rec, cand, newValues(len(pf.fields), len(pf.checks))), raw)
	}
}

// FuzzPrefilter checks exactness on arbitrary eventSource / eventName
// values and raw text around them.
func FuzzPrefilter(f *testing.F) {
	rules, events := packAndFixtures(f)
	pf, err := newPrefilter(rules)
	require.NoError(f, err)
	var evals []*eval.Evaluator
	for _, r := range rules {
		e, err := eval.Compile(r)
		require.NoError(f, err)
		evals = append(evals, e)
	}
	for _, ev := range events[:min(len(events), 20)] {
		src, _ := ev["eventSource"].(string)
		name, _ := ev["eventName"].(string)
		f.Add(src, name, uint8(0))
	}
	f.Fuzz(func(t *testing.T, source, name string, pick uint8) {
		base := maps.Clone(events[int(pick)%len(events)])
		base["eventSource"], base["eventName"] = source, name
		raw, err := json.Marshal(base)
		require.NoError(t, err)
		checkExact(t, pf, rules, evals, raw)
		// The same values spliced in raw (escapes the fuzzer writes).
		spliced := fmt.Sprintf(`{"eventSource":"%s","eventName":"%s"}`, source, name)
		checkExact(t, pf, rules, evals, []byte(spliced))
	})
}
