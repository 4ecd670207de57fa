package duckdb

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sigforge/sigforge/backends"
	"github.com/sigforge/sigforge/backends/backendtest"
	"github.com/sigforge/sigforge/compiler/config"
	"github.com/sigforge/sigforge/compiler/corpus"
	"github.com/sigforge/sigforge/compiler/eval"
	"github.com/sigforge/sigforge/compiler/event"
	"github.com/sigforge/sigforge/compiler/harness"
	"github.com/sigforge/sigforge/compiler/ir"
)

// loadPack loads the pack and returns its rules, its configuration and its
// fixtures folder.
func loadPack(t testing.TB) ([]*ir.Rule, *config.Config, string) {
	t.Helper()
	set, cfg := backendtest.LoadPack(t)
	return set.Rules, cfg, filepath.Join(corpus.Root(), "fixtures")
}

// TestPackFixtures runs the pack through the fixture harness with the sql
// target: every positive fixture fires on DuckDB and every negative stays
// quiet; rules the SQL targets cannot express are skipped with a reason.
func TestPackFixtures(t *testing.T) {
	rules, cfg, _ := loadPack(t)
	b, err := New(cfg)
	require.NoError(t, err)
	sum := backendtest.RunPackFixtures(t, b, rules)
	assert.GreaterOrEqual(t, sum.Passed+sum.Failed, 25, "every CloudTrail rule of the pack runs on DuckDB")
}

// TestPackAgreesWithEvaluator runs every compiled pack rule over every
// fixture file of the pack (not only its own) and requires DuckDB's verdict
// to equal the native evaluator's: the cross product catches a query that
// fires on another rule's events where Sigma would not. Detection rules run
// once over all files loaded together (a verdict per file from _origin);
// correlations run per file, each file being one stream.
func TestPackAgreesWithEvaluator(t *testing.T) {
	rules, cfg, fixtures := loadPack(t)
	b, err := New(cfg)
	require.NoError(t, err)
	e, err := b.Engine()
	require.NoError(t, err)

	var files []string
	require.NoError(t, filepath.WalkDir(fixtures, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && (strings.HasSuffix(p, ".json") || strings.HasSuffix(p, ".ndjson")) {
			files = append(files, p)
		}
		return err
	}))
	sort.Strings(files)
	require.NotEmpty(t, files)
	streams := map[string][]event.Event{}
	l, err := e.Reset()
	require.NoError(t, err)
	for _, f := range files {
		events, err := harness.ReadFile(f)
		require.NoError(t, err)
		streams[f] = events
		for _, ev := range events {
			raw, err := json.Marshal(ev.Fields)
			require.NoError(t, err)
			require.NoError(t, l.Add(f, raw))
		}
	}
	require.NoError(t, l.Close())

	checked, fired, compiled := 0, 0, 0
	for _, r := range rules {
		out, err := b.Compile(r)
		var u *backends.Unsupported
		if errors.As(err, &u) {
			continue
		}
		require.NoError(t, err, r.File)
		compiled++
		q := strings.TrimSpace(out.Text)
		if r.IsCorrelation() {
			continue
		}
		d, err := eval.Compile(r)
		require.NoError(t, err)
		rows, err := e.Rows("SELECT DISTINCT _origin FROM (" + q + ") q")
		require.NoError(t, err, r.File)
		got := map[string]bool{}
		for _, row := range rows {
			got[row["_origin"].(string)] = true
		}
		for _, f := range files {
			want := d.Fires(streams[f])
			rel, _ := filepath.Rel(fixtures, f)
			assert.Equal(t, want, got[f], "%s on %s: DuckDB disagrees with the native evaluator", filepath.Base(r.File), rel)
			checked++
			if want {
				fired++
			}
		}
	}
	for _, r := range rules {
		out, err := b.Compile(r)
		if err != nil || !r.IsCorrelation() {
			continue
		}
		c, err := eval.CompileCorrelation(r)
		require.NoError(t, err)
		pq, err := b.Prepare(out)
		require.NoError(t, err)
		for _, f := range files {
			want := c.Fires(streams[f])
			got, err := pq.Fires(streams[f])
			require.NoError(t, err)
			rel, _ := filepath.Rel(fixtures, f)
			assert.Equal(t, want, got, "%s on %s: DuckDB disagrees with the native evaluator", filepath.Base(r.File), rel)
			checked++
			if want {
				fired++
			}
		}
	}
	t.Logf("%d rules compiled; %d rule × fixture verdicts checked (%d firing)", compiled, checked, fired)
	assert.Greater(t, fired, 0)
}
