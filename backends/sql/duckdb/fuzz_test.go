package duckdb

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/sigforge/sigforge/backends"
	"github.com/sigforge/sigforge/compiler/eval"
	"github.com/sigforge/sigforge/compiler/event"
	"github.com/sigforge/sigforge/compiler/ir"
)

// FuzzMatchAgreesWithEvaluator compiles one Match (a wildcard pattern,
// cased or not, or a regular expression) on a top-level column and on a
// JSON path, runs it on DuckDB over an event holding the value, and
// requires the native evaluator's verdict: it exercises LIKE escaping, the
// quoting of literals and lower() against the evaluator's folding.
func FuzzMatchAgreesWithEvaluator(f *testing.F) {
	for _, s := range [][3]string{
		{"100%_done", "*%_*", "eq"}, {"o'brien", "O'B*", "eq"}, {`a\b`, `a\*`, "cased"},
		{"aws-cli/2.1", "aws-cli/?.?", "eq"}, {"Prod-DB", "^prod", "re"}, {"x_y", "x?y", "cased"},
		{"", "*", "eq"}, {"ab\ncd", "ab*cd", "eq"}, {"ÄÖ", "äö", "eq"},
	} {
		f.Add(s[0], s[1], s[2])
	}
	b, err := New(nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, value, pattern, mode string) {
		if !isASCII(value) || !isASCII(pattern) {
			t.Skip("Unicode case folding differs between DuckDB's lower() and Go (docs/sql.md)")
		}
		for _, field := range []string{"eventName", "requestParameters.x"} {
			m := &ir.Match{Field: field, Values: []ir.Value{ir.Pattern(pattern)}}
			switch mode {
			case "cased":
				m.Cased = true
			case "re":
				if _, err := regexp.Compile(pattern); err != nil {
					t.Skip()
				}
				m.Op = ir.OpRegex
				m.Values = []ir.Value{ir.Str(pattern)}
			}
			r := &ir.Rule{Title: "fuzz", Logsource: ir.Logsource{Product: "aws", Service: "cloudtrail"}, Detection: m}
			out, err := b.Compile(r)
			if err != nil {
				if _, ok := err.(*backends.Unsupported); ok {
					continue
				}
				t.Fatal(err)
			}
			ev, err := eval.Compile(r)
			if err != nil {
				t.Skip()
			}
			raw, _ := json.Marshal(map[string]any{"eventName": value, "requestParameters": map[string]any{"x": value}})
			fields, err := event.Decode(raw)
			if err != nil {
				t.Skip()
			}
			events := []event.Event{event.New(fields, "fuzz")}
			q, err := b.Prepare(out)
			if err != nil {
				t.Fatalf("%v\n%s", err, out.Text)
			}
			got, err := q.Fires(events)
			if err != nil {
				t.Fatalf("%v\n%s", err, out.Text)
			}
			if want := ev.Fires(events); got != want {
				t.Fatalf("%s on %q: DuckDB %v, evaluator %v\n%s", ir.Format(m), value, got, want, out.Text)
			}
		}
	})
}

func isASCII(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return r > 127 }) < 0
}
