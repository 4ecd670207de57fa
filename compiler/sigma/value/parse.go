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
	if !strings.ContainsAny(raw, `\*?`) {
		return ir.Str(raw) // the common case: no wildcard, no escape
	}
	return parseInto(raw, make([]ir.Part, 0, maxParts(raw)))
}

// maxParts bounds the number of parts of Parse(raw).
func maxParts(raw string) int {
	return 2*(strings.Count(raw, "*")+strings.Count(raw, "?")) + 1
}

// parseInto is Parse for a raw value with a wildcard or an escape; the
// parts are appended to dst.
func parseInto(raw string, dst []ir.Part) ir.Value {
	p := parser{raw: raw, parts: dst}
	for i := 0; i < len(raw); i++ {
		switch raw[i] {
		case '\\':
			if i+1 < len(raw) {
				if n := raw[i+1]; n == '*' || n == '?' || n == '\\' {
					p.unescape(i)
				}
				i++ // any other escaped byte is kept with its backslash
			}
		case '*':
			p.wild(i, ir.AnyString)
		case '?':
			p.wild(i, ir.AnyChar)
		}
	}
	p.flush(len(raw))
	if len(p.parts) == 0 {
		return ir.Str("")
	}
	return ir.Value{Kind: ir.KindString, Parts: p.parts}
}

// parser builds the parts of a Sigma string. The pending literal run is
// raw[start:end of run], preceded by buf when an escape removed a
// backslash in it; a run without such escapes is a substring of raw.
type parser struct {
	raw   string
	parts []ir.Part
	start int
	buf   []byte
}

// unescape drops the backslash at i and keeps the byte after it.
func (p *parser) unescape(i int) {
	p.buf = append(p.buf, p.raw[p.start:i]...)
	p.start = i + 1
}

func (p *parser) wild(i int, k ir.PartKind) {
	p.flush(i)
	p.parts = append(p.parts, ir.Part{Kind: k})
	p.start = i + 1
}

// flush ends the literal run at end.
func (p *parser) flush(end int) {
	text := p.raw[p.start:end]
	if len(p.buf) > 0 {
		text = string(append(p.buf, text...))
		p.buf = p.buf[:0]
	}
	if text != "" {
		p.parts = append(p.parts, ir.Part{Kind: ir.Literal, Text: text})
	}
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
	text  string // the pending literal run
}

func (b *builder) lit(s string) { b.text += s }

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
	if b.text != "" {
		b.parts = append(b.parts, ir.Part{Kind: ir.Literal, Text: b.text})
		b.text = ""
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
	b := builder{parts: make([]ir.Part, 0, len(parts))}
	for _, p := range parts {
		b.part(p)
	}
	return b.value()
}

// asString returns v as a string value with normalized parts: numbers and
// booleans become their literal text, so that string modifiers apply to
// "3306" as to '3306'. A value already in that form is returned as is.
func asString(v ir.Value) ir.Value {
	if v.Kind == ir.KindString {
		if isNormal(v.Parts) {
			return v
		}
		return normalize(v.Parts)
	}
	return ir.Str(v.Text())
}

// isNormal reports whether parts are as the builder leaves them: at least
// one part, and no empty literal or two adjacent literals unless the value
// is the empty string.
func isNormal(parts []ir.Part) bool {
	if len(parts) == 1 {
		return true
	}
	for i, p := range parts {
		if p.Kind == ir.Literal && (p.Text == "" || i > 0 && parts[i-1].Kind == ir.Literal) {
			return false
		}
	}
	return len(parts) > 0
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

// A Parser parses values as Parse does, and as Contains, StartsWith and
// EndsWith of Parse, but takes the parts of the values from shared blocks:
// one allocation for many values, such as the values of one rule. Each
// value's Parts has capacity of its own, so appending to one value never
// changes another.
type Parser struct {
	block []ir.Part
}

// maxBlock bounds a block, so that a few values do not hold a large one.
const maxBlock = 256

// Reserve makes room for n parts in one allocation.
func (p *Parser) Reserve(n int) {
	if cap(p.block)-len(p.block) < n {
		p.block = make([]ir.Part, 0, n)
	}
}

// parts returns n parts from the current block.
func (p *Parser) parts(n int) []ir.Part {
	if cap(p.block)-len(p.block) < n {
		p.block = make([]ir.Part, 0, max(n, min(2*cap(p.block), maxBlock), 8))
	}
	start := len(p.block)
	p.block = p.block[:start+n]
	return p.block[start : start+n : start+n]
}

// Parse is Parse(raw).
func (p *Parser) Parse(raw string) ir.Value {
	if strings.ContainsAny(raw, `\*?`) {
		return parseInto(raw, p.parts(maxParts(raw))[:0])
	}
	ps := p.parts(1)
	ps[0] = ir.Part{Kind: ir.Literal, Text: raw}
	return ir.Value{Kind: ir.KindString, Parts: ps}
}

// Around is Parse(raw) with '*' added before and/or after it where it has
// none: Contains (before and after), EndsWith (before) or StartsWith
// (after) of Parse(raw).
func (p *Parser) Around(raw string, before, after bool) ir.Value {
	if raw == "" {
		if !before && !after {
			return p.Parse(raw)
		}
		ps := p.parts(1)
		ps[0] = ir.Part{Kind: ir.AnyString}
		return ir.Value{Kind: ir.KindString, Parts: ps}
	}
	// Room for a '*' on each side of the parts, which start at ps[1].
	var ps []ir.Part
	n := 1
	if strings.ContainsAny(raw, `\*?`) {
		ps = p.parts(maxParts(raw) + 2)
		n = len(parseInto(raw, ps[1:1]).Parts)
	} else {
		ps = p.parts(3)
		ps[1] = ir.Part{Kind: ir.Literal, Text: raw}
	}
	start, end := 1, 1+n
	if before && ps[1].Kind != ir.AnyString {
		ps[0] = ir.Part{Kind: ir.AnyString}
		start = 0
	}
	if after && ps[end-1].Kind != ir.AnyString {
		ps[end] = ir.Part{Kind: ir.AnyString}
		end++
	}
	return ir.Value{Kind: ir.KindString, Parts: ps[start:end:end]}
}
