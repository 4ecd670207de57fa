package cloudwatch

import (
	"fmt"
	"regexp"
)

// RegexAllowed reports whether c may appear in a CloudWatch %regex%: ASCII
// letters and digits, the symbols _ # = @ / ; , - and :, and the operators
// ^ $ ? [ ] { } | \ * + and . (AWS documentation, "Supported regular
// expressions"; ':' is listed on newer versions of the page). Parentheses,
// spaces, '!' and multi-byte characters are rejected by the service.
func RegexAllowed(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	switch c {
	case '_', '#', '=', '@', '/', ';', ',', '-', ':',
		'^', '$', '?', '[', ']', '{', '}', '|', '\\', '*', '+', '.':
		return true
	}
	return false
}

// ValidateRegex checks a regex (without its percent signs) against the
// characters CloudWatch accepts and RE2's syntax.
func ValidateRegex(expr string) error {
	_, err := compileRegex(expr)
	return err
}

func compileRegex(expr string) (*regexp.Regexp, error) {
	if expr == "" {
		return nil, fmt.Errorf("empty regular expression")
	}
	for i := 0; i < len(expr); i++ {
		if !RegexAllowed(expr[i]) {
			return nil, fmt.Errorf("regular expression %q: character %q is not supported by CloudWatch", expr, rune(expr[i]))
		}
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		return nil, fmt.Errorf("regular expression %q: %v", expr, err)
	}
	return re, nil
}
