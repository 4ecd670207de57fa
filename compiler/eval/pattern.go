package eval

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/sigforge/sigforge/compiler/ir"
)

// pattern is a precompiled Sigma string pattern: the runs between "*"
// wildcards ("segments"), each a sequence of literal text and "?" items.
// Matching works rune by rune with simple Unicode case folding (the folding
// strings.EqualFold uses) unless the pattern is cased, with a byte-level
// fast path for ASCII.
type pattern struct {
	fold bool
	// segs has one more entry than the pattern has "*" wildcards; an empty
	// segment stands for nothing between two stars (or before/after one).
	segs [][]item
	// lastRunes is the number of runes the last segment consumes.
	lastRunes int
	// exact is set when the pattern is one literal without wildcards.
	exact bool
	// first holds, per segment, its first byte when that is an ASCII
	// literal character (lower-cased when folding), else 0: the search for
	// a middle segment skips ASCII bytes that cannot start it.
	first []byte
}

// item is a literal run or a single "?" (any one rune).
type item struct {
	lit     string
	anyRune bool
}

// newPattern compiles the parts of a string value.
func newPattern(parts []ir.Part, fold bool) *pattern {
	p := &pattern{fold: fold}
	var seg []item
	for _, part := range parts {
		switch part.Kind {
		case ir.AnyString:
			p.segs = append(p.segs, seg)
			seg = nil
		case ir.AnyChar:
			seg = append(seg, item{anyRune: true})
		case ir.Literal:
			if part.Text == "" {
				continue
			}
			// Merge adjacent literals so the inner loop sees long runs.
			if n := len(seg); n > 0 && !seg[n-1].anyRune {
				seg[n-1].lit += part.Text
				continue
			}
			seg = append(seg, item{lit: part.Text})
		}
	}
	p.segs = append(p.segs, seg)
	p.exact = len(p.segs) == 1 && len(seg) == 1 && !seg[0].anyRune
	p.first = make([]byte, len(p.segs))
	for i, sg := range p.segs {
		if len(sg) > 0 && !sg[0].anyRune && sg[0].lit[0] < utf8.RuneSelf {
			p.first[i] = sg[0].lit[0]
			if fold {
				p.first[i] = lowerASCII(p.first[i])
			}
		}
	}
	for _, it := range p.segs[len(p.segs)-1] {
		if it.anyRune {
			p.lastRunes++
		} else {
			p.lastRunes += utf8.RuneCountInString(it.lit)
		}
	}
	return p
}

// substringParts wraps parts in "*" on each side that lacks one: a keyword
// value matches as a substring.
func substringParts(parts []ir.Part) []ir.Part {
	out := make([]ir.Part, 0, len(parts)+2)
	if len(parts) == 0 || parts[0].Kind != ir.AnyString {
		out = append(out, ir.Part{Kind: ir.AnyString})
	}
	out = append(out, parts...)
	if len(parts) == 0 || parts[len(parts)-1].Kind != ir.AnyString {
		out = append(out, ir.Part{Kind: ir.AnyString})
	}
	return out
}

// match reports whether the whole of s matches the pattern.
func (p *pattern) match(s string) bool {
	if p.exact {
		return equalText(s, p.segs[0][0].lit, p.fold)
	}
	segs := p.segs
	if len(segs) == 1 {
		end, ok := p.matchSegAt(s, 0, segs[0])
		return ok && end == len(s)
	}
	// The first segment is anchored at the start.
	i, ok := p.matchSegAt(s, 0, segs[0])
	if !ok {
		return false
	}
	// The last segment is anchored at the end; folding maps one rune to one
	// rune, so it covers exactly lastRunes runes.
	j := len(s)
	for k := 0; k < p.lastRunes; k++ {
		if j <= i {
			return false
		}
		_, w := utf8.DecodeLastRuneInString(s[i:j])
		j -= w
	}
	if end, ok := p.matchSegAt(s, j, segs[len(segs)-1]); !ok || end != len(s) {
		return false
	}
	// Middle segments: the leftmost occurrence of each, in order, inside
	// s[i:j]; leftmost is optimal when segments are separated by "*".
	bounded := s[:j]
	for n, seg := range segs[1 : len(segs)-1] {
		first := p.first[n+1]
		found := false
		for k := i; k <= len(bounded); {
			if first != 0 && k < len(bounded) && bounded[k] < utf8.RuneSelf && p.foldByte(bounded[k]) != first {
				k++
				continue
			}
			if end, ok := p.matchSegAt(bounded, k, seg); ok {
				i, found = end, true
				break
			}
			if k == len(bounded) {
				break
			}
			_, w := utf8.DecodeRuneInString(bounded[k:])
			k += w
		}
		if !found {
			return false
		}
	}
	return true
}

// matchSegAt matches seg at byte offset i of s and returns the end offset.
func (p *pattern) matchSegAt(s string, i int, seg []item) (int, bool) {
	for _, it := range seg {
		if it.anyRune {
			if i >= len(s) {
				return 0, false
			}
			_, w := utf8.DecodeRuneInString(s[i:])
			i += w
			continue
		}
		lit := it.lit
		for j := 0; j < len(lit); {
			if i >= len(s) {
				return 0, false
			}
			a, b := lit[j], s[i]
			if a < utf8.RuneSelf && b < utf8.RuneSelf {
				if a != b && (!p.fold || lowerASCII(a) != lowerASCII(b)) {
					return 0, false
				}
				i++
				j++
				continue
			}
			ra, wa := utf8.DecodeRuneInString(lit[j:])
			rb, wb := utf8.DecodeRuneInString(s[i:])
			if ra != rb && (!p.fold || !foldEqual(ra, rb)) {
				return 0, false
			}
			i += wb
			j += wa
		}
	}
	return i, true
}

func (p *pattern) foldByte(c byte) byte {
	if p.fold {
		return lowerASCII(c)
	}
	return c
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// foldEqual reports whether a and b are equal under simple case folding.
func foldEqual(a, b rune) bool {
	if a == b {
		return true
	}
	for r := unicode.SimpleFold(a); r != a; r = unicode.SimpleFold(r) {
		if r == b {
			return true
		}
	}
	return false
}

// equalText compares two texts, case-insensitively when fold is set.
func equalText(a, b string, fold bool) bool {
	if fold {
		return strings.EqualFold(a, b)
	}
	return a == b
}
