package value

import (
	"fmt"
	"sort"
	"strings"

	"github.com/sigforge/sigforge/compiler/internal/editdist"
)

// Class divides modifiers as the specification does (§5.3).
type Class int

const (
	// Transformation modifiers change the values or their linking; they
	// are resolved before the intermediate form (contains, base64, all…).
	Transformation Class = iota
	// Type modifiers change how a value is compared (re, cidr, gt, exists…);
	// a backend must support them or reject the rule.
	Type
)

func (c Class) String() string {
	if c == Type {
		return "type"
	}
	return "transformation"
}

// Modifier describes one known value modifier.
type Modifier struct {
	Name  string
	Class Class
	// Alias is the modifier this one is another name for ("" if none).
	Alias string
	// Doc says what the modifier does, with its source.
	Doc string
}

var registry = map[string]Modifier{}

func init() {
	for _, m := range []Modifier{
		{Name: "contains", Doc: "match anywhere: '*' on each side that lacks one (spec appendix 'General'; pySigma)"},
		{Name: "startswith", Doc: "match the start: '*' appended unless present (spec appendix 'General')"},
		{Name: "endswith", Doc: "match the end: '*' prepended unless present (spec appendix 'General')"},
		{Name: "all", Doc: "AND the list values instead of OR; a single value is not allowed (spec appendix 'General')"},
		{Name: "base64", Doc: "standard base64 of the value, which must have no wildcards (spec 'String Encoding'; pySigma)"},
		{Name: "base64offset", Doc: "the three base64 forms at byte offsets 0-2, usually with contains (spec 'String Encoding'; pySigma algorithm)"},
		{Name: "utf16le", Doc: "UTF-16LE bytes, only used before base64/base64offset (spec 'String Encoding')"},
		{Name: "wide", Alias: "utf16le", Doc: "alias of utf16le (spec 'String Encoding')"},
		{Name: "utf16be", Doc: "UTF-16BE bytes, only used before base64/base64offset (spec 'String Encoding')"},
		{Name: "utf16", Doc: "byte order mark FF FE + UTF-16LE, only used before base64/base64offset (spec 'String Encoding')"},
		{Name: "windash", Doc: "every flag dash (\\B[-/]\\b) in its five forms -, /, U+2013, U+2014, U+2015, all combinations ORed (spec 'String only'; pySigma)"},
		{Name: "expand", Doc: "replace %name% placeholders with configured values (spec 'Specific', §5.2)"},
		{Name: "cased", Class: Type, Doc: "case-sensitive match (spec appendix 'General')"},
		{Name: "exists", Class: Type, Doc: "the field exists (true) or not (false); a boolean value, no other modifier (spec appendix 'General'; pySigma)"},
		{Name: "neq", Class: Type, Doc: "negates the detection item, as pySigma does (spec v2.1 'neq')"},
		{Name: "re", Class: Type, Doc: "the value as written is a regular expression, case-sensitive (spec 'String only'; pySigma: only on unmodified values)"},
		{Name: "i", Class: Type, Doc: "re sub-modifier: case-insensitive (spec 'String only')"},
		{Name: "m", Class: Type, Doc: "re sub-modifier: ^ and $ match at line breaks (spec 'String only')"},
		{Name: "s", Class: Type, Doc: "re sub-modifier: '.' matches a line break (spec 'String only')"},
		{Name: "ignorecase", Class: Type, Alias: "i", Doc: "alias of i (pySigma)"},
		{Name: "multiline", Class: Type, Alias: "m", Doc: "alias of m (pySigma)"},
		{Name: "dotall", Class: Type, Alias: "s", Doc: "alias of s (pySigma)"},
		{Name: "cidr", Class: Type, Doc: "the value as written is an IPv4/IPv6 CIDR network (spec 'Ip only')"},
		{Name: "lt", Class: Type, Doc: "field < number (spec 'Numeric only')"},
		{Name: "lte", Class: Type, Doc: "field <= number (spec 'Numeric only')"},
		{Name: "gt", Class: Type, Doc: "field > number (spec 'Numeric only')"},
		{Name: "gte", Class: Type, Doc: "field >= number (spec 'Numeric only')"},
		{Name: "fieldref", Class: Type, Doc: "the value is another field's name; equal values match (spec 'Specific'; pySigma: no wildcards)"},
		{Name: "minute", Class: Type, Doc: "compare the minute (0-59) of a timestamp field (spec v2.1 time modifiers)"},
		{Name: "hour", Class: Type, Doc: "compare the hour (0-23) of a timestamp field (spec v2.1 time modifiers)"},
		{Name: "day", Class: Type, Doc: "compare the day of the month (1-31) of a timestamp field (spec v2.1 time modifiers)"},
		{Name: "week", Class: Type, Doc: "compare the week of the year (1-52) of a timestamp field (spec v2.1 time modifiers)"},
		{Name: "month", Class: Type, Doc: "compare the month (1-12) of a timestamp field (spec v2.1 time modifiers)"},
		{Name: "year", Class: Type, Doc: "compare the year of a timestamp field (spec v2.1 time modifiers)"},
	} {
		registry[m.Name] = m
	}
}

// Modifiers returns every known modifier, sorted by name.
func Modifiers() []Modifier {
	out := make([]Modifier, 0, len(registry))
	for _, m := range registry {
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Lookup returns the modifier called name (names are lowercase, exactly as
// pySigma spells them).
func Lookup(name string) (Modifier, bool) {
	m, ok := registry[name]
	return m, ok
}

// canonical resolves an alias.
func canonical(name string) string {
	if m := registry[name]; m.Alias != "" {
		return m.Alias
	}
	return name
}

// ChainError is a modifier chain problem. Unknown distinguishes an unknown
// modifier (the loader's SF120) from an illegal combination (SF121).
type ChainError struct {
	Index    int    // position of the offending modifier in the chain
	Modifier string // the offending modifier as written
	Unknown  bool
	Message  string
}

func (e *ChainError) Error() string { return e.Message }

// state is what the value is after the modifiers seen so far.
type state int

const (
	stValue    state = iota // the value as written
	stString                // a string transformed by string modifiers
	stRegex                 // re
	stCIDR                  // cidr
	stCompare               // lt, lte, gt, gte
	stFieldRef              // fieldref
	stExists                // exists
	stTime                  // minute … year
)

var stateNames = map[state]string{
	stRegex: "a regular expression", stCIDR: "a CIDR network", stCompare: "a numeric comparison",
	stFieldRef: "a field reference", stExists: "an existence check", stTime: "a time part",
}

// readsValue maps the modifiers that read the value as written to the state
// they leave.
var readsValue = map[string]state{
	"re": stRegex, "cidr": stCIDR, "fieldref": stFieldRef,
	"lt": stCompare, "lte": stCompare, "gt": stCompare, "gte": stCompare,
	"minute": stTime, "hour": stTime, "day": stTime, "week": stTime, "month": stTime, "year": stTime,
}

// CheckChain reports whether a modifier chain (the names after the field,
// in order) is known and legal, as a *ChainError naming the first
// offending modifier, or nil. The rules, applied left to right:
//
//   - every name is a known modifier, lowercase (spec appendix; pySigma's
//     modifier table), and none is given twice (aliases included);
//   - all and neq apply to the value list and fit anywhere;
//   - exists takes no other modifier (pySigma: "only applicable to
//     unmodified boolean values");
//   - re, cidr, fieldref, lt/lte/gt/gte and the time parts read the value
//     as written, so no transformation may precede them (pySigma: "only
//     applicable to unmodified values"); after them only all/neq follow,
//     except that re takes i/m/s, contains/startswith/endswith and expand,
//     and fieldref takes contains/startswith/endswith (pySigma types);
//   - i, m, s (ignorecase, multiline, dotall) need re before them;
//   - cased applies to strings, not to re (use re|i the other way round);
//   - base64 and base64offset cannot follow contains, startswith or
//     endswith: a wildcard cannot be encoded (pySigma refuses it);
//   - utf16le/wide/utf16be/utf16 must be followed by base64 or
//     base64offset (spec: "only used in combination with base64
//     modifiers") and a value is encoded once;
//   - nothing rewrites the text after base64/base64offset except
//     contains/startswith/endswith/cased: windash, encodings and expand
//     come before it.
func CheckChain(mods []string) error {
	st := stValue
	var (
		from    = "" // the modifier that set st
		wild    = "" // the modifier that added wildcards
		encoded = -1 // index of a pending UTF-16 encoding
		b64     = "" // the base64 modifier applied
	)
	fail := func(i int, format string, args ...any) error {
		return &ChainError{Index: i, Modifier: mods[i], Message: fmt.Sprintf(format, args...)}
	}
	for i, m := range mods {
		if m == "" {
			return fail(i, "empty modifier (a field name ends with \"|\" or has \"||\")")
		}
		if _, ok := registry[m]; !ok {
			msg := fmt.Sprintf("unknown modifier %q", m)
			if s := suggest(m); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			}
			return &ChainError{Index: i, Modifier: m, Unknown: true, Message: msg}
		}
		c := canonical(m)
		for j, prev := range mods[:i] { // chains are short: a scan beats a map
			if canonical(prev) == c {
				return fail(i, "modifier %q repeats %q", m, mods[j])
			}
		}
		if m == "exists" && len(mods) > 1 {
			return fail(i, "modifier \"exists\" takes no other modifier")
		}
		switch c {
		case "all", "neq":
			continue
		case "re", "cidr", "fieldref", "lt", "lte", "gt", "gte", "minute", "hour", "day", "week", "month", "year":
			if st != stValue { // i > 0 here: only all/neq may precede
				return fail(i, "modifier %q cannot follow %q: it reads the value as written", m, from)
			}
			st, from = readsValue[c], m
			continue
		case "exists":
			st, from = stExists, m
			continue
		case "i", "m", "s":
			if st != stRegex {
				return fail(i, "modifier %q needs \"re\" before it", m)
			}
			continue
		}
		// The rest are string modifiers.
		switch st {
		case stValue, stString:
		case stRegex:
			if c == "contains" || c == "startswith" || c == "endswith" || c == "expand" {
				continue
			}
			if c == "cased" {
				return fail(i, "modifier \"cased\" does not apply to a regular expression (\"re\" is case-sensitive unless \"i\" is given)")
			}
			return fail(i, "modifier %q does not apply to %s (from %q)", m, stateNames[st], from)
		case stFieldRef:
			if c == "contains" || c == "startswith" || c == "endswith" {
				continue
			}
			return fail(i, "modifier %q does not apply to %s (from %q)", m, stateNames[st], from)
		default:
			return fail(i, "modifier %q does not apply to %s (from %q)", m, stateNames[st], from)
		}
		switch c {
		case "contains", "startswith", "endswith":
			if wild == "" {
				wild = m
			}
		case "base64", "base64offset":
			if wild != "" {
				return fail(i, "modifier %q cannot follow %q: a value with wildcards cannot be base64-encoded (write %q first)", m, wild, m)
			}
			if b64 != "" {
				return fail(i, "modifier %q cannot follow %q: the value is already base64-encoded", m, b64)
			}
			b64, encoded = m, -1
		case "utf16le", "utf16be", "utf16", "windash", "expand":
			if b64 != "" {
				return fail(i, "modifier %q cannot follow %q: the value is already base64-encoded", m, b64)
			}
			if encoded >= 0 {
				return fail(i, "modifier %q cannot follow %q: the value is already UTF-16-encoded", m, mods[encoded])
			}
			if c != "windash" && c != "expand" {
				encoded = i
			}
		}
		st, from = stString, m
	}
	if encoded >= 0 {
		return &ChainError{Index: encoded, Modifier: mods[encoded], Message: fmt.Sprintf(
			"modifier %q must be followed by \"base64\" or \"base64offset\" (UTF-16 encodings are only used with base64)", mods[encoded])}
	}
	return nil
}

// CheckValues reports a chain that does not fit the number of values it is
// given: "all" needs a list of at least two (spec appendix: "Single item
// values are not allowed to have an all modifier").
func CheckValues(mods []string, n int) error {
	for i, m := range mods {
		if m == "all" && n < 2 {
			return &ChainError{Index: i, Modifier: m, Message: "modifier \"all\" needs a list of at least two values"}
		}
	}
	return nil
}

// suggest returns the known modifier closest to an unknown name (edit
// distance at most 2, or the same name in lowercase), or "".
func suggest(name string) string {
	if _, ok := registry[strings.ToLower(name)]; ok {
		return strings.ToLower(name)
	}
	best, bestD := "", 3
	for _, m := range Modifiers() {
		if d := editdist.Levenshtein(strings.ToLower(name), m.Name); d < bestD {
			best, bestD = m.Name, d
		}
	}
	if len(best) <= 2 && bestD > 0 { // never suggest "i"/"m"/"s" for a typo
		return ""
	}
	return best
}
