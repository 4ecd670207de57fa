// Package cloudwatch parses CloudWatch Logs filter patterns (the language of
// metric filters, subscription filters and FilterLogEvents) and matches them
// against log events with CloudWatch's semantics, so that sigforge can prove
// that the patterns its cloudwatch backend emits fire on the fixtures.
//
// Three forms exist, told apart by their first character:
//
//   - JSON patterns, "{ ($.eventName = "ModifyDBInstance") && ... }": property
//     selectors ($.a.b[0].c) compared with = != < <= > >=, IS TRUE / IS FALSE /
//     IS NULL / NOT EXISTS, combined with && and || (&& binds tighter) and
//     parentheses;
//   - space-delimited patterns, "[ip, user, ..., status_code = 4*, bytes]";
//   - text patterns: terms and "quoted phrases" that must all appear, ?terms
//     of which one must appear, -terms that must not appear, and %regex%.
//
// Semantics follow the AWS documentation ("Filter pattern syntax for metric
// filters, subscription filters, filter log events, and Live Tail", and its
// archived form "Filter and Pattern Syntax"). Where the documentation is
// silent the matcher takes the conservative reading and says so in
// docs/cloudwatch.md; the tests that pin those readings carry
// "Assumption" in their names. In short:
//
//   - matching is case-sensitive; a JSON string comparison is on the whole
//     value; "*" is a wildcard only at the start or end of a value ("Ev*ent"
//     matches only the literal text "Ev*ent");
//   - a selector that does not resolve to a string or number (absent, null,
//     boolean, object, array) makes every comparison false, "!=" included;
//   - a string comparison matches a JSON number through its text; a numeric
//     comparison matches JSON numbers only;
//   - %regex% values and terms are searched (unanchored), RE2 semantics.
package cloudwatch

import (
	"regexp"
)

// Kind is the form of a pattern.
type Kind int

const (
	// KindText is a text (term/phrase/regex) pattern; the empty pattern is a
	// text pattern with no terms and matches every event.
	KindText Kind = iota
	// KindJSON is a "{ ... }" pattern over JSON log events.
	KindJSON
	// KindDelimited is a "[ ... ]" space-delimited pattern.
	KindDelimited
)

func (k Kind) String() string {
	switch k {
	case KindJSON:
		return "json"
	case KindDelimited:
		return "space-delimited"
	}
	return "text"
}

// Pattern is a parsed filter pattern.
type Pattern struct {
	Kind Kind
	// JSON is the expression of a JSON pattern.
	JSON Expr
	// Terms are the terms of a text pattern, in order.
	Terms []Term
	// Columns are the columns of a space-delimited pattern.
	Columns []Column
}

// Expr is a node of a JSON pattern: *Or, *And or *Cond.
type Expr interface{ jsonExpr() }

// Or holds when any Arg holds.
type Or struct{ Args []Expr }

// And holds when every Arg holds.
type And struct{ Args []Expr }

// Cond is one comparison on a property.
type Cond struct {
	Selector Selector
	Op       Op
	// Value is the right-hand side of = != < <= > >=; unused for the IS and
	// NOT EXISTS forms.
	Value Value
}

func (*Or) jsonExpr()   {}
func (*And) jsonExpr()  {}
func (*Cond) jsonExpr() {}

// Op is a JSON comparison.
type Op int

const (
	OpEq Op = iota
	OpNe
	OpLt
	OpLe
	OpGt
	OpGe
	OpIsTrue
	OpIsFalse
	OpIsNull
	OpNotExists
)

var opText = [...]string{"=", "!=", "<", "<=", ">", ">=", "IS TRUE", "IS FALSE", "IS NULL", "NOT EXISTS"}

func (o Op) String() string { return opText[o] }

// Unary reports whether the operator takes no value.
func (o Op) Unary() bool { return o >= OpIsTrue }

// Selector is a property path such as $.requestParameters.valuesToAdd[0].
type Selector struct{ Steps []Step }

// Step is one step of a selector: a property name or an array index.
type Step struct {
	Key     string
	Index   int
	IsIndex bool
}

// Sel builds a selector from property names; an element "[n]" is an index.
func Sel(parts ...string) Selector {
	var s Selector
	for _, p := range parts {
		if n, ok := parseIndex(p); ok {
			s.Steps = append(s.Steps, Step{Index: n, IsIndex: true})
			continue
		}
		s.Steps = append(s.Steps, Step{Key: p})
	}
	return s
}

// ValueKind says how a value compares.
type ValueKind int

const (
	// ValString is a string (quoted, or bare and not a number); "*" at its
	// start or end is a wildcard.
	ValString ValueKind = iota
	// ValNumber is a bare number, compared numerically.
	ValNumber
	// ValRegex is a %regex%.
	ValRegex
)

// Value is the right-hand side of a comparison.
type Value struct {
	Kind ValueKind
	// Text is the string (unescaped), the number as written, or the regex
	// without its percent signs.
	Text string
	// Quoted says whether a string was written in double quotes.
	Quoted bool
	// Num is the number of a ValNumber.
	Num float64

	re *regexp.Regexp
}

// Str returns a quoted string value.
func Str(s string) Value { return Value{Kind: ValString, Text: s, Quoted: true} }

// Num returns a number value with the text as written.
func Num(text string, f float64) Value { return Value{Kind: ValNumber, Text: text, Num: f} }

// Regex returns a regex value; the expression is checked by Parse and
// Validate, not here.
func Regex(expr string) Value { return Value{Kind: ValRegex, Text: expr} }

// TermKind says how a text term counts.
type TermKind int

const (
	// TermRequired must appear.
	TermRequired TermKind = iota
	// TermOptional is a ?term: at least one of the optional terms must
	// appear.
	TermOptional
	// TermExcluded is a -term: it must not appear.
	TermExcluded
)

// Term is one term of a text pattern.
type Term struct {
	Kind TermKind
	// Text is the word or phrase (unescaped), or the regex.
	Text   string
	Quoted bool
	Regex  bool

	re *regexp.Regexp
}

// Column is one column of a space-delimited pattern.
type Column struct {
	// Name is the column's name ("" for an unnamed column); Ellipsis marks
	// "...", which stands for any number of columns.
	Name     string
	Ellipsis bool
	// Cond is the condition written at this column, or nil.
	Cond DelimExpr
}

// DelimExpr is a condition in a space-delimited pattern: *DelimOr, *DelimAnd
// or *DelimCond.
type DelimExpr interface{ delimExpr() }

// DelimOr holds when any Arg holds.
type DelimOr struct{ Args []DelimExpr }

// DelimAnd holds when every Arg holds.
type DelimAnd struct{ Args []DelimExpr }

// DelimCond compares a named column with a value (Op is = != < <= > >=).
type DelimCond struct {
	Name  string
	Op    Op
	Value Value
}

func (*DelimOr) delimExpr()   {}
func (*DelimAnd) delimExpr()  {}
func (*DelimCond) delimExpr() {}

// ParseSelector parses a property selector such as $.a.b[0].c (a metric
// filter dimension value).
func ParseSelector(s string) (Selector, error) {
	p, err := Parse("{ " + s + " NOT EXISTS }")
	if err != nil {
		return Selector{}, err
	}
	c, ok := p.JSON.(*Cond)
	if !ok {
		return Selector{}, &Error{Line: 1, Col: 1, Msg: "not a selector: " + s}
	}
	return c.Selector, nil
}

// Lookup returns the value the selector points at in a decoded JSON object,
// and whether it exists.
func (s Selector) Lookup(doc map[string]any) (any, bool) { return s.resolve(doc) }
