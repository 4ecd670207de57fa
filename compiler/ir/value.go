package ir

import (
	"strconv"
	"strings"
)

// Str returns a literal string value (no wildcards).
func Str(s string) Value { return Value{Kind: KindString, Parts: []Part{{Kind: Literal, Text: s}}} }

// Pattern parses a pattern in which "*" and "?" are wildcards and nothing is
// escaped. It is meant for tests and for values built by code.
func Pattern(s string) Value {
	v := Value{Kind: KindString}
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			v.Parts = append(v.Parts, Part{Kind: Literal, Text: lit.String()})
			lit.Reset()
		}
	}
	for _, r := range s {
		switch r {
		case '*':
			flush()
			v.Parts = append(v.Parts, Part{Kind: AnyString})
		case '?':
			flush()
			v.Parts = append(v.Parts, Part{Kind: AnyChar})
		default:
			lit.WriteRune(r)
		}
	}
	flush()
	return v
}

// NumValue returns a number value.
func NumValue(f float64) Value {
	return Value{Kind: KindNumber, Num: f, NumText: strconv.FormatFloat(f, 'f', -1, 64)}
}

// BoolValue returns a boolean value.
func BoolValue(b bool) Value { return Value{Kind: KindBool, Bool: b} }

// HasWildcards reports whether a string value has a "*" or "?" part.
func (v Value) HasWildcards() bool {
	for _, p := range v.Parts {
		if p.Kind != Literal {
			return true
		}
	}
	return false
}

// Text returns the value as text: the literal of a plain string, the
// pattern with "*" and "?" for a wildcard string (literal "*" and "?" are
// not escaped: use Parts when the difference matters), the number as
// written, or "true"/"false".
func (v Value) Text() string {
	switch v.Kind {
	case KindNumber:
		if v.NumText != "" {
			return v.NumText
		}
		return strconv.FormatFloat(v.Num, 'f', -1, 64)
	case KindBool:
		return strconv.FormatBool(v.Bool)
	}
	var b strings.Builder
	for _, p := range v.Parts {
		switch p.Kind {
		case Literal:
			b.WriteString(p.Text)
		case AnyString:
			b.WriteByte('*')
		case AnyChar:
			b.WriteByte('?')
		}
	}
	return b.String()
}

// Shape classifies a string pattern so that backends can pick the cheapest
// operator for it.
type Shape int

const (
	ShapeExact    Shape = iota // "abc" (also "" and non-string values)
	ShapePrefix                // "abc*"
	ShapeSuffix                // "*abc"
	ShapeContains              // "*abc*"
	ShapeAny                   // "*"
	ShapeComplex               // any other wildcard pattern
)

// Shape returns the pattern's shape and, for the simple shapes, the literal
// text inside the wildcards.
func (v Value) Shape() (Shape, string) {
	if v.Kind != KindString {
		return ShapeExact, v.Text()
	}
	ps := v.Parts
	if len(ps) == 0 {
		return ShapeExact, ""
	}
	if len(ps) == 1 {
		switch ps[0].Kind {
		case Literal:
			return ShapeExact, ps[0].Text
		case AnyString:
			return ShapeAny, ""
		}
		return ShapeComplex, ""
	}
	if len(ps) == 2 {
		if ps[0].Kind == Literal && ps[1].Kind == AnyString {
			return ShapePrefix, ps[0].Text
		}
		if ps[0].Kind == AnyString && ps[1].Kind == Literal {
			return ShapeSuffix, ps[1].Text
		}
	}
	if len(ps) == 3 && ps[0].Kind == AnyString && ps[1].Kind == Literal && ps[2].Kind == AnyString {
		return ShapeContains, ps[1].Text
	}
	return ShapeComplex, ""
}
