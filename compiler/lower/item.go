package lower

import (
	"fmt"
	"net/netip"
	"regexp/syntax"
	"strconv"
	"strings"

	"github.com/sigforge/sigforge/compiler/ir"
	"github.com/sigforge/sigforge/compiler/sigma"
	"github.com/sigforge/sigforge/compiler/sigma/value"
	v "github.com/sigforge/sigforge/compiler/validate"
)

// typeOp is the operator of a type modifier (OpEqual for the others).
func typeOp(name string) ir.Op {
	switch name {
	case "re":
		return ir.OpRegex
	case "cidr":
		return ir.OpCIDR
	case "exists":
		return ir.OpExists
	case "fieldref":
		return ir.OpFieldRef
	case "lt":
		return ir.OpLT
	case "lte":
		return ir.OpLTE
	case "gt":
		return ir.OpGT
	case "gte":
		return ir.OpGTE
	}
	return ir.OpEqual
}

func isTimePart(name string) bool {
	switch name {
	case "minute", "hour", "day", "week", "month", "year":
		return true
	}
	return false
}

// timeRanges are the values each time part can take (ISO weeks run to 53).
var timeRanges = map[string][2]float64{
	"minute": {0, 59}, "hour": {0, 23}, "day": {1, 31}, "week": {1, 53}, "month": {1, 12}, "year": {1, 9999},
}

// item lowers one field item (or keyword list) to an expression; nil when
// it has errors (reported to l.ds). Which chains are legal is decided by
// value.CheckChain (one rule set for the whole project); this adds the
// checks that need the values and the position of each problem.
func (l *lowerer) item(it *sigma.Item) ir.Expr {
	errs := len(l.ds)
	m := &l.matches.take(1)[0]
	m.Pos, m.Field, m.Op = it.Pos, it.Field, ir.OpEqual
	names := l.names.take(len(it.Modifiers))
	for i, mod := range it.Modifiers {
		names[i] = mod.Name
	}
	if len(names) > 0 {
		m.Modifiers = names
		if err := value.CheckChain(names); err != nil {
			code, pos := v.BadModifier, it.Pos
			if ce, ok := err.(*value.ChainError); ok {
				pos = it.Modifiers[ce.Index].Pos
				if ce.Unknown {
					code = v.UnknownModifier
				}
			}
			l.ds.Add(pos, code, "%s", err.Error())
			return nil
		}
	}
	var (
		typeMod    *sigma.Modifier
		buf        [4]sigma.Modifier
		transforms = buf[:0] // value transformations, in order
		negate     bool
		expand     bool
	)
	for i := range it.Modifiers {
		mod := &it.Modifiers[i]
		switch name := mod.Name; {
		case name == "all":
			m.All = true
		case name == "cased":
			m.Cased = true
		case name == "neq":
			negate = true
		case name == "expand":
			expand = true
		case name == "i" || name == "ignorecase":
			m.Regex.IgnoreCase = true
		case name == "m" || name == "multiline":
			m.Regex.Multiline = true
		case name == "s" || name == "dotall":
			m.Regex.DotAll = true
		case isTimePart(name):
			m.TimePart = name
		case typeOp(name) != ir.OpEqual || name == "re":
			typeMod = mod
			m.Op = typeOp(name)
		default:
			transforms = append(transforms, *mod)
		}
	}
	if it.Field == "" && (typeMod != nil || m.TimePart != "") {
		name := m.TimePart
		if typeMod != nil {
			name = typeMod.Name
		}
		l.ds.Add(it.Pos, v.BadModifier, "%s needs a field; a keyword search cannot use it", name)
		return nil
	}
	if m.All && len(it.Values) < 2 {
		l.ds.Add(it.Pos, v.BadModifier, "%s: all needs a list of at least two values", it.Key)
		return nil
	}

	// null is "field is absent or null"; it takes no modifier but neq.
	if len(it.Values) == 1 && it.Values[0].Kind == sigma.Null {
		if len(transforms) > 0 || typeMod != nil || m.All || m.Cased || m.TimePart != "" || expand {
			l.ds.Add(it.Pos, v.BadModifier, "%s: null takes no modifier except neq", it.Key)
			return nil
		}
		if it.Field == "" {
			l.ds.Add(it.Pos, v.BadSearch, "a keyword cannot be null")
			return nil
		}
		m.Op = ir.OpNull
		return negated(negate, m)
	}

	if m.Op == ir.OpExists {
		return l.exists(it, m, negate)
	}

	raw, ok := l.expandValues(it, expand)
	if !ok {
		return nil
	}
	// The variants of all written values, and under |all where each
	// value's variants end (they are ANDed value by value).
	vals := l.valueList.take(len(raw))[:0]
	var ends []int
	multi := false
	for _, val := range raw {
		start := len(vals)
		var ok bool
		if vals, ok = l.lowerValue(it, m, val, transforms, vals); !ok {
			vals = vals[:start]
			continue
		}
		multi = multi || len(vals)-start > 1
		if m.All {
			ends = append(ends, len(vals))
		}
	}
	if hasErrorsSince(l.ds, errs) {
		return nil
	}
	return negated(negate, combine(m, vals, ends, multi))
}

// combine builds the Match (or an AND of Matches under |all when values
// turned into several variants: ends are where each value's variants end).
func combine(m *ir.Match, vals []ir.Value, ends []int, multi bool) ir.Expr {
	if !m.All || !multi {
		if len(vals) > 0 {
			m.Values = vals
		}
		if len(m.Values) == 1 {
			m.All = false
		}
		return m
	}
	and := &ir.And{Pos: m.Pos, Args: make([]ir.Expr, 0, len(ends))}
	start := 0
	for _, end := range ends {
		c := *m
		c.All = false
		c.Values = vals[start:end:end]
		and.Args = append(and.Args, &c)
		start = end
	}
	return and
}

func negated(neg bool, e ir.Expr) ir.Expr {
	if neg {
		return &ir.Not{Pos: e.Position(), Arg: e}
	}
	return e
}

func (l *lowerer) exists(it *sigma.Item, m *ir.Match, negate bool) ir.Expr {
	if len(it.Values) != 1 || it.Values[0].Kind != sigma.Bool {
		l.ds.Add(it.Pos, v.BadModifier, "%s: exists takes true or false", it.Key)
		return nil
	}
	want := it.Values[0].Text == "true"
	if negate {
		want = !want
	}
	if want {
		return m
	}
	return &ir.Not{Pos: m.Pos, Arg: m}
}

// lowerValue appends the variants of one written value to dst.
func (l *lowerer) lowerValue(it *sigma.Item, m *ir.Match, val sigma.Value, transforms []sigma.Modifier, dst []ir.Value) ([]ir.Value, bool) {
	if val.Kind == sigma.Null {
		l.ds.Add(val.Pos, v.BadSearch, "%s: null cannot be one value of a list", it.Key)
		return dst, false
	}
	switch m.Op {
	case ir.OpRegex:
		if val.Kind != sigma.String {
			l.ds.Add(val.Pos, v.BadModifier, "%s: a regular expression must be a string", it.Key)
			return dst, false
		}
		if err := checkRegex(m.Regex, val.Text); err != nil {
			l.ds.Add(val.Pos, v.BadModifier, "%s: invalid regular expression: %s", it.Key, regexError(err))
			return dst, false
		}
		return append(dst, ir.Str(val.Text)), true
	case ir.OpCIDR:
		if _, err := netip.ParsePrefix(val.Text); err != nil || val.Kind != sigma.String {
			l.ds.Add(val.Pos, v.BadModifier, "%s: %q is not a CIDR network (e.g. 10.0.0.0/8)", it.Key, val.Text)
			return dst, false
		}
		return append(dst, ir.Str(val.Text)), true
	case ir.OpFieldRef:
		if val.Kind != sigma.String || strings.ContainsAny(val.Text, "*?") || val.Text == "" {
			l.ds.Add(val.Pos, v.BadModifier, "%s: fieldref takes a field name without wildcards", it.Key)
			return dst, false
		}
		return append(dst, ir.Str(val.Text)), true
	case ir.OpLT, ir.OpLTE, ir.OpGT, ir.OpGTE:
		n, ok := number(val)
		if !ok {
			l.ds.Add(val.Pos, v.BadModifier, "%s: %s compares numbers; %q is not one", it.Key, m.Op, val.Text)
			return dst, false
		}
		return append(dst, n), true
	}
	if m.TimePart != "" {
		n, ok := number(val)
		if !ok {
			l.ds.Add(val.Pos, v.BadModifier, "%s: %s compares a number; %q is not one", it.Key, m.TimePart, val.Text)
			return dst, false
		}
		r := timeRanges[m.TimePart]
		if n.Num != float64(int64(n.Num)) || n.Num < r[0] || n.Num > r[1] {
			l.ds.Add(val.Pos, v.BadModifier, "%s: a %s is a whole number from %v to %v, not %s", it.Key, m.TimePart, r[0], r[1], val.Text)
			return dst, false
		}
		return append(dst, n), true
	}
	if len(transforms) == 0 && it.Field != "" {
		switch val.Kind {
		case sigma.Int, sigma.Float:
			if n, ok := number(val); ok {
				return append(dst, n), true
			}
		case sigma.Bool:
			return append(dst, ir.BoolValue(val.Text == "true")), true
		}
		return append(dst, l.values.Parse(val.Text)), true
	}
	if len(transforms) == 1 { // the usual case: one of contains, startswith, endswith
		switch transforms[0].Name {
		case "contains":
			return append(dst, l.values.Around(val.Text, true, true)), true
		case "startswith":
			return append(dst, l.values.Around(val.Text, false, true)), true
		case "endswith":
			return append(dst, l.values.Around(val.Text, true, false)), true
		}
	}
	start := len(dst)
	dst = append(dst, value.Parse(val.Text))
	for _, t := range transforms {
		var err string
		if dst, err = transform(t.Name, dst, start); err != "" {
			l.ds.Add(t.Pos, v.BadModifier, "%s: %s", it.Key, err)
			return dst, false
		}
		if len(dst)-start > maxValues {
			l.ds.Add(t.Pos, v.BadModifier, "%s: the modifiers expand the value to more than %d variants", it.Key, maxValues)
			return dst, false
		}
	}
	return dedupe(dst, start), true
}

// maxWindashSites bounds |windash, which makes 5^n variants of a value
// with n option dashes.
const maxWindashSites = 5

// maxValues bounds the values one item may expand to (windash, expand).
const maxValues = 10000

// transform applies one string transformation (package value) to each of
// vals[start:], in place, and returns vals with the results.
func transform(name string, vals []ir.Value, start int) ([]ir.Value, string) {
	var each func(ir.Value) ir.Value // a transformation giving one value
	switch name {
	case "contains":
		each = value.Contains
	case "startswith":
		each = value.StartsWith
	case "endswith":
		each = value.EndsWith
	case "utf16le":
		each = value.UTF16LE
	case "wide":
		// pySigma's wide only encodes ASCII text.
		for _, x := range vals[start:] {
			for _, p := range x.Parts {
				for i := 0; i < len(p.Text); i++ {
					if p.Text[i] >= 0x80 {
						return vals, "wide only encodes ASCII text; use utf16le"
					}
				}
			}
		}
		each = value.Wide
	case "utf16be":
		each = value.UTF16BE
	case "utf16":
		each = value.UTF16
	case "base64":
		for i := start; i < len(vals); i++ {
			b, err := value.Base64(vals[i])
			if err != nil {
				return vals, err.Error()
			}
			vals[i] = b
		}
		return vals, ""
	case "base64offset", "windash":
		var out []ir.Value
		for _, x := range vals[start:] {
			var forms []ir.Value
			if name == "windash" {
				if n := windashSites(x); n > maxWindashSites {
					return vals, fmt.Sprintf("windash: the value has %d option dashes; at most %d are expanded (5^n variants)", n, maxWindashSites)
				}
				forms = value.Windash(x)
			} else {
				var err error
				if forms, err = value.Base64Offset(x); err != nil {
					return vals, err.Error()
				}
			}
			if len(vals) == start+1 {
				out = forms // one value (the usual case): its forms are the result
				break
			}
			out = append(out, forms...)
		}
		return append(vals[:start], out...), ""
	default:
		return vals, fmt.Sprintf("unknown transformation %s", name)
	}
	for i := start; i < len(vals); i++ {
		vals[i] = each(vals[i])
	}
	return vals, ""
}

// dedupe drops repeated variants from vals[start:].
func dedupe(vals []ir.Value, start int) []ir.Value {
	if len(vals)-start < 2 {
		return vals
	}
	seen := make(map[string]bool, len(vals)-start)
	out := vals[:start]
	for _, x := range vals[start:] {
		if k := x.Quoted(); !seen[k] {
			seen[k] = true
			out = append(out, x)
		}
	}
	return out
}

func number(val sigma.Value) (ir.Value, bool) {
	if val.Kind == sigma.Bool || val.Kind == sigma.Null {
		return ir.Value{}, false
	}
	text := strings.ReplaceAll(val.Text, "_", "")
	if i, err := strconv.ParseInt(text, 0, 64); err == nil {
		return ir.Value{Kind: ir.KindNumber, Num: float64(i), NumText: val.Text}, true
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil {
		return ir.Value{}, false
	}
	return ir.Value{Kind: ir.KindNumber, Num: f, NumText: val.Text}, true
}

// checkRegex checks a regular expression with its flags as
// regexp.Compile would: only its parse can fail (the error is the same),
// so the program is not built.
func checkRegex(f ir.RegexFlags, expr string) error {
	_, err := syntax.Parse(regexFlags(f)+expr, syntax.Perl)
	return err
}

func regexFlags(f ir.RegexFlags) string {
	s := ""
	if f.IgnoreCase {
		s += "i"
	}
	if f.Multiline {
		s += "m"
	}
	if f.DotAll {
		s += "s"
	}
	if s == "" {
		return ""
	}
	return "(?" + s + ")"
}

func regexError(err error) string {
	msg := err.Error()
	return strings.TrimPrefix(msg, "error parsing regexp: ")
}
