package esql

import (
	"fmt"
	"math"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/alecthomas/participle/v2/lexer"

	eqlq "github.com/sigforge/sigforge/compiler/query/eql"
	"github.com/sigforge/sigforge/compiler/source"
)

type converter struct {
	err     error
	inStats bool // converting the aggregates of a STATS command
}

func (c *converter) fail(p lexer.Position, format string, args ...any) {
	if c.err == nil {
		c.err = &Error{Pos: source.Pos{File: p.Filename, Line: p.Line, Col: p.Column}, Msg: fmt.Sprintf(format, args...)}
	}
}

func (c *converter) command(g *gCommand) Command {
	switch {
	case g.Where != nil:
		return &Where{Cond: c.or(g.Where)}
	case g.Eval != nil:
		e := &Eval{}
		for _, a := range g.Eval {
			e.Columns = append(e.Columns, c.column(a))
		}
		return e
	case g.Stats != nil:
		s := &Stats{}
		for _, a := range g.Stats.Aggs {
			c.inStats = true
			col := c.column(a)
			c.inStats = false
			if call, ok := col.Expr.(*Call); !ok || !aggregates[call.Name] {
				c.fail(a.Pos, "STATS needs an aggregate function, got %s", col.Name)
			}
			s.Aggs = append(s.Aggs, col)
		}
		for _, a := range g.Stats.By {
			s.By = append(s.By, c.column(a))
		}
		return s
	case g.Keep != nil:
		k := &Keep{}
		for _, f := range g.Keep {
			k.Names = append(k.Names, fieldPath(f))
		}
		return k
	case g.Sort != nil:
		s := &Sort{}
		for _, key := range g.Sort {
			s.Keys = append(s.Keys, c.or(key.Expr))
		}
		return s
	case g.Limit != nil:
		n, err := strconv.Atoi(*g.Limit)
		if err != nil || n < 0 {
			c.fail(g.Pos, "LIMIT takes a non-negative integer")
		}
		return &Limit{N: n}
	}
	c.fail(g.Pos, "command %s is not supported by sigforge's ES|QL evaluator", strings.ToUpper(g.Other))
	return &Where{Cond: &Literal{}}
}

func (c *converter) column(a *gAssign) Column {
	e := c.or(a.Expr)
	name := ""
	if a.Name != nil {
		name = fieldPath(a.Name)
	} else {
		name = exprName(e)
	}
	return Column{Name: name, Expr: e}
}

// exprName is the column name ES|QL gives an unnamed expression: a field's
// name, else the expression text (approximated by its structure).
func exprName(e Expr) string {
	if f, ok := e.(*Field); ok {
		return f.Path
	}
	return fmt.Sprintf("%T", e)
}

func fieldPath(g *gField) string {
	parts := make([]string, len(g.Parts))
	for i, p := range g.Parts {
		if strings.HasPrefix(p, "`") {
			p = strings.ReplaceAll(p[1:len(p)-1], "``", "`")
		}
		parts[i] = p
	}
	return strings.Join(parts, ".")
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
		return &Compare{Op: g.Cmp.Op, Left: left, Right: c.operand(g.Cmp.Right)}
	case g.IsNull != nil:
		return &IsNull{Arg: left, Not: g.IsNull.Not}
	case g.Pattern != nil:
		var list []Expr
		for _, o := range g.Pattern.List {
			list = append(list, c.operand(o))
		}
		switch strings.ToLower(g.Pattern.Op) {
		case "in":
			return &In{Arg: left, List: list, Not: g.Pattern.Not}
		default:
			rlike := strings.EqualFold(g.Pattern.Op, "rlike")
			m := &Match{Arg: left, Not: g.Pattern.Not, RLike: rlike}
			for _, e := range list {
				lit, ok := e.(*Literal)
				if !ok || lit.Value.Kind != StringKind {
					c.fail(g.Pattern.Pos, "%s takes string constants", strings.ToUpper(g.Pattern.Op))
					continue
				}
				var re *regexp.Regexp
				var err error
				if rlike {
					re, err = eqlq.LuceneRegexp(lit.Value.Str, false)
				} else {
					re, err = likeRegexp(lit.Value.Str)
				}
				if err != nil {
					c.fail(g.Pattern.Pos, "%v", err)
					continue
				}
				m.Patterns = append(m.Patterns, lit.Value.Str)
				m.compiled = append(m.compiled, re)
			}
			return m
		}
	}
	return left
}

var spanUnits = map[string]time.Duration{
	"millisecond": time.Millisecond, "second": time.Second, "minute": time.Minute, "hour": time.Hour,
	"day": 24 * time.Hour, "week": 7 * 24 * time.Hour,
}

func (c *converter) operand(g *gOperand) Expr {
	switch {
	case g.Call != nil:
		return c.call(g.Call)
	case g.Null:
		return &Literal{}
	case g.Bool != nil:
		return &Literal{Value: Value{Kind: BoolKind, Bool: strings.EqualFold(*g.Bool, "true")}}
	case g.Span != nil:
		unit := strings.TrimSuffix(strings.ToLower(g.Span.Unit), "s")
		d, ok := spanUnits[unit]
		n, err := strconv.ParseFloat(g.Span.Value, 64)
		if !ok || err != nil {
			c.fail(g.Pos, "time span %s %s is not supported", g.Span.Value, g.Span.Unit)
			return &Literal{}
		}
		return &Literal{Value: Value{Kind: SpanKind, Span: time.Duration(n * float64(d))}}
	case g.Number != nil:
		f, err := strconv.ParseFloat(*g.Number, 64)
		if err != nil || math.IsInf(f, 0) {
			c.fail(g.Pos, "bad number %q", *g.Number)
		}
		return &Literal{Value: Value{Kind: NumberKind, Num: f}}
	case g.Str != nil:
		return &Literal{Value: Value{Kind: StringKind, Str: c.unquote(g.Pos, *g.Str)}}
	case g.Field != nil:
		return &Field{Path: fieldPath(g.Field)}
	case g.Sub != nil:
		return c.or(g.Sub)
	}
	c.fail(g.Pos, "empty operand")
	return &Literal{}
}

// unquote decodes an ES|QL string: "…" with the escapes \t \n \r \" \\ (an
// assumption from EsqlBaseLexer.g4, docs/elastic-eql.md), """…""" raw.
func (c *converter) unquote(p lexer.Position, s string) string {
	if strings.HasPrefix(s, `"""`) {
		return s[3 : len(s)-3]
	}
	body := s[1 : len(s)-1]
	var b strings.Builder
	for i := 0; i < len(body); i++ {
		if body[i] != '\\' {
			b.WriteByte(body[i])
			continue
		}
		i++
		switch body[i] {
		case 't':
			b.WriteByte('\t')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case '"', '\\':
			b.WriteByte(body[i])
		default:
			c.fail(p, `invalid escape sequence \%c in string`, body[i])
		}
	}
	return b.String()
}

var aggregates = map[string]bool{"COUNT": true, "COUNT_DISTINCT": true, "SUM": true, "AVG": true, "MIN": true, "MAX": true, "PERCENTILE": true, "VALUES": true}

var arities = map[string][2]int{
	"TO_LOWER": {1, 1}, "TO_UPPER": {1, 1}, "CIDR_MATCH": {2, -1}, "DATE_TRUNC": {2, 2}, "DATE_EXTRACT": {2, 2},
	"CASE": {2, -1}, "COALESCE": {1, -1}, "STARTS_WITH": {2, 2}, "ENDS_WITH": {2, 2}, "LENGTH": {1, 1},
	"COUNT": {0, 1}, "COUNT_DISTINCT": {1, 2}, "SUM": {1, 1}, "AVG": {1, 1}, "MIN": {1, 1}, "MAX": {1, 1}, "PERCENTILE": {2, 2}, "VALUES": {1, 1},
}

func (c *converter) call(g *gCall) Expr {
	name := strings.ToUpper(g.Name)
	ar, ok := arities[name]
	if !ok {
		c.fail(g.Pos, "unknown function %s", g.Name)
		return &Literal{}
	}
	if aggregates[name] && !c.inStats {
		c.fail(g.Pos, "aggregate %s outside STATS", name)
	}
	n := &Call{Name: name, Star: g.Star}
	outer := c.inStats
	c.inStats = false // no aggregate inside another
	for _, a := range g.Args {
		n.Args = append(n.Args, c.or(a))
	}
	c.inStats = outer
	if g.Star && (name != "COUNT" || len(n.Args) > 0) {
		c.fail(g.Pos, "%s(*) is not valid", name)
	}
	if !g.Star && (len(n.Args) < ar[0] || (ar[1] >= 0 && len(n.Args) > ar[1])) {
		c.fail(g.Pos, "function %s: wrong number of arguments (%d)", name, len(n.Args))
	}
	if name == "CIDR_MATCH" {
		for _, a := range n.Args[1:] {
			lit, ok := a.(*Literal)
			if !ok || lit.Value.Kind != StringKind {
				c.fail(g.Pos, "CIDR_MATCH takes CIDR string constants")
				continue
			}
			p, err := netip.ParsePrefix(lit.Value.Str)
			if err != nil {
				c.fail(g.Pos, "CIDR_MATCH: invalid CIDR %q", lit.Value.Str)
				continue
			}
			n.prefixes = append(n.prefixes, p.Masked())
		}
	}
	return n
}

// likeRegexp compiles a LIKE pattern: * any run, ? one character, \
// escapes the next character; the whole value must match.
func likeRegexp(p string) (*regexp.Regexp, error) {
	var b strings.Builder
	b.WriteString("(?s)^")
	rs := []rune(p)
	for i := 0; i < len(rs); i++ {
		switch rs[i] {
		case '*':
			b.WriteString(".*")
		case '?':
			b.WriteString(".")
		case '\\':
			if i+1 >= len(rs) {
				return nil, fmt.Errorf("LIKE pattern %q ends with an escape", p)
			}
			i++
			b.WriteString(regexp.QuoteMeta(string(rs[i])))
		default:
			b.WriteString(regexp.QuoteMeta(string(rs[i])))
		}
	}
	b.WriteString("$")
	return regexp.Compile(b.String())
}
