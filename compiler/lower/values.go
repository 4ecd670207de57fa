package lower

import (
	"encoding/base64"
	"strings"
	"unicode/utf16"

	"github.com/sigforge/sigforge/compiler/ir"
)

// sigmaString parses a Sigma string value: '*' and '?' are wildcards, and
// a backslash escapes '*', '?' or a backslash; any other backslash is a
// literal backslash.
func sigmaString(s string) ir.Value {
	v := ir.Value{Kind: ir.KindString}
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			v.Parts = append(v.Parts, ir.Part{Kind: ir.Literal, Text: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '\\':
			if i+1 < len(s) && (s[i+1] == '*' || s[i+1] == '?' || s[i+1] == '\\') {
				lit.WriteByte(s[i+1])
				i++
			} else {
				lit.WriteByte('\\')
			}
		case '*':
			flush()
			v.Parts = append(v.Parts, ir.Part{Kind: ir.AnyString})
		case '?':
			flush()
			v.Parts = append(v.Parts, ir.Part{Kind: ir.AnyChar})
		default:
			lit.WriteByte(c)
		}
	}
	flush()
	if len(v.Parts) == 0 {
		v.Parts = []ir.Part{{Kind: ir.Literal, Text: ""}}
	}
	return v
}

// literalString is a string value whose text is taken as it is (regular
// expressions, CIDRs, field names).
func literalString(s string) ir.Value { return ir.Str(s) }

func isEmpty(v ir.Value) bool {
	return len(v.Parts) == 0 || (len(v.Parts) == 1 && v.Parts[0].Kind == ir.Literal && v.Parts[0].Text == "")
}

func wildcardPrefix(v ir.Value) ir.Value {
	if len(v.Parts) > 0 && v.Parts[0].Kind == ir.AnyString {
		return v
	}
	parts := make([]ir.Part, 0, len(v.Parts)+1)
	parts = append(parts, ir.Part{Kind: ir.AnyString})
	if !isEmpty(v) {
		parts = append(parts, v.Parts...)
	}
	v.Parts = parts
	return v
}

func wildcardSuffix(v ir.Value) ir.Value {
	if len(v.Parts) > 0 && v.Parts[len(v.Parts)-1].Kind == ir.AnyString {
		return v
	}
	parts := make([]ir.Part, 0, len(v.Parts)+1)
	if !isEmpty(v) {
		parts = append(parts, v.Parts...)
	}
	v.Parts = append(parts, ir.Part{Kind: ir.AnyString})
	return v
}

// mapLiterals applies fn to every literal part.
func mapLiterals(v ir.Value, fn func(string) string) ir.Value {
	parts := make([]ir.Part, len(v.Parts))
	for i, p := range v.Parts {
		if p.Kind == ir.Literal {
			p.Text = fn(p.Text)
		}
		parts[i] = p
	}
	v.Parts = parts
	return v
}

func utf16Bytes(s string, bigEndian bool) string {
	units := utf16.Encode([]rune(s))
	b := make([]byte, 0, 2*len(units))
	for _, u := range units {
		if bigEndian {
			b = append(b, byte(u>>8), byte(u))
		} else {
			b = append(b, byte(u), byte(u>>8))
		}
	}
	return string(b)
}

// base64Offsets returns the three base64 forms of s as it may appear at
// byte offsets 0, 1 and 2 of a longer encoded text (pySigma's algorithm:
// the characters that depend on neighbouring bytes are cut off).
func base64Offsets(s string) []string {
	start := [3]int{0, 2, 3}
	endCut := [3]int{0, 3, 2}
	out := make([]string, 0, 3)
	for i := range 3 {
		enc := base64.StdEncoding.EncodeToString([]byte(strings.Repeat(" ", i) + s))
		end := len(enc)
		if cut := endCut[(len(s)+i)%3]; cut > 0 {
			end -= cut
		}
		if start[i] >= end {
			out = append(out, "")
			continue
		}
		out = append(out, enc[start[i]:end])
	}
	return out
}

// windashChars are the characters a Windows command line accepts for an
// option's leading dash.
var windashChars = []string{"-", "/", "–", "—", "―"}

func isWordByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// windashSites counts the option dashes windash would expand.
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

// windash returns every variant of v in which each '-' or '/' that starts
// an option (regex \B[-/]\b: not after a word character, before one) is
// replaced by each of windashChars.
func windash(v ir.Value) []ir.Value {
	type site struct{ part, at int }
	var sites []site
	for pi, p := range v.Parts {
		if p.Kind != ir.Literal {
			continue
		}
		t := p.Text
		for i := 0; i < len(t); i++ {
			if (t[i] == '-' || t[i] == '/') && (i == 0 || !isWordByte(t[i-1])) && i+1 < len(t) && isWordByte(t[i+1]) {
				sites = append(sites, site{pi, i})
			}
		}
	}
	if len(sites) == 0 {
		return []ir.Value{v}
	}
	out := []ir.Value{}
	choice := make([]int, len(sites))
	for {
		parts := make([]ir.Part, len(v.Parts))
		copy(parts, v.Parts)
		// Replace from the last site backwards so earlier offsets hold.
		for i := len(sites) - 1; i >= 0; i-- {
			s := sites[i]
			t := parts[s.part].Text
			parts[s.part].Text = t[:s.at] + windashChars[choice[i]] + t[s.at+1:]
		}
		out = append(out, ir.Value{Kind: ir.KindString, Parts: parts})
		i := len(choice) - 1
		for ; i >= 0; i-- {
			choice[i]++
			if choice[i] < len(windashChars) {
				break
			}
			choice[i] = 0
		}
		if i < 0 {
			return out
		}
	}
}
