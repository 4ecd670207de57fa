package report_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sigforge/sigforge/compiler"
	"github.com/sigforge/sigforge/compiler/golden"
	"github.com/sigforge/sigforge/compiler/internal/schematest"
	"github.com/sigforge/sigforge/compiler/report"
	"github.com/sigforge/sigforge/compiler/source"
)

// validateReport loads testdata/rules as `sigforge validate` does.
func validateReport(t *testing.T) (*report.Report, *compiler.Set, source.Diagnostics) {
	t.Helper()
	set, ds := compiler.Load([]string{"testdata/rules"}, compiler.Options{})
	require.True(t, ds.HasErrors())
	return report.FromDiagnostics(set.Files, ds, "v1.2.3"), set, ds
}

func render(t *testing.T, w report.Writer, r *report.Report) []byte {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, w(&buf, r))
	return buf.Bytes()
}

func TestFormatsGolden(t *testing.T) {
	r, set, ds := validateReport(t)
	for name, w := range report.Formats {
		golden.Check(t, "testdata/validate."+name, render(t, w, r))
	}
	var buf bytes.Buffer
	require.NoError(t, report.WriteText(&buf, ds, report.NewPalette(false)))
	golden.Check(t, "testdata/validate.text", buf.Bytes())
	buf.Reset()
	require.NoError(t, report.WriteText(&buf, ds, report.NewPalette(true)))
	golden.Check(t, "testdata/validate.color", buf.Bytes())
	buf.Reset()
	require.NoError(t, report.WriteValidateJSON(&buf, set.Files, len(set.Rules), ds))
	golden.Check(t, "testdata/validate.json", buf.Bytes())
}

func TestPlainTextIsDiagnosticsPrint(t *testing.T) {
	_, _, ds := validateReport(t)
	var got, want bytes.Buffer
	require.NoError(t, report.WriteText(&got, ds, report.NewPalette(false)))
	ds.Print(&want)
	assert.Equal(t, want.String(), got.String())
}

func TestSARIFSchema(t *testing.T) {
	r, _, _ := validateReport(t)
	doc := render(t, report.WriteSARIF, r)
	require.NoError(t, schematest.ValidateJSON(schematest.SARIF, doc))

	// Every result names a rule descriptor by id and index, with a region.
	var log struct {
		Runs []struct {
			Tool struct {
				Driver struct {
					Rules []struct{ ID string } `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results []struct {
				RuleID    string `json:"ruleId"`
				RuleIndex int    `json:"ruleIndex"`
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI string } `json:"artifactLocation"`
						Region           struct{ StartLine, StartColumn int }
					} `json:"physicalLocation"`
				} `json:"locations"`
			} `json:"results"`
		} `json:"runs"`
	}
	require.NoError(t, json.Unmarshal(doc, &log))
	run := log.Runs[0]
	require.NotEmpty(t, run.Results)
	for _, res := range run.Results {
		assert.Equal(t, res.RuleID, run.Tool.Driver.Rules[res.RuleIndex].ID)
		require.Len(t, res.Locations, 1)
		assert.Positive(t, res.Locations[0].PhysicalLocation.Region.StartLine)
		assert.True(t, strings.HasPrefix(res.Locations[0].PhysicalLocation.ArtifactLocation.URI, "testdata/rules/"))
	}
	assert.Contains(t, string(doc), `"uri": "testdata/rules/broken%20yaml.yml"`)
}

func TestSARIFEdgeCasesSchema(t *testing.T) {
	r := &report.Report{Tool: "sigforge", Findings: []report.Finding{
		{Code: "SF999", Level: report.LevelNote, Message: "no file"},
		{Code: "SF100", Level: report.LevelError, Message: "file only", Pos: source.Pos{File: "a.yml"}},
		{Code: "SF100", Level: report.LevelError, Message: "absolute", Pos: source.Pos{File: "/tmp/x y/a.yml", Line: 3, Col: 2}},
	}}
	doc := render(t, report.WriteSARIF, r)
	require.NoError(t, schematest.ValidateJSON(schematest.SARIF, doc))
	assert.Contains(t, string(doc), `"uri": "file:///tmp/x%20y/a.yml"`)
	empty := render(t, report.WriteSARIF, &report.Report{Tool: "sigforge"})
	require.NoError(t, schematest.ValidateJSON(schematest.SARIF, empty))
}

func TestJUnitSchema(t *testing.T) {
	r, set, _ := validateReport(t)
	doc := render(t, report.WriteJUnit, r)
	require.NoError(t, schematest.ValidateXML(schematest.JUnit, doc))
	assert.Equal(t, len(set.Files), strings.Count(string(doc), "<testcase "))
	// Control characters and markup in messages stay well-formed.
	odd := &report.Report{Tool: "sigforge", Cases: []report.Case{
		{Suite: "s", Name: `a<b>&"c"`, Status: report.Fail, Message: "SF120 x\x01y", Detail: "]]> <x>"},
		{Suite: "s", Name: "skipped", Status: report.Skip, Message: "target cannot express it"},
	}}
	require.NoError(t, schematest.ValidateXML(schematest.JUnit, render(t, report.WriteJUnit, odd)))
	require.NoError(t, schematest.ValidateXML(schematest.JUnit, render(t, report.WriteJUnit, &report.Report{Tool: "sigforge"})))
}

func TestGitHubEscaping(t *testing.T) {
	r := &report.Report{Tool: "sigforge", Findings: []report.Finding{
		{Code: "SF120", Level: report.LevelError, Message: "100% bad\r\nnext: line, too", Pos: source.Pos{File: "rules/a,b:c%.yml", Line: 9, Col: 19}},
		{Code: "SF112", Level: report.LevelWarning, Message: "w", Pos: source.Pos{File: "r.yml"}},
		{Code: "SF404", Level: report.LevelNote, Message: "n"},
	}}
	got := string(render(t, report.WriteGitHub, r))
	assert.Equal(t,
		"::error file=rules/a%2Cb%3Ac%25.yml,line=9,col=19,title=SF120::100%25 bad%0D%0Anext: line, too\n"+
			"::warning file=r.yml,title=SF112::w\n"+
			"::notice title=SF404::n\n", got)
}

func TestColorEnabled(t *testing.T) {
	var buf bytes.Buffer
	assert.False(t, report.ColorEnabled(&buf), "a buffer is not a terminal")
	t.Setenv("NO_COLOR", "1")
	assert.False(t, report.ColorEnabled(&buf))
}

func TestSARIFColumnsInUTF16(t *testing.T) {
	dir := t.TempDir()
	file := dir + "/r.yml"
	// "é" is 2 bytes and 1 UTF-16 unit, "𝄞" 4 bytes and 2 units.
	require.NoError(t, os.WriteFile(file, []byte("title: x\ndescription: é𝄞 bad|contans\n"), 0o644))
	col := strings.Index("description: é𝄞 bad|contans", "contans") + 1
	r := &report.Report{Tool: "sigforge", Findings: []report.Finding{
		{Code: "SF120", Level: report.LevelError, Message: "m", Pos: source.Pos{File: file, Line: 2, Col: col}},
		{Code: "SF120", Level: report.LevelError, Message: "gone", Pos: source.Pos{File: dir + "/missing.yml", Line: 2, Col: 7}},
	}}
	doc := render(t, report.WriteSARIF, r)
	assert.Contains(t, string(doc), fmt.Sprintf(`"startColumn": %d`, col-3), "two bytes fewer for é, four minus two for 𝄞")
	assert.Contains(t, string(doc), `"startColumn": 7`, "an unreadable file keeps the byte column")
}
