package lucene

import (
	"math/rand"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sigforge/sigforge/compiler/ir"
)

// TestFoldedNeedsNoRegexBody checks what value() relies on: a folded regex
// escapes every '/', so regexBody leaves it as it is.
func TestFoldedNeedsNoRegexBody(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	alphabet := []string{"a", "Z", "/", `\`, "é", "\xff", "\x01", " ", "-", "ǅ", "_", "9"}
	for range 5000 {
		var parts []ir.Part
		for n := r.Intn(4); n > 0; n-- {
			switch r.Intn(3) {
			case 0:
				parts = append(parts, ir.Part{Kind: ir.AnyString})
			case 1:
				parts = append(parts, ir.Part{Kind: ir.AnyChar})
			default:
				var b strings.Builder
				for k := r.Intn(5); k > 0; k-- {
					b.WriteString(alphabet[r.Intn(len(alphabet))])
				}
				parts = append(parts, ir.Part{Kind: ir.Literal, Text: b.String()})
			}
		}
		re := foldedRegex(parts)
		require.Equal(t, re, regexBody(re), "%q", parts)
	}
}
