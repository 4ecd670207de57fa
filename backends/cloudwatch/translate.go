package cloudwatch

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/sigforge/sigforge/backends"
	"github.com/sigforge/sigforge/compiler/ir"
	cwq "github.com/sigforge/sigforge/compiler/query/cloudwatch"
	"github.com/sigforge/sigforge/compiler/source"
)

// canonicalFields are CloudTrail fields whose values AWS itself writes, in
// one fixed case: service endpoints, API action names, regions, error codes,
// identity types, account ids, the record's own flags. A case-sensitive
// match on them means what Sigma's case-insensitive match means.
var canonicalFields = []string{
	"eventSource", "eventName", "eventType", "eventCategory", "eventVersion",
	"awsRegion", "errorCode", "readOnly", "managementEvent", "recipientAccountId",
	"apiVersion", "sharedEventID", "vpcEndpointId",
	"userIdentity.type", "userIdentity.accountId", "userIdentity.invokedBy",
	"userIdentity.sessionContext.sessionIssuer.type",
	"userIdentity.sessionContext.sessionIssuer.accountId",
	"userIdentity.sessionContext.attributes.mfaAuthenticated",
	"tlsDetails.tlsVersion",
	// RDS API keywords (assumption A8 in docs/cloudwatch.md): the snapshot
	// attribute is named "restore" and made public with "all"; the other
	// values of these lists are account ids (digits).
	"requestParameters.attributeName",
	"requestParameters.valuesToAdd",
	"requestParameters.valuesToRemove",
}

// arrayFields are CloudTrail paths known to hold JSON arrays (RDS and the
// EC2 security-group calls the pack watches). A filter pattern must index
// array elements ($.a[0]), so conditions on them are expanded.
var arrayFields = []string{
	"resources",
	"requestParameters.valuesToAdd",
	"requestParameters.valuesToRemove",
	"requestParameters.parameters",
	"requestParameters.vpcSecurityGroupIds",
	"requestParameters.dBSecurityGroups",
	"requestParameters.enableCloudwatchLogsExports",
	"requestParameters.cloudwatchLogsExportConfiguration.enableLogTypes",
	"requestParameters.cloudwatchLogsExportConfiguration.disableLogTypes",
	"requestParameters.optionsToInclude",
	"requestParameters.optionsToRemove",
	"requestParameters.tags",
	"requestParameters.tagList",
	"requestParameters.tagKeys",
	"requestParameters.ipPermissions.items",
	"requestParameters.ipPermissions.items.ipRanges.items",
	"requestParameters.ipPermissions.items.ipv6Ranges.items",
	"responseElements.dBSnapshotAttributesResult.dBSnapshotAttributes",
	"responseElements.dBSnapshotAttributesResult.dBSnapshotAttributes.attributeValues",
	"responseElements.vpcSecurityGroups",
}

// selectorKey is the character set of a property name in a selector.
var selectorKey = regexp.MustCompile(`^[A-Za-z0-9_\-]+$`)

type translator struct {
	b    *Backend
	rule *ir.Rule // the rule being compiled (for messages)
	// regexes counts the %regex% in the pattern being built.
	regexes int
}

func (t *translator) unsupported(pos source.Pos, construct, reason string) error {
	if !pos.IsValid() {
		pos = t.rule.Pos
	}
	if pos.File == "" {
		pos.File = t.rule.File
	}
	name := t.rule.Title
	if name == "" {
		name = t.rule.ID
	}
	return &backends.Unsupported{Pos: pos, Target: Name, Rule: name, Construct: construct, Reason: reason}
}

// jsonExpr translates a detection into a JSON pattern expression. neg says
// the expression is under an odd number of Nots: negation is pushed down to
// the comparisons (De Morgan), since the pattern language has no NOT.
func (t *translator) jsonExpr(e ir.Expr, neg bool) (cwq.Expr, error) {
	switch n := e.(type) {
	case *ir.And:
		return t.jsonList(n.Args, neg, !neg)
	case *ir.Or:
		return t.jsonList(n.Args, neg, neg)
	case *ir.Not:
		return t.jsonExpr(n.Arg, !neg)
	case *ir.Match:
		return t.jsonMatch(n, neg)
	}
	return nil, fmt.Errorf("cloudwatch: unknown expression %T", e)
}

func (t *translator) jsonList(args []ir.Expr, neg, and bool) (cwq.Expr, error) {
	var out []cwq.Expr
	for _, a := range args {
		x, err := t.jsonExpr(a, neg)
		if err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	if and {
		return mkAnd(out...), nil
	}
	return mkOr(out...), nil
}

func mkAnd(args ...cwq.Expr) cwq.Expr {
	var flat []cwq.Expr
	for _, a := range args {
		if x, ok := a.(*cwq.And); ok {
			flat = append(flat, x.Args...)
			continue
		}
		flat = append(flat, a)
	}
	flat = mergeNotEqual(flat)
	if len(flat) == 1 {
		return flat[0]
	}
	return &cwq.And{Args: flat}
}

// notEqualOrAbsent recognizes "(f != a || f NOT EXISTS || f IS NULL)" and
// "((f != a && f != b) || f NOT EXISTS || f IS NULL)", the forms a negated
// comparison takes, returning the selector and the != conditions.
func notEqualOrAbsent(e cwq.Expr) (string, []cwq.Expr, bool) {
	or, ok := e.(*cwq.Or)
	if !ok || len(or.Args) != 3 {
		return "", nil, false
	}
	absent, ok1 := or.Args[1].(*cwq.Cond)
	null, ok2 := or.Args[2].(*cwq.Cond)
	if !ok1 || !ok2 || absent.Op != cwq.OpNotExists || null.Op != cwq.OpIsNull {
		return "", nil, false
	}
	sel := absent.Selector.String()
	if null.Selector.String() != sel {
		return "", nil, false
	}
	var nes []cwq.Expr
	switch x := or.Args[0].(type) {
	case *cwq.Cond:
		nes = []cwq.Expr{x}
	case *cwq.And:
		nes = x.Args
	default:
		return "", nil, false
	}
	for _, n := range nes {
		c, ok := n.(*cwq.Cond)
		if !ok || c.Op != cwq.OpNe || c.Selector.String() != sel {
			return "", nil, false
		}
	}
	return sel, nes, true
}

// mergeNotEqual turns "(f != a || f NOT EXISTS || f IS NULL) && (f != b ||
// f NOT EXISTS || f IS NULL)" into "((f != a && f != b) || f NOT EXISTS ||
// f IS NULL)": the same meaning in fewer characters, which matters against
// the 1024-character limit.
func mergeNotEqual(args []cwq.Expr) []cwq.Expr {
	type group struct {
		at   int // index in out
		nes  []cwq.Expr
		tail []cwq.Expr // NOT EXISTS, IS NULL
	}
	groups := map[string]*group{}
	var order []*group
	var out []cwq.Expr
	for _, a := range args {
		sel, nes, ok := notEqualOrAbsent(a)
		if !ok {
			out = append(out, a)
			continue
		}
		if g, seen := groups[sel]; seen {
			g.nes = append(g.nes, nes...)
			continue
		}
		g := &group{at: len(out), nes: slices.Clone(nes), tail: a.(*cwq.Or).Args[1:]}
		groups[sel] = g
		order = append(order, g)
		out = append(out, a)
	}
	for _, g := range order {
		ne := g.nes[0]
		if len(g.nes) > 1 {
			ne = &cwq.And{Args: g.nes}
		}
		out[g.at] = &cwq.Or{Args: append([]cwq.Expr{ne}, g.tail...)}
	}
	return out
}

func mkOr(args ...cwq.Expr) cwq.Expr {
	var flat []cwq.Expr
	for _, a := range args {
		if x, ok := a.(*cwq.Or); ok {
			flat = append(flat, x.Args...)
			continue
		}
		flat = append(flat, a)
	}
	if len(flat) == 1 {
		return flat[0]
	}
	return &cwq.Or{Args: flat}
}

func cond(sel cwq.Selector, op cwq.Op, v cwq.Value) *cwq.Cond {
	return &cwq.Cond{Selector: sel, Op: op, Value: v}
}

func (t *translator) jsonMatch(m *ir.Match, neg bool) (cwq.Expr, error) {
	if m.IsKeyword() {
		return nil, t.unsupported(m.Pos, "keyword search in a CloudTrail rule",
			"a metric filter pattern is either JSON or text terms, never both; keywords work only in rules over text logs")
	}
	if m.TimePart != "" {
		return nil, t.unsupported(m.Pos, "|"+m.TimePart+" on "+m.Field, "filter patterns cannot take parts of a timestamp")
	}
	sels, err := t.selectors(m)
	if err != nil {
		return nil, err
	}
	switch m.Op {
	case ir.OpExists:
		// Exists has no operator; "= *" covers strings and numbers, IS
		// TRUE/FALSE/NULL the rest but objects and arrays.
		if neg {
			return eachSel(sels, true, func(s cwq.Selector) cwq.Expr { return cond(s, cwq.OpNotExists, cwq.Value{}) }), nil
		}
		return eachSel(sels, false, func(s cwq.Selector) cwq.Expr { return present(s) }), nil
	case ir.OpNull:
		if neg {
			return eachSel(sels, true, func(s cwq.Selector) cwq.Expr { return present(s) }), nil
		}
		return eachSel(sels, false, func(s cwq.Selector) cwq.Expr {
			return mkOr(cond(s, cwq.OpIsNull, cwq.Value{}), cond(s, cwq.OpNotExists, cwq.Value{}))
		}), nil
	case ir.OpCIDR:
		return nil, t.unsupported(m.Pos, "|cidr on "+m.Field, "filter patterns have no CIDR match")
	case ir.OpFieldRef:
		return nil, t.unsupported(m.Pos, "|fieldref on "+m.Field, "filter patterns cannot compare two fields")
	}
	// One condition per value; any value (or, under |all, every value).
	var perValue []cwq.Expr
	for _, v := range m.Values {
		x, err := t.jsonValue(m, sels, v, neg)
		if err != nil {
			return nil, err
		}
		perValue = append(perValue, x)
	}
	if m.All != neg {
		return mkAnd(perValue...), nil
	}
	return mkOr(perValue...), nil
}

// present holds when the property exists with a value other than an object
// or array.
func present(s cwq.Selector) cwq.Expr {
	return mkOr(cond(s, cwq.OpEq, cwq.Str("*")), cond(s, cwq.OpIsTrue, cwq.Value{}),
		cond(s, cwq.OpIsFalse, cwq.Value{}), cond(s, cwq.OpIsNull, cwq.Value{}))
}

// eachSel combines a per-selector condition over the array expansion of a
// field: any element for a positive condition, every element for a negated
// one.
func eachSel(sels []cwq.Selector, all bool, fn func(cwq.Selector) cwq.Expr) cwq.Expr {
	var out []cwq.Expr
	for _, s := range sels {
		out = append(out, fn(s))
	}
	if all {
		return mkAnd(out...)
	}
	return mkOr(out...)
}

// jsonValue is one value of a match, over every selector of the field.
func (t *translator) jsonValue(m *ir.Match, sels []cwq.Selector, v ir.Value, neg bool) (cwq.Expr, error) {
	switch m.Op {
	case ir.OpLT, ir.OpLTE, ir.OpGT, ir.OpGTE:
		if v.Kind != ir.KindNumber {
			return nil, t.unsupported(m.Pos, fmt.Sprintf("%s with a non-number on %s", m.Op, m.Field), "numeric comparisons take numbers only")
		}
		num := numValue(v)
		op := map[ir.Op]cwq.Op{ir.OpLT: cwq.OpLt, ir.OpLTE: cwq.OpLe, ir.OpGT: cwq.OpGt, ir.OpGTE: cwq.OpGe}[m.Op]
		if neg {
			inv := map[cwq.Op]cwq.Op{cwq.OpLt: cwq.OpGe, cwq.OpLe: cwq.OpGt, cwq.OpGt: cwq.OpLe, cwq.OpGe: cwq.OpLt}[op]
			return eachSel(sels, true, func(s cwq.Selector) cwq.Expr {
				return mkOr(cond(s, inv, num), cond(s, cwq.OpNotExists, cwq.Value{}), cond(s, cwq.OpIsNull, cwq.Value{}))
			}), nil
		}
		return eachSel(sels, false, func(s cwq.Selector) cwq.Expr { return cond(s, op, num) }), nil
	case ir.OpRegex:
		expr, err := t.regexValue(m, v)
		if err != nil {
			return nil, err
		}
		return t.stringCond(sels, cwq.Regex(expr), neg), nil
	}
	// OpEqual.
	switch v.Kind {
	case ir.KindNumber:
		num := numValue(v)
		text := cwq.Str(num.Text)
		if neg {
			return t.stringCond(sels, text, true), nil
		}
		return eachSel(sels, false, func(s cwq.Selector) cwq.Expr {
			return mkOr(cond(s, cwq.OpEq, num), cond(s, cwq.OpEq, text))
		}), nil
	case ir.KindBool:
		return boolCond(sels, v.Bool, neg), nil
	}
	shape, lit := v.Shape()
	if shape == ir.ShapeExact && (strings.EqualFold(lit, "true") || strings.EqualFold(lit, "false")) && !m.Cased {
		return boolCond(sels, strings.EqualFold(lit, "true"), neg), nil
	}
	val, err := t.stringValue(m, v)
	if err != nil {
		return nil, err
	}
	return t.stringCond(sels, val, neg), nil
}

// stringCond is "= val" on any element, or, negated, "!= val, absent or
// null" on every element (!= alone is false on an absent or null property,
// assumption A1).
func (t *translator) stringCond(sels []cwq.Selector, val cwq.Value, neg bool) cwq.Expr {
	if neg {
		return eachSel(sels, true, func(s cwq.Selector) cwq.Expr {
			return mkOr(cond(s, cwq.OpNe, val), cond(s, cwq.OpNotExists, cwq.Value{}), cond(s, cwq.OpIsNull, cwq.Value{}))
		})
	}
	return eachSel(sels, false, func(s cwq.Selector) cwq.Expr { return cond(s, cwq.OpEq, val) })
}

// boolCond matches a JSON boolean and its string form (CloudTrail writes
// some flags as strings: sessionContext.attributes.mfaAuthenticated).
func boolCond(sels []cwq.Selector, b, neg bool) cwq.Expr {
	is, isNot := cwq.OpIsTrue, cwq.OpIsFalse
	text := "true"
	if !b {
		is, isNot, text = cwq.OpIsFalse, cwq.OpIsTrue, "false"
	}
	if neg {
		return eachSel(sels, true, func(s cwq.Selector) cwq.Expr {
			return mkOr(cond(s, isNot, cwq.Value{}), cond(s, cwq.OpIsNull, cwq.Value{}),
				cond(s, cwq.OpNotExists, cwq.Value{}), cond(s, cwq.OpNe, cwq.Str(text)))
		})
	}
	return eachSel(sels, false, func(s cwq.Selector) cwq.Expr {
		return mkOr(cond(s, is, cwq.Value{}), cond(s, cwq.OpEq, cwq.Str(text)))
	})
}

func numValue(v ir.Value) cwq.Value {
	text := v.NumText
	if text == "" || !numberText.MatchString(text) {
		text = strconv.FormatFloat(v.Num, 'f', -1, 64)
	}
	return cwq.Num(text, v.Num)
}

var numberText = regexp.MustCompile(`^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$`)

// stringValue turns a Sigma string pattern into a CloudWatch value: a
// quoted string with leading/trailing "*" when it can, else a %regex%.
func (t *translator) stringValue(m *ir.Match, v ir.Value) (cwq.Value, error) {
	for _, p := range v.Parts {
		if p.Kind == ir.Literal && strings.ContainsAny(p.Text, "\"\\*") {
			return cwq.Value{}, t.unsupported(m.Pos, fmt.Sprintf("value %s on %s", v.Quoted(), m.Field),
				`a literal '"', '\' or '*' has no documented escape in filter patterns`)
		}
	}
	shape, lit := v.Shape()
	foldNeeded := !m.Cased && hasLetter(v) && !t.caseSensitiveField(m.Field)
	if foldNeeded {
		switch t.b.opts.CaseInsensitive {
		case "verbatim":
			foldNeeded = false
		case "refuse":
			return cwq.Value{}, t.unsupported(m.Pos, fmt.Sprintf("case-insensitive match of %s on %s", v.Quoted(), m.Field),
				"filter patterns are case-sensitive; add |cased, or list the field in targets.cloudwatch.case_sensitive_fields")
		}
	}
	if !foldNeeded {
		switch shape {
		case ir.ShapeExact:
			return cwq.Str(lit), nil
		case ir.ShapePrefix:
			return cwq.Str(lit + "*"), nil
		case ir.ShapeSuffix:
			return cwq.Str("*" + lit), nil
		case ir.ShapeContains:
			return cwq.Str("*" + lit + "*"), nil
		case ir.ShapeAny:
			return cwq.Str("*"), nil
		}
	}
	// A wildcard inside the value, a "?", or case folding: a regex.
	var b strings.Builder
	parts := v.Parts
	anchoredStart := len(parts) == 0 || parts[0].Kind != ir.AnyString
	anchoredEnd := len(parts) == 0 || parts[len(parts)-1].Kind != ir.AnyString
	if anchoredStart {
		b.WriteByte('^')
	}
	for i, p := range parts {
		switch p.Kind {
		case ir.AnyString:
			if i != 0 && i != len(parts)-1 {
				b.WriteString(".*")
			}
		case ir.AnyChar:
			b.WriteByte('.')
		case ir.Literal:
			for j := 0; j < len(p.Text); j++ {
				c := p.Text[j]
				switch {
				case foldNeeded && isLetter(c):
					fmt.Fprintf(&b, "[%c%c]", upper(c), lower(c))
				case strings.IndexByte(`.^$?[]{}|\*+`, c) >= 0:
					b.WriteByte('\\')
					b.WriteByte(c)
				case cwq.RegexAllowed(c):
					b.WriteByte(c)
				default:
					return cwq.Value{}, t.unsupported(m.Pos, fmt.Sprintf("value %s on %s", v.Quoted(), m.Field),
						fmt.Sprintf("it needs a %%regex%% (case folding or an inner wildcard), and %q cannot appear in one", rune(c)))
				}
			}
		}
	}
	if anchoredEnd {
		b.WriteByte('$')
	}
	expr := b.String()
	if err := t.useRegex(m, v.Quoted()); err != nil {
		return cwq.Value{}, err
	}
	return cwq.Regex(expr), nil
}

func (t *translator) regexValue(m *ir.Match, v ir.Value) (string, error) {
	expr := v.Text()
	if m.Regex.IgnoreCase || m.Regex.Multiline || m.Regex.DotAll {
		return "", t.unsupported(m.Pos, "|re with flags on "+m.Field, "CloudWatch regexes take no flags")
	}
	if err := cwq.ValidateRegex(expr); err != nil {
		return "", t.unsupported(m.Pos, "|re on "+m.Field, err.Error())
	}
	if err := t.useRegex(m, expr); err != nil {
		return "", err
	}
	return expr, nil
}

func (t *translator) useRegex(m *ir.Match, what string) error {
	t.regexes++
	if t.regexes > cwq.MaxRegexPerPattern {
		return t.unsupported(m.Pos, fmt.Sprintf("a third %%regex%% (for %s on %s)", what, m.Field),
			fmt.Sprintf("a filter pattern may hold at most %d regexes; list the field in targets.cloudwatch.case_sensitive_fields or add |cased", cwq.MaxRegexPerPattern))
	}
	return nil
}

func (t *translator) caseSensitiveField(f string) bool {
	return slices.Contains(canonicalFields, f) || slices.Contains(t.b.opts.CaseSensitiveFields, f)
}

func hasLetter(v ir.Value) bool {
	for _, p := range v.Parts {
		if p.Kind != ir.Literal {
			continue
		}
		for i := 0; i < len(p.Text); i++ {
			if isLetter(p.Text[i]) {
				return true
			}
		}
	}
	return false
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func upper(c byte) byte {
	if c >= 'a' && c <= 'z' {
		return c - 32
	}
	return c
}
func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 32
	}
	return c
}

// selectors turns a dotted field into selectors, one per array element the
// condition must look at.
func (t *translator) selectors(m *ir.Match) ([]cwq.Selector, error) {
	parts := strings.Split(m.Field, ".")
	for _, p := range parts {
		if !selectorKey.MatchString(p) {
			return nil, t.unsupported(m.Pos, "field "+m.Field,
				"property selectors may hold only letters, digits, '-' and '_'")
		}
	}
	out := []cwq.Selector{{}}
	for i, p := range parts {
		for k := range out {
			out[k].Steps = append(out[k].Steps, cwq.Step{Key: p})
		}
		prefix := strings.Join(parts[:i+1], ".")
		if !slices.Contains(arrayFields, prefix) && !slices.Contains(t.b.opts.ArrayFields, prefix) {
			continue
		}
		var next []cwq.Selector
		for _, s := range out {
			for n := 0; n < t.b.opts.ArrayElements; n++ {
				steps := append(slices.Clone(s.Steps), cwq.Step{Index: n, IsIndex: true})
				next = append(next, cwq.Selector{Steps: steps})
			}
		}
		out = next
		if len(out) > 64 {
			return nil, t.unsupported(m.Pos, "field "+m.Field, "it crosses nested arrays with too many elements to list")
		}
	}
	return out, nil
}
