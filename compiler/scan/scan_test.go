package scan_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sigforge/sigforge/compiler"
	"github.com/sigforge/sigforge/compiler/config"
	"github.com/sigforge/sigforge/compiler/gencorpus"
	"github.com/sigforge/sigforge/compiler/ir"
	"github.com/sigforge/sigforge/compiler/scan"
)

// packRules loads the bundled RDS pack (rules/ at the module root).
func packRules(t testing.TB) []*ir.Rule {
	t.Helper()
	cfg, err := config.Find("../../rules")
	require.NoError(t, err)
	set, ds := compiler.Load([]string{"../../rules"}, compiler.Options{Config: cfg})
	require.False(t, ds.HasErrors(), "%v", ds)
	return set.Rules
}

// collect scans and returns the alerts.
func collect(t testing.TB, sc *scan.Scanner, files []scan.File, opts scan.Options) ([]*scan.Alert, *scan.Result) {
	t.Helper()
	var alerts []*scan.Alert
	res, err := sc.Scan(files, opts, func(a *scan.Alert) error {
		alerts = append(alerts, a)
		return nil
	})
	require.NoError(t, err)
	return alerts, res
}

// keyOf renders an alert in the manifest's terms.
func keyOf(t testing.TB, a *scan.Alert) string {
	if a.Correlation != nil {
		group := map[string]string{}
		for _, g := range a.Correlation.Group {
			group[g.Field] = g.Value
		}
		return gencorpus.Expected{Rule: a.Key, Group: group}.Key()
	}
	var ev struct{ EventID string }
	require.NoError(t, json.Unmarshal(a.Event, &ev))
	return gencorpus.Expected{Rule: a.Key, EventID: ev.EventID}.Key()
}

func TestScanFindsExactlyThePlantedAlerts(t *testing.T) {
	dir := t.TempDir()
	m, err := gencorpus.Generate(dir, gencorpus.Options{Size: 3 << 20, Seed: 42})
	require.NoError(t, err)
	sc, err := scan.New(packRules(t))
	require.NoError(t, err)
	files, err := scan.Files([]string{dir}, time.Time{}, time.Time{})
	require.NoError(t, err)
	require.Len(t, files, m.Files, "the manifest is not read as a log file")

	var want []string
	for _, e := range m.Alerts {
		want = append(want, e.Key())
	}
	slices.Sort(want)
	var first []string
	for _, workers := range []int{1, 3} {
		alerts, res := collect(t, sc, files, scan.Options{Workers: workers})
		var got []string
		var lines []string
		for _, a := range alerts {
			got = append(got, keyOf(t, a))
			lines = append(lines, scan.TextLine(a))
		}
		sorted := slices.Sorted(slices.Values(got))
		assert.Equal(t, want, sorted, "workers=%d", workers)
		assert.Equal(t, m.Events, res.Events)
		assert.Equal(t, m.Bytes, res.Bytes)
		assert.Zero(t, res.BadFiles)
		assert.Less(t, res.Decoded, res.Events/5, "the prefilter decodes only candidate records")
		if first == nil {
			first = lines
		} else {
			assert.Equal(t, first, lines, "output order does not depend on the number of workers")
		}
	}
	// The plan holds a correlation alert and its near misses.
	assert.True(t, slices.ContainsFunc(m.Alerts, func(e gencorpus.Expected) bool { return e.Group != nil }))
}

func TestScanReportsAndSkipsBadFiles(t *testing.T) {
	dir := t.TempDir()
	m, err := gencorpus.Generate(dir, gencorpus.Options{Size: 1 << 20, Seed: 3})
	require.NoError(t, err)
	sc, err := scan.New(packRules(t))
	require.NoError(t, err)

	// A truncated gzip file, a cut JSON document and an NDJSON file with
	// one bad line among good ones.
	good, err := os.ReadFile(firstGz(t, dir))
	require.NoError(t, err)
	write(t, filepath.Join(dir, "bad", "truncated.json.gz"), good[:len(good)/2])
	write(t, filepath.Join(dir, "bad", "cut.json"), []byte(`{"Records":[{"eventSource":"rds.amazonaws.com","eventName":"StopDBCluster"},{"eventSource":"rds.amazon`))
	stop := `{"eventTime":"2026-10-01T00:00:01Z","eventSource":"rds.amazonaws.com","eventName":"StopDBCluster","eventID":"ndjson-stop","requestParameters":{"dBClusterIdentifier":"c1"}}`
	write(t, filepath.Join(dir, "bad", "events.ndjson"), []byte(stop+"\n{\"eventSource\": \"rds.amazonaws.com\", \"eventName\": \n"+
		strings.Replace(stop, "ndjson-stop", "ndjson-stop-2", 1)+"\n"))

	files, err := scan.Files([]string{dir}, time.Time{}, time.Time{})
	require.NoError(t, err)
	alerts, res := collect(t, sc, files, scan.Options{Workers: 2})
	assert.Equal(t, 3, res.BadFiles)
	var problems []string
	for _, p := range res.Problems {
		problems = append(problems, strings.TrimPrefix(p.String(), dir+string(filepath.Separator)))
	}
	assert.Equal(t, []string{
		"bad/cut.json:1:103: unexpected end of file (rest of the file skipped after record 1)",
		"bad/events.ndjson:2:50: unexpected end of line",
		problems[2], // the gzip message is the library's
	}, problems)
	assert.Regexp(t, `^bad/truncated.json.gz:\d+:\d+: unexpected EOF`, problems[2])

	// The good files' alerts are all there, and the records before the
	// damage still count.
	got := map[string]bool{}
	for _, a := range alerts {
		if a.Correlation == nil {
			got[keyOf(t, a)] = true
		}
	}
	for _, e := range m.Alerts {
		if e.EventID != "" {
			assert.True(t, got[e.Key()], "missing %s", e.Key())
		}
	}
	assert.True(t, got["aws_rds_db_cluster_stopped ndjson-stop"])
	assert.True(t, got["aws_rds_db_cluster_stopped ndjson-stop-2"], "the line after the bad one is read")
}

func TestScanTimeWindow(t *testing.T) {
	dir := t.TempDir()
	m, err := gencorpus.Generate(dir, gencorpus.Options{Size: 2 << 20, Seed: 9, Start: time.Date(2026, 10, 1, 23, 40, 0, 0, time.UTC)})
	require.NoError(t, err)
	sc, err := scan.New(packRules(t))
	require.NoError(t, err)
	all, err := scan.Files([]string{dir}, time.Time{}, time.Time{})
	require.NoError(t, err)
	allAlerts, _ := collect(t, sc, all, scan.Options{})
	require.NotEmpty(t, allAlerts)

	since := m.Start.Add(20 * time.Minute) // 2026-10-02T00:00Z
	files, err := scan.Files([]string{dir}, since, time.Time{})
	require.NoError(t, err)
	for _, f := range files {
		assert.NotContains(t, f.Path, "/2026/10/01/", "day folders before --since are skipped")
	}
	alerts, res := collect(t, sc, files, scan.Options{Since: since})
	var want []string
	for _, a := range allAlerts {
		if !a.Time.Before(since) && a.Correlation == nil {
			want = append(want, scan.TextLine(a))
		}
	}
	var got []string
	for _, a := range alerts {
		assert.False(t, a.Time.Before(since))
		if a.Correlation == nil {
			got = append(got, scan.TextLine(a))
		}
	}
	assert.Equal(t, want, got)
	assert.Positive(t, res.Outside, "the 2026-10-02 folder holds late deliveries from the day before")

	until := since
	files, err = scan.Files([]string{dir}, time.Time{}, until)
	require.NoError(t, err)
	alerts, _ = collect(t, sc, files, scan.Options{Until: until})
	for _, a := range alerts {
		assert.True(t, a.Time.Before(until))
	}
}

func firstGz(t *testing.T, dir string) string {
	t.Helper()
	var found string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if found == "" && strings.HasSuffix(p, ".json.gz") {
			found = p
		}
		return nil
	})
	require.NotEmpty(t, found)
	return found
}

func write(t *testing.T, path string, data []byte) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, data, 0o644))
}

func gz(t *testing.T, data string) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	_, err := w.Write([]byte(data))
	require.NoError(t, err)
	require.NoError(t, w.Close())
	return b.Bytes()
}
