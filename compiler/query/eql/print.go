package eql

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Quote renders s as an EQL double-quoted string. Backslash, double quote,
// newline, carriage return, tab, backspace and form feed are escaped (the
// escapes Elasticsearch's lexer accepts); every other character, control
// characters included, is written as it is, which the lexer also accepts.
func Quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '\\':
			b.WriteString(`\\`)
		case '"':
			b.WriteString(`\"`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

var plainIdent = regexp.MustCompile(`^[A-Za-z_@][A-Za-z0-9_]*$`)

var keywords = map[string]bool{
	"and": true, "or": true, "not": true, "where": true, "sequence": true, "by": true, "with": true,
	"maxspan": true, "until": true, "true": true, "false": true, "null": true, "any": true,
	"in": true, "like": true, "regex": true, "join": true, "of": true, "fork": true, "sample": true,
}

// FieldName renders a dotted field path, backtick-quoting segments that are
// not plain identifiers (or are keywords).
func FieldName(path string) string {
	parts := strings.Split(path, ".")
	for i, p := range parts {
		if !plainIdent.MatchString(p) || keywords[p] {
			parts[i] = "`" + strings.ReplaceAll(p, "`", "``") + "`"
		}
	}
	return strings.Join(parts, ".")
}

// String renders the query in canonical form; parsing it again gives the
// same query.
func (q *Query) String() string {
	if q.Event != nil {
		return q.Event.String()
	}
	s := q.Sequence
	var b strings.Builder
	b.WriteString("sequence")
	if len(s.By) > 0 {
		b.WriteString(" by " + joinExprs(s.By))
	}
	if s.MaxSpan > 0 {
		b.WriteString(" with maxspan=" + FormatSpan(s.MaxSpan))
	}
	for _, st := range s.Steps {
		b.WriteString("\n  [" + st.Event.String() + "]")
		if len(st.By) > 0 {
			b.WriteString(" by " + joinExprs(st.By))
		}
	}
	if s.Until != nil {
		b.WriteString("\nuntil [" + s.Until.String() + "]")
	}
	return b.String()
}

// FormatSpan renders a duration in the largest EQL time unit that divides
// it exactly.
func FormatSpan(d time.Duration) string {
	for _, u := range []struct {
		name string
		d    time.Duration
	}{{"d", 24 * time.Hour}, {"h", time.Hour}, {"m", time.Minute}, {"s", time.Second}} {
		if d%u.d == 0 {
			return fmt.Sprintf("%d%s", d/u.d, u.name)
		}
	}
	return fmt.Sprintf("%dms", d/time.Millisecond)
}

func (e *EventQuery) String() string {
	cat := e.Category
	if !plainIdent.MatchString(cat) || (keywords[cat] && cat != "any") {
		cat = Quote(cat)
	}
	return cat + " where " + e.Where.String()
}

func joinExprs(es []Expr) string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.String()
	}
	return strings.Join(parts, ", ")
}

// paren wraps boolean operators so that precedence survives printing.
func paren(e Expr) string {
	switch e.(type) {
	case *And, *Or:
		return "(" + e.String() + ")"
	}
	return e.String()
}

func (n *And) String() string {
	parts := make([]string, len(n.Args))
	for i, a := range n.Args {
		parts[i] = paren(a)
	}
	return strings.Join(parts, " and ")
}

func (n *Or) String() string {
	parts := make([]string, len(n.Args))
	for i, a := range n.Args {
		parts[i] = paren(a)
	}
	return strings.Join(parts, " or ")
}

func (n *Not) String() string { return "not " + operandString(n.Arg) }

// operandString parenthesizes anything that is not a primary expression.
func operandString(e Expr) string {
	switch e.(type) {
	case *Field, *Literal, *Call:
		return e.String()
	}
	return "(" + e.String() + ")"
}

func (n *Compare) String() string {
	return operandString(n.Left) + " " + n.Op + " " + operandString(n.Right)
}

func (n *In) String() string {
	op := "in"
	if n.Insensitive {
		op = "in~"
	}
	if n.Negate {
		op = "not " + op
	}
	return operandString(n.Left) + " " + op + " (" + joinExprs(n.List) + ")"
}

func (n *Pattern) String() string {
	ps := make([]string, len(n.Patterns))
	for i, p := range n.Patterns {
		ps[i] = Quote(p)
	}
	rhs := ps[0]
	if len(ps) > 1 {
		rhs = "(" + strings.Join(ps, ", ") + ")"
	}
	return operandString(n.Left) + " " + n.Op + " " + rhs
}

func (n *Call) String() string {
	name := n.Name
	if n.Insensitive {
		name += "~"
	}
	return name + "(" + joinExprs(n.Args) + ")"
}

func (n *Field) String() string {
	if n.Optional {
		return "?" + FieldName(n.Path)
	}
	return FieldName(n.Path)
}

func (n *Literal) String() string {
	switch n.Value.Kind {
	case NullKind:
		return "null"
	case BoolKind:
		return strconv.FormatBool(n.Value.Bool)
	case NumberKind:
		if n.Text != "" {
			return n.Text
		}
		return strconv.FormatFloat(n.Value.Num, 'f', -1, 64)
	}
	return Quote(n.Value.Str)
}
