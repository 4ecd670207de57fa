package compiler_test

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/sigforge/sigforge/compiler"
	"github.com/sigforge/sigforge/compiler/config"
	"github.com/sigforge/sigforge/compiler/ir"
)

// FuzzLoadRule feeds raw bytes to Parse: it must never panic, every
// diagnostic must name a line within the input and a column ≥ 1, and every
// rule it returns must have a detection or a correlation resolved to rules
// of the same set.
func FuzzLoadRule(f *testing.F) {
	files, _ := filepath.Glob("testdata/load/*.txtar")
	for _, p := range files {
		a, err := txtar.ParseFile(p)
		if err != nil {
			f.Fatal(err)
		}
		for _, file := range a.Files {
			if strings.HasSuffix(file.Name, ".yml") || strings.HasSuffix(file.Name, ".yaml") {
				f.Add(file.Data)
			}
		}
	}
	f.Add([]byte("title: t\nlogsource: {product: x}\ndetection:\n  s: {a|contains|all: [x, y]}\n  condition: s\n"))
	f.Add([]byte("---\n---\n"))
	f.Add([]byte("a: &x [*x]\n"))
	cfg := &config.Config{Placeholders: map[string][]string{"p": {"1", "2"}}}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 8<<10 {
			t.Skip()
		}
		lines := bytes.Count(data, []byte("\n")) + 1
		for _, strict := range []bool{false, true} {
			set, ds := compiler.Parse("fuzz.yml", data, compiler.Options{Strict: strict, Config: cfg})
			for _, d := range ds {
				if d.Pos.File != "fuzz.yml" || d.Pos.Line < 1 || d.Pos.Line > lines || d.Pos.Col < 1 {
					t.Fatalf("diagnostic outside the input (%d lines): %s", lines, d.Error())
				}
				if d.Code == "" {
					t.Fatalf("diagnostic without a code: %s", d.Error())
				}
			}
			loaded := map[*ir.Rule]bool{}
			for _, r := range set.Rules {
				loaded[r] = true
			}
			for _, r := range set.Rules {
				if r.Detection == nil && (r.Correlation == nil || len(r.Correlation.Rules) == 0) {
					t.Fatalf("rule %q has neither detection nor resolved correlation", r.Title)
				}
				if r.Correlation != nil {
					for _, x := range r.Correlation.Rules {
						if !loaded[x] {
							t.Fatalf("correlation %q references %q, which is not in the set", r.Title, x.Title)
						}
					}
				}
				if r.Detection != nil {
					_ = ir.Format(r.Detection)
				}
			}
		}
	})
}
