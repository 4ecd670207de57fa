// Package corpus locates the reference data that sits beside a checkout
// (../shared/corpus) for tests that compare sigforge with real-world rules,
// records and engines. A user's clone has no such folder, so Dir skips the
// calling test when it is absent.
package corpus

import (
	"os"
	"path/filepath"
	"testing"
)

// Root returns the module root (the folder holding go.mod) above the current
// directory, or "" when there is none.
func Root() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// Path returns the path of name under ../shared/corpus and whether it exists.
// SIGFORGE_CORPUS overrides the corpus folder.
func Path(name string) (string, bool) {
	base := os.Getenv("SIGFORGE_CORPUS")
	if base == "" {
		root := Root()
		if root == "" {
			return "", false
		}
		base = filepath.Join(root, "..", "shared", "corpus")
	}
	p := filepath.Join(base, name)
	_, err := os.Stat(p)
	return p, err == nil
}

// Dir returns the path of name under the corpus, or skips t when it is absent.
func Dir(t testing.TB, name string) string {
	t.Helper()
	p, ok := Path(name)
	if !ok {
		t.Skipf("reference corpus %q not present (../shared/corpus); skipping", name)
	}
	return p
}
