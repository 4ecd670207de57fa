package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sigforge/sigforge/compiler/corpus"
)

// TestGeneratedTableIsCurrent regenerates the catalog from the reference
// CSV files and requires the committed catalog_gen.go to be identical.
func TestGeneratedTableIsCurrent(t *testing.T) {
	dir := corpus.Dir(t, "mitre-attack")
	out := filepath.Join(t.TempDir(), "catalog_gen.go")
	require.NoError(t, run(dir, out, "18.1"))
	got, err := os.ReadFile(out)
	require.NoError(t, err)
	want, err := os.ReadFile("../../catalog_gen.go")
	require.NoError(t, err)
	require.Equal(t, string(want), string(got), "catalog_gen.go is stale: run go generate ./compiler/attack")
}

func TestReadCSVRejectsAnotherHeader(t *testing.T) {
	p := filepath.Join(t.TempDir(), "x.csv")
	require.NoError(t, os.WriteFile(p, []byte("a,b\n1,2\n"), 0o644))
	_, err := readCSV(p, []string{"id", "name"})
	require.ErrorContains(t, err, "header")
}
