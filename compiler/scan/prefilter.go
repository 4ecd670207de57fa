package scan

import (
	"bytes"
	"cmp"
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"unsafe"

	"github.com/sigforge/sigforge/compiler/eval"
	"github.com/sigforge/sigforge/compiler/ir"
)

// A prefilter decides, from the raw values of a few top-level keys of a
// record, which rules could possibly match it, so that only those records
// are decoded in full, and only by those rules.
//
// It is exact by construction. From each rule's detection it derives, per
// top-level field F (a name without dots, so that the ir's path lookup can
// only mean the key F), a necessary condition on F alone: the Matches on F
// that every way of satisfying the detection goes through (an And needs
// each of its arguments; an Or needs one of its arguments' conditions; a
// Not gives nothing). The condition is compiled with the native evaluator
// itself and evaluated on a one-key event {F: value} holding the record's
// value of F (or on {} when the record has no F), so its verdict is the
// evaluator's. A rule is dropped only when one of its conditions is false;
// whenever the value cannot be read cheaply (a key written with escapes),
// the rule stays a candidate.
//
// Checks are shared between rules (every RDS rule has eventSource =
// "rds.amazonaws.com") and run most-eliminating first, so for most records
// one comparison drops every rule.
type prefilter struct {
	fields []string // top-level keys read from each record
	checks []check
	all    bitset
}

// check is one necessary condition on one field, shared by rules.
type check struct {
	field int
	expr  ir.Expr
	eval  *eval.Evaluator
	rules bitset
	text  string
}

// requirements maps a top-level field to a necessary condition on it.
type requirements map[string]ir.Expr

func newPrefilter(rules []*ir.Rule) (*prefilter, error) {
	p := &prefilter{all: newBitset(len(rules))}
	byText := map[string]*check{}
	var order []string
	fieldIdx := map[string]int{}
	reqs := make([]requirements, len(rules))
	for i, r := range rules {
		p.all.set(i)
		reqs[i] = required(r.Detection)
		for f := range reqs[i] {
			fieldIdx[f] = 0
		}
	}
	p.fields = slices.Sorted(maps.Keys(fieldIdx))
	for k, f := range p.fields {
		fieldIdx[f] = k
	}
	for i := range rules {
		for _, f := range slices.Sorted(maps.Keys(reqs[i])) {
			e := reqs[i][f]
			text := f + "\x00" + ir.Format(e)
			c, ok := byText[text]
			if !ok {
				ev, err := eval.CompileExpr(e)
				if err != nil {
					return nil, err
				}
				c = &check{field: fieldIdx[f], expr: e, eval: ev, rules: newBitset(len(rules)), text: ir.Format(e)}
				byText[text] = c
				order = append(order, text)
			}
			c.rules.set(i)
		}
	}
	for _, text := range order {
		p.checks = append(p.checks, *byText[text])
	}
	// Value conditions before null/exists ones (most records lack errorCode,
	// so "errorCode null" rarely eliminates anything), then the checks
	// shared by most rules first; ties keep rule order.
	slices.SortStableFunc(p.checks, func(a, b check) int {
		return cmp.Or(cmp.Compare(presenceOnly(a.expr), presenceOnly(b.expr)), b.rules.count()-a.rules.count())
	})
	return p, nil
}

// presenceOnly is 1 for a condition made only of null / exists tests.
func presenceOnly(e ir.Expr) int {
	only := 1
	ir.Walk(e, func(x ir.Expr) bool {
		if m, ok := x.(*ir.Match); ok && m.Op != ir.OpNull && m.Op != ir.OpExists {
			only = 0
		}
		return true
	})
	return only
}

// values caches, for one record, the one-key events the checks run on,
// and across records each check's verdict per raw value (eventSource and
// eventName take few distinct values; the verdict depends on the raw value
// only).
type values struct {
	events  []map[string]any
	state   []uint8 // 0 not built, 1 built, 2 unreadable
	verdict []map[string]bool
}

// maxVerdicts bounds each check's verdict cache (high-cardinality fields
// such as errorMessage stop being cached).
const maxVerdicts = 4096

func newValues(nfields, nchecks int) *values {
	v := &values{events: make([]map[string]any, nfields), state: make([]uint8, nfields), verdict: make([]map[string]bool, nchecks)}
	for i := range v.events {
		v.events[i] = make(map[string]any, 1)
	}
	for i := range v.verdict {
		v.verdict[i] = map[string]bool{}
	}
	return v
}

// event returns {field: value} (or {} when absent) for field k, or nil when
// the value cannot be read.
func (v *values) event(p *prefilter, rec *Record, k int) map[string]any {
	switch v.state[k] {
	case 1:
		return v.events[k]
	case 2:
		return nil
	}
	m := v.events[k]
	clear(m)
	v.state[k] = 1
	raw := rec.Values[k]
	if raw == nil {
		return m
	}
	val, ok := rawValue(raw)
	if !ok {
		v.state[k] = 2
		return nil
	}
	m[p.fields[k]] = val
	return m
}

// rawValue turns a raw JSON value into what event.Decode would give:
// strings without escapes or non-ASCII bytes directly (pointing into the
// record's bytes, valid while the record is), anything else through
// encoding/json with numbers kept as json.Number.
func rawValue(raw []byte) (any, bool) {
	if len(raw) >= 2 && raw[0] == '"' {
		s := raw[1 : len(raw)-1]
		plain := true
		for _, c := range s {
			if c >= 0x80 || c == '\\' || c < 0x20 {
				plain = false
				break
			}
		}
		if plain {
			return unsafe.String(unsafe.SliceData(s), len(s)), true
		}
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, false
	}
	return v, true
}

// candidates sets out to the rules that may match the record and reports
// whether any is left.
func (p *prefilter) candidates(rec *Record, out bitset, v *values) bool {
	copy(out, p.all)
	if rec.EscapedKey {
		return true
	}
	clear(v.state)
	for i := range p.checks {
		c := &p.checks[i]
		if !out.intersects(c.rules) {
			continue
		}
		raw := rec.Values[c.field]
		ok, cached := v.verdict[i][string(raw)]
		if !cached {
			m := v.event(p, rec, c.field)
			ok = m == nil || c.eval.MatchFields(m)
			if m != nil && len(v.verdict[i]) < maxVerdicts {
				v.verdict[i][string(raw)] = ok
			}
		}
		if ok {
			continue
		}
		out.andNot(c.rules)
		if out.empty() {
			return false
		}
	}
	return true
}

// required computes, per top-level field, a necessary condition of e that
// reads that field only.
func required(e ir.Expr) requirements {
	switch x := e.(type) {
	case *ir.Match:
		if x.IsKeyword() || strings.Contains(x.Field, ".") || x.Op == ir.OpFieldRef {
			return nil
		}
		return requirements{x.Field: x}
	case *ir.And:
		out := requirements{}
		for _, a := range x.Args {
			for f, r := range required(a) {
				if have, ok := out[f]; ok {
					out[f] = &ir.And{Pos: x.Pos, Args: append(andArgs(have), andArgs(r)...)}
				} else {
					out[f] = r
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
			for f, have := range out {
				other, ok := r[f]
				if !ok {
					delete(out, f)
					continue
				}
				out[f] = &ir.Or{Pos: x.Pos, Args: append(orArgs(have), other)}
			}
		}
		return out
	}
	return nil // Not: no requirement
}

func andArgs(e ir.Expr) []ir.Expr {
	if a, ok := e.(*ir.And); ok {
		return slices.Clone(a.Args)
	}
	return []ir.Expr{e}
}

func orArgs(e ir.Expr) []ir.Expr {
	if o, ok := e.(*ir.Or); ok {
		return slices.Clone(o.Args)
	}
	return []ir.Expr{e}
}

// bitset is a set of rule indexes.
type bitset []uint64

func newBitset(n int) bitset { return make(bitset, (n+63)/64) }

func (b bitset) set(i int)      { b[i/64] |= 1 << (i % 64) }
func (b bitset) has(i int) bool { return b[i/64]&(1<<(i%64)) != 0 }

func (b bitset) andNot(o bitset) {
	for i := range b {
		b[i] &^= o[i]
	}
}

func (b bitset) intersects(o bitset) bool {
	for i := range b {
		if b[i]&o[i] != 0 {
			return true
		}
	}
	return false
}

func (b bitset) empty() bool {
	for _, w := range b {
		if w != 0 {
			return false
		}
	}
	return true
}

func (b bitset) count() int {
	n := 0
	for i := range len(b) * 64 {
		if b.has(i) {
			n++
		}
	}
	return n
}
