package condcov

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sigforge/sigforge/compiler"
	"github.com/sigforge/sigforge/compiler/golden"
)

func load(t *testing.T, dir string) *compiler.Set {
	t.Helper()
	set, ds := compiler.Load([]string{dir}, compiler.Options{})
	require.False(t, ds.HasErrors(), "%v", ds)
	return set
}

// copyTree copies the testdata pack so that a case can add fixtures.
func copyTree(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	require.NoError(t, os.CopyFS(dst, os.DirFS(src)))
	return dst
}

func itemsByKey(rc Rule) map[string]bool {
	out := map[string]bool{}
	for _, it := range rc.Items {
		key := it.Condition
		if it.Kind == KindValue {
			key += " / " + it.Value
		}
		out[key] = it.Covered
	}
	return out
}

func TestMeasure(t *testing.T) {
	const (
		source  = `eventSource = "rds.amazonaws.com"`
		names   = `eventName = ["DeleteDBInstance", "DeleteDBCluster"]`
		backup  = `userAgent = "backup.amazonaws.com"`
		success = `errorCode null`
	)
	cases := []struct {
		name  string
		extra map[string]string // fixture path → content
		want  map[string]bool
	}{
		{
			name: "one positive covers the conjunction but not the second list value nor the filter",
			want: map[string]bool{source: true, names: true, names + ` / "DeleteDBInstance"`: true, names + ` / "DeleteDBCluster"`: false, success: true, backup: false},
		},
		{
			name: "a cluster positive and a backup negative complete it",
			extra: map[string]string{
				"positive/delete_cluster.json": `{"eventSource":"rds.amazonaws.com","eventName":"DeleteDBCluster","userAgent":"console.amazonaws.com"}`,
				"negative/backup_delete.json":  `{"eventSource":"rds.amazonaws.com","eventName":"DeleteDBInstance","userAgent":"backup.amazonaws.com"}`,
			},
			want: map[string]bool{source: true, names: true, names + ` / "DeleteDBInstance"`: true, names + ` / "DeleteDBCluster"`: true, success: true, backup: true},
		},
		{
			name: "a negative that a second condition also rejects does not prove the filter",
			extra: map[string]string{
				"negative/backup_delete_denied.json": `{"eventSource":"rds.amazonaws.com","eventName":"DeleteDBInstance","userAgent":"backup.amazonaws.com","errorCode":"AccessDenied"}`,
			},
			want: map[string]bool{backup: false},
		},
		{
			name: "a positive listing both values in one event proves neither value alone",
			extra: map[string]string{
				"positive/both.ndjson": `{"eventSource":"rds.amazonaws.com","eventName":["DeleteDBInstance","DeleteDBCluster"]}` + "\n",
			},
			want: map[string]bool{names + ` / "DeleteDBCluster"`: false},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			root := copyTree(t, "testdata")
			for p, content := range tc.extra {
				require.NoError(t, os.WriteFile(filepath.Join(root, "fixtures", "deleted", p), []byte(content), 0o644))
			}
			rep := Measure(load(t, filepath.Join(root, "rules")).Rules, filepath.Join(root, "fixtures"))
			require.Len(t, rep.Rules, 1)
			rc := rep.Rules[0]
			require.Empty(t, rc.Error)
			got := itemsByKey(rc)
			for k, v := range tc.want {
				assert.Equal(t, v, got[k], k)
			}
			assert.Equal(t, 6, rc.Total)
		})
	}
}

func TestMeasureErrorsAndBelow(t *testing.T) {
	root := copyTree(t, "testdata")
	require.NoError(t, os.RemoveAll(filepath.Join(root, "fixtures", "deleted")))
	rep := Measure(load(t, filepath.Join(root, "rules")).Rules, filepath.Join(root, "fixtures"))
	require.Len(t, rep.Rules, 1)
	assert.Contains(t, rep.Rules[0].Error, "no fixtures")
	assert.Len(t, rep.Below(0), 1, "an unmeasurable rule is always below")
}

func TestReportGolden(t *testing.T) {
	set := load(t, "testdata/rules")
	rep := Measure(set.Rules, "testdata/fixtures")
	assert.Len(t, rep.Below(100), 1)
	assert.Empty(t, rep.Below(50))
	for _, format := range Formats {
		var b bytes.Buffer
		require.NoError(t, rep.Write(&b, format))
		golden.Check(t, filepath.Join("testdata", "report."+format), b.Bytes())
	}
	require.Error(t, rep.Write(&bytes.Buffer{}, "xml"))
}
