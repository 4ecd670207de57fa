package eql

import (
	"errors"
	"regexp"
	"testing"
)

// FuzzParse checks that the parser never panics, that every error carries a
// position inside the input, and that an accepted query prints to text that
// parses to the same query.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`any where event.action == "x"`,
		`info where stringContains(aws.cloudtrail.request_parameters, "valuesToAdd=[*]") and event.action in ("A", "B")`,
		`sequence by user.name with maxspan=5m [any where a : "x*"] [any where b regex~ "y.*"] until [any where c != null]`,
		`any where not (a like~ ("p?", "q")) or cidrMatch(source.ip, "10.0.0.0/8") or ?x > 3.5`,
		"any where `a b` == \"\\u{41}\" and c == \"\"\"raw\"\"\"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > 2000 {
			return
		}
		q, err := Parse("f", s)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error without position: %v", err)
			}
			if e.Pos.Line < 1 {
				t.Fatalf("error position %v outside the input: %v", e.Pos, err)
			}
			return
		}
		printed := q.String()
		q2, err := Parse("f", printed)
		if err != nil {
			t.Fatalf("printed query does not parse: %q: %v", printed, err)
		}
		if q2.String() != printed {
			t.Fatalf("print/parse not idempotent:\n%s\n%s", printed, q2.String())
		}
	})
}

// FuzzToLucene checks that a Sigma regex translated to Lucene and run by the
// evaluator gives RE2's search verdict on the same input, or is refused.
func FuzzToLucene(f *testing.F) {
	for _, s := range []string{`abc`, `^a|b$`, `\d{2,3}-x`, `(?i)Ab[c-e]`, `[^a]+?`, `a.b`, `"#@&<>~`, `(foo|bar)*baz`} {
		f.Add(s, "xabcx")
	}
	f.Fuzz(func(t *testing.T, re, input string) {
		if len(re) > 60 || len(input) > 60 {
			return
		}
		r2, err := regexp.Compile(re)
		if err != nil {
			return
		}
		lucene, err := ToLucene(re, RegexFlags{})
		if err != nil {
			return // refused: a construct Lucene cannot express
		}
		compiled, err := LuceneRegexp(lucene, false)
		if err != nil {
			t.Fatalf("ToLucene(%q) = %q, which the evaluator rejects: %v", re, lucene, err)
		}
		if got, want := compiled.MatchString(input), r2.MatchString(input); got != want {
			t.Fatalf("re %q → lucene %q: input %q gives %v, RE2 %v", re, lucene, input, got, want)
		}
	})
}
