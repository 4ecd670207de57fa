package cloudwatch

import (
	"strconv"
	"strings"
)

// String renders the pattern in sigforge's canonical form, which Parse reads
// back to the same pattern. In a JSON pattern each operand of the top-level
// && or || is parenthesized, as in the CIS benchmark patterns; nested groups
// are parenthesized once.
func (p *Pattern) String() string {
	var b strings.Builder
	switch p.Kind {
	case KindJSON:
		b.WriteString("{ ")
		writeTop(&b, p.JSON)
		b.WriteString(" }")
	case KindText:
		for i, t := range p.Terms {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(t.String())
		}
	case KindDelimited:
		b.WriteByte('[')
		for i, c := range p.Columns {
			if i > 0 {
				b.WriteString(", ")
			}
			switch {
			case c.Ellipsis:
				b.WriteString("...")
			case c.Cond != nil:
				if c.Name != "" && firstName(c.Cond) != c.Name {
					b.WriteString(c.Name)
					b.WriteString(" && ")
				}
				writeDelim(&b, c.Cond)
			default:
				b.WriteString(c.Name)
			}
		}
		b.WriteByte(']')
	}
	return b.String()
}

// ExprString renders a JSON expression as it appears inside "{ }".
func ExprString(e Expr) string {
	var b strings.Builder
	writeTop(&b, e)
	return b.String()
}

func writeTop(b *strings.Builder, e Expr) {
	switch n := e.(type) {
	case *Or:
		writeOperands(b, n.Args, " || ")
	case *And:
		writeOperands(b, n.Args, " && ")
	default:
		writeExpr(b, e)
	}
}

func writeOperands(b *strings.Builder, args []Expr, sep string) {
	for i, a := range args {
		if i > 0 {
			b.WriteString(sep)
		}
		if _, ok := a.(*Cond); ok {
			b.WriteByte('(')
			writeExpr(b, a)
			b.WriteByte(')')
			continue
		}
		writeExpr(b, a)
	}
}

// writeExpr writes a condition bare and a group in one pair of parentheses.
func writeExpr(b *strings.Builder, e Expr) {
	switch n := e.(type) {
	case *Or:
		writeGroup(b, n.Args, " || ")
	case *And:
		writeGroup(b, n.Args, " && ")
	case *Cond:
		b.WriteString(n.Selector.String())
		b.WriteByte(' ')
		b.WriteString(n.Op.String())
		if !n.Op.Unary() {
			b.WriteByte(' ')
			b.WriteString(n.Value.String())
		}
	}
}

func writeGroup(b *strings.Builder, args []Expr, sep string) {
	b.WriteByte('(')
	for i, a := range args {
		if i > 0 {
			b.WriteString(sep)
		}
		writeExpr(b, a)
	}
	b.WriteByte(')')
}

// String renders the selector, e.g. $.requestParameters.valuesToAdd[0].
func (s Selector) String() string {
	var b strings.Builder
	b.WriteByte('$')
	for _, st := range s.Steps {
		if st.IsIndex {
			b.WriteByte('[')
			b.WriteString(strconv.Itoa(st.Index))
			b.WriteByte(']')
			continue
		}
		b.WriteByte('.')
		b.WriteString(st.Key)
	}
	return b.String()
}

// String renders the value: a number as written, a regex in percent signs,
// a quoted string with \ and " escaped, a bare string as it is.
func (v Value) String() string {
	switch v.Kind {
	case ValNumber:
		return v.Text
	case ValRegex:
		return "%" + v.Text + "%"
	}
	if !v.Quoted {
		return v.Text
	}
	return Quote(v.Text)
}

// Quote renders s as a double-quoted string, escaping \ and ".
func Quote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// String renders a text term.
func (t Term) String() string {
	var prefix string
	switch t.Kind {
	case TermOptional:
		prefix = "?"
	case TermExcluded:
		prefix = "-"
	}
	switch {
	case t.Regex:
		return prefix + "%" + t.Text + "%"
	case t.Quoted:
		return prefix + Quote(t.Text)
	}
	return prefix + t.Text
}

func firstName(e DelimExpr) string {
	switch n := e.(type) {
	case *DelimOr:
		return firstName(n.Args[0])
	case *DelimAnd:
		return firstName(n.Args[0])
	case *DelimCond:
		return n.Name
	}
	return ""
}

func writeDelim(b *strings.Builder, e DelimExpr) {
	switch n := e.(type) {
	case *DelimOr:
		for i, a := range n.Args {
			if i > 0 {
				b.WriteString(" || ")
			}
			writeDelim(b, a)
		}
	case *DelimAnd:
		for i, a := range n.Args {
			if i > 0 {
				b.WriteString(" && ")
			}
			writeDelim(b, a)
		}
	case *DelimCond:
		b.WriteString(n.Name)
		b.WriteString(" ")
		b.WriteString(n.Op.String())
		b.WriteString(" ")
		b.WriteString(n.Value.String())
	}
}
