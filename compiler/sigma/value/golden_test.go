package value

import (
	"fmt"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/sigforge/sigforge/compiler/golden"
	"github.com/sigforge/sigforge/compiler/ir"
)

// TestGolden applies the modifier chain of each line of the section
// "values" ("chain<TAB>raw value"; "-" for no modifier) and records the
// resulting values, or the error, in out/values. Placeholders come from the
// section "placeholders" ("name: v1, v2").
func TestGolden(t *testing.T) {
	golden.RunTxtar(t, "testdata/*.txtar", func(t *testing.T, a *txtar.Archive) map[string]string {
		ph := map[string][]string{}
		if data, ok := golden.Section(a, "placeholders"); ok {
			for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
				name, vals, _ := strings.Cut(line, ": ")
				ph[name] = strings.Split(vals, ", ")
			}
		}
		data, _ := golden.Section(a, "values")
		var b strings.Builder
		for _, line := range strings.Split(strings.TrimRight(string(data), "\n"), "\n") {
			modText, raw, ok := strings.Cut(line, "\t")
			if !ok {
				t.Fatalf("line %q has no tab", line)
			}
			if modText == "-" {
				modText = ""
			}
			mods := chain(modText)
			v := Parse(raw)
			if strings.HasPrefix(modText, "re") || strings.HasPrefix(modText, "cidr") {
				v = ir.Str(raw)
			}
			fmt.Fprintf(&b, "%s\n", line)
			vals, err := Transform(v, mods, ph)
			if err != nil {
				fmt.Fprintf(&b, "\terror: %v\n", err)
				continue
			}
			for _, v := range vals {
				fmt.Fprintf(&b, "\t%s\n", show(v))
			}
		}
		return map[string]string{"values": b.String()}
	})
}
