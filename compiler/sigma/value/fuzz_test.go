package value

import (
	"testing"
	"unicode/utf8"
)

func FuzzParseValue(f *testing.F) {
	for _, s := range []string{
		`abc`, ``, `*`, `a*b?c`, `\*`, `\\*`, `\\\*`, `\\\\`, `C:\Windows\x`, `a\`, `%Workstations%`,
		`\%a%`, ` -enc /c`, `é-x`, "\xff\xfe", `?*\?\*`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		if len(raw) > 1024 {
			t.Skip()
		}
		v := Parse(raw)
		if len(v.Parts) == 0 {
			t.Fatalf("Parse(%q) has no parts", raw)
		}
		esc := Escape(v)
		if again := Parse(esc); show(again) != show(v) {
			t.Fatalf("Parse(%q) = %s, but Parse(Escape) = %s (escaped %q)", raw, show(v), show(again), esc)
		}
		if Escape(Parse(esc)) != esc {
			t.Fatalf("Escape is not canonical for %q", raw)
		}
		// The transformations never panic and keep their promises.
		c := Contains(v)
		if c.Parts[0].Kind != 1 || c.Parts[len(c.Parts)-1].Kind != 1 {
			t.Fatalf("Contains(%s) = %s", show(v), show(c))
		}
		if utf8.ValidString(raw) {
			n := len(windashPositions(raw))
			if n <= 3 {
				if got, want := len(Windash(v)), pow5(n); got < 1 || got > want {
					t.Fatalf("Windash(%q) gave %d values, want at most %d", raw, got, want)
				}
			}
		}
		if _, err := Expand(v, map[string][]string{"a": {"x"}}); err != nil {
			if Placeholders(v) == nil {
				t.Fatalf("Expand(%q) failed without placeholders: %v", raw, err)
			}
		}
		if !v.HasWildcards() {
			if _, err := Base64(v); err != nil {
				t.Fatal(err)
			}
			_, _ = Base64Offset(UTF16LE(v))
		}
	})
}

func pow5(n int) int {
	p := 1
	for range n {
		p *= 5
	}
	return p
}
