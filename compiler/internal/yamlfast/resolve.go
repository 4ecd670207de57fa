package yamlfast

import (
	"strconv"
	"strings"
	"time"
)

// Tags yaml.v3 gives to the nodes this package builds.
const (
	nullTag      = "!!null"
	boolTag      = "!!bool"
	strTag       = "!!str"
	intTag       = "!!int"
	floatTag     = "!!float"
	timestampTag = "!!timestamp"
	mergeTag     = "!!merge"
	seqTag       = "!!seq"
	mapTag       = "!!map"
)

// plainTag returns the tag yaml.v3 (resolve.go, resolve with no explicit
// tag) gives a plain scalar. Only the first byte decides whether the value
// can be anything but a string; the checks after it follow yaml.v3's order
// because the order decides, e.g., that 2023-01-01 is a timestamp and not a
// failed integer.
func plainTag(s string) string {
	if s == "" {
		return nullTag
	}
	switch c := s[0]; {
	case c == '~' || c == 'n' || c == 'N':
		if s == "~" || s == "null" || s == "Null" || s == "NULL" {
			return nullTag
		}
	case c == 't' || c == 'T':
		if s == "true" || s == "True" || s == "TRUE" {
			return boolTag
		}
	case c == 'f' || c == 'F':
		if s == "false" || s == "False" || s == "FALSE" {
			return boolTag
		}
	case c == '<':
		if s == "<<" {
			return mergeTag
		}
	case c == '.':
		if isSpecialFloat(s[1:]) {
			return floatTag
		}
		if _, err := strconv.ParseFloat(s, 64); err == nil {
			return floatTag
		}
	case c == '+' || c == '-':
		if len(s) > 1 && s[1] == '.' && isSpecialFloat(s[2:]) && (s[2] == 'i' || s[2] == 'I') {
			return floatTag // +.inf, -.Inf, ... (but not +.nan)
		}
		return numberTag(s)
	case '0' <= c && c <= '9':
		return numberTag(s)
	}
	return strTag
}

// isSpecialFloat reports whether s (after the dot) is one of the spellings
// yaml.v3 maps to infinity or NaN.
func isSpecialFloat(s string) bool {
	switch s {
	case "inf", "Inf", "INF", "nan", "NaN", "NAN":
		return true
	}
	return false
}

// numberTag resolves a plain scalar starting with a sign or a digit the way
// yaml.v3 does: timestamp, then integer (underscores removed, base prefixes),
// then YAML-style float, then binary and 0o octal forms; a string otherwise.
func numberTag(s string) string {
	if isTimestamp(s) {
		return timestampTag
	}
	plain := strings.ReplaceAll(s, "_", "")
	if intSyntax(plain) { // spares the failing parses their error allocations
		if _, err := strconv.ParseInt(plain, 0, 64); err == nil {
			return intTag
		}
		if _, err := strconv.ParseUint(plain, 0, 64); err == nil {
			return intTag
		}
	}
	if isYAMLFloat(plain) {
		if _, err := strconv.ParseFloat(plain, 64); err == nil {
			return floatTag
		}
	}
	for _, r := range radixPrefixes {
		if digits, ok := strings.CutPrefix(plain, r.prefix); ok {
			if parsesAsInt(digits, r.base) {
				return intTag
			}
		} else if digits, ok := strings.CutPrefix(plain, r.negPrefix); ok {
			if _, err := strconv.ParseInt("-"+digits, r.base, 64); err == nil {
				return intTag
			}
		}
	}
	return strTag
}

// intSyntax reports whether s could be an integer for strconv.ParseInt or
// ParseUint with base 0 (sign, base prefix, digits of the base); it accepts
// everything they accept, and more.
func intSyntax(s string) bool {
	if s != "" && (s[0] == '+' || s[0] == '-') {
		s = s[1:]
	}
	base := byte(10)
	if len(s) >= 2 && s[0] == '0' {
		switch s[1] {
		case 'x', 'X':
			base, s = 16, s[2:]
		case 'b', 'B':
			base, s = 2, s[2:]
		case 'o', 'O':
			base, s = 8, s[2:]
		default:
			base, s = 8, s[1:]
		}
	}
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		var d byte
		switch c := s[i]; {
		case '0' <= c && c <= '9':
			d = c - '0'
		case 'a' <= c && c <= 'f':
			d = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			d = c - 'A' + 10
		default:
			return false
		}
		if d >= base {
			return false
		}
	}
	return true
}

func parsesAsInt(s string, base int) bool {
	if _, err := strconv.ParseInt(s, base, 64); err == nil {
		return true
	}
	_, err := strconv.ParseUint(s, base, 64)
	return err == nil
}

// isYAMLFloat matches [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?,
// the float syntax yaml.v3 accepts for values starting with a sign or digit.
func isYAMLFloat(s string) bool {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	digits := func() int {
		j := i
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i++
		}
		return i - j
	}
	if i < len(s) && s[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	} else {
		if digits() == 0 {
			return false
		}
		if i < len(s) && s[i] == '.' {
			i++
			digits()
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(s)
}

// timestampLayouts are the layouts yaml.v3 tries on values that start with
// four digits and a dash. Only whether one of them parses matters, so the
// date alone, the most common in rules, comes first.
var timestampLayouts = []string{
	"2006-1-2",
	"2006-1-2T15:4:5.999999999Z07:00",
	"2006-1-2t15:4:5.999999999Z07:00",
	"2006-1-2 15:4:5.999999999",
}

func isTimestamp(s string) bool {
	i := 0
	for i < len(s) && '0' <= s[i] && s[i] <= '9' {
		i++
	}
	if i != 4 || i == len(s) || s[i] != '-' {
		return false
	}
	if ok, decided := isDate(s); decided {
		return ok
	}
	for _, layout := range timestampLayouts {
		if _, err := time.Parse(layout, s); err == nil {
			return true
		}
	}
	return false
}

// isDate decides, without time.Parse, the common case of a value that is
// only a date (yyyy-m-d, month and day of one or two digits): it is a
// timestamp when the date exists, as time.Parse with "2006-1-2" checks.
// decided is false for everything else.
func isDate(s string) (ok, decided bool) {
	num := func(i int) (n, next int) {
		j := i
		for j < len(s) && j-i < 2 && '0' <= s[j] && s[j] <= '9' {
			n = n*10 + int(s[j]-'0')
			j++
		}
		return n, j
	}
	month, i := num(5)
	if i == 5 || i == len(s) || s[i] != '-' {
		return false, false
	}
	day, j := num(i + 1)
	if j == i+1 || j != len(s) {
		return false, false
	}
	year := int(s[0]-'0')*1000 + int(s[1]-'0')*100 + int(s[2]-'0')*10 + int(s[3]-'0')
	if month < 1 || month > 12 || day < 1 {
		return false, true
	}
	days := [13]int{0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}[month]
	if month == 2 && year%4 == 0 && (year%100 != 0 || year%400 == 0) {
		days = 29
	}
	return day <= days, true
}

// radixPrefixes are the binary and 0o octal forms numberTag tries last,
// each also after a minus sign.
var radixPrefixes = [...]struct {
	prefix, negPrefix string
	base              int
}{{"0b", "-0b", 2}, {"0o", "-0o", 8}}
