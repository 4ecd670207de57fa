package scan

import (
	"maps"
	"slices"
	"strings"

	"github.com/sigforge/sigforge/compiler/ir"
)

// A prefilter decides, from a few raw top-level values of a record, which
// rules could possibly match it, so that only those records are decoded in
// full and evaluated. It is exact by construction: it only drops a rule when
// the rule's detection implies "field F equals one of these literal strings"
// (case-insensitively, ASCII) and the record's F is absent or a plain ASCII
// string equal to none of them. Whenever it cannot tell (an escaped key or
// value, non-ASCII text, a number, an array), the rule stays a candidate.
type prefilter struct {
	fields []string // top-level field names read from each record
	nrules int
	// free[k] holds the rules that put no requirement on fields[k];
	// accept[k][value] the rules whose requirement on fields[k] the
	// (lowercased) value meets.
	free   []bitset
	accept []map[string]bitset
	all    bitset
}

// requirements maps a field to the set of lowercased literal values one of
// which it must equal for the expression to hold (a necessary condition).
type requirements map[string]map[string]bool

func newPrefilter(rules []*ir.Rule) *prefilter {
	reqs := make([]requirements, len(rules))
	fieldSet := map[string]bool{}
	for i, r := range rules {
		reqs[i] = required(r.Detection)
		for f := range reqs[i] {
			fieldSet[f] = true
		}
	}
	p := &prefilter{fields: slices.Sorted(maps.Keys(fieldSet)), nrules: len(rules), all: newBitset(len(rules))}
	for i := range rules {
		p.all.set(i)
	}
	for _, f := range p.fields {
		free := newBitset(len(rules))
		accept := map[string]bitset{}
		for i := range rules {
			values, ok := reqs[i][f]
			if !ok {
				free.set(i)
				continue
			}
			for v := range values {
				bs, ok := accept[v]
				if !ok {
					bs = newBitset(len(rules))
					accept[v] = bs
				}
				bs.set(i)
			}
		}
		// A value accepted by some rules also passes the rules that do not
		// constrain the field.
		for v, bs := range accept {
			bs.or(free)
			accept[v] = bs
		}
		p.free = append(p.free, free)
		p.accept = append(p.accept, accept)
	}
	return p
}

// candidates sets out to the rules that may match a record with these raw
// values (one per p.fields entry, nil when absent) and reports whether any
// is left.
func (p *prefilter) candidates(rec *Record, out bitset, lower []byte) bool {
	copy(out, p.all)
	if rec.EscapedKey {
		return !out.empty()
	}
	for k, raw := range rec.Values[:len(p.fields)] {
		if raw == nil {
			out.and(p.free[k]) // a string pattern never matches an absent field
			continue
		}
		s, ok := plainASCII(raw)
		if !ok {
			continue // cannot tell: keep every rule
		}
		lower = lower[:0]
		for _, c := range s {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			lower = append(lower, c)
		}
		if bs, ok := p.accept[k][string(lower)]; ok {
			out.and(bs)
		} else {
			out.and(p.free[k])
		}
		if out.empty() {
			return false
		}
	}
	return !out.empty()
}

// plainASCII returns the contents of a JSON string token without escapes
// and with ASCII letters only, where ASCII lowercasing is exactly the
// evaluator's case folding.
func plainASCII(raw []byte) ([]byte, bool) {
	if len(raw) < 2 || raw[0] != '"' {
		return nil, false
	}
	s := raw[1 : len(raw)-1]
	for _, c := range s {
		if c >= 0x80 || c == '\\' || c < 0x20 {
			return nil, false
		}
	}
	return s, true
}

// required computes a necessary condition of e as field → allowed values.
func required(e ir.Expr) requirements {
	switch x := e.(type) {
	case *ir.Match:
		return matchRequirement(x)
	case *ir.And:
		out := requirements{}
		for _, a := range x.Args {
			for f, vs := range required(a) {
				if have, ok := out[f]; ok {
					both := map[string]bool{}
					for v := range vs {
						if have[v] {
							both[v] = true
						}
					}
					out[f] = both
				} else {
					out[f] = vs
				}
			}
		}
		return out
	case *ir.Or:
		var out requirements
		for i, a := range x.Args {
			r := required(a)
			if i == 0 {
				out = r
				continue
			}
			for f, vs := range out {
				other, ok := r[f]
				if !ok {
					delete(out, f)
					continue
				}
				union := maps.Clone(vs)
				maps.Copy(union, other)
				out[f] = union
			}
		}
		return out
	}
	return nil // Not, or anything else: no requirement
}

// matchRequirement is the requirement of one Match: a top-level field
// compared, without wildcards, to ASCII strings.
func matchRequirement(m *ir.Match) requirements {
	if m.Op != ir.OpEqual || m.IsKeyword() || strings.Contains(m.Field, ".") || m.TimePart != "" || m.Cased || (m.All && len(m.Values) > 1) {
		return nil
	}
	values := map[string]bool{}
	for _, v := range m.Values {
		if v.Kind != ir.KindString {
			return nil
		}
		var b strings.Builder
		for _, p := range v.Parts {
			if p.Kind != ir.Literal {
				return nil
			}
			b.WriteString(p.Text)
		}
		s := b.String()
		for i := 0; i < len(s); i++ {
			if s[i] >= 0x80 {
				return nil
			}
		}
		values[strings.ToLower(s)] = true
	}
	return requirements{m.Field: values}
}

// bitset is a set of rule indexes.
type bitset []uint64

func newBitset(n int) bitset { return make(bitset, (n+63)/64) }

func (b bitset) set(i int)      { b[i/64] |= 1 << (i % 64) }
func (b bitset) has(i int) bool { return b[i/64]&(1<<(i%64)) != 0 }

func (b bitset) and(o bitset) {
	for i := range b {
		b[i] &= o[i]
	}
}

func (b bitset) or(o bitset) {
	for i := range b {
		b[i] |= o[i]
	}
}

func (b bitset) empty() bool {
	for _, w := range b {
		if w != 0 {
			return false
		}
	}
	return true
}
