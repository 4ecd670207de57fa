package value

import (
	"strings"

	"github.com/sigforge/sigforge/compiler/ir"
)

// Parse reads a Sigma string value (spec §5.2, pySigma's SigmaString):
//
//   - '*' matches any run of characters and '?' exactly one;
//   - '\*', '\?' and '\\' are a literal '*', '?' and '\';
//   - a '\' before any other character, or at the end, is a literal '\'
//     (so '\' and '\\' both mean one backslash, '\\*' is a backslash then a
//     wildcard, '\\\*' a backslash then a literal '*', and three or four
//     backslashes mean two).
//
// The result has Kind String; adjacent literal text is one Part, and the
// empty string is a single empty Literal (like ir.Str("")).
func Parse(raw string) ir.Value {
	b := builder{}
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case c == '\\' && i+1 < len(raw):
			i++
			if n := raw[i]; n == '*' || n == '?' || n == '\\' {
				b.lit(string(n))
			} else {
				b.lit(raw[i-1 : i+1])
			}
		case c == '*':
			b.wild(ir.AnyString)
		case c == '?':
			b.wild(ir.AnyChar)
		default:
			b.lit(raw[i : i+1])
		}
	}
	return b.value()
}

// Escape writes v as a Sigma string that Parse reads back as v: wildcards
// as '*' and '?', and every literal '*', '?' and '\' escaped with '\'.
// Numbers and booleans are written as their text.
func Escape(v ir.Value) string {
	if v.Kind != ir.KindString {
		return v.Text()
	}
	var b strings.Builder
	for _, p := range v.Parts {
		switch p.Kind {
		case ir.AnyString:
			b.WriteByte('*')
		case ir.AnyChar:
			b.WriteByte('?')
		default:
			for i := 0; i < len(p.Text); i++ {
				if c := p.Text[i]; c == '*' || c == '?' || c == '\\' {
					b.WriteByte('\\')
				}
				b.WriteByte(p.Text[i])
			}
		}
	}
	return b.String()
}

// builder assembles a normalized string value: adjacent literals merged,
// empty literals dropped (except for the empty string itself).
type builder struct {
	parts []ir.Part
	text  strings.Builder
}

func (b *builder) lit(s string) { b.text.WriteString(s) }

func (b *builder) wild(k ir.PartKind) {
	b.flush()
	b.parts = append(b.parts, ir.Part{Kind: k})
}

func (b *builder) part(p ir.Part) {
	if p.Kind == ir.Literal {
		b.lit(p.Text)
	} else {
		b.wild(p.Kind)
	}
}

func (b *builder) flush() {
	if b.text.Len() > 0 {
		b.parts = append(b.parts, ir.Part{Kind: ir.Literal, Text: b.text.String()})
		b.text.Reset()
	}
}

func (b *builder) value() ir.Value {
	b.flush()
	if len(b.parts) == 0 {
		b.parts = []ir.Part{{Kind: ir.Literal, Text: ""}}
	}
	return ir.Value{Kind: ir.KindString, Parts: b.parts}
}

// normalize rebuilds v's parts in normalized form.
func normalize(parts []ir.Part) ir.Value {
	b := builder{}
	for _, p := range parts {
		b.part(p)
	}
	return b.value()
}

// asString returns v as a string value: numbers and booleans become their
// literal text, so that string modifiers apply to "3306" as to '3306'.
func asString(v ir.Value) ir.Value {
	if v.Kind == ir.KindString {
		return normalize(v.Parts)
	}
	return ir.Str(v.Text())
}

// literalText returns the concatenated literal text of v and whether v has
// no wildcards.
func literalText(v ir.Value) (string, bool) {
	v = asString(v)
	var b strings.Builder
	for _, p := range v.Parts {
		if p.Kind != ir.Literal {
			return "", false
		}
		b.WriteString(p.Text)
	}
	return b.String(), true
}
