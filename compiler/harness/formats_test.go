package harness

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sigforge/sigforge/compiler/golden"
	"github.com/sigforge/sigforge/compiler/internal/schematest"
	"github.com/sigforge/sigforge/compiler/source"
)

func TestFormatReportersGolden(t *testing.T) {
	s := runTestPack(t)
	for _, format := range []string{"junit", "sarif", "github"} {
		rep, err := NewFormatReporter(format, false, "v1.2.3")
		require.NoError(t, err)
		var buf bytes.Buffer
		require.NoError(t, rep.Report(&buf, s))
		golden.Check(t, "testdata/report."+format, buf.Bytes())
	}
	rep, err := NewFormatReporter("text", true, "")
	require.NoError(t, err)
	var buf bytes.Buffer
	require.NoError(t, rep.Report(&buf, s))
	golden.Check(t, "testdata/report.color", buf.Bytes())
	_, err = NewFormatReporter("xml", false, "")
	assert.ErrorContains(t, err, `unknown format "xml"`)
}

func TestFormatReportersPlainTextUnchanged(t *testing.T) {
	s := runTestPack(t)
	for _, format := range []string{"text", "json"} {
		a, err := NewFormatReporter(format, false, "")
		require.NoError(t, err)
		b, err := NewReporter(format)
		require.NoError(t, err)
		var x, y bytes.Buffer
		require.NoError(t, a.Report(&x, s))
		require.NoError(t, b.Report(&y, s))
		assert.Equal(t, y.String(), x.String())
	}
}

func TestFormatReportersSchemas(t *testing.T) {
	s := runTestPack(t)
	r := s.Report("v0")
	var buf bytes.Buffer
	rep, _ := NewFormatReporter("sarif", false, "v0")
	require.NoError(t, rep.Report(&buf, s))
	require.NoError(t, schematest.ValidateJSON(schematest.SARIF, buf.Bytes()))
	buf.Reset()
	rep, _ = NewFormatReporter("junit", false, "v0")
	require.NoError(t, rep.Report(&buf, s))
	require.NoError(t, schematest.ValidateXML(schematest.JUnit, buf.Bytes()))
	assert.Equal(t, len(s.Results), strings.Count(buf.String(), "<testcase "))
	assert.Equal(t, s.Failed, strings.Count(buf.String(), "<failure "))
	assert.Equal(t, s.Skipped, strings.Count(buf.String(), "<skipped "))
	require.NotEmpty(t, r.Findings)
}

func TestFailureCode(t *testing.T) {
	cases := map[string]string{
		"compile: boom":                        CompileFailed,
		"fixtures: a.json:2:1: invalid JSON":   FixtureUnreadable,
		"no fixture in f/negative":             FixtureMissing,
		"prepare: bad query":                   PrepareFailed,
		"positive fixture did not fire":        PositiveNotFired,
		"negative fixture fired on a.ndjson:2": NegativeFired,
		"error: engine exploded":               EvaluationFailed,
		"something new":                        UnclassifiedFailed,
	}
	for reason, want := range cases {
		assert.Equal(t, want, FailureCode(reason), reason)
	}
	seen := map[string]bool{}
	for _, c := range FailureCodes {
		assert.False(t, seen[c.ID], "duplicate %s", c.ID)
		seen[c.ID] = true
	}
	for _, code := range cases {
		assert.True(t, seen[code], "%s is described", code)
	}
}

func TestReasonPos(t *testing.T) {
	cases := []struct {
		reason, fallback string
		want             source.Pos
	}{
		{"negative fixture fired on fixtures/x/negative/many.ndjson:2 (and 1 more)", "f.json", source.Pos{File: "fixtures/x/negative/many.ndjson", Line: 2}},
		{"fixtures: fixtures/x/positive/cut.json:2:15: invalid JSON", "rules/x.yml", source.Pos{File: "fixtures/x/positive/cut.json", Line: 2, Col: 15}},
		{"negative fixture fired on fixtures/x/negative/trail.json#3", "fixtures/x/negative/trail.json", source.Pos{File: "fixtures/x/negative/trail.json"}},
		{"no fixture in fixtures/x/negative", "rules/x.yml", source.Pos{File: "rules/x.yml"}},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.want, reasonPos(tc.reason, tc.fallback), tc.reason)
	}
}
