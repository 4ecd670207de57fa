package hunt_test

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	sqlb "github.com/sigforge/sigforge/backends/sql"
	sigforge "github.com/sigforge/sigforge/compiler"
	"github.com/sigforge/sigforge/compiler/config"
	"github.com/sigforge/sigforge/compiler/corpus"
	"github.com/sigforge/sigforge/compiler/gencorpus"
	"github.com/sigforge/sigforge/compiler/hunt"
	"github.com/sigforge/sigforge/compiler/ir"
	"github.com/sigforge/sigforge/compiler/scan"
)

func packRules(t testing.TB) ([]*ir.Rule, *config.Config) {
	t.Helper()
	dir := filepath.Join(corpus.Root(), "rules")
	cfg, err := config.Find(dir)
	require.NoError(t, err)
	set, diags := sigforge.Load([]string{dir}, sigforge.Options{Config: cfg})
	require.False(t, diags.HasErrors(), "%v", diags)
	return set.Rules, cfg
}

// run renders every alert of scan and of hunt (DuckDB) as text lines and
// JSON, and returns both with the results.
func run(t *testing.T, rules []*ir.Rule, cfg *config.Config, paths []string, since, until time.Time) (scanOut, huntOut string, sr, hr *scan.Result, plan *hunt.Plan) {
	t.Helper()
	files, err := scan.Files(paths, since, until)
	require.NoError(t, err)
	sc, err := scan.New(rules)
	require.NoError(t, err)
	var sb, hb bytes.Buffer
	sw, err := scan.NewWriter("ndjson", &sb, &bytes.Buffer{})
	require.NoError(t, err)
	sr, err = sc.Scan(files, scan.Options{Since: since, Until: until, Workers: 2}, sw.Alert)
	require.NoError(t, err)
	require.NoError(t, sw.Close(sr, 0))

	b, err := sqlb.NewDuckDB(cfg)
	require.NoError(t, err)
	plan, err = hunt.NewPlan(b, rules, hunt.Options{Since: since, Until: until})
	require.NoError(t, err)
	hw, err := scan.NewWriter("ndjson", &hb, &bytes.Buffer{})
	require.NoError(t, err)
	hr, err = hunt.DuckDB(plan, files, hunt.Options{Since: since, Until: until}, hw.Alert)
	require.NoError(t, err)
	require.NoError(t, hw.Close(hr, 0))
	return sb.String(), hb.String(), sr, hr, plan
}

// TestHuntFindsWhatScanFinds: on a generated archive with planted alerts
// (detections and a correlation burst, with near misses), hunt on DuckDB
// prints exactly the alerts scan prints, in the same order and format.
func TestHuntFindsWhatScanFinds(t *testing.T) {
	rules, cfg := packRules(t)
	dir := t.TempDir()
	m, err := gencorpus.Generate(dir, gencorpus.Options{Size: 2 << 20, Seed: 7})
	require.NoError(t, err)
	scanOut, huntOut, sr, hr, plan := run(t, rules, cfg, []string{dir}, time.Time{}, time.Time{})
	assert.Empty(t, plan.Refused, "every CloudTrail rule of the pack compiles to SQL")
	require.NotEmpty(t, scanOut)
	assert.Equal(t, scanOut, huntOut)
	assert.Equal(t, sr.Events, hr.Events)
	assert.Equal(t, m.Events, hr.Events)
	assert.Equal(t, len(m.Alerts), hr.Alerts)
	assert.Contains(t, huntOut, `"correlation"`, "the archive's burst raises a correlation alert")
}

// TestHuntSinceUntil: the time bounds give the same alerts as scan's.
func TestHuntSinceUntil(t *testing.T) {
	rules, cfg := packRules(t)
	dir := t.TempDir()
	m, err := gencorpus.Generate(dir, gencorpus.Options{Size: 1 << 20, Seed: 3})
	require.NoError(t, err)
	mid := m.Start.Add(m.End.Sub(m.Start) / 2)
	for _, bounds := range [][2]time.Time{{mid, {}}, {{}, mid}} {
		scanOut, huntOut, sr, hr, _ := run(t, rules, cfg, []string{dir}, bounds[0], bounds[1])
		assert.Equal(t, scanOut, huntOut)
		assert.Equal(t, sr.Alerts, hr.Alerts)
	}
}

// TestHuntReportsBadFiles: a truncated gzip and a bad NDJSON line are
// reported with their file and skipped; the good records still alert.
func TestHuntReportsBadFiles(t *testing.T) {
	rules, cfg := packRules(t)
	dir := t.TempDir()
	good, err := os.ReadFile(filepath.Join(corpus.Root(), "fixtures", "aws_rds_db_instance_stopped", "positive"))
	if err != nil {
		entries, err := os.ReadDir(filepath.Join(corpus.Root(), "fixtures", "aws_rds_db_instance_stopped", "positive"))
		require.NoError(t, err)
		good, err = os.ReadFile(filepath.Join(corpus.Root(), "fixtures", "aws_rds_db_instance_stopped", "positive", entries[0].Name()))
		require.NoError(t, err)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, err = zw.Write([]byte(`{"Records":[` + string(good) + `,` + string(good) + `]}`))
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	require.NoError(t, os.WriteFile(filepath.Join(dir, "a.json.gz"), gz.Bytes()[:gz.Len()/2], 0o644))
	line := strings.Join(strings.Fields(string(good)), " ")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "b.ndjson"), []byte(line+"\n{bad json\n"+line+"\n"), 0o644))
	scanOut, huntOut, sr, hr, _ := run(t, rules, cfg, []string{dir}, time.Time{}, time.Time{})
	assert.Equal(t, scanOut, huntOut)
	assert.Equal(t, sr.Problems, hr.Problems)
	assert.Equal(t, 2, hr.BadFiles)
	assert.Equal(t, 2, hr.Alerts, "the two good NDJSON lines alert")
}

// TestHuntLongBurst: a burst that reaches the threshold twice within one
// timespan raises two alerts, as the evaluator (and scan) raise them: the
// window is cleared after each alert.
func TestHuntLongBurst(t *testing.T) {
	rules, cfg := packRules(t)
	dir := t.TempDir()
	var b strings.Builder
	start := time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC)
	for i := range 25 {
		fmt.Fprintf(&b, `{"eventTime":%q,"eventSource":"rds.amazonaws.com","eventName":"DescribeDBInstances","errorCode":"AccessDenied","eventID":"e%d","userIdentity":{"arn":"arn:aws:iam::111122223333:user/mallory"},"sourceIPAddress":"203.0.113.9"}`+"\n",
			start.Add(time.Duration(i)*2*time.Second).Format(time.RFC3339), i)
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "burst.ndjson"), []byte(b.String()), 0o644))
	scanOut, huntOut, sr, hr, _ := run(t, rules, cfg, []string{dir}, time.Time{}, time.Time{})
	assert.Equal(t, scanOut, huntOut)
	assert.Equal(t, 2, strings.Count(huntOut, `"key":"aws_rds_api_calls_denied_burst"`), "25 denied calls in 50 s: alerts at the 10th and the 20th")
	assert.Equal(t, 25, strings.Count(huntOut, `"key":"aws_rds_api_call_denied"`))
	assert.Equal(t, sr.Alerts, hr.Alerts)
}
