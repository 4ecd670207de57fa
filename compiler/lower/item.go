package lower

import (
	"encoding/base64"
	"fmt"
	"net/netip"
	"regexp"
	"strconv"
	"strings"

	"github.com/sigforge/sigforge/compiler/ir"
	"github.com/sigforge/sigforge/compiler/sigma"
	"github.com/sigforge/sigforge/compiler/source"
	v "github.com/sigforge/sigforge/compiler/validate"
)

// Modifier classes.
const (
	modTransform = iota // rewrites string values
	modFlag             // all, cased
	modType             // chooses the operator
	modRegexFlag        // i, m, s after re
	modTimePart         // minute … year
	modNegate           // neq
	modExpand           // expand
)

var modifierClass = map[string]int{
	"contains": modTransform, "startswith": modTransform, "endswith": modTransform,
	"base64": modTransform, "base64offset": modTransform,
	"utf16le": modTransform, "utf16be": modTransform, "utf16": modTransform, "wide": modTransform,
	"windash": modTransform,
	"all":     modFlag, "cased": modFlag,
	"re": modType, "cidr": modType, "exists": modType, "fieldref": modType,
	"lt": modType, "lte": modType, "gt": modType, "gte": modType,
	"i": modRegexFlag, "m": modRegexFlag, "s": modRegexFlag,
	"ignorecase": modRegexFlag, "multiline": modRegexFlag, "dotall": modRegexFlag,
	"minute": modTimePart, "hour": modTimePart, "day": modTimePart, "week": modTimePart,
	"month": modTimePart, "year": modTimePart,
	"neq":    modNegate,
	"expand": modExpand,
}

var typeOps = map[string]ir.Op{
	"re": ir.OpRegex, "cidr": ir.OpCIDR, "exists": ir.OpExists, "fieldref": ir.OpFieldRef,
	"lt": ir.OpLT, "lte": ir.OpLTE, "gt": ir.OpGT, "gte": ir.OpGTE,
}

// item lowers one field item (or keyword list) to an expression; nil when
// it has errors (reported to l.ds).
func (l *lowerer) item(it *sigma.Item) ir.Expr {
	errs := len(l.ds)
	m := &ir.Match{Pos: it.Pos, Field: it.Field, Op: ir.OpEqual}
	var (
		typeMod    *sigma.Modifier
		transforms []sigma.Modifier
		negate     bool
		expand     bool
	)
	for i := range it.Modifiers {
		mod := &it.Modifiers[i]
		m.Modifiers = append(m.Modifiers, mod.Name)
		class, ok := modifierClass[mod.Name]
		if !ok {
			l.ds.Add(mod.Pos, v.UnknownModifier, "unknown modifier %q%s", mod.Name, suggest(mod.Name))
			continue
		}
		switch class {
		case modTransform:
			if typeMod != nil && typeMod.Name != "re" {
				l.ds.Add(mod.Pos, v.BadModifier, "%s cannot follow %s", mod.Name, typeMod.Name)
			}
			transforms = append(transforms, *mod)
		case modFlag:
			if mod.Name == "all" {
				if m.All {
					l.ds.Add(mod.Pos, v.BadModifier, "all is given twice")
				}
				m.All = true
			} else {
				m.Cased = true
			}
		case modType:
			if typeMod != nil {
				l.ds.Add(mod.Pos, v.BadModifier, "%s cannot be combined with %s", mod.Name, typeMod.Name)
				continue
			}
			typeMod = mod
			m.Op = typeOps[mod.Name]
		case modRegexFlag:
			if typeMod == nil || typeMod.Name != "re" {
				l.ds.Add(mod.Pos, v.BadModifier, "%s is a sub-modifier of re and must follow it", mod.Name)
				continue
			}
			switch mod.Name {
			case "i", "ignorecase":
				m.Regex.IgnoreCase = true
			case "m", "multiline":
				m.Regex.Multiline = true
			case "s", "dotall":
				m.Regex.DotAll = true
			}
		case modTimePart:
			if m.TimePart != "" {
				l.ds.Add(mod.Pos, v.BadModifier, "%s cannot be combined with %s", mod.Name, m.TimePart)
			}
			m.TimePart = mod.Name
		case modNegate:
			negate = true
		case modExpand:
			expand = true
		}
	}
	if len(l.ds) > errs {
		return nil
	}
	if bad := l.checkCombination(it, m, typeMod, transforms); bad {
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
	var groups [][]ir.Value // one group (an OR of variants) per written value
	for _, val := range raw {
		g, ok := l.lowerValue(it, m, val, transforms)
		if !ok {
			continue
		}
		groups = append(groups, g)
	}
	if len(l.ds) > errs {
		return nil
	}
	if m.All && len(it.Values) == 1 && !it.List {
		l.ds.Warn(it.Pos, v.BadModifier, "%s: all on a single value has no effect", it.Key)
	}
	return negated(negate, combine(m, groups))
}

// combine builds the Match (or an AND of Matches under |all when values
// turned into several variants).
func combine(m *ir.Match, groups [][]ir.Value) ir.Expr {
	multi := false
	for _, g := range groups {
		if len(g) > 1 {
			multi = true
		}
	}
	if !m.All || !multi {
		for _, g := range groups {
			m.Values = append(m.Values, g...)
		}
		if len(m.Values) == 1 {
			m.All = false
		}
		return m
	}
	and := &ir.And{Pos: m.Pos}
	for _, g := range groups {
		c := *m
		c.All = false
		c.Values = g
		and.Args = append(and.Args, &c)
	}
	return and
}

func negated(neg bool, e ir.Expr) ir.Expr {
	if neg {
		return &ir.Not{Pos: e.Position(), Arg: e}
	}
	return e
}

// checkCombination reports modifier combinations that make no sense.
func (l *lowerer) checkCombination(it *sigma.Item, m *ir.Match, typeMod *sigma.Modifier, transforms []sigma.Modifier) bool {
	bad := false
	fail := func(pos source.Pos, format string, args ...any) {
		l.ds.Add(pos, v.BadModifier, format, args...)
		bad = true
	}
	if it.Field == "" && typeMod != nil {
		fail(typeMod.Pos, "%s needs a field; a keyword search cannot use it", typeMod.Name)
	}
	if it.Field == "" && m.TimePart != "" {
		fail(it.Pos, "%s needs a field; a keyword search cannot use it", m.TimePart)
	}
	if typeMod == nil {
		return bad
	}
	switch typeMod.Name {
	case "exists":
		if len(it.Modifiers) > 1 {
			fail(typeMod.Pos, "exists cannot be combined with other modifiers")
		}
	case "cidr", "fieldref":
		if len(transforms) > 0 {
			fail(transforms[0].Pos, "%s cannot be combined with %s", transforms[0].Name, typeMod.Name)
		}
		if m.TimePart != "" {
			fail(typeMod.Pos, "%s cannot be combined with %s", typeMod.Name, m.TimePart)
		}
	case "lt", "lte", "gt", "gte":
		if len(transforms) > 0 {
			fail(transforms[0].Pos, "%s cannot be combined with %s", transforms[0].Name, typeMod.Name)
		}
		if m.Cased {
			fail(typeMod.Pos, "cased cannot be combined with %s", typeMod.Name)
		}
	case "re":
		for _, t := range transforms {
			if t.Name != "contains" && t.Name != "startswith" && t.Name != "endswith" {
				fail(t.Pos, "%s cannot be combined with re", t.Name)
			}
		}
		if m.TimePart != "" {
			fail(typeMod.Pos, "re cannot be combined with %s", m.TimePart)
		}
	}
	return bad
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

// lowerValue turns one written value into its variants.
func (l *lowerer) lowerValue(it *sigma.Item, m *ir.Match, val sigma.Value, transforms []sigma.Modifier) ([]ir.Value, bool) {
	if val.Kind == sigma.Null {
		l.ds.Add(val.Pos, v.BadSearch, "%s: null cannot be one value of a list", it.Key)
		return nil, false
	}
	switch m.Op {
	case ir.OpRegex:
		if val.Kind != sigma.String {
			l.ds.Add(val.Pos, v.BadModifier, "%s: a regular expression must be a string", it.Key)
			return nil, false
		}
		if _, err := regexp.Compile(regexFlags(m.Regex) + val.Text); err != nil {
			l.ds.Add(val.Pos, v.BadModifier, "%s: invalid regular expression: %s", it.Key, regexError(err))
			return nil, false
		}
		return []ir.Value{literalString(val.Text)}, true
	case ir.OpCIDR:
		if _, err := netip.ParsePrefix(val.Text); err != nil || val.Kind != sigma.String {
			l.ds.Add(val.Pos, v.BadModifier, "%s: %q is not a CIDR network (e.g. 10.0.0.0/8)", it.Key, val.Text)
			return nil, false
		}
		return []ir.Value{literalString(val.Text)}, true
	case ir.OpFieldRef:
		if val.Kind != sigma.String || strings.ContainsAny(val.Text, "*?") || val.Text == "" {
			l.ds.Add(val.Pos, v.BadModifier, "%s: fieldref takes a field name without wildcards", it.Key)
			return nil, false
		}
		return []ir.Value{literalString(val.Text)}, true
	case ir.OpLT, ir.OpLTE, ir.OpGT, ir.OpGTE:
		n, ok := number(val)
		if !ok {
			l.ds.Add(val.Pos, v.BadModifier, "%s: %s compares numbers; %q is not one", it.Key, m.Op, val.Text)
			return nil, false
		}
		return []ir.Value{n}, true
	}
	if m.TimePart != "" {
		n, ok := number(val)
		if !ok {
			l.ds.Add(val.Pos, v.BadModifier, "%s: %s compares a number; %q is not one", it.Key, m.TimePart, val.Text)
			return nil, false
		}
		return []ir.Value{n}, true
	}
	if len(transforms) == 0 {
		switch val.Kind {
		case sigma.Int, sigma.Float:
			if n, ok := number(val); ok {
				return []ir.Value{n}, true
			}
		case sigma.Bool:
			return []ir.Value{ir.BoolValue(val.Text == "true")}, true
		}
		return []ir.Value{sigmaString(val.Text)}, true
	}
	vals := []ir.Value{sigmaString(val.Text)}
	for _, t := range transforms {
		if m.Op == ir.OpRegex {
			continue // contains/startswith/endswith do not change an unanchored search
		}
		var next []ir.Value
		for _, x := range vals {
			out, err := transform(t.Name, x)
			if err != "" {
				l.ds.Add(t.Pos, v.BadModifier, "%s: %s", it.Key, err)
				return nil, false
			}
			next = append(next, out...)
		}
		vals = next
		if len(vals) > maxValues {
			l.ds.Add(t.Pos, v.BadModifier, "%s: the modifiers expand the value to more than %d variants", it.Key, maxValues)
			return nil, false
		}
	}
	return dedupe(vals), true
}

// maxWindashSites bounds |windash, which makes 5^n variants of a value
// with n option dashes.
const maxWindashSites = 5

// maxValues bounds the values one item may expand to (windash, expand).
const maxValues = 10000

// transform applies one string transformation.
func transform(name string, x ir.Value) ([]ir.Value, string) {
	switch name {
	case "contains":
		return []ir.Value{wildcardSuffix(wildcardPrefix(x))}, ""
	case "startswith":
		return []ir.Value{wildcardSuffix(x)}, ""
	case "endswith":
		return []ir.Value{wildcardPrefix(x)}, ""
	case "base64", "base64offset":
		if x.HasWildcards() {
			return nil, name + " cannot encode a value with wildcards"
		}
		text := x.Text()
		if name == "base64" {
			return []ir.Value{ir.Str(base64.StdEncoding.EncodeToString([]byte(text)))}, ""
		}
		var out []ir.Value
		for _, s := range base64Offsets(text) {
			out = append(out, ir.Str(s))
		}
		return out, ""
	case "utf16le":
		return []ir.Value{mapLiterals(x, func(s string) string { return utf16Bytes(s, false) })}, ""
	case "wide":
		for _, p := range x.Parts {
			for i := 0; i < len(p.Text); i++ {
				if p.Text[i] >= 0x80 {
					return nil, "wide only encodes ASCII text; use utf16le"
				}
			}
		}
		return []ir.Value{mapLiterals(x, func(s string) string { return utf16Bytes(s, false) })}, ""
	case "utf16be":
		return []ir.Value{mapLiterals(x, func(s string) string { return utf16Bytes(s, true) })}, ""
	case "utf16":
		y := mapLiterals(x, func(s string) string { return utf16Bytes(s, false) })
		if len(y.Parts) > 0 && y.Parts[0].Kind == ir.Literal {
			y.Parts[0].Text = "\xff\xfe" + y.Parts[0].Text
		} else {
			y.Parts = append([]ir.Part{{Kind: ir.Literal, Text: "\xff\xfe"}}, y.Parts...)
		}
		return []ir.Value{y}, ""
	case "windash":
		if n := windashSites(x); n > maxWindashSites {
			return nil, fmt.Sprintf("windash: the value has %d option dashes; at most %d are expanded (5^n variants)", n, maxWindashSites)
		}
		return windash(x), ""
	}
	return nil, fmt.Sprintf("unknown transformation %s", name)
}

func dedupe(vals []ir.Value) []ir.Value {
	if len(vals) < 2 {
		return vals
	}
	out := vals[:0:0]
	seen := make(map[string]bool, len(vals))
	for _, x := range vals {
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

// suggest proposes a known modifier close to a misspelt one.
func suggest(name string) string {
	best, bestD := "", 3
	for known := range modifierClass {
		if d := distance(name, known); d < bestD || d == bestD && best != "" && known < best {
			best, bestD = known, d
		}
	}
	if best == "" || len(name) < 3 {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// distance is the Levenshtein distance of two short strings.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
