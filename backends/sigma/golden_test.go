package sigma

import (
	"strings"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/sigforge/sigforge/backends/backendtest"
	"github.com/sigforge/sigforge/compiler/golden"
)

// TestGoldenYAML compiles each testdata/*.txtar rule.yml through the real
// loader; out/sigma holds the text of every rule of the file.
func TestGoldenYAML(t *testing.T) {
	golden.RunTxtar(t, "testdata/*.txtar", func(t *testing.T, a *txtar.Archive) map[string]string {
		rules := backendtest.EdgeRules(t, a, nil)
		b := &Backend{}
		var out strings.Builder
		for _, r := range rules {
			o, err := b.Compile(r)
			if err != nil {
				t.Fatal(err)
			}
			if len(rules) > 1 {
				out.WriteString("== " + r.Title + "\n")
			}
			out.WriteString(o.Text)
		}
		return map[string]string{"sigma": out.String()}
	})
}
