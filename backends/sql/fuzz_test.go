package sql

import (
	"regexp"
	"testing"
)

// FuzzJavaRegex: a translated expression means what the Sigma (RE2)
// expression meant — checked with Go's RE2 on a probe string, the only
// rewrite being (?P<name> to (?<name> — or it is refused; the translator
// never panics.
func FuzzJavaRegex(f *testing.F) {
	for _, s := range [][2]string{
		{`(?P<env>prod|stage)-`, "prod-db"}, {`[]a]+`, "]a"}, {`\(?P<x>`, "(P<x>"}, {`[^]x]`, "y"},
		{`(?i)^x\z`, "X"}, {`a\Qb`, "ab"}, {`[[:alpha:]]`, "a"}, {`(?U)a+`, "aa"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, re, probe string) {
		in, err := regexp.Compile(re)
		if err != nil {
			return
		}
		got, err := javaRegex(re)
		if err != nil {
			return
		}
		out, err := regexp.Compile(got)
		if err != nil {
			t.Fatalf("%q became %q, which does not compile: %v", re, got, err)
		}
		if in.MatchString(probe) != out.MatchString(probe) {
			t.Fatalf("%q became %q: they disagree on %q", re, got, probe)
		}
	})
}
