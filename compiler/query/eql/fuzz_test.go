package eql

import (
	"errors"
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
