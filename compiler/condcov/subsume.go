package condcov

import (
	"strings"

	"github.com/sigforge/sigforge/compiler/ir"
)

// subsumer returns the text of another value of an any-of string Match that
// matches every value value i matches, or "" when there is none (or when it
// cannot tell: regular expressions, inner wildcards, non-string values).
// Of two equal values the later one is the subsumed one.
func subsumer(m *ir.Match, i int) string {
	if m.Op != ir.OpEqual || m.Values[i].Kind != ir.KindString {
		return ""
	}
	si, ti, ok := shapeOf(m, m.Values[i])
	if !ok {
		return ""
	}
	for j, vj := range m.Values {
		if j == i || vj.Kind != ir.KindString {
			continue
		}
		sj, tj, ok := shapeOf(m, vj)
		if !ok {
			continue
		}
		if sj == si && tj == ti && j > i {
			continue // equal values: the later one is reported, not this one
		}
		if covers(sj, tj, si, ti) {
			return valueText(vj)
		}
	}
	return ""
}

// shapeOf returns a value's shape and literal text (lower-cased unless
// Cased); keyword values match anywhere in the text, so they are contains.
func shapeOf(m *ir.Match, v ir.Value) (ir.Shape, string, bool) {
	shape, text := v.Shape()
	if shape == ir.ShapeComplex {
		return 0, "", false
	}
	if m.IsKeyword() && shape != ir.ShapeAny {
		shape = ir.ShapeContains
	}
	if !m.Cased {
		text = strings.ToLower(text)
	}
	return shape, text, true
}

// covers reports whether every string matching pattern (si, ti) also matches
// pattern (sj, tj).
func covers(sj ir.Shape, tj string, si ir.Shape, ti string) bool {
	switch sj {
	case ir.ShapeAny:
		return true
	case ir.ShapeContains:
		return si != ir.ShapeAny && strings.Contains(ti, tj)
	case ir.ShapePrefix:
		return (si == ir.ShapePrefix || si == ir.ShapeExact) && strings.HasPrefix(ti, tj)
	case ir.ShapeSuffix:
		return (si == ir.ShapeSuffix || si == ir.ShapeExact) && strings.HasSuffix(ti, tj)
	case ir.ShapeExact:
		return si == ir.ShapeExact && ti == tj
	}
	return false
}
