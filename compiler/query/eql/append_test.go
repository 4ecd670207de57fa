package eql

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// The Append functions write what the string-returning ones return.
func TestAppendMatchesString(t *testing.T) {
	for _, s := range []string{
		"", "plain", `C:\Windows\System32\*.exe`, `say "hi"`, "tab\there\nnew\rline\bback\fform",
		"ctl\x01\x1f\x7f", "ünïcödé ✓", "bad \xff utf8 \xc3", "a.b?c*d+e|f(g)[h]{i}~j#k@l&m<n>o\"p'q",
		"`back`ticks`", "mixed\\\"\n\xe2\x82",
	} {
		assert.Equal(t, Quote(s), string(AppendQuoted(nil, s)), "AppendQuoted(%q)", s)
		assert.Equal(t, Quote(LuceneLiteral(s)), `"`+string(AppendQuotedLucene(nil, s))+`"`, "AppendQuotedLucene(%q)", s)
		assert.Equal(t, FieldName(s), string(AppendFieldName([]byte{}, s)), "AppendFieldName(%q)", s)
	}
	for _, cat := range []string{"any", "process", "where", "two words", "sequence", "@x", "é"} {
		e := &EventQuery{Category: cat, Where: &Field{Path: "f"}}
		assert.Equal(t, e.String(), string(AppendCategory(nil, cat))+" where f", "AppendCategory(%q)", cat)
	}
}

func FuzzAppendMatchesString(f *testing.F) {
	for _, s := range []string{"", `C:\x\*.exe`, "a\"b\n\xff", "ü✓\x7f"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got := string(AppendQuoted(nil, s)); got != Quote(s) {
			t.Fatalf("AppendQuoted(%q) = %s, Quote: %s", s, got, Quote(s))
		}
		if got, want := `"`+string(AppendQuotedLucene(nil, s))+`"`, Quote(LuceneLiteral(s)); got != want {
			t.Fatalf("AppendQuotedLucene(%q) = %s, want %s", s, got, want)
		}
		if got := string(AppendFieldName(nil, s)); got != FieldName(s) {
			t.Fatalf("AppendFieldName(%q) = %s, FieldName: %s", s, got, FieldName(s))
		}
	})
}
