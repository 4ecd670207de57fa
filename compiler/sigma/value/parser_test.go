package value

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/sigforge/sigforge/compiler/ir"
)

// TestParser checks that a Parser gives what Parse, Contains, StartsWith
// and EndsWith give, with and without wildcards and escapes, and that its
// values do not share spare capacity.
func TestParser(t *testing.T) {
	var p Parser
	for _, raw := range []string{"", "cmd.exe", `\Windows\`, "a*b", `a\*b`, "?", "*", `x\\`, "é"} {
		assert.Equal(t, Parse(raw), p.Parse(raw), raw)
		assert.Equal(t, Contains(Parse(raw)), p.Around(raw, true, true), raw)
		assert.Equal(t, EndsWith(Parse(raw)), p.Around(raw, true, false), raw)
		assert.Equal(t, StartsWith(Parse(raw)), p.Around(raw, false, true), raw)
		assert.Equal(t, Parse(raw), p.Around(raw, false, false), raw)
	}
	a, b := p.Parse("a"), p.Parse("b")
	a.Parts = append(a.Parts, ir.Part{Kind: ir.AnyString})
	assert.Equal(t, ir.Str("b"), b, "appending to one value must not change the next")
	for range 1000 { // many values: new blocks
		assert.Equal(t, ir.Str("x"), p.Parse("x"))
	}
}
