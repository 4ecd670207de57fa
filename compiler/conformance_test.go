package compiler_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sigforge/sigforge/compiler"
	"github.com/sigforge/sigforge/compiler/corpus"
	"github.com/sigforge/sigforge/compiler/source"
)

// TestConformanceSigmaHQ loads every rule of SigmaHQ's rules tree in plain
// mode, one file at a time, and requires at least 99% to load without
// errors (parse, validate, lower). The failures are listed with their
// reasons.
func TestConformanceSigmaHQ(t *testing.T) {
	dir := corpus.Dir(t, "sigmahq-rules")
	files := sigmaFiles(t, dir)
	require.NotEmpty(t, files)
	var failed []string
	warnings := map[string]int{}
	for _, p := range files {
		data, err := os.ReadFile(p)
		require.NoError(t, err)
		set, ds := compiler.Parse(p, data, compiler.Options{})
		for _, d := range ds {
			if d.Severity == source.Warning {
				warnings[d.Code]++
			}
		}
		if ds.HasErrors() || len(set.Rules) == 0 {
			rel, _ := filepath.Rel(dir, p)
			failed = append(failed, rel+":\n    "+strings.ReplaceAll(ds.Errors().Error(), "\n", "\n    "))
		}
	}
	loaded := len(files) - len(failed)
	pct := 100 * float64(loaded) / float64(len(files))
	t.Logf("SigmaHQ conformance: %d of %d rule files loaded (%.2f%%); warnings by code: %v", loaded, len(files), pct, warnings)
	for _, f := range failed {
		t.Logf("failed: %s", f)
	}
	require.GreaterOrEqual(t, pct, 99.0, "fewer than 99%% of SigmaHQ's rules load")
}

func sigmaFiles(t testing.TB, dir string) []string {
	var files []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && (strings.HasSuffix(p, ".yml") || strings.HasSuffix(p, ".yaml")) {
			files = append(files, p)
		}
		return nil
	})
	require.NoError(t, err)
	slices.Sort(files)
	return files
}

// BenchmarkLoadSigmaHQ parses, validates and lowers SigmaHQ's whole rules
// tree (files read into memory first).
func BenchmarkLoadSigmaHQ(b *testing.B) {
	dir := corpus.Dir(b, "sigmahq-rules")
	files := sigmaFiles(b, dir)
	data := make([][]byte, len(files))
	size := 0
	for i, p := range files {
		var err error
		data[i], err = os.ReadFile(p)
		require.NoError(b, err)
		size += len(data[i])
	}
	b.SetBytes(int64(size))
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		for i, p := range files {
			set, _ := compiler.Parse(p, data[i], compiler.Options{})
			n += len(set.Rules)
		}
		if n < len(files)*99/100 {
			b.Fatalf("only %d rules loaded", n)
		}
	}
}
