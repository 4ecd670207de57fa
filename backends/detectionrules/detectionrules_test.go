package detectionrules

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/pelletier/go-toml/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sigforge/sigforge/backends"
	"github.com/sigforge/sigforge/backends/backendtest"
	"github.com/sigforge/sigforge/compiler/corpus"
	"github.com/sigforge/sigforge/compiler/ir"
)

var (
	uuidRule  = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	dateRule  = regexp.MustCompile(`^\d{4}/\d{2}/\d{2}$`)
	fromRule  = regexp.MustCompile(`^now-\d+[yMwdhHms]$`)
	bands     = map[string][2]int{"low": {0, 21}, "medium": {22, 47}, "high": {48, 73}, "critical": {74, 100}}
	maturitiy = map[string]bool{"development": true, "experimental": true, "beta": true, "production": true, "deprecated": true}
)

// checkHouseRules applies the detection-rules repository's schema and the
// mechanical parts of its unit tests to one emitted file, after decoding it
// strictly (every key must belong to our model).
func checkHouseRules(t testing.TB, name, text string) {
	t.Helper()
	var f File
	dec := toml.NewDecoder(strings.NewReader(text))
	dec.DisallowUnknownFields()
	require.NoError(t, dec.Decode(&f), "%s: TOML must decode", name)
	m, r := f.Metadata, f.Rule
	assert.Regexp(t, dateRule, m.CreationDate, name)
	assert.Regexp(t, dateRule, m.UpdatedDate, name)
	assert.True(t, m.UpdatedDate >= m.CreationDate, "%s: updated before created", name)
	assert.True(t, maturitiy[m.Maturity], "%s: maturity %q", name, m.Maturity)
	assert.Regexp(t, nameRule, r.Name, name)
	assert.Regexp(t, uuidRule, r.RuleID, name)
	assert.Regexp(t, fromRule, r.From, name)
	assert.NotEmpty(t, r.Author, name)
	assert.NotEmpty(t, r.Description, name)
	band, ok := bands[r.Severity]
	require.True(t, ok, "%s: severity %q", name, r.Severity)
	assert.True(t, r.RiskScore >= band[0] && r.RiskScore <= band[1], "%s: risk %d outside the %s band", name, r.RiskScore, r.Severity)
	assert.Equal(t, "Elastic License v2", r.License, name)
	if r.Type != "esql" && !strings.HasPrefix(r.Query, "sequence") {
		assert.Equal(t, "event.ingested", r.TimestampOverride, name)
	}
	if r.Type == "esql" {
		assert.Empty(t, r.Index, "%s: esql rules have no index", name)
	} else {
		assert.NotEmpty(t, r.Index, name)
	}
	if r.Note != "" {
		assert.Contains(t, r.Note, "Triage and analysis", name)
		assert.Contains(t, r.Note, r.Name, name)
		assert.Contains(t, r.Tags, "Resources: Investigation Guide", name)
	}
	for _, th := range r.Threat {
		assert.Contains(t, r.Tags, "Tactic: "+th.Tactic.Name, "%s: the tactic must be a tag", name)
		assert.Regexp(t, `^https://attack\.mitre\.org/tactics/TA\d+/$`, th.Tactic.Reference, name)
		for _, te := range th.Technique {
			assert.Regexp(t, `^https://attack\.mitre\.org/techniques/T\d+/$`, te.Reference, name)
			for _, s := range te.Subtechnique {
				assert.Regexp(t, `^https://attack\.mitre\.org/techniques/T\d+/\d{3}/$`, s.Reference, name)
			}
		}
	}
	// Round trip: encoding the decoded file gives the same text.
	var buf bytes.Buffer
	enc := toml.NewEncoder(&buf)
	enc.SetIndentTables(false)
	require.NoError(t, enc.Encode(f))
	assert.Equal(t, text, buf.String(), "%s: TOML round trip", name)
}

func rule() *ir.Rule {
	return &ir.Rule{
		ID: "9b0b6b1e-1111-4c1e-9e55-6d1f0c2a0001", Title: "RDS Snapshot Deleted", Description: "A snapshot was deleted.",
		Status: "experimental", Date: "2026-01-02", Modified: "2026-03-04", Author: "Alice", Level: "medium",
		Tags:      []string{"attack.impact", "attack.t1485"},
		Logsource: ir.Logsource{Product: "aws", Service: "cloudtrail"},
		Meta: ir.Meta{Severity: "medium", RiskScore: 47, Guide: "Check who deleted it.",
			Threat: []ir.Tactic{{ID: "TA0040", Name: "Impact", Reference: "https://attack.mitre.org/tactics/TA0040/",
				Techniques: []ir.Technique{{ID: "T1485", Name: "Data Destruction", Reference: "https://attack.mitre.org/techniques/T1485/"}}}}},
		Detection: &ir.Match{Field: "eventName", Op: ir.OpEqual, Values: []ir.Value{ir.Str("DeleteDBSnapshot")}},
	}
}

func TestFile(t *testing.T) {
	b, err := New(nil)
	require.NoError(t, err)
	out, err := b.Compile(rule())
	require.NoError(t, err)
	assert.Equal(t, ".toml", out.Ext)
	checkHouseRules(t, "unit", out.Text)
	f, err := b.File(rule())
	require.NoError(t, err)
	assert.Equal(t, Metadata{CreationDate: "2026/01/02", Integration: []string{"aws"}, Maturity: "experimental", UpdatedDate: "2026/03/04"}, f.Metadata)
	assert.Equal(t, []string{"Domain: Cloud", "Data Source: AWS", "Data Source: Amazon RDS", "Use Case: Threat Detection", "Tactic: Impact", "Resources: Investigation Guide"}, f.Rule.Tags)
	assert.Equal(t, "## Triage and analysis\n\n### Investigating RDS Snapshot Deleted\n\nCheck who deleted it.\n", f.Rule.Note)
	assert.Equal(t, "query", f.Rule.Type)
	assert.Equal(t, "kuery", f.Rule.Language)
	assert.Equal(t, "event.action:\"DeleteDBSnapshot\"\n", f.Rule.Query)
	eqlFile, err := b.WithKQL(nil).File(rule())
	require.NoError(t, err)
	assert.Equal(t, "eql", eqlFile.Rule.Type)
	assert.Equal(t, "any where event.action : \"DeleteDBSnapshot\"\n", eqlFile.Rule.Query)
	// The [metadata] table comes first, the threat tables last.
	assert.True(t, strings.HasPrefix(out.Text, "[metadata]\n"))
	assert.True(t, strings.Index(out.Text, "query = ") < strings.Index(out.Text, "[[rule.threat]]"))
}

func TestRefusals(t *testing.T) {
	b, err := New(nil)
	require.NoError(t, err)
	r := rule()
	r.Title = "Ends with a dot."
	_, err = b.Compile(r)
	var u *backends.Unsupported
	require.True(t, errors.As(err, &u))
	assert.Equal(t, Name, u.Target)
	r = rule()
	r.Date = ""
	_, err = b.Compile(r)
	require.True(t, errors.As(err, &u))
	r = rule()
	// No Elastic language has word boundaries.
	r.Detection = &ir.Match{Field: "eventName", Op: ir.OpRegex, Values: []ir.Value{ir.Str(`\bDelete`)}}
	_, err = b.Compile(r)
	require.True(t, errors.As(err, &u), "%v", err)
	assert.Equal(t, Name, u.Target)
}

// TestKeysMatchElasticRules checks that every key we emit is one Elastic's
// own AWS rules use (or one the repository's schema documents for the rule
// types we emit), so the model does not drift from the real format.
func TestKeysMatchElasticRules(t *testing.T) {
	dir := corpus.Dir(t, "elastic-detection-rules")
	known := map[string]bool{
		// In the schema, absent from the AWS rules of the corpus.
		"rule.threshold": true, "rule.threshold.field": true, "rule.threshold.value": true,
		"rule.threshold.cardinality": true, "rule.threshold.cardinality.field": true, "rule.threshold.cardinality.value": true,
		"rule.max_signals": true, "rule.false_positives": true, "rule.threat.technique.subtechnique": true,
		"rule.threat.technique.subtechnique.id": true, "rule.threat.technique.subtechnique.name": true, "rule.threat.technique.subtechnique.reference": true,
	}
	err := filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() || !strings.HasSuffix(path, ".toml") {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		var m map[string]any
		if err := toml.Unmarshal(data, &m); err != nil {
			return err
		}
		keys(m, "", known)
		return nil
	})
	require.NoError(t, err)
	b, err := New(nil)
	require.NoError(t, err)
	out, err := b.Compile(rule())
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, toml.Unmarshal([]byte(out.Text), &m))
	ours := map[string]bool{}
	keys(m, "", ours)
	var unknown []string
	for k := range ours {
		if !known[k] {
			unknown = append(unknown, k)
		}
	}
	sort.Strings(unknown)
	assert.Empty(t, unknown, "keys Elastic's rules never use")
}

func keys(v any, prefix string, into map[string]bool) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			p := k
			if prefix != "" {
				p = prefix + "." + k
			}
			into[p] = true
			keys(e, p, into)
		}
	case []any:
		for _, e := range x {
			keys(e, prefix, into)
		}
	}
}

// houseRules is a check of every emitted file (see checkHouseRules), under
// the name name gives the rule.
func houseRules(name func(*ir.Rule) string) func(testing.TB, *ir.Rule, backends.Output) {
	return func(t testing.TB, r *ir.Rule, o backends.Output) { checkHouseRules(t, name(r), o.Text) }
}

// TestPackGolden converts the pack; testdata/pack.golden holds every file.
func TestPackGolden(t *testing.T) {
	set, cfg := backendtest.LoadPack(t)
	b, err := New(cfg)
	require.NoError(t, err)
	backendtest.Listing{
		Header:  func(r *ir.Rule) string { return "# ==== " + filepath.Base(r.File) + "\n" },
		Comment: "# ",
		Verify:  houseRules(func(r *ir.Rule) string { return r.File }),
	}.Check(t, "testdata/pack.golden", b, set.Rules)
}

// TestEdgeGolden converts the edge-case rules (testdata/edge/*.txtar).
func TestEdgeGolden(t *testing.T) {
	b, err := New(nil)
	require.NoError(t, err)
	backendtest.Listing{Comment: "# ", Position: true, Verify: houseRules(func(r *ir.Rule) string { return r.Title })}.
		RunEdgeCases(t, "detection-rules", b)
}

// TestPackFixtures runs every TOML file's rule on its fixtures, as
// `sigforge test --target detection-rules` does.
func TestPackFixtures(t *testing.T) {
	set, cfg := backendtest.LoadPack(t)
	b, err := New(cfg)
	require.NoError(t, err)
	backendtest.RunPackFixtures(t, b, set.Rules)
}
