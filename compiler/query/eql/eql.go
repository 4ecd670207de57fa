// Package eql parses and runs Elasticsearch EQL: the subset sigforge's EQL
// backend emits and Elastic's AWS rules use (event queries `any where …`,
// sequences with `by`, `maxspan` and `until`, the comparison operators, `in`
// and `in~`, `:`, `like`, `like~`, `regex`, `regex~`, and the functions
// stringContains, startsWith, endsWith, cidrMatch, length, string, number
// and concat, with their `~` forms).
//
// The evaluator follows Elasticsearch's semantics, not the Endgame EQL
// engine's: `==`, `!=`, `in`, `like` and `regex` are case-sensitive; `:`,
// `in~`, `like~`, `regex~` and the `~` functions are case-insensitive; `:`
// and `like` take `*` and `?` wildcards; `regex` is a Lucene regular
// expression matched against the whole value. A predicate on a missing field
// is false and `not` of it is true, as with the Query DSL bool/must_not that
// Elasticsearch translates EQL filters to. Where the semantics are assumed
// rather than confirmed (stringContains wildcards, multi-valued fields,
// sequences with missing join keys), docs/elastic-eql.md says so.
package eql

import (
	"errors"
	"fmt"
	"math"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"

	"github.com/sigforge/sigforge/compiler/source"
)

// Query is a parsed EQL statement: an event query or a sequence.
type Query struct {
	// Event is set for an event query (`any where …`).
	Event *EventQuery
	// Sequence is set for a sequence.
	Sequence *Sequence
}

// EventQuery is `<category> where <condition>`.
type EventQuery struct {
	Pos      source.Pos
	Category string // "any" matches every event
	Where    Expr
}

// Sequence is `sequence [by k…] [with maxspan=t] [q1] [by k…] [q2] … [until [q]]`.
type Sequence struct {
	Pos     source.Pos
	By      []Expr
	MaxSpan time.Duration // 0 when absent
	Steps   []Step
	Until   *EventQuery
}

// Step is one query of a sequence with its own join keys.
type Step struct {
	Event *EventQuery
	By    []Expr
}

// Error is a syntax or semantic error with its position in the query text.
type Error struct {
	Pos source.Pos
	Msg string
}

func (e *Error) Error() string { return fmt.Sprintf("%s: %s", e.Pos, e.Msg) }

// Parse parses an EQL statement. name is used in positions (a file name or
// a rule name); errors carry name:line:col.
func Parse(name, text string) (q *Query, err error) {
	// A grammar bug in the parser library must not take the caller down.
	defer func() {
		if r := recover(); r != nil {
			q, err = nil, &Error{Pos: source.Pos{File: name}, Msg: fmt.Sprintf("internal parser error: %v", r)}
		}
	}()
	return parse(name, text)
}

func parse(name, text string) (*Query, error) {
	g, err := parser.ParseString(name, text)
	if err != nil {
		var pe participle.Error
		if errors.As(err, &pe) {
			return nil, &Error{Pos: pos(pe.Position()), Msg: shortMessage(pe.Message())}
		}
		return nil, &Error{Pos: source.Pos{File: name}, Msg: err.Error()}
	}
	c := converter{}
	q := c.query(g)
	if c.err != nil {
		return nil, c.err
	}
	return q, nil
}

// ParseExpr parses a bare condition (what follows `where`).
func ParseExpr(name, text string) (Expr, error) {
	q, err := Parse(name, "any where "+text)
	if err != nil {
		var e *Error
		if errors.As(err, &e) && e.Pos.Line == 1 && e.Pos.Col > len("any where ") {
			e.Pos.Col -= len("any where ")
		}
		return nil, err
	}
	return q.Event.Where, nil
}

func pos(p lexer.Position) source.Pos {
	return source.Pos{File: p.Filename, Line: p.Line, Col: p.Column}
}

type converter struct{ err error }

func (c *converter) fail(p lexer.Position, format string, args ...any) {
	if c.err == nil {
		c.err = &Error{Pos: pos(p), Msg: fmt.Sprintf(format, args...)}
	}
}

func (c *converter) query(g *gQuery) *Query {
	if g.Pipe != nil {
		c.fail(g.Pipe.Pos, "pipe %q is not supported by sigforge's EQL evaluator", g.Pipe.Name)
	}
	if g.Event != nil {
		return &Query{Event: c.event(g.Event)}
	}
	s := g.Sequence
	seq := &Sequence{Pos: pos(s.Pos)}
	for _, b := range s.By {
		seq.By = append(seq.By, c.operand(b))
	}
	if s.MaxSpan != nil {
		seq.MaxSpan = c.span(s.MaxSpan)
	}
	for _, st := range s.Steps {
		step := Step{Event: c.event(st.Event)}
		for _, b := range st.By {
			step.By = append(step.By, c.operand(b))
		}
		seq.Steps = append(seq.Steps, step)
	}
	n := -1
	for _, st := range seq.Steps {
		if n >= 0 && len(st.By) != n {
			c.fail(s.Pos, "sequence queries have different numbers of join keys (%d and %d)", n, len(st.By))
		}
		n = len(st.By)
	}
	if s.Until != nil {
		seq.Until = c.event(s.Until)
	}
	return &Query{Sequence: seq}
}

var spanUnits = map[string]time.Duration{
	"ms": time.Millisecond, "s": time.Second, "m": time.Minute, "h": time.Hour, "d": 24 * time.Hour,
}

func (c *converter) span(s *gSpan) time.Duration {
	unit, ok := spanUnits[s.Unit]
	if !ok {
		c.fail(s.Pos, "unknown time unit %q in maxspan (use ms, s, m, h or d)", s.Unit)
		return 0
	}
	n, err := strconv.ParseInt(s.Value, 10, 64)
	if err != nil || n <= 0 {
		c.fail(s.Pos, "maxspan must be a positive integer, got %q", s.Value)
		return 0
	}
	return time.Duration(n) * unit
}

func (c *converter) event(g *gEvent) *EventQuery {
	cat := g.Category
	if strings.HasPrefix(cat, `"`) {
		cat = c.unquote(g.Pos, cat)
	}
	return &EventQuery{Pos: pos(g.Pos), Category: cat, Where: c.or(g.Where)}
}

func (c *converter) or(g *gOr) Expr {
	if len(g.Right) == 0 {
		return c.and(g.Left)
	}
	n := &Or{Args: []Expr{c.and(g.Left)}}
	for _, r := range g.Right {
		n.Args = append(n.Args, c.and(r))
	}
	return n
}

func (c *converter) and(g *gAnd) Expr {
	if len(g.Right) == 0 {
		return c.not(g.Left)
	}
	n := &And{Args: []Expr{c.not(g.Left)}}
	for _, r := range g.Right {
		n.Args = append(n.Args, c.not(r))
	}
	return n
}

func (c *converter) not(g *gNot) Expr {
	if g.Not != nil {
		return &Not{Arg: c.not(g.Not)}
	}
	return c.pred(g.Pred)
}

func (c *converter) pred(g *gPred) Expr {
	left := c.operand(g.Left)
	switch {
	case g.Cmp != nil:
		if g.Cmp.Op == "=" {
			c.fail(g.Cmp.Pos, "use == instead of = to compare")
		}
		return &Compare{Op: g.Cmp.Op, Left: left, Right: c.operand(g.Cmp.Right)}
	case g.In != nil:
		n := &In{Left: left, Negate: g.In.Not, Insensitive: g.In.Op == "in~"}
		for _, o := range g.In.List {
			n.List = append(n.List, c.operand(o))
		}
		return n
	case g.Match != nil:
		n := &Pattern{Op: g.Match.Op, Left: left}
		for _, k := range g.Match.List {
			s := c.unquote(k.Pos, k.Str)
			n.Patterns = append(n.Patterns, s)
			var re *regexp.Regexp
			var err error
			switch g.Match.Op {
			case ":":
				re = wildcardRegexp(s, true)
			case "like", "like~":
				re = wildcardRegexp(s, g.Match.Op == "like~")
			case "regex", "regex~":
				re, err = LuceneRegexp(s, g.Match.Op == "regex~")
				if err != nil {
					c.fail(k.Pos, "%v", err)
				}
			}
			n.compiled = append(n.compiled, re)
		}
		return n
	}
	return left
}

func (c *converter) operand(g *gOperand) Expr {
	switch {
	case g.Call != nil:
		return c.call(g.Call)
	case g.Null:
		return &Literal{Value: Value{Kind: NullKind}}
	case g.Bool != nil:
		return &Literal{Value: Value{Kind: BoolKind, Bool: *g.Bool == "true"}}
	case g.Number != nil:
		f, err := strconv.ParseFloat(*g.Number, 64)
		if err != nil || math.IsInf(f, 0) {
			c.fail(g.Pos, "bad number %q", *g.Number)
		}
		return &Literal{Value: Value{Kind: NumberKind, Num: f}, Text: *g.Number}
	case g.Str != nil:
		return &Literal{Value: Value{Kind: StringKind, Str: c.unquote(g.Pos, *g.Str)}}
	case g.Field != nil:
		f := &Field{Optional: g.Field.Optional}
		var parts []string
		for _, p := range g.Field.Parts {
			if strings.HasPrefix(p, "`") {
				p = strings.ReplaceAll(p[1:len(p)-1], "``", "`")
				if p == "" {
					c.fail(g.Pos, "empty field name")
				}
			}
			parts = append(parts, p)
		}
		f.Path = strings.Join(parts, ".")
		return f
	case g.Sub != nil:
		return c.or(g.Sub)
	}
	c.fail(g.Pos, "empty operand")
	return &Literal{}
}

// functions lists the supported functions with their arity (max -1 = any)
// and whether a `~` form exists.
var functions = map[string]struct {
	min, max int
	tilde    bool
}{
	"stringContains": {2, 2, true},
	"startsWith":     {2, 2, true},
	"endsWith":       {2, 2, true},
	"cidrMatch":      {2, -1, false},
	"length":         {1, 1, false},
	"string":         {1, 1, false},
	"number":         {1, 2, false},
	"concat":         {1, -1, false},
}

func (c *converter) call(g *gCall) Expr {
	spec, ok := functions[g.Name]
	if !ok {
		c.fail(g.Pos, "unknown function %q", g.Name)
		return &Literal{}
	}
	if g.Tilde && !spec.tilde {
		c.fail(g.Pos, "function %s has no case-insensitive (~) form", g.Name)
	}
	if len(g.Args) < spec.min || (spec.max >= 0 && len(g.Args) > spec.max) {
		c.fail(g.Pos, "function %s takes %s arguments, got %d", g.Name, arity(spec.min, spec.max), len(g.Args))
	}
	n := &Call{Name: g.Name, Insensitive: g.Tilde}
	for _, a := range g.Args {
		n.Args = append(n.Args, c.or(a))
	}
	if lit, ok := lastLiteral(n.Args); ok && g.Name == "stringContains" {
		n.needle = wildcardRegexp("*"+lit+"*", n.Insensitive)
	}
	if g.Name == "cidrMatch" {
		for _, a := range n.Args[min(1, len(n.Args)):] {
			lit, ok := a.(*Literal)
			if !ok || lit.Value.Kind != StringKind {
				c.fail(g.Pos, "cidrMatch takes CIDR string constants after the field")
				continue
			}
			p, err := netip.ParsePrefix(lit.Value.Str)
			if err != nil {
				c.fail(g.Pos, "cidrMatch: invalid CIDR %q", lit.Value.Str)
				continue
			}
			n.prefixes = append(n.prefixes, p.Masked())
		}
	}
	return n
}

func arity(lo, hi int) string {
	switch {
	case hi < 0:
		return fmt.Sprintf("at least %d", lo)
	case lo == hi:
		return strconv.Itoa(lo)
	}
	return fmt.Sprintf("%d to %d", lo, hi)
}

// unquote decodes an EQL string literal. Elasticsearch accepts the escapes
// \b \t \n \f \r \" \' \\ and \u{hex} in "…" strings; """…""" strings are
// raw. Single quotes are an error in Elasticsearch's EQL.
func (c *converter) unquote(p lexer.Position, s string) string {
	switch {
	case strings.HasPrefix(s, `"""`):
		return s[3 : len(s)-3]
	case strings.HasPrefix(s, "'"):
		c.fail(p, `single-quoted strings are not supported; use " or """`)
		return s[1 : len(s)-1]
	}
	body := s[1 : len(s)-1]
	var b strings.Builder
	for i := 0; i < len(body); i++ {
		ch := body[i]
		if ch != '\\' {
			b.WriteByte(ch)
			continue
		}
		i++
		switch body[i] {
		case 'b':
			b.WriteByte('\b')
		case 't':
			b.WriteByte('\t')
		case 'n':
			b.WriteByte('\n')
		case 'f':
			b.WriteByte('\f')
		case 'r':
			b.WriteByte('\r')
		case '"', '\'', '\\':
			b.WriteByte(body[i])
		case 'u':
			end := strings.IndexByte(body[i:], '}')
			if !strings.HasPrefix(body[i:], "u{") || end < 0 {
				c.fail(p, `invalid unicode escape in string (use \u{hex})`)
				return b.String()
			}
			hex := body[i+2 : i+end]
			r, err := strconv.ParseUint(hex, 16, 32)
			if err != nil || len(hex) < 2 || len(hex) > 8 || r > 0x10FFFF {
				c.fail(p, `invalid unicode escape \u{%s}`, hex)
				return b.String()
			}
			b.WriteRune(rune(r))
			i += end
		default:
			c.fail(p, `invalid escape sequence \%c in string`, body[i])
			b.WriteByte(body[i])
		}
	}
	return b.String()
}

func lastLiteral(args []Expr) (string, bool) {
	if len(args) != 2 {
		return "", false
	}
	lit, ok := args[1].(*Literal)
	if !ok || lit.Value.Kind != StringKind {
		return "", false
	}
	return lit.Value.Str, true
}

// shortMessage drops participle's "(expected …)" when it spells out a
// grammar production rather than a token.
func shortMessage(msg string) string {
	if i := strings.Index(msg, " (expected "); i >= 0 && len(msg)-i > 40 {
		return msg[:i]
	}
	return msg
}
