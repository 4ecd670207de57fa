package falco

import (
	"fmt"
	"strings"
)

var sprintf = fmt.Sprintf

// unescape decodes a quoted string token (quotes included) the way libsinsp's
// unescape_str does (libs userspace/libsinsp/filter/escaping.cpp): \b \f \n
// \r \t \\ \/ \xHH, \" only inside "..." and \' only inside '...'. A
// backslash before a blank is tolerated for legacy rules and yields a
// backslash. Any other escape is a load error.
func unescape(raw string) (string, error) {
	var b strings.Builder
	end := len(raw) - 1
	escaped := false
	for i := 1; i < end; i++ {
		c := raw[i]
		if !escaped {
			if c == '\\' {
				escaped = true
			} else {
				b.WriteByte(c)
			}
			continue
		}
		switch c {
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case ' ', '\\':
			b.WriteByte('\\')
		case '/':
			b.WriteByte('/')
		case '"':
			if raw[0] != c {
				return "", fmt.Errorf(`invalid \" escape in '-quoted string`)
			}
			b.WriteByte('"')
		case '\'':
			if raw[0] != c {
				return "", fmt.Errorf(`invalid \' escape in "-quoted string`)
			}
			b.WriteByte('\'')
		case 'x':
			if i+2 >= end {
				return "", fmt.Errorf("truncated hex char escape sequence")
			}
			v, ok := hexByte(raw[i+1], raw[i+2])
			if !ok {
				return "", fmt.Errorf("invalid hex char escape sequence: %s", raw[i+1:i+3])
			}
			b.WriteByte(v)
			i += 2
		default:
			return "", fmt.Errorf(`unsupported string escape sequence: \%c`, c)
		}
		escaped = false
	}
	return b.String(), nil
}

func hexByte(a, b byte) (byte, bool) {
	hi, ok1 := hexDigit(a)
	lo, ok2 := hexDigit(b)
	return hi<<4 | lo, ok1 && ok2
}

func hexDigit(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// Quote renders s as a double-quoted filter string that libsinsp reads back
// as s. Backslashes and quotes are escaped and control bytes use \xHH; a
// trailing backslash is written \x5c because the libsinsp lexer ends a quoted
// string at the first quote not preceded by a backslash, so "a\\" would be
// unterminated.
func Quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i == len(s)-1:
			b.WriteString(`\x5c`)
		case c == '\\':
			b.WriteString(`\\`)
		case c == '"':
			b.WriteString(`\"`)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\t':
			b.WriteString(`\t`)
		case c == '\r':
			b.WriteString(`\r`)
		case c < 0x20 || c == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// IsBare reports whether s can be written as a bare string value (and as a
// list item) without quotes.
func IsBare(s string) bool {
	return s != "" && rxBareStr.FindString(s) == s && !strings.ContainsAny(s, "\b[]")
}
