package eval

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/sigforge/sigforge/compiler/ir"
)

// referenceRegexp translates a pattern into an anchored Go regular
// expression; Go's (?i) folds with the same simple folding orbits.
func referenceRegexp(parts []ir.Part, fold bool) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("(?s")
	if fold {
		b.WriteString("i")
	}
	b.WriteString(")^")
	for _, p := range parts {
		switch p.Kind {
		case ir.Literal:
			b.WriteString(regexp.QuoteMeta(p.Text))
		case ir.AnyString:
			b.WriteString(".*")
		case ir.AnyChar:
			b.WriteString(".")
		}
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String())
}

func TestPatternAgainstReference(t *testing.T) {
	cases := []struct{ pattern, s string }{
		{"", ""}, {"", "a"}, {"*", ""}, {"**", "abc"}, {"?", ""}, {"?", "é"}, {"a?c", "abc"},
		{"*a*a*", "aa"}, {"*a*a*", "a"}, {"a*b?c*d", "aXbYcZd"}, {"a*b?c*d", "abcd"},
		{"*.amazonaws.com", "RDS.AMAZONAWS.COM"}, {"*ſ*", "S"}, {"K*", "\u212a"}, {"ß", "SS"},
		{"*ab*ab*", "abab"}, {"*ab*ab*", "aab"}, {"?*?", "x"}, {"?*?", "xy"}, {"straße*", "STRASSE"},
	}
	for _, tc := range cases {
		for _, fold := range []bool{true, false} {
			parts := ir.Pattern(tc.pattern).Parts
			want := referenceRegexp(parts, fold).MatchString(tc.s)
			if got := newPattern(parts, fold).match(tc.s); got != want {
				t.Errorf("pattern %q fold=%v on %q: got %v, want %v", tc.pattern, fold, tc.s, got, want)
			}
		}
	}
}

// FuzzPattern checks the wildcard matcher against the regexp translation.
func FuzzPattern(f *testing.F) {
	f.Add("a*b?c", "AxxbYc", true)
	f.Add("*ſ*", "s", true)
	f.Add("?*?", "é", false)
	f.Add("*.amazonaws.com", "rds.amazonaws.com", false)
	f.Fuzz(func(t *testing.T, pattern, s string, fold bool) {
		if len(pattern) > 64 || len(s) > 256 || !utf8.ValidString(pattern) || !utf8.ValidString(s) {
			t.Skip()
		}
		parts := ir.Pattern(pattern).Parts
		want := referenceRegexp(parts, fold).MatchString(s)
		if got := newPattern(parts, fold).match(s); got != want {
			t.Fatalf("pattern %q fold=%v on %q: got %v, want %v", pattern, fold, s, got, want)
		}
	})
}

func BenchmarkMatchCloudTrail(b *testing.B) {
	e, err := CompileExpr(and(
		match("eventSource", ir.OpEqual, str("rds.amazonaws.com")),
		match("eventName", ir.OpEqual, str("RestoreDBInstanceFromDBSnapshot"), str("ModifyDBInstance"), pat("CreateDB*")),
		match("responseElements.publiclyAccessible", ir.OpEqual, boolean(true)),
		not(match("userIdentity.arn", ir.OpEqual, pat("*:assumed-role/AWSServiceRole*"))),
	))
	if err != nil {
		b.Fatal(err)
	}
	f := fields(b, `{"eventVersion":"1.08","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::123456789012:user/alice"},"eventTime":"2024-05-01T12:00:00Z","eventSource":"rds.amazonaws.com","eventName":"ModifyDBInstance","awsRegion":"us-east-1","sourceIPAddress":"203.0.113.9","requestParameters":{"dBInstanceIdentifier":"db1","publiclyAccessible":true},"responseElements":{"publiclyAccessible":true}}`)
	b.ReportAllocs()
	for b.Loop() {
		e.MatchFields(f)
	}
}
