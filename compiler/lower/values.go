package lower

import "github.com/sigforge/sigforge/compiler/ir"

func isWordByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// windashSites counts the option dashes (\B[-/]\b) that |windash expands
// into five forms each, to bound the 5^n variants.
func windashSites(v ir.Value) int {
	n := 0
	for _, p := range v.Parts {
		t := p.Text
		for i := 0; p.Kind == ir.Literal && i < len(t); i++ {
			if (t[i] == '-' || t[i] == '/') && (i == 0 || !isWordByte(t[i-1])) && i+1 < len(t) && isWordByte(t[i+1]) {
				n++
			}
		}
	}
	return n
}

// block hands out pieces of shared allocations, so that the many small
// objects of one rule (matches, value lists) cost a few allocations. Each
// piece has no spare capacity: appending to it copies.
type block[T any] struct {
	buf []T
}

// maxBlock bounds a block, so that a few pieces do not hold a large one.
const maxBlock = 128

// reserve makes room for n elements in one allocation.
func (b *block[T]) reserve(n int) {
	if cap(b.buf)-len(b.buf) < n {
		b.buf = make([]T, 0, n)
	}
}

// take returns n zero elements.
func (b *block[T]) take(n int) []T {
	if cap(b.buf)-len(b.buf) < n {
		b.buf = make([]T, 0, max(n, min(2*cap(b.buf), maxBlock), 8))
	}
	start := len(b.buf)
	b.buf = b.buf[:start+n]
	return b.buf[start : start+n : start+n]
}
