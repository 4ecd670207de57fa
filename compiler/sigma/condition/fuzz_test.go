package condition

import (
	"errors"
	"strings"
	"testing"

	"github.com/sigforge/sigforge/compiler/source"
)

// stripPos clears every position, so trees parsed from different texts can
// be compared.
func stripPos(n Node) Node {
	Walk(n, func(n Node) bool {
		switch n := n.(type) {
		case *Ident:
			n.Pos = source.Pos{}
		case *Of:
			n.Pos = source.Pos{}
		case *And:
			n.Pos = source.Pos{}
		case *Or:
			n.Pos = source.Pos{}
		case *Not:
			n.Pos = source.Pos{}
		}
		return true
	})
	return n
}

func FuzzParseCondition(f *testing.F) {
	for _, s := range []string{
		"selection", "sel and not filter", "1 of selection* and not 1 of filter*", "all of them",
		"any of sel_*", "(a or b) and not (c and d)", "not not a", "sel AND x", "sel |", "a)", "(a",
		"1 of", "all x", "sel*", "a\nand\n\tb", "sel and notable", "1 and 2", "((((a))))", "é",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		if len(src) > 2048 {
			t.Skip()
		}
		n, err := Parse(src, source.Pos{}, Plain)
		if err != nil {
			var d *source.Diagnostic
			if !errors.As(err, &d) {
				t.Fatalf("error %T is not a *source.Diagnostic: %v", err, err)
			}
			if d.Code != Code || !strings.HasPrefix(d.Message, "condition: ") {
				t.Fatalf("bad diagnostic %v", d)
			}
			lines := strings.Split(src, "\n")
			if d.Pos.Line < 1 || d.Pos.Line > len(lines) || d.Pos.Col < 1 || d.Pos.Col > len(lines[d.Pos.Line-1])+1 {
				t.Fatalf("position %v outside the input %q", d.Pos, src)
			}
			return
		}
		text := Format(n)
		again, err := Parse(text, source.Pos{}, Plain)
		if err != nil {
			t.Fatalf("Format(%q) = %q does not parse: %v", src, text, err)
		}
		if got := Format(again); got != text {
			t.Fatalf("Format is not stable: %q then %q", text, got)
		}
		if a, b := tree(stripPos(n)), tree(stripPos(again)); a != b {
			t.Fatalf("round trip changed the tree: %s vs %s", a, b)
		}
	})
}
