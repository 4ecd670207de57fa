package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sigforge/sigforge/compiler/ir"
)

func TestWriteAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a.kql")
	require.NoError(t, writeAtomic(path, []byte("one\n")))
	require.NoError(t, writeAtomic(path, []byte("two\n")))
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, "two\n", string(data))

	// A failed write leaves neither a partial file nor a temporary one.
	require.NoError(t, os.Mkdir(filepath.Join(dir, "taken"), 0o755))
	assert.Error(t, writeAtomic(filepath.Join(dir, "taken"), []byte("x")))
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	assert.Equal(t, []string{"a.kql", "taken"}, names)
}

func TestOutputNames(t *testing.T) {
	single := &ir.Rule{File: "rules/aws_rds_x.yml", ID: "x"}
	base := &ir.Rule{File: "rules/mr_burst.yml", Name: "failed login", ID: "b"}
	corr := &ir.Rule{File: "rules/mr_burst.yml", ID: "4b6f2d8e-3c5a-4e7b-9d0f-1a2b3c4d5e6f"}
	yaml := &ir.Rule{File: "other/thing.yaml", ID: "y"}
	names := outputNames([]*ir.Rule{single, base, corr, yaml})
	assert.Equal(t, map[*ir.Rule]string{
		single: "aws_rds_x",
		base:   "mr_burst.failed_login",
		corr:   "mr_burst.4b6f2d8e-3c5a-4e7b-9d0f-1a2b3c4d5e6f",
		yaml:   "thing",
	}, names)
}
