package ir

import (
	"fmt"
	"strconv"
	"strings"
)

// Walk calls fn for e and then, when fn returns true, for each child.
func Walk(e Expr, fn func(Expr) bool) {
	if e == nil || !fn(e) {
		return
	}
	switch n := e.(type) {
	case *And:
		for _, a := range n.Args {
			Walk(a, fn)
		}
	case *Or:
		for _, a := range n.Args {
			Walk(a, fn)
		}
	case *Not:
		Walk(n.Arg, fn)
	case *Match:
	default:
		panic(fmt.Sprintf("ir: unknown node %T", e))
	}
}

// Matches returns every Match in e, in order.
func Matches(e Expr) []*Match {
	var out []*Match
	Walk(e, func(x Expr) bool {
		if m, ok := x.(*Match); ok {
			out = append(out, m)
		}
		return true
	})
	return out
}

// Format renders an expression in a compact, unambiguous form used in
// golden files and messages, e.g.
//
//	and(eventSource = "rds.amazonaws.com", not(errorCode exists))
func Format(e Expr) string {
	var b strings.Builder
	writeExpr(&b, e)
	return b.String()
}

func writeExpr(b *strings.Builder, e Expr) {
	switch n := e.(type) {
	case *And:
		writeList(b, "and", n.Args)
	case *Or:
		writeList(b, "or", n.Args)
	case *Not:
		b.WriteString("not(")
		writeExpr(b, n.Arg)
		b.WriteByte(')')
	case *Match:
		b.WriteString(n.String())
	case nil:
		b.WriteString("<nil>")
	}
}

func writeList(b *strings.Builder, op string, args []Expr) {
	b.WriteString(op)
	b.WriteByte('(')
	for i, a := range args {
		if i > 0 {
			b.WriteString(", ")
		}
		writeExpr(b, a)
	}
	b.WriteByte(')')
}

// String renders the match, e.g. `eventName = "ModifyDBInstance"`,
// `userAgent =cased "aws-cli*"`, `errorCode exists`, `sourceIPAddress cidr
// all["10.0.0.0/8"]`.
func (m *Match) String() string {
	var b strings.Builder
	if m.Field == "" {
		b.WriteString("<keyword>")
	} else {
		b.WriteString(m.Field)
	}
	if m.TimePart != "" {
		b.WriteString("|" + m.TimePart)
	}
	b.WriteByte(' ')
	b.WriteString(m.Op.String())
	if m.Cased {
		b.WriteString("cased")
	}
	if m.Op == OpRegex {
		if m.Regex.IgnoreCase {
			b.WriteString("/i")
		}
		if m.Regex.Multiline {
			b.WriteString("/m")
		}
		if m.Regex.DotAll {
			b.WriteString("/s")
		}
	}
	if len(m.Values) == 0 {
		return b.String()
	}
	b.WriteByte(' ')
	if m.All {
		b.WriteString("all")
	}
	if len(m.Values) > 1 || m.All {
		b.WriteByte('[')
	}
	for i, v := range m.Values {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(v.Quoted())
	}
	if len(m.Values) > 1 || m.All {
		b.WriteByte(']')
	}
	return b.String()
}

// wildcardEscaper escapes the literal wildcard characters in Quoted.
var wildcardEscaper = strings.NewReplacer("*", `\*`, "?", `\?`)

// Quoted renders a value: strings in double quotes with wildcards shown as
// * and ? and literal *, ? and \ escaped with a backslash; numbers and
// booleans bare.
func (v Value) Quoted() string {
	if v.Kind != KindString {
		return v.Text()
	}
	var b strings.Builder
	b.WriteByte('"')
	for _, p := range v.Parts {
		switch p.Kind {
		case AnyString:
			b.WriteByte('*')
		case AnyChar:
			b.WriteByte('?')
		case Literal:
			q := strconv.Quote(p.Text)
			q = q[1 : len(q)-1]
			q = wildcardEscaper.Replace(q)
			b.WriteString(q)
		}
	}
	b.WriteByte('"')
	return b.String()
}
