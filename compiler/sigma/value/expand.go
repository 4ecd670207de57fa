package value

import (
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/sigforge/sigforge/compiler/ir"
)

// UnknownPlaceholderError is returned by Expand for a placeholder that has
// no configured values; the specification requires such a rule to be
// rejected.
type UnknownPlaceholderError struct {
	Name  string
	Known []string // the configured names, sorted
}

func (e *UnknownPlaceholderError) Error() string {
	if len(e.Known) == 0 {
		return fmt.Sprintf("placeholder %%%s%% has no values (no placeholders are configured)", e.Name)
	}
	return fmt.Sprintf("placeholder %%%s%% has no values (configured: %s)", e.Name, strings.Join(e.Known, ", "))
}

// Placeholders returns the names of the %name% placeholders in v, in order
// of appearance (with repeats), as |expand sees them.
func Placeholders(v ir.Value) []string {
	var names []string
	for _, p := range asString(v).Parts {
		if p.Kind != ir.Literal {
			continue
		}
		for _, seg := range splitPlaceholders(p.Text) {
			if seg.placeholder {
				names = append(names, seg.text)
			}
		}
	}
	return names
}

// Expand implements |expand with configured value lists (pySigma's
// value_placeholders transformation). A placeholder is '%' + one or more
// word characters + '%' inside a literal part, not preceded by '\'; after
// expansion '\%' is a literal '%'. Each placeholder is replaced by each of
// its values, which are Sigma strings themselves (so they may hold
// wildcards); a value with several placeholders yields every combination,
// the first placeholder varying slowest. A value that is entirely one
// placeholder (the usual case, "%Workstations%") becomes exactly the
// configured list.
//
// A placeholder without values is an *UnknownPlaceholderError.
func Expand(v ir.Value, values map[string][]string) ([]ir.Value, error) {
	v = asString(v)
	// Each element is a sequence of alternatives: fixed parts have one.
	var slots [][][]ir.Part
	for _, p := range v.Parts {
		if p.Kind != ir.Literal {
			slots = append(slots, [][]ir.Part{{p}})
			continue
		}
		for _, seg := range splitPlaceholders(p.Text) {
			if !seg.placeholder {
				slots = append(slots, [][]ir.Part{{{Kind: ir.Literal, Text: strings.ReplaceAll(seg.text, `\%`, "%")}}})
				continue
			}
			vals, ok := values[seg.text]
			if !ok || len(vals) == 0 {
				known := make([]string, 0, len(values))
				for k, vs := range values {
					if len(vs) > 0 {
						known = append(known, k)
					}
				}
				sort.Strings(known)
				return nil, &UnknownPlaceholderError{Name: seg.text, Known: known}
			}
			alts := make([][]ir.Part, len(vals))
			for i, s := range vals {
				alts[i] = Parse(s).Parts
			}
			slots = append(slots, alts)
		}
	}
	combos := [][]ir.Part{nil}
	for _, alts := range slots {
		next := make([][]ir.Part, 0, len(combos)*len(alts))
		for _, prefix := range combos {
			for _, a := range alts {
				next = append(next, append(append([]ir.Part{}, prefix...), a...))
			}
		}
		combos = next
	}
	out := make([]ir.Value, len(combos))
	for i, c := range combos {
		out[i] = normalize(c)
	}
	return out, nil
}

type segment struct {
	text        string // literal text, or the placeholder's name
	placeholder bool
}

// splitPlaceholders splits literal text at placeholders: the matches of
// pySigma's (?<!\\)%(\w+)% scanned left to right.
func splitPlaceholders(s string) []segment {
	var segs []segment
	last := 0
	for i := 0; i < len(s); i++ {
		if s[i] != '%' || i > 0 && s[i-1] == '\\' {
			continue
		}
		j := i + 1
		for j < len(s) {
			r, n := utf8.DecodeRuneInString(s[j:])
			if !isWord(r) {
				break
			}
			j += n
		}
		if j == i+1 || j >= len(s) || s[j] != '%' {
			continue
		}
		if i > last {
			segs = append(segs, segment{text: s[last:i]})
		}
		segs = append(segs, segment{text: s[i+1 : j], placeholder: true})
		last = j + 1
		i = j
	}
	if last < len(s) || len(segs) == 0 {
		segs = append(segs, segment{text: s[last:]})
	}
	return segs
}
