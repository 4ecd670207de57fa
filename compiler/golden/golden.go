// Package golden compares test output with golden files under testdata/ and
// rewrites them when asked: with the -update flag (go test ./pkg -update) or
// with SIGFORGE_UPDATE=1 in the environment (what `make golden` uses, since a
// flag given to go test ./... reaches packages that do not define it).
//
// Cases can be plain files or txtar archives: each archive holds input
// sections and expected sections named out/<name>; only the out/ sections are
// rewritten.
package golden

import (
	"bytes"
	"flag"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"
)

var update = flag.Bool("update", false, "rewrite golden files with the current output")

// Updating reports whether golden files are being rewritten.
func Updating() bool { return *update || os.Getenv("SIGFORGE_UPDATE") == "1" }

// Check compares got with the file at path, or writes it when updating.
func Check(t testing.TB, path string, got []byte) {
	t.Helper()
	if Updating() {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update or SIGFORGE_UPDATE=1 to create it)", err)
	}
	if !bytes.Equal(want, got) {
		t.Errorf("%s differs from the output (rerun with -update to accept)\n--- want\n%s\n--- got\n%s", path, want, got)
	}
}

// RunTxtar runs fn for every archive matching glob (e.g.
// "testdata/*.txtar") as a subtest named after the file. fn receives the
// archive and returns the outputs keyed by name; each is compared with the
// section out/<name>. When updating, the out/ sections are replaced by the
// outputs and the file is rewritten.
func RunTxtar(t *testing.T, glob string, fn func(t *testing.T, a *txtar.Archive) map[string]string) {
	t.Helper()
	files, err := filepath.Glob(glob)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no golden cases match %s", glob)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			a, err := txtar.ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			got := fn(t, a)
			if Updating() {
				var keep []txtar.File
				for _, f := range a.Files {
					if !strings.HasPrefix(f.Name, "out/") {
						keep = append(keep, f)
					}
				}
				for _, name := range sortedKeys(got) {
					keep = append(keep, txtar.File{Name: "out/" + name, Data: withNewline(got[name])})
				}
				a.Files = keep
				if err := os.WriteFile(file, txtar.Format(a), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want := map[string]string{}
			for _, f := range a.Files {
				if name, ok := strings.CutPrefix(f.Name, "out/"); ok {
					want[name] = string(f.Data)
				}
			}
			for _, name := range sortedKeys(got) {
				w, ok := want[name]
				if !ok {
					t.Errorf("%s: no section out/%s (rerun with -update)", file, name)
					continue
				}
				if g := string(withNewline(got[name])); g != w {
					t.Errorf("%s: out/%s differs (rerun with -update to accept)\n--- want\n%s--- got\n%s", file, name, w, g)
				}
			}
			for name := range want {
				if _, ok := got[name]; !ok {
					t.Errorf("%s: section out/%s is no longer produced (rerun with -update)", file, name)
				}
			}
		})
	}
}

// Section returns the data of the named section of an archive.
func Section(a *txtar.Archive, name string) ([]byte, bool) {
	for _, f := range a.Files {
		if f.Name == name {
			return f.Data, true
		}
	}
	return nil, false
}

func withNewline(s string) []byte {
	if s == "" || strings.HasSuffix(s, "\n") {
		return []byte(s)
	}
	return []byte(s + "\n")
}

func sortedKeys(m map[string]string) []string { return slices.Sorted(maps.Keys(m)) }
