package format_test

import (
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/sigforge/sigforge/compiler/format"
	"github.com/sigforge/sigforge/compiler/golden"
)

// FuzzSource: formatting never panics, and what it produces is canonical
// (formatting it again changes nothing).
func FuzzSource(f *testing.F) {
	archives, _ := filepath.Glob("testdata/*.txtar")
	for _, p := range archives {
		a, err := txtar.ParseFile(p)
		if err != nil {
			f.Fatal(err)
		}
		if in, ok := golden.Section(a, "in.yml"); ok {
			f.Add(in)
		}
	}
	rules, _ := filepath.Glob("../../rules/*.yml")
	for _, p := range rules[:min(3, len(rules))] {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		out, err := format.Source("f.yml", data)
		if err != nil {
			return
		}
		again, err := format.Source("f.yml", out)
		if err != nil {
			t.Fatalf("formatted output does not parse: %v\n%s", err, out)
		}
		if string(again) != string(out) {
			t.Fatalf("not idempotent:\n--- once\n%s\n--- twice\n%s", out, again)
		}
	})
}
