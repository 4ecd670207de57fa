package sql

import (
	"fmt"
	"regexp/syntax"
	"strings"
)

// javaRegex adapts a Sigma regular expression (RE2 syntax) for Trino's
// regexp_like, which reads Java's syntax (Joni by default, java.util.regex
// optionally). Both search without anchoring, as Sigma's |re does. Named
// groups are respelled (?P<n> to (?<n>); constructs whose meaning differs
// or that Java's syntax does not have are refused rather than guessed:
// (?U) (Java: Unicode classes, RE2: ungreedy), \C, \Q...\E and POSIX
// classes [[:alpha:]] (not in Java's syntax), \z is kept (same meaning).
// Left as is and recorded in docs/sql.md: $ without (?m) also matches
// before a final line terminator in Java, and (?i) folds ASCII only.
func javaRegex(re string) (string, error) {
	if _, err := syntax.Parse(re, syntax.Perl); err != nil {
		return "", fmt.Errorf("invalid regular expression: %v", err)
	}
	var b strings.Builder
	inClass := false
	for i := 0; i < len(re); i++ {
		ch := re[i]
		switch {
		case ch == '\\' && i+1 < len(re):
			next := re[i+1]
			switch next {
			case 'C':
				return "", fmt.Errorf(`\C (any byte) has no Java counterpart`)
			case 'Q':
				return "", fmt.Errorf(`\Q...\E quoting is not read the same way by Trino's Joni regex library; escape the characters instead`)
			}
			b.WriteByte(ch)
			b.WriteByte(next)
			i++
			continue
		case inClass:
			if ch == '[' && strings.HasPrefix(re[i:], "[:") {
				return "", fmt.Errorf("POSIX character classes like [[:alpha:]] are not in Java's regex syntax")
			}
			if ch == ']' {
				inClass = false
			}
		case ch == '[':
			inClass = true
			b.WriteByte(ch)
			// A ] right after [ or [^ is a literal.
			if strings.HasPrefix(re[i+1:], "^") {
				b.WriteByte('^')
				i++
			}
			if strings.HasPrefix(re[i+1:], "]") {
				b.WriteByte(']')
				i++
			}
			continue
		case ch == '(' && strings.HasPrefix(re[i:], "(?P<"):
			b.WriteString("(?<")
			i += 3
			continue
		case ch == '(' && strings.HasPrefix(re[i:], "(?"):
			j := i + 2
			for j < len(re) && re[j] != ')' && re[j] != ':' {
				if re[j] == 'U' {
					return "", fmt.Errorf("the (?U) flag means ungreedy in RE2 but Unicode classes in Java")
				}
				j++
			}
		}
		b.WriteByte(ch)
	}
	return b.String(), nil
}
