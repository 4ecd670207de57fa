package falco

import (
	"regexp"
	"strings"
	"testing"

	"github.com/sigforge/sigforge/compiler/eval"
	"github.com/sigforge/sigforge/compiler/event"
	"github.com/sigforge/sigforge/compiler/ir"
	fq "github.com/sigforge/sigforge/compiler/query/falco"
)

func asciiPrintable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == 0 || s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// FuzzRegexTranslation checks that a Sigma regex searched in a value and
// its Falco rewrite matched against the whole value agree.
func FuzzRegexTranslation(f *testing.F) {
	f.Add(`tmp-\d{2,3}`, uint8(0), "my-tmp-42-db")
	f.Add(`^exfil(-[a-z]+)?$`, uint8(0), "exfil-abc")
	f.Add(`sqlmap|hydra`, uint8(1), "Mozilla SQLMap")
	f.Add(`^a.b$`, uint8(6), "x\na\nb")
	f.Add(`[^a-c]+x*?`, uint8(0), "dd")
	f.Fuzz(func(t *testing.T, pattern string, flags uint8, value string) {
		if len(pattern) > 64 || len(value) > 64 {
			return
		}
		fl := ir.RegexFlags{IgnoreCase: flags&1 != 0, Multiline: flags&2 != 0, DotAll: flags&4 != 0}
		prefix := ""
		if fl.IgnoreCase {
			prefix += "i"
		}
		if fl.Multiline {
			prefix += "m"
		}
		if fl.DotAll {
			prefix += "s"
		}
		if prefix != "" {
			prefix = "(?" + prefix + ")"
		}
		sigma, err := regexp.Compile(prefix + pattern)
		if err != nil {
			return
		}
		out, err := translateRegex(pattern, fl)
		if err != nil {
			return // refused
		}
		falco, err := fq.CompileRegex(out)
		if err != nil {
			t.Fatalf("%q → %q does not load: %v", pattern, out, err)
		}
		if a, b := sigma.MatchString(value), falco.MatchString(value); a != b {
			t.Fatalf("%q flags %v on %q: Sigma %v, Falco %q %v", pattern, fl, value, a, out, b)
		}
	})
}

// FuzzValueMatch checks that a Sigma value pattern and its Falco form agree
// on a field value, for a free-text field (json.value and ct.useragent) and
// the canonical fields (eventSource lower case, eventName API names), with
// the field present or absent, negated or not.
func FuzzValueMatch(f *testing.F) {
	f.Add("prod-*", "PROD-db", uint8(0))
	f.Add("*Terraform*", "terraform/1.6", uint8(1))
	f.Add(`a\*b?c`, `a*bxc`, uint8(0))
	f.Add("rds.*", "rds.amazonaws.com", uint8(2))
	f.Add("modifydbinstance", "ModifyDBInstance", uint8(3))
	f.Add(`x"y\`, `X"Y\`, uint8(4))
	f.Add("abc", "abc", uint8(48))
	f.Add("a*", "A", uint8(33))
	f.Fuzz(func(t *testing.T, pattern, value string, sel uint8) {
		if len(pattern) > 40 || len(value) > 40 || !asciiPrintable(pattern) || !asciiPrintable(value) {
			return
		}
		v := ir.Value{Kind: ir.KindString}
		// Sigma escapes: \* and \? are literal; any other character as is.
		var lit strings.Builder
		flush := func() {
			if lit.Len() > 0 {
				v.Parts = append(v.Parts, ir.Part{Kind: ir.Literal, Text: lit.String()})
				lit.Reset()
			}
		}
		for i := 0; i < len(pattern); i++ {
			c := pattern[i]
			switch {
			case c == '\\' && i+1 < len(pattern) && (pattern[i+1] == '*' || pattern[i+1] == '?'):
				lit.WriteByte(pattern[i+1])
				i++
			case c == '*':
				flush()
				v.Parts = append(v.Parts, ir.Part{Kind: ir.AnyString})
			case c == '?':
				flush()
				v.Parts = append(v.Parts, ir.Part{Kind: ir.AnyChar})
			default:
				lit.WriteByte(c)
			}
		}
		flush()
		if len(v.Parts) == 0 {
			v.Parts = []ir.Part{{Kind: ir.Literal, Text: ""}}
		}
		m := &ir.Match{Op: ir.OpEqual, Values: []ir.Value{v}, Cased: sel&8 != 0}
		fields := map[string]any{"eventTime": "2026-01-01T00:00:00Z", "eventType": "AwsApiCall"}
		switch sel % 4 {
		case 0:
			m.Field = "requestParameters.dBInstanceIdentifier"
			fields["requestParameters"] = map[string]any{"dBInstanceIdentifier": value}
		case 1:
			m.Field = "userAgent"
			fields["userAgent"] = value
		case 2:
			// CloudTrail writes eventSource in lower case.
			m.Field = "eventSource"
			fields["eventSource"] = strings.ToLower(value)
		case 3:
			// CloudTrail writes a known API action with its spelling.
			m.Field = "eventName"
			if spelled, ok := apiNames[strings.ToLower(value)]; ok {
				value = spelled
			}
			fields["eventName"] = value
		}
		if sel&16 != 0 {
			// The field is absent: every Falco comparison is false, and
			// only "not" makes it true, as in Sigma.
			delete(fields, "requestParameters")
			delete(fields, m.Field)
		}
		var det ir.Expr = m
		if sel&32 != 0 {
			det = &ir.Not{Arg: m}
		}
		r := &ir.Rule{ID: "x", Title: "fuzz", Level: "low", Logsource: ir.Logsource{Product: "aws", Service: "cloudtrail"}, Detection: det}
		native, err := eval.Compile(r)
		if err != nil {
			return
		}
		ev := event.New(fields, "fuzz")
		want := native.Match(ev)
		for _, engine := range []string{"0.43.0", "0.31.0"} {
			b, err := New(nil)
			if err != nil {
				t.Fatal(err)
			}
			b.engine = fq.MustVersion(engine)
			out, err := b.Compile(r)
			if err != nil {
				t.Fatalf("compile: %v", err)
			}
			q, err := b.Prepare(out)
			if err != nil {
				t.Fatalf("engine %s: the output does not load: %v\n%s", engine, err, out.Text)
			}
			got, err := q.Fires([]event.Event{ev})
			if err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Fatalf("engine %s: %s %q on %q: Sigma %v, Falco %v\n%s", engine, m.Field, pattern, value, want, got, out.Text)
			}
		}
	})
}
