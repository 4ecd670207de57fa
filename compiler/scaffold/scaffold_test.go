package scaffold_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sigforge/sigforge/backends/all"
	"github.com/sigforge/sigforge/compiler"
	"github.com/sigforge/sigforge/compiler/format"
	"github.com/sigforge/sigforge/compiler/golden"
	"github.com/sigforge/sigforge/compiler/harness"
	"github.com/sigforge/sigforge/compiler/scaffold"
)

func fixed(dir string) scaffold.Options {
	n := 0
	return scaffold.Options{
		Name: "aws_rds_db_instance_modified", EventName: "ModifyDBInstance", EventSource: "rds.amazonaws.com",
		RulesDir: filepath.Join(dir, "rules"), FixturesDir: filepath.Join(dir, "fixtures"),
		Now: func() time.Time { return time.Date(2026, 11, 26, 9, 30, 0, 0, time.UTC) },
		NewID: func() string {
			n++
			return fmt.Sprintf("00000000-0000-4000-8000-%012d", n)
		},
	}
}

func TestGolden(t *testing.T) {
	o := fixed(t.TempDir())
	rule, err := scaffold.Rule(o)
	require.NoError(t, err)
	golden.Check(t, "testdata/rule.yml", rule)
	pos, neg, err := scaffold.Fixtures(o)
	require.NoError(t, err)
	golden.Check(t, "testdata/positive.json", pos)
	golden.Check(t, "testdata/negative.json", neg)

	again, err := format.Source("rule.yml", rule)
	require.NoError(t, err)
	assert.Equal(t, string(rule), string(again), "the scaffold is in canonical layout")
}

// fill replaces every TODO placeholder of the scaffolded rule with real
// content, as an author would.
func fill(rule string) string {
	repl := strings.NewReplacer(
		`description: "" # TODO: what the rule detects, why it matters, and what it deliberately leaves out`,
		"description: An RDS DB instance was modified.",
		`references: [] # TODO: the AWS API reference of ModifyDBInstance, runbooks, threat reports`,
		"references:\n    - https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ModifyDBInstance.html",
		`author: "" # TODO: your name or team`, "author: sigforge",
		`tags: [] # TODO: the ATT&CK tactic and technique, e.g. attack.impact and attack.t1485`,
		"tags:\n    - attack.defense-evasion\n    - attack.t1578.005",
		`falsepositives: [] # TODO: the legitimate activity that looks the same`,
		"falsepositives:\n    - Planned maintenance",
		`investigation_guide: "" # TODO: Markdown with "## Triage", "## Correlate", "## False positives", "## Response"`,
		"investigation_guide: |\n    ## Triage\n    Who modified which instance?",
	)
	return repl.Replace(rule)
}

func TestStrictRejectsUntilFilled(t *testing.T) {
	dir := t.TempDir()
	files, err := scaffold.Create(fixed(dir))
	require.NoError(t, err)

	// Plain validation accepts the scaffold; strict names every placeholder.
	_, ds := compiler.Load([]string{files.Rule}, compiler.Options{})
	require.Empty(t, ds, "%v", ds)
	_, ds = compiler.Load([]string{files.Rule}, compiler.Options{Strict: true})
	var got []string
	for _, d := range ds {
		got = append(got, d.Code+" "+d.Message)
	}
	assert.ElementsMatch(t, []string{
		"SF150 strict: rule has no description",
		"SF150 strict: rule has no references",
		"SF150 strict: rule has no author",
		"SF150 strict: rule has no falsepositives",
		"SF150 strict: rule has no investigation_guide",
		"SF154 strict: the tags have no ATT&CK tactic (attack.<tactic-short-name>) and no technique (attack.tNNNN[.NNN])",
	}, got)

	// Each placeholder on its own keeps strict mode failing.
	data, err := os.ReadFile(files.Rule)
	require.NoError(t, err)
	filled := fill(string(data))
	require.NotContains(t, filled, "TODO", "fill covers every placeholder")
	require.NoError(t, os.WriteFile(files.Rule, []byte(filled), 0o644))
	set, ds := compiler.Load([]string{files.Rule}, compiler.Options{Strict: true})
	require.Empty(t, ds, "%v", ds)
	require.Len(t, set.Rules, 1)

	// The fixtures prove the rule on every target that can express it.
	targets, err := all.Targets(nil)
	require.NoError(t, err)
	sum := (&harness.Runner{Targets: targets, FixturesDir: filepath.Join(dir, "fixtures")}).Run(set.Rules)
	for _, r := range sum.Results {
		assert.NotEqual(t, harness.Fail, r.Status, "%s on %s: %s %v", r.Rule, r.Target, r.Reason, r.Failures())
	}
	assert.Positive(t, sum.Passed)
}

func TestEveryPlaceholderIsRejected(t *testing.T) {
	rule, err := scaffold.Rule(fixed(t.TempDir()))
	require.NoError(t, err)
	filled := fill(string(rule))
	// Put back one placeholder at a time: strict mode must fail each time.
	for _, line := range strings.Split(string(rule), "\n") {
		if !strings.Contains(line, "TODO") {
			continue
		}
		t.Run(strings.SplitN(line, ":", 2)[0], func(t *testing.T) {
			partial := fill(strings.Replace(string(rule), line, "PLACEHOLDER", 1))
			partial = strings.Replace(partial, "PLACEHOLDER", line, 1)
			require.NotEqual(t, filled, partial)
			_, ds := compiler.Parse("rule.yml", []byte(partial), compiler.Options{Strict: true})
			assert.True(t, ds.HasErrors(), "strict accepts the placeholder %q", line)
		})
	}
}

func TestCreateRefusesToOverwrite(t *testing.T) {
	dir := t.TempDir()
	o := fixed(dir)
	files, err := scaffold.Create(o)
	require.NoError(t, err)
	before, err := os.ReadFile(files.Rule)
	require.NoError(t, err)
	require.NoError(t, os.Remove(files.Positive))
	_, err = scaffold.Create(fixed(dir))
	assert.ErrorContains(t, err, "already exists")
	after, _ := os.ReadFile(files.Rule)
	assert.Equal(t, before, after)
	_, err = os.Stat(files.Positive)
	assert.True(t, os.IsNotExist(err), "nothing is written when one file exists")
}

func TestBadOptions(t *testing.T) {
	cases := []struct {
		name string
		edit func(*scaffold.Options)
		want string
	}{
		{"name", func(o *scaffold.Options) { o.Name = "Bad Name" }, `rule name "Bad Name"`},
		{"path in name", func(o *scaffold.Options) { o.Name = "../x" }, `rule name "../x"`},
		{"event", func(o *scaffold.Options) { o.EventName = "Modify DB" }, `event name "Modify DB"`},
		{"source", func(o *scaffold.Options) { o.EventSource = "rds" }, `event source "rds"`},
		{"level", func(o *scaffold.Options) { o.Level = "severe" }, `level "severe"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o := fixed(t.TempDir())
			tc.edit(&o)
			_, err := scaffold.Create(o)
			assert.ErrorContains(t, err, tc.want)
		})
	}
}
