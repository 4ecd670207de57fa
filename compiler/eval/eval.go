// Package eval is sigforge's native evaluator: it runs the intermediate form
// (compiler/ir) on JSON events with exactly the semantics documented in the
// ir package, and runs correlation rules over time-ordered event streams.
//
// A detection rule is compiled once into an Evaluator (a tree of matcher
// nodes with every pattern, regular expression and CIDR prefix
// precompiled); Match then walks the event without allocating on the common
// paths, so one Evaluator can scan many events.
//
// Choices where the ir documentation leaves room (each covered by a test):
//
//   - A string pattern never matches JSON null, an object, or an absent
//     field; it matches numbers and booleans through their JSON text.
//   - OpNull holds for an absent field, a JSON null, and an empty array
//     (Elasticsearch indexes an empty array as "no value").
//   - OpRegex and OpCIDR, like string patterns, look at strings and at the
//     JSON text of numbers and booleans; never at null.
//   - OpFieldRef compares the scalar values of both fields: numerically when
//     both are numbers, else as text (case-insensitively unless Cased). A
//     null or absent value equals nothing.
//   - TimePart reads RFC 3339 timestamps (with or without fraction and zone,
//     "T" or space) and epoch numbers (seconds, or milliseconds above 1e11),
//     and takes the part in the timestamp's own offset (no conversion); week
//     is the ISO week.
//
// Correlation semantics are documented on Correlator.
package eval

import (
	"encoding/json"
	"fmt"
	"math"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/sigforge/sigforge/compiler/event"
	"github.com/sigforge/sigforge/compiler/ir"
)

// Evaluator is a compiled detection rule.
type Evaluator struct {
	rule *ir.Rule
	root node
}

// Compile compiles the detection of a (non-correlation) rule. Errors carry
// the position of the offending Match: an invalid regular expression or
// CIDR, a value of the wrong kind for its operator, an empty value list.
func Compile(r *ir.Rule) (*Evaluator, error) {
	if r == nil {
		return nil, fmt.Errorf("eval: nil rule")
	}
	if r.IsCorrelation() {
		return nil, fmt.Errorf("%s: eval: rule %q is a correlation rule; use CompileCorrelation", r.Pos, ruleName(r))
	}
	if r.Detection == nil {
		return nil, fmt.Errorf("%s: eval: rule %q has no detection", r.Pos, ruleName(r))
	}
	root, err := CompileExpr(r.Detection)
	if err != nil {
		return nil, err
	}
	return &Evaluator{rule: r, root: root.root}, nil
}

// CompileExpr compiles a bare expression (no rule around it).
func CompileExpr(e ir.Expr) (*Evaluator, error) {
	root, err := compileExpr(e)
	if err != nil {
		return nil, err
	}
	return &Evaluator{root: root}, nil
}

// Rule returns the rule the evaluator was compiled from (nil for CompileExpr).
func (e *Evaluator) Rule() *ir.Rule { return e.rule }

// Match reports whether the event matches the detection.
func (e *Evaluator) Match(ev event.Event) bool { return e.root.eval(ev.Fields) }

// MatchFields is Match on decoded fields.
func (e *Evaluator) MatchFields(fields map[string]any) bool { return e.root.eval(fields) }

// Fires reports whether any event of the stream matches.
func (e *Evaluator) Fires(events []event.Event) bool {
	for i := range events {
		if e.root.eval(events[i].Fields) {
			return true
		}
	}
	return false
}

func ruleName(r *ir.Rule) string {
	switch {
	case r.Title != "":
		return r.Title
	case r.Name != "":
		return r.Name
	}
	return r.ID
}

// node is one compiled expression node.
type node interface {
	eval(fields map[string]any) bool
}

type andNode []node

func (n andNode) eval(f map[string]any) bool {
	for _, a := range n {
		if !a.eval(f) {
			return false
		}
	}
	return true
}

type orNode []node

func (n orNode) eval(f map[string]any) bool {
	for _, a := range n {
		if a.eval(f) {
			return true
		}
	}
	return false
}

type notNode struct{ arg node }

func (n notNode) eval(f map[string]any) bool { return !n.arg.eval(f) }

func compileExpr(e ir.Expr) (node, error) {
	switch x := e.(type) {
	case *ir.And:
		out := make(andNode, 0, len(x.Args))
		for _, a := range x.Args {
			n, err := compileExpr(a)
			if err != nil {
				return nil, err
			}
			out = append(out, n)
		}
		return out, nil
	case *ir.Or:
		out := make(orNode, 0, len(x.Args))
		for _, a := range x.Args {
			n, err := compileExpr(a)
			if err != nil {
				return nil, err
			}
			out = append(out, n)
		}
		return out, nil
	case *ir.Not:
		n, err := compileExpr(x.Arg)
		if err != nil {
			return nil, err
		}
		return notNode{n}, nil
	case *ir.Match:
		return compileMatch(x)
	case nil:
		return nil, fmt.Errorf("eval: nil expression")
	}
	return nil, fmt.Errorf("eval: unknown expression node %T", e)
}

func matchErr(m *ir.Match, format string, args ...any) error {
	field := m.Field
	if field == "" {
		field = "<keyword>"
	}
	return fmt.Errorf("%s: eval: %s: %s", m.Pos, field, fmt.Sprintf(format, args...))
}

func compileMatch(m *ir.Match) (node, error) {
	switch m.Op {
	case ir.OpExists:
		want := true
		// The ir says |exists: false lowers to Not(exists) with no values;
		// accept an explicit boolean too rather than mis-evaluate it.
		if len(m.Values) == 1 && m.Values[0].Kind == ir.KindBool {
			want = m.Values[0].Bool
		} else if len(m.Values) != 0 {
			return nil, matchErr(m, "exists takes no values")
		}
		if m.Field == "" {
			return nil, matchErr(m, "exists needs a field")
		}
		return &existsNode{path: m.Field, want: want}, nil
	case ir.OpNull:
		if m.Field == "" {
			return nil, matchErr(m, "null needs a field")
		}
		return &nullNode{path: m.Field}, nil
	case ir.OpFieldRef:
		return compileFieldRef(m)
	}
	if len(m.Values) == 0 {
		return nil, matchErr(m, "%s without values", m.Op)
	}
	tests := make([]valueTest, 0, len(m.Values))
	for _, v := range m.Values {
		t, err := compileValue(m, v)
		if err != nil {
			return nil, err
		}
		tests = append(tests, t)
	}
	if m.Field == "" {
		return &keywordNode{tests: tests, any: anyTest(tests), all: m.All}, nil
	}
	if m.All && len(tests) > 1 {
		return &fieldAllNode{path: m.Field, tests: tests}, nil
	}
	if len(tests) == 1 {
		return &fieldNode{path: m.Field, test: tests[0]}, nil
	}
	return &fieldNode{path: m.Field, test: anyTest(tests)}, nil
}

// compileValue builds the test one value performs on one field value.
func compileValue(m *ir.Match, v ir.Value) (valueTest, error) {
	var t valueTest
	switch m.Op {
	case ir.OpEqual:
		switch {
		case m.TimePart != "":
			n, err := numberOf(m, v)
			if err != nil {
				return nil, err
			}
			t = &compareTest{op: ir.OpEqual, num: n}
		case m.Field == "":
			// A keyword matches as a substring of any string; numbers and
			// booleans are looked for as their text.
			parts := v.Parts
			if v.Kind != ir.KindString {
				parts = []ir.Part{{Kind: ir.Literal, Text: v.Text()}}
			}
			return &stringTest{pat: newPattern(substringParts(parts), !m.Cased)}, nil
		case v.Kind == ir.KindString:
			t = &stringTest{pat: newPattern(v.Parts, !m.Cased)}
		case v.Kind == ir.KindNumber:
			t = &numberTest{num: v.Num}
		case v.Kind == ir.KindBool:
			t = &boolTest{b: v.Bool}
		default:
			return nil, matchErr(m, "unknown value kind %d", v.Kind)
		}
	case ir.OpRegex:
		if v.Kind != ir.KindString {
			return nil, matchErr(m, "regular expression must be a string, got %s", v.Text())
		}
		flags := ""
		if m.Regex.IgnoreCase {
			flags += "i"
		}
		if m.Regex.Multiline {
			flags += "m"
		}
		if m.Regex.DotAll {
			flags += "s"
		}
		expr := v.Text()
		if flags != "" {
			expr = "(?" + flags + ")" + expr
		}
		re, err := regexp.Compile(expr)
		if err != nil {
			return nil, matchErr(m, "invalid regular expression %q: %v", v.Text(), err)
		}
		t = &regexTest{re: re}
	case ir.OpCIDR:
		if v.Kind != ir.KindString {
			return nil, matchErr(m, "cidr value must be a string, got %s", v.Text())
		}
		p, err := parsePrefix(v.Text())
		if err != nil {
			return nil, matchErr(m, "invalid cidr %q: %v", v.Text(), err)
		}
		t = &cidrTest{prefix: p}
	case ir.OpLT, ir.OpLTE, ir.OpGT, ir.OpGTE:
		n, err := numberOf(m, v)
		if err != nil {
			return nil, err
		}
		t = &compareTest{op: m.Op, num: n}
	default:
		return nil, matchErr(m, "unsupported operator %s", m.Op)
	}
	if m.Field == "" {
		if m.Op != ir.OpRegex {
			return nil, matchErr(m, "keyword search with operator %s", m.Op)
		}
		return t, nil
	}
	if m.TimePart != "" {
		ct, ok := t.(*compareTest)
		if !ok {
			return nil, matchErr(m, "time part %q needs a number comparison", m.TimePart)
		}
		part, err := timePartFunc(m.TimePart)
		if err != nil {
			return nil, matchErr(m, "%v", err)
		}
		ct.part = part
	}
	return t, nil
}

// numberOf returns the number of a comparison value; a string that parses as
// a number is accepted.
func numberOf(m *ir.Match, v ir.Value) (float64, error) {
	switch v.Kind {
	case ir.KindNumber:
		return v.Num, nil
	case ir.KindString:
		if !v.HasWildcards() {
			if f, err := strconv.ParseFloat(v.Text(), 64); err == nil {
				return f, nil
			}
		}
	}
	return 0, matchErr(m, "%s needs a number, got %s", m.Op, v.Quoted())
}

func parsePrefix(s string) (netip.Prefix, error) {
	if !strings.Contains(s, "/") {
		a, err := netip.ParseAddr(s)
		if err != nil {
			return netip.Prefix{}, err
		}
		a = a.Unmap()
		return netip.PrefixFrom(a, a.BitLen()), nil
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	if p.Addr().Is4In6() && p.Bits() >= 96 {
		p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
	}
	return p.Masked(), nil
}

// valueTest tests one scalar field value (or element of an array).
type valueTest interface {
	test(v any) bool
}

// anyTest holds when one of its tests holds.
type anyTest []valueTest

func (ts anyTest) test(v any) bool {
	for _, t := range ts {
		if t.test(v) {
			return true
		}
	}
	return false
}

// scalarText returns the JSON text of a string, number or boolean; ok is
// false for null, objects and arrays.
func scalarText(v any) (string, bool) {
	if v == nil {
		return "", false
	}
	return event.Scalar(v)
}

type stringTest struct{ pat *pattern }

func (t *stringTest) test(v any) bool {
	if s, ok := v.(string); ok {
		return t.pat.match(s)
	}
	s, ok := scalarText(v)
	return ok && t.pat.match(s)
}

type numberTest struct{ num float64 }

func (t *numberTest) test(v any) bool {
	f, ok := toNumber(v)
	return ok && f == t.num
}

// toNumber returns the number of a JSON number or of a string that parses
// as one.
func toNumber(v any) (float64, bool) {
	switch x := v.(type) {
	case json.Number:
		f, err := strconv.ParseFloat(string(x), 64)
		return f, err == nil
	case string:
		f, err := strconv.ParseFloat(x, 64)
		return f, err == nil && !math.IsNaN(f)
	case float64:
		return x, true
	case float32:
		return float64(x), true
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	}
	return 0, false
}

type boolTest struct{ b bool }

func (t *boolTest) test(v any) bool {
	switch x := v.(type) {
	case bool:
		return x == t.b
	case string:
		if t.b {
			return strings.EqualFold(x, "true")
		}
		return strings.EqualFold(x, "false")
	}
	return false
}

type regexTest struct{ re *regexp.Regexp }

func (t *regexTest) test(v any) bool {
	if s, ok := v.(string); ok {
		return t.re.MatchString(s)
	}
	s, ok := scalarText(v)
	return ok && t.re.MatchString(s)
}

type cidrTest struct{ prefix netip.Prefix }

func (t *cidrTest) test(v any) bool {
	s, ok := v.(string)
	if !ok {
		return false
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return false
	}
	return t.prefix.Contains(a.WithZone("").Unmap())
}

type compareTest struct {
	op   ir.Op
	num  float64
	part func(time.Time) int // set for TimePart
}

func (t *compareTest) test(v any) bool {
	var f float64
	if t.part != nil {
		ts, ok := toTime(v)
		if !ok {
			return false
		}
		f = float64(t.part(ts))
	} else {
		n, ok := toNumber(v)
		if !ok {
			return false
		}
		f = n
	}
	switch t.op {
	case ir.OpEqual:
		return f == t.num
	case ir.OpLT:
		return f < t.num
	case ir.OpLTE:
		return f <= t.num
	case ir.OpGT:
		return f > t.num
	case ir.OpGTE:
		return f >= t.num
	}
	return false
}

func timePartFunc(name string) (func(time.Time) int, error) {
	switch name {
	case "minute":
		return func(t time.Time) int { return t.Minute() }, nil
	case "hour":
		return func(t time.Time) int { return t.Hour() }, nil
	case "day":
		return func(t time.Time) int { return t.Day() }, nil
	case "week":
		return func(t time.Time) int { _, w := t.ISOWeek(); return w }, nil
	case "month":
		return func(t time.Time) int { return int(t.Month()) }, nil
	case "year":
		return func(t time.Time) int { return t.Year() }, nil
	}
	return nil, fmt.Errorf("unknown time part %q", name)
}

var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02",
}

// toTime reads a timestamp: an RFC 3339-like string or epoch seconds /
// milliseconds.
func toTime(v any) (time.Time, bool) {
	if s, ok := v.(string); ok {
		for _, layout := range timeLayouts {
			if t, err := time.Parse(layout, s); err == nil {
				return t, true
			}
		}
		return time.Time{}, false
	}
	f, ok := toNumber(v)
	if !ok || math.IsInf(f, 0) {
		return time.Time{}, false
	}
	if math.Abs(f) > 1e11 {
		return time.UnixMilli(int64(f)).UTC(), true
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC(), true
}

// fieldNode holds when some value at path passes test.
type fieldNode struct {
	path string
	test valueTest
}

func (n *fieldNode) eval(f map[string]any) bool {
	_, matched := visitPath(f, n.path, n.test)
	return matched
}

// fieldAllNode holds when every test is passed by some value at path.
type fieldAllNode struct {
	path  string
	tests []valueTest
}

func (n *fieldAllNode) eval(f map[string]any) bool {
	for _, t := range n.tests {
		if _, matched := visitPath(f, n.path, t); !matched {
			return false
		}
	}
	return true
}

type existsNode struct {
	path string
	want bool
}

func (n *existsNode) eval(f map[string]any) bool {
	found, _ := visitPath(f, n.path, never{})
	return found == n.want
}

type never struct{}

func (never) test(any) bool { return false }

type isNull struct{}

func (isNull) test(v any) bool { return v == nil }

type nullNode struct{ path string }

func (n *nullNode) eval(f map[string]any) bool {
	found, matched := visitPath(f, n.path, isNull{})
	if !found || matched {
		return true
	}
	// Present: null only when every occurrence is an empty array.
	var c counter
	visitPath(f, n.path, &c)
	return c.n == 0
}

type counter struct{ n int }

func (c *counter) test(any) bool { c.n++; return false }

// keywordNode looks for its patterns in every string of the event.
type keywordNode struct {
	tests []valueTest
	any   valueTest // the tests as one anyTest, boxed once
	all   bool
}

func (n *keywordNode) eval(f map[string]any) bool {
	if !n.all {
		return visitStrings(f, n.any)
	}
	for _, t := range n.tests {
		if !visitStrings(f, t) {
			return false
		}
	}
	return true
}

// visitStrings reports whether some string leaf of v passes t.
func visitStrings(v any, t valueTest) bool {
	switch x := v.(type) {
	case string:
		return t.test(v)
	case map[string]any:
		for _, e := range x {
			if visitStrings(e, t) {
				return true
			}
		}
	case []any:
		for _, e := range x {
			if visitStrings(e, t) {
				return true
			}
		}
	}
	return false
}

// visitPath applies t to every value at the dotted path with the semantics
// of event.Lookup (an exact key wins; otherwise every split of the path at
// a dot is tried; arrays are crossed and flattened) without allocating.
// found reports whether the path exists; matched whether t held for a value
// (the walk stops there).
func visitPath(obj map[string]any, path string, t valueTest) (found, matched bool) {
	if v, ok := obj[path]; ok {
		return true, visitValue(v, t)
	}
	for i := 0; i < len(path); i++ {
		if path[i] != '.' {
			continue
		}
		child, ok := obj[path[:i]]
		if !ok {
			continue
		}
		f, m := descend(child, path[i+1:], t)
		found = found || f
		if m {
			return true, true
		}
	}
	return found, false
}

func descend(v any, rest string, t valueTest) (found, matched bool) {
	switch x := v.(type) {
	case map[string]any:
		return visitPath(x, rest, t)
	case []any:
		for _, e := range x {
			f, m := descend(e, rest, t)
			found = found || f
			if m {
				return true, true
			}
		}
	}
	return found, false
}

// visitValue applies t to v, or to each element when v is an array.
func visitValue(v any, t valueTest) bool {
	if arr, ok := v.([]any); ok {
		for _, e := range arr {
			if visitValue(e, t) {
				return true
			}
		}
		return false
	}
	return t.test(v)
}

// fieldRefNode compares a field with other fields of the same event.
type fieldRefNode struct {
	path string
	refs []string
	all  bool
	fold bool
}

func compileFieldRef(m *ir.Match) (node, error) {
	if m.Field == "" {
		return nil, matchErr(m, "fieldref needs a field")
	}
	if len(m.Values) == 0 {
		return nil, matchErr(m, "fieldref without a referenced field")
	}
	n := &fieldRefNode{path: m.Field, all: m.All, fold: !m.Cased}
	for _, v := range m.Values {
		if v.Kind != ir.KindString || v.HasWildcards() || v.Text() == "" {
			return nil, matchErr(m, "fieldref value must be a field name, got %s", v.Quoted())
		}
		n.refs = append(n.refs, v.Text())
	}
	return n, nil
}

func (n *fieldRefNode) eval(f map[string]any) bool {
	own, ok := event.Lookup(f, n.path)
	if !ok {
		return false
	}
	for _, ref := range n.refs {
		other, _ := event.Lookup(f, ref)
		eq := anyEqual(own, other, n.fold)
		if eq && !n.all {
			return true
		}
		if !eq && n.all {
			return false
		}
	}
	return n.all
}

func anyEqual(a, b []any, fold bool) bool {
	for _, x := range a {
		for _, y := range b {
			if scalarEqual(x, y, fold) {
				return true
			}
		}
	}
	return false
}

func scalarEqual(x, y any, fold bool) bool {
	if x == nil || y == nil {
		return false
	}
	_, xs := x.(string)
	_, ys := y.(string)
	if !xs && !ys {
		if fx, ok := toNumber(x); ok {
			if fy, ok := toNumber(y); ok {
				return fx == fy
			}
		}
	}
	sx, ok1 := scalarText(x)
	sy, ok2 := scalarText(y)
	return ok1 && ok2 && equalText(sx, sy, fold)
}
