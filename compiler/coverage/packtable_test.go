package coverage_test

import (
	"bytes"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sigforge/sigforge/backends/all"
	"github.com/sigforge/sigforge/compiler"
	"github.com/sigforge/sigforge/compiler/config"
	"github.com/sigforge/sigforge/compiler/coverage"
)

func TestReplaceBetween(t *testing.T) {
	doc := []byte("a\nBEGIN\nold\nEND\nz\n")
	out, err := coverage.ReplaceBetween(doc, "BEGIN", "END", []byte("new\n"))
	require.NoError(t, err)
	assert.Equal(t, "a\nBEGIN\nnew\nEND\nz\n", string(out))
	_, err = coverage.ReplaceBetween([]byte("END\nBEGIN\n"), "BEGIN", "END", nil)
	assert.Error(t, err)
	_, err = coverage.ReplaceBetween([]byte("nothing"), "BEGIN", "END", nil)
	assert.Error(t, err)
}

// TestREADMEPackTable keeps the README's pack table equal to what the
// rules and the target registry produce (SIGFORGE_UPDATE=1 rewrites it).
func TestREADMEPackTable(t *testing.T) {
	cfg, err := config.Find("../../rules")
	require.NoError(t, err)
	set, ds := compiler.Load([]string{"../../rules"}, compiler.Options{Strict: true, Config: cfg})
	require.Empty(t, ds.Errors())
	targets, err := all.Targets(cfg)
	require.NoError(t, err)
	var table bytes.Buffer
	require.NoError(t, coverage.WritePackTable(&table, set.Rules, targets, "rules"))
	for _, r := range set.Rules {
		assert.Contains(t, table.String(), "(rules/"+baseName(r.File)+")", r.File)
	}

	const readme = "../../README.md"
	doc, err := os.ReadFile(readme)
	require.NoError(t, err)
	want, err := coverage.ReplaceBetween(doc, coverage.PackTableBegin, coverage.PackTableEnd, table.Bytes())
	require.NoError(t, err)
	if os.Getenv("SIGFORGE_UPDATE") != "" && !bytes.Equal(doc, want) {
		require.NoError(t, os.WriteFile(readme, want, 0o644))
		return
	}
	assert.Equal(t, string(want), string(doc), "README pack table is stale: run SIGFORGE_UPDATE=1 go test ./compiler/coverage")
}

func baseName(p string) string {
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] == '/' {
			return p[i+1:]
		}
	}
	return p
}
