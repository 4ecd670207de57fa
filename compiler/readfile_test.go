package compiler

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestReadFileMatchesOSReadFile: readFile returns what os.ReadFile returns
// for empty, small and large files and files that report no size (/proc),
// and the same errors for a missing file and a folder.
func TestReadFileMatchesOSReadFile(t *testing.T) {
	dir := t.TempDir()
	paths := []string{filepath.Join(dir, "missing.yml"), dir}
	for name, text := range map[string]string{
		"empty.yml": "",
		"small.yml": "title: x\n",
		"large.yml": strings.Repeat("detection: {}\n", 100000),
		"odd.yml":   strings.Repeat("a", 511),
	} {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(text), 0o644))
		paths = append(paths, p)
	}
	for _, p := range paths {
		want, wantErr := os.ReadFile(p)
		got, err := readFile(p)
		if wantErr != nil {
			var a, b *fs.PathError
			require.True(t, errors.As(err, &a) && errors.As(wantErr, &b), "%s: %v / %v", p, err, wantErr)
			assert.Equal(t, b.Err, a.Err, p)
			continue
		}
		require.NoError(t, err, p)
		assert.Equal(t, want, got, p)
	}
	// A file whose size fstat does not know is read to its end.
	if _, err := os.Stat("/proc/self/cmdline"); err == nil {
		got, err := readFile("/proc/self/cmdline")
		require.NoError(t, err)
		assert.Contains(t, string(got), filepath.Base(os.Args[0]))
	}
}
