package value

import (
	"math/rand"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sigforge/sigforge/compiler/ir"
)

// TestParser checks that a Parser gives what Parse, Contains, StartsWith
// and EndsWith give, with and without wildcards and escapes, and that its
// values do not share capacity.
func TestParser(t *testing.T) {
	var p Parser
	raws := []string{"", "cmd.exe", `\Windows\`, "a*b", `a\*b`, "?", "*", "**", `x\\`, "é",
		"*a", "a*", "*a*", `\*`, `a?*`, `\\*`, `*\`, `?x?`}
	// And random ones over the characters that matter.
	r := rand.New(rand.NewSource(1))
	for range 2000 {
		var b strings.Builder
		for n := r.Intn(7); n > 0; n-- {
			b.WriteByte(`ab\*?`[r.Intn(5)])
		}
		raws = append(raws, b.String())
	}
	for _, raw := range raws {
		require.Equal(t, Parse(raw), p.Parse(raw), raw)
		require.Equal(t, Contains(Parse(raw)), p.Around(raw, true, true), raw)
		require.Equal(t, EndsWith(Parse(raw)), p.Around(raw, true, false), raw)
		require.Equal(t, StartsWith(Parse(raw)), p.Around(raw, false, true), raw)
		require.Equal(t, Parse(raw), p.Around(raw, false, false), raw)
	}
	a, b := p.Parse("a"), p.Parse("b")
	a.Parts = append(a.Parts, ir.Part{Kind: ir.AnyString})
	assert.Equal(t, ir.Str("b"), b, "appending to one value must not change the next")
	c, d := p.Around("a*", false, false), p.Parse("d")
	c.Parts = append(c.Parts, ir.Part{Kind: ir.Literal, Text: "x"})
	assert.Equal(t, ir.Str("d"), d)
}
