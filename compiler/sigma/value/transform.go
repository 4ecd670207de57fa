package value

import (
	"encoding/base64"
	"errors"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/sigforge/sigforge/compiler/ir"
)

// ErrWildcard is returned when a value with wildcards is base64-encoded:
// the wildcard cannot survive the encoding (pySigma refuses it too).
var ErrWildcard = errors.New("base64 encoding of a value with wildcards is not possible")

// ErrEmptyOffset is returned by Base64Offset for the empty value, which has
// no base64 form that could be searched for.
var ErrEmptyOffset = errors.New("base64offset of an empty value matches nothing")

// Contains puts '*' around v, on each side that does not already have one
// (|contains; pySigma's behaviour). Numbers and booleans become their text.
func Contains(v ir.Value) ir.Value { return around(v, true, true) }

// StartsWith appends '*' unless v already ends with one (|startswith).
func StartsWith(v ir.Value) ir.Value { return around(v, false, true) }

// EndsWith prepends '*' unless v already starts with one (|endswith).
func EndsWith(v ir.Value) ir.Value { return around(v, true, false) }

// around adds '*' before and/or after v where it has none. v's parts are
// normalized, and a wildcard next to them keeps them so.
func around(v ir.Value, before, after bool) ir.Value {
	v = asString(v)
	ps := v.Parts
	if len(ps) == 1 && ps[0].Kind == ir.Literal && ps[0].Text == "" {
		return ir.Value{Kind: ir.KindString, Parts: []ir.Part{{Kind: ir.AnyString}}}
	}
	before = before && ps[0].Kind != ir.AnyString
	after = after && ps[len(ps)-1].Kind != ir.AnyString
	if !before && !after {
		return v
	}
	out := make([]ir.Part, 0, len(ps)+2)
	if before {
		out = append(out, ir.Part{Kind: ir.AnyString})
	}
	out = append(out, ps...)
	if after {
		out = append(out, ir.Part{Kind: ir.AnyString})
	}
	return ir.Value{Kind: ir.KindString, Parts: out}
}

// Base64 returns the standard, padded base64 encoding of v's bytes
// (|base64). v must not have wildcards.
func Base64(v ir.Value) (ir.Value, error) {
	s, ok := literalText(v)
	if !ok {
		return ir.Value{}, ErrWildcard
	}
	return ir.Str(base64.StdEncoding.EncodeToString([]byte(s))), nil
}

// Base64Offset returns the three forms in which v's bytes appear inside a
// longer base64 text, for the byte offsets 0, 1 and 2 (|base64offset). It
// follows pySigma exactly: form i is b64encode(i*" " + v)[start[i]:end[j]]
// with start = (0, 2, 3), end = (none, -3, -2) and j = (len(v)+i) % 3, so
// the characters that depend on the unknown neighbouring bytes are cut off.
// v must not have wildcards.
//
// Unlike pySigma, empty forms are dropped: for a one-byte value the offset-1
// form is empty, and "contains ”" would match every event. The empty value
// has no form at all and is an error.
func Base64Offset(v ir.Value) ([]ir.Value, error) {
	s, ok := literalText(v)
	if !ok {
		return nil, ErrWildcard
	}
	if s == "" {
		return nil, ErrEmptyOffset
	}
	start := [3]int{0, 2, 3}
	end := [3]int{0, -3, -2} // 0: to the end
	out := make([]ir.Value, 0, 3)
	for i := range 3 {
		enc := base64.StdEncoding.EncodeToString([]byte(strings.Repeat(" ", i) + s))
		if form := pySlice(enc, start[i], end[(len(s)+i)%3]); form != "" {
			out = append(out, ir.Str(form))
		}
	}
	return out, nil
}

// pySlice is Python's s[from:to] for from >= 0 and to <= 0, where to == 0
// means "to the end".
func pySlice(s string, from, to int) string {
	hi := len(s)
	if to < 0 {
		hi = max(len(s)+to, 0)
	}
	if from >= hi {
		return ""
	}
	return s[from:hi]
}

// UTF16LE encodes each literal part of v as UTF-16 little-endian bytes
// ("cmd" → "c\x00m\x00d\x00"); wildcards stay wildcards (|utf16le). Text
// outside the BMP becomes a surrogate pair; pySigma refuses any text whose
// UTF-16 bytes are not valid UTF-8, which for ASCII gives the same bytes.
func UTF16LE(v ir.Value) ir.Value { return encodeUTF16(v, false, false) }

// Wide is UTF16LE (|wide is its alias in the specification).
func Wide(v ir.Value) ir.Value { return UTF16LE(v) }

// UTF16BE encodes literal parts as UTF-16 big-endian bytes (|utf16be).
func UTF16BE(v ir.Value) ir.Value { return encodeUTF16(v, true, false) }

// UTF16 prepends the byte order mark FF FE and encodes as UTF16LE (|utf16).
// The mark comes first even when v starts with a wildcard, as in pySigma.
func UTF16(v ir.Value) ir.Value { return encodeUTF16(v, false, true) }

func encodeUTF16(v ir.Value, bigEndian, bom bool) ir.Value {
	v = asString(v)
	b := builder{}
	if bom {
		b.lit("\xff\xfe")
	}
	for _, p := range v.Parts {
		if p.Kind != ir.Literal {
			b.part(p)
			continue
		}
		units := utf16.Encode([]rune(p.Text))
		enc := make([]byte, 0, 2*len(units))
		for _, u := range units {
			if bigEndian {
				enc = append(enc, byte(u>>8), byte(u))
			} else {
				enc = append(enc, byte(u), byte(u>>8))
			}
		}
		b.lit(string(enc))
	}
	return b.value()
}

// windashForms are what a flag dash expands to, in pySigma's order:
// hyphen-minus, slash, en dash, em dash and horizontal bar.
var windashForms = []string{"-", "/", "\u2013", "\u2014", "\u2015"}

// Windash expands every '-' or '/' that starts a command-line flag (regex
// \B[-/]\b, evaluated per literal part as pySigma does: preceded by a
// non-word character or the start of the part, followed by a word
// character) into its five forms, and returns all combinations (|windash).
// The first dash varies slowest; a value without such a dash is returned
// alone.
func Windash(v ir.Value) []ir.Value {
	v = asString(v)
	// Split the value into fixed pieces and dash slots.
	type piece struct {
		part ir.Part
		dash bool
	}
	var pieces []piece
	for _, p := range v.Parts {
		if p.Kind != ir.Literal {
			pieces = append(pieces, piece{part: p})
			continue
		}
		last := 0
		for _, i := range windashPositions(p.Text) {
			pieces = append(pieces, piece{part: ir.Part{Kind: ir.Literal, Text: p.Text[last:i]}}, piece{dash: true})
			last = i + 1
		}
		pieces = append(pieces, piece{part: ir.Part{Kind: ir.Literal, Text: p.Text[last:]}})
	}
	parts := [][]ir.Part{nil}
	for _, pc := range pieces {
		if !pc.dash {
			for i := range parts {
				parts[i] = append(parts[i], pc.part)
			}
			continue
		}
		next := make([][]ir.Part, 0, len(parts)*len(windashForms))
		for _, prefix := range parts {
			for _, f := range windashForms {
				next = append(next, append(append([]ir.Part{}, prefix...), ir.Part{Kind: ir.Literal, Text: f}))
			}
		}
		parts = next
	}
	out := make([]ir.Value, 0, len(parts))
	for _, ps := range parts {
		out = append(out, normalize(ps))
	}
	return out
}

// windashPositions returns the byte offsets of the dashes in s that match
// \B[-/]\b with Unicode word characters (Python's re on str).
func windashPositions(s string) []int {
	var pos []int
	for i := 0; i < len(s); i++ {
		if s[i] != '-' && s[i] != '/' {
			continue
		}
		if i > 0 {
			if r, _ := utf8.DecodeLastRuneInString(s[:i]); isWord(r) {
				continue
			}
		}
		if r, n := utf8.DecodeRuneInString(s[i+1:]); n > 0 && isWord(r) {
			pos = append(pos, i)
		}
	}
	return pos
}

// isWord is Python's \w for str patterns: alphanumerics and '_'.
func isWord(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsNumber(r)
}
