package condition

import (
	"fmt"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
	"golang.org/x/tools/txtar"

	"github.com/sigforge/sigforge/compiler/golden"
	"github.com/sigforge/sigforge/compiler/source"
)

// TestGolden parses, for each archive under testdata/, every line of the
// section "conditions" (out/conditions: canonical form and tree, or the
// error) and every condition of the section "rule.yml", with its position
// in that file (out/rule).
func TestGolden(t *testing.T) {
	golden.RunTxtar(t, "testdata/*.txtar", func(t *testing.T, a *txtar.Archive) map[string]string {
		out := map[string]string{}
		if data, ok := golden.Section(a, "conditions"); ok {
			var b strings.Builder
			for _, line := range strings.Split(strings.TrimRight(string(data), "\n"), "\n") {
				fmt.Fprintf(&b, "%s\n\t%s\n", line, describe(Parse(line, source.Pos{}, Plain)))
			}
			out["conditions"] = b.String()
		}
		if data, ok := golden.Section(a, "rule.yml"); ok {
			var doc yaml.Node
			if err := yaml.Unmarshal(data, &doc); err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			for _, c := range conditionNodes(&doc) {
				n, err := ParseFile(data, c.Value, source.Pos{File: "rule.yml", Line: c.Line, Col: c.Column}, style(c))
				fmt.Fprintf(&b, "%d:%d %s %q\n\t%s\n", c.Line, c.Column, style(c), c.Value, describe(n, err))
			}
			out["rule"] = b.String()
		}
		return out
	})
}

func describe(n Node, err error) string {
	if err != nil {
		return "error: " + err.Error()
	}
	var ids []string
	Walk(n, func(n Node) bool {
		switch n := n.(type) {
		case *Ident:
			ids = append(ids, n.Name+"@"+n.Pos.String())
		case *Of:
			ids = append(ids, Format(n)+"@"+n.Pos.String())
		}
		return true
	})
	return fmt.Sprintf("%s  ==  %s  [%s]", Format(n), tree(n), strings.Join(ids, " "))
}
