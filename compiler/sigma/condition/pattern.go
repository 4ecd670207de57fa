package condition

import "strings"

// MatchPattern reports whether the search identifier name is selected by
// the pattern of an "x of" expression.
//
//   - "them" selects every identifier that does not start with '_'.
//   - Otherwise '*' matches any run of characters (including none) and the
//     whole name must match, as in pySigma (pattern "sel*" becomes the regex
//     ^sel.*$, so it also matches "sel-x").
//   - Identifiers starting with '_' are hidden (spec §5.4: "them / patterns
//     never include identifiers starting with _"; filter rules rely on it
//     when they add their own identifiers): a pattern only matches them when
//     the pattern itself starts with '_'.
func MatchPattern(pattern, name string) bool {
	hidden := strings.HasPrefix(name, "_")
	if pattern == "them" {
		return !hidden
	}
	if hidden && !strings.HasPrefix(pattern, "_") {
		return false
	}
	return wildcardMatch(pattern, name)
}

// wildcardMatch matches name against a pattern whose only metacharacter is
// '*', in linear time (greedy with backtracking to the last star).
func wildcardMatch(pattern, name string) bool {
	p, n := 0, 0
	star, mark := -1, 0
	for n < len(name) {
		switch {
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, n
			p++
		case p < len(pattern) && pattern[p] == name[n]:
			p++
			n++
		case star >= 0:
			p = star + 1
			mark++
			n = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}
