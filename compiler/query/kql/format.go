package kql

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Quote renders s as a quoted KQL string: an exact value with no wildcard.
func Quote(s string) string {
	if strings.IndexFunc(s, quoteEscaped) < 0 {
		return `"` + s + `"`
	}
	var b strings.Builder
	WriteQuoted(&b, s)
	return b.String()
}

// WriteQuoted writes Quote(s) to b.
func WriteQuoted(b *strings.Builder, s string) {
	b.Grow(len(s) + 8)
	b.WriteByte('"')
	for {
		i := strings.IndexFunc(s, quoteEscaped)
		if i < 0 {
			break
		}
		b.WriteString(s[:i])
		r, size := utf8.DecodeRuneInString(s[i:])
		switch r {
		case '\\':
			b.WriteString(`\\`)
		case '"':
			b.WriteString(`\"`)
		case '\t':
			b.WriteString(`\t`)
		case '\r':
			b.WriteString(`\r`)
		case '\n':
			b.WriteString(`\n`)
		default:
			b.WriteRune(r) // RuneError: U+FFFD for a byte that is not UTF-8
		}
		s = s[i+size:]
	}
	b.WriteString(s)
	b.WriteByte('"')
}

// quoteEscaped reports the runes Quote does not copy as they are (a byte
// that is not UTF-8 decodes as RuneError and is written as U+FFFD).
func quoteEscaped(r rune) bool {
	return r == '\\' || r == '"' || r == '\t' || r == '\r' || r == '\n' || r == utf8.RuneError
}

// plainByte marks the bytes an unquoted literal keeps as they are whatever
// surrounds them: printable ASCII except space and the special characters.
// (Without a space no word can be read as a keyword.)
var plainByte = func() (t [256]bool) {
	for c := 0x21; c < 0x7f; c++ {
		t[c] = !isSpecial(rune(c))
	}
	return t
}()

// isPlain reports whether every byte of s is a plainByte (or a '*' when
// star is true).
func isPlain(s string, star bool) bool {
	for i := 0; i < len(s); i++ {
		if !plainByte[s[i]] && !(star && s[i] == '*') {
			return false
		}
	}
	return true
}

// EscapeLiteral renders one literal run of an unquoted KQL value: special
// characters and the words or/and/not where they would be read as keywords
// get a backslash, tab/CR/LF become \t \r \n. Whitespace at the start or the
// end of a whole value cannot be written unquoted (Kibana trims it); the
// caller says where the run sits with first and last.
func EscapeLiteral(s string, first, last bool) (string, error) {
	if isPlain(s, false) {
		return s, nil // also ""
	}
	var b strings.Builder
	if err := WriteLiteral(&b, s, first, last); err != nil {
		return "", err
	}
	return b.String(), nil
}

// WriteLiteral writes EscapeLiteral(s, first, last) to b; on error it
// writes nothing.
func WriteLiteral(b *strings.Builder, s string, first, last bool) error {
	if isPlain(s, false) {
		b.WriteString(s)
		return nil
	}
	if r, _ := utf8.DecodeRuneInString(s); first && jsSpace(r) {
		return fmt.Errorf("an unquoted KQL value cannot start with whitespace (Kibana trims it)")
	}
	if r, _ := utf8.DecodeLastRuneInString(s); last && jsSpace(r) {
		return fmt.Errorf("an unquoted KQL value cannot end with whitespace (Kibana trims it)")
	}
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			// Not special, and no keyword starts with it.
			r, size := utf8.DecodeRuneInString(s[i:])
			b.WriteRune(r)
			i += size
			continue
		}
		switch {
		case c == '\t':
			b.WriteString(`\t`)
		case c == '\r':
			b.WriteString(`\r`)
		case c == '\n':
			b.WriteString(`\n`)
		case isSpecial(rune(c)):
			b.WriteByte('\\')
			b.WriteByte(c)
		case (c|0x20 == 'n' || c|0x20 == 'o' || c|0x20 == 'a') && keywordInLiteral(s, i):
			// "\n" is the escape for a newline, so a keyword starting with
			// n is broken up with a unicode escape instead of "\not".
			if c == 'n' {
				b.WriteString(`\u006E`)
			} else {
				b.WriteByte('\\')
				b.WriteByte(c)
			}
		default:
			b.WriteByte(c)
		}
		i++
	}
	return nil
}

// keywordInLiteral reports whether the word at i would end an unquoted
// literal: "not" followed by a space, or "or"/"and" between spaces (a run
// that does not start the value may follow a space of the previous run;
// callers never split runs inside whitespace).
func keywordInLiteral(s string, i int) bool {
	spaceAfter := func(end int) bool {
		if end >= len(s) {
			return false
		}
		r, _ := utf8.DecodeRuneInString(s[end:])
		return isSpace(r)
	}
	word := func(w string) bool {
		return len(s)-i >= len(w) && strings.EqualFold(s[i:i+len(w)], w) && spaceAfter(i+len(w))
	}
	if word("not") {
		return true
	}
	if i == 0 {
		return false
	}
	prev, _ := utf8.DecodeLastRuneInString(s[:i])
	return isSpace(prev) && (word("or") || word("and"))
}

// FormatValue renders a value (quoted when Quoted, else unquoted with
// wildcards).
func FormatValue(v Value) (string, error) {
	if v.Quoted {
		return Quote(v.Text()), nil
	}
	var b strings.Builder
	for i, p := range v.Parts {
		if p.Wildcard {
			b.WriteByte('*')
			continue
		}
		e, err := EscapeLiteral(p.Text, i == 0, i == len(v.Parts)-1)
		if err != nil {
			return "", err
		}
		b.WriteString(e)
	}
	if b.Len() == 0 {
		return `""`, nil
	}
	return b.String(), nil
}

// FormatField renders a field name, quoted when it cannot be written bare.
func FormatField(f string) string {
	if f != "" && isPlain(f, true) {
		return f
	}
	if f == "" || strings.ContainsFunc(f, func(r rune) bool { return isSpace(r) || (isSpecial(r) && r != '*') }) {
		return Quote(f)
	}
	runs := strings.Split(f, "*")
	for i, r := range runs {
		e, err := EscapeLiteral(r, i == 0, i == len(runs)-1)
		if err != nil || e != r {
			return Quote(f)
		}
	}
	return f
}

// Format renders a query as KQL text that parses back to the same query.
func Format(n Node) (string, error) {
	switch x := n.(type) {
	case *MatchAll:
		return "*:*", nil
	case *And:
		return formatList(x.Args, " and ", func(a Node) bool { _, isOr := a.(*Or); return isOr })
	case *Or:
		return formatList(x.Args, " or ", func(Node) bool { return false })
	case *Not:
		inner, err := Format(x.Arg)
		if err != nil {
			return "", err
		}
		switch x.Arg.(type) {
		case *And, *Or, *Not:
			inner = "(" + inner + ")"
		}
		return "not " + inner, nil
	case *Exists:
		return FormatField(x.Field) + ":*", nil
	case *Is:
		v, err := FormatValue(x.Value)
		if err != nil {
			return "", err
		}
		if x.Field == "" {
			return v, nil
		}
		return FormatField(x.Field) + ":" + v, nil
	case *Range:
		v, err := FormatValue(x.Value)
		if err != nil {
			return "", err
		}
		return FormatField(x.Field) + " " + x.Op + " " + v, nil
	case *Nested:
		return "", fmt.Errorf("kql: formatting nested queries is not supported")
	}
	return "", fmt.Errorf("kql: unknown node %T", n)
}

func formatList(args []Node, sep string, paren func(Node) bool) (string, error) {
	parts := make([]string, len(args))
	for i, a := range args {
		s, err := Format(a)
		if err != nil {
			return "", err
		}
		if paren(a) {
			s = "(" + s + ")"
		}
		parts[i] = s
	}
	return strings.Join(parts, sep), nil
}
