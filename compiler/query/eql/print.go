package eql

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Quote renders s as an EQL double-quoted string. Backslash, double quote,
// newline, carriage return, tab, backspace and form feed are escaped (the
// escapes Elasticsearch's lexer accepts); every other character, control
// characters included, is written as it is, which the lexer also accepts.
func Quote(s string) string {
	if quoteStop(s) < 0 {
		return `"` + s + `"`
	}
	var b strings.Builder
	writeQuoted(&b, s)
	return b.String()
}

// quoteEscaped marks the ASCII bytes Quote escapes.
var quoteEscaped = [utf8.RuneSelf]bool{'\\': true, '"': true, '\n': true, '\r': true, '\t': true, '\b': true, '\f': true}

// quoteStop returns the index of the first byte of s that Quote does not
// copy as it is, or -1: an escaped character, or a byte that is not UTF-8
// (written as U+FFFD, as a rune-by-rune copy would).
func quoteStop(s string) int {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if quoteEscaped[c] {
				return i
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return -1
}

func writeQuoted(b *strings.Builder, s string) {
	b.WriteByte('"')
	for {
		i := quoteStop(s)
		if i < 0 {
			break
		}
		b.WriteString(s[:i])
		switch s[i] {
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
			b.WriteRune(utf8.RuneError)
		}
		s = s[i+1:]
	}
	b.WriteString(s)
	b.WriteByte('"')
}

// isKeyword reports whether s is an EQL keyword (a switch: field names
// are checked for every predicate printed).
func isKeyword(s string) bool {
	switch s {
	case "and", "or", "not", "where", "sequence", "by", "with",
		"maxspan", "until", "true", "false", "null", "any",
		"in", "like", "regex", "join", "of", "fork", "sample":
		return true
	}
	return false
}

// isPlainIdent reports whether s is an identifier that needs no backticks
// ([A-Za-z_@][A-Za-z0-9_]*).
func isPlainIdent(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_':
		case c == '@' && i == 0:
		case c >= '0' && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// FieldName renders a dotted field path, backtick-quoting segments that are
// not plain identifiers (or are keywords).
func FieldName(path string) string {
	if plainPath(path) {
		return path
	}
	var b strings.Builder
	writeFieldName(&b, path)
	return b.String()
}

// plainPath reports whether no segment of path needs backticks.
func plainPath(path string) bool {
	for seg, rest, more := path, "", true; more; seg = rest {
		seg, rest, more = strings.Cut(seg, ".")
		if !isPlainIdent(seg) || isKeyword(seg) {
			return false
		}
	}
	return true
}

func writeFieldName(b *strings.Builder, path string) {
	if plainPath(path) {
		b.WriteString(path)
		return
	}
	for i, seg := range strings.Split(path, ".") {
		if i > 0 {
			b.WriteByte('.')
		}
		if !isPlainIdent(seg) || isKeyword(seg) {
			b.WriteString("`" + strings.ReplaceAll(seg, "`", "``") + "`")
		} else {
			b.WriteString(seg)
		}
	}
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
	var b strings.Builder
	b.Grow(256) // most queries fit
	e.Print(&b)
	return b.String()
}

// Print writes e.String() to b.
func (e *EventQuery) Print(b *strings.Builder) {
	if cat := e.Category; !isPlainIdent(cat) || (isKeyword(cat) && cat != "any") {
		writeQuoted(b, cat)
	} else {
		b.WriteString(cat)
	}
	b.WriteString(" where ")
	writeExpr(b, e.Where)
}

func joinExprs(es []Expr) string {
	var b strings.Builder
	writeList(&b, es)
	return b.String()
}

// writeList writes es separated by ", ".
func writeList(b *strings.Builder, es []Expr) {
	for i, e := range es {
		if i > 0 {
			b.WriteString(", ")
		}
		writeExpr(b, e)
	}
}

// writeExpr writes e as its String method renders it, into one builder.
func writeExpr(b *strings.Builder, e Expr) {
	switch n := e.(type) {
	case *And:
		writeBool(b, n.Args, " and ")
	case *Or:
		writeBool(b, n.Args, " or ")
	case *Not:
		b.WriteString("not ")
		writeOperand(b, n.Arg)
	case *Compare:
		writeOperand(b, n.Left)
		b.WriteByte(' ')
		b.WriteString(n.Op)
		b.WriteByte(' ')
		writeOperand(b, n.Right)
	case *In:
		writeOperand(b, n.Left)
		b.WriteByte(' ')
		if n.Negate {
			b.WriteString("not ")
		}
		b.WriteString("in")
		if n.Insensitive {
			b.WriteByte('~')
		}
		b.WriteString(" (")
		writeList(b, n.List)
		b.WriteByte(')')
	case *Pattern:
		writeOperand(b, n.Left)
		b.WriteByte(' ')
		b.WriteString(n.Op)
		b.WriteByte(' ')
		if len(n.Patterns) > 1 {
			b.WriteByte('(')
		}
		for i, p := range n.Patterns {
			if i > 0 {
				b.WriteString(", ")
			}
			writeQuoted(b, p)
		}
		if len(n.Patterns) > 1 {
			b.WriteByte(')')
		}
	case *Call:
		b.WriteString(n.Name)
		if n.Insensitive {
			b.WriteByte('~')
		}
		b.WriteByte('(')
		writeList(b, n.Args)
		b.WriteByte(')')
	case *Field:
		if n.Optional {
			b.WriteByte('?')
		}
		writeFieldName(b, n.Path)
	case *Literal:
		if n.Value.Kind == StringKind {
			writeQuoted(b, n.Value.Str)
		} else {
			b.WriteString(n.String())
		}
	default:
		b.WriteString(e.String())
	}
}

// writeBool writes the arguments of and/or, parenthesizing nested and/or
// so that precedence survives printing.
func writeBool(b *strings.Builder, args []Expr, sep string) {
	for i, a := range args {
		if i > 0 {
			b.WriteString(sep)
		}
		switch a.(type) {
		case *And, *Or:
			b.WriteByte('(')
			writeExpr(b, a)
			b.WriteByte(')')
		default:
			writeExpr(b, a)
		}
	}
}

// writeOperand parenthesizes anything that is not a primary expression.
func writeOperand(b *strings.Builder, e Expr) {
	switch e.(type) {
	case *Field, *Literal, *Call:
		writeExpr(b, e)
	default:
		b.WriteByte('(')
		writeExpr(b, e)
		b.WriteByte(')')
	}
}

func exprString(e Expr) string {
	var b strings.Builder
	writeExpr(&b, e)
	return b.String()
}

func (n *And) String() string     { return exprString(n) }
func (n *Or) String() string      { return exprString(n) }
func (n *Not) String() string     { return exprString(n) }
func (n *Compare) String() string { return exprString(n) }
func (n *In) String() string      { return exprString(n) }
func (n *Pattern) String() string { return exprString(n) }
func (n *Call) String() string    { return exprString(n) }
func (n *Field) String() string   { return exprString(n) }

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

// AppendQuoted appends Quote(s) to dst.
func AppendQuoted(dst []byte, s string) []byte {
	dst = append(dst, '"')
	for {
		i := quoteStop(s)
		if i < 0 {
			break
		}
		dst = append(dst, s[:i]...)
		if s[i] < utf8.RuneSelf {
			dst = appendQuotedByte(dst, s[i])
		} else {
			dst = utf8.AppendRune(dst, utf8.RuneError)
		}
		s = s[i+1:]
	}
	dst = append(dst, s...)
	return append(dst, '"')
}

// appendQuotedByte appends an ASCII byte as Quote writes it.
func appendQuotedByte(dst []byte, c byte) []byte {
	switch c {
	case '\\':
		return append(dst, `\\`...)
	case '"':
		return append(dst, `\"`...)
	case '\n':
		return append(dst, `\n`...)
	case '\r':
		return append(dst, `\r`...)
	case '\t':
		return append(dst, `\t`...)
	case '\b':
		return append(dst, `\b`...)
	case '\f':
		return append(dst, `\f`...)
	}
	return append(dst, c)
}

// AppendFieldName appends FieldName(path) to dst.
func AppendFieldName(dst []byte, path string) []byte {
	if plainPath(path) {
		return append(dst, path...)
	}
	for i, more := 0, true; more; i++ {
		var seg string
		seg, path, more = strings.Cut(path, ".")
		if i > 0 {
			dst = append(dst, '.')
		}
		if isPlainIdent(seg) && !isKeyword(seg) {
			dst = append(dst, seg...)
			continue
		}
		dst = append(dst, '`')
		for j := 0; j < len(seg); j++ {
			if seg[j] == '`' {
				dst = append(dst, '`')
			}
			dst = append(dst, seg[j])
		}
		dst = append(dst, '`')
	}
	return dst
}

// AppendCategory appends an event query's category as Print writes it.
func AppendCategory(dst []byte, cat string) []byte {
	if !isPlainIdent(cat) || (isKeyword(cat) && cat != "any") {
		return AppendQuoted(dst, cat)
	}
	return append(dst, cat...)
}
