package kql

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
	"github.com/stretchr/testify/require"
	"golang.org/x/tools/txtar"

	"github.com/sigforge/sigforge/backends"
	"github.com/sigforge/sigforge/backends/backendtest"
	sigforge "github.com/sigforge/sigforge/compiler"
	"github.com/sigforge/sigforge/compiler/corpus"
	"github.com/sigforge/sigforge/compiler/ir"
	kqlq "github.com/sigforge/sigforge/compiler/query/kql"
)

// kbnDir holds package.json/package-lock.json pinning kbn-es-query 1.0.7
// (Kibana 8.9's @kbn/es-query) and kql.js, our driver for it.
const kbnDir = "testdata/kbn"

// TestKibanaParserContract sends every KQL query the backend emits (the
// pack, the edge cases and an escaping stress set) through Kibana's own
// parser (fromKueryExpression + toElasticsearchQuery, as the detection
// engine calls them) and requires that each parses and that the
// Elasticsearch DSL has the boolean structure, fields and values our
// evaluator uses.
func TestKibanaParserContract(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed: skipping the contract test with Kibana's KQL parser")
	}
	if _, err := os.Stat(filepath.Join(kbnDir, "node_modules", "kbn-es-query", "package.json")); err != nil {
		t.Skipf("kbn-es-query is not installed: run `npm ci --prefix backends/kql/%s` (skipping the contract test)", kbnDir)
	}
	queries := emittedQueries(t)
	require.NotEmpty(t, queries)

	var in bytes.Buffer
	for _, q := range queries {
		line, err := json.Marshal(map[string]string{"query": q})
		require.NoError(t, err)
		in.Write(append(line, '\n'))
	}
	cmd := exec.Command(node, "kql.js")
	cmd.Dir = kbnDir
	cmd.Stdin = &in
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "kql.js: %s", stderr.String())

	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	i := 0
	for sc.Scan() {
		require.Less(t, i, len(queries), "more answers than queries")
		q := queries[i]
		i++
		var ans struct {
			OK    bool           `json:"ok"`
			DSL   map[string]any `json:"dsl"`
			Error string         `json:"error"`
		}
		require.NoError(t, json.Unmarshal(sc.Bytes(), &ans))
		if !ans.OK {
			t.Errorf("Kibana's parser rejects %s\n  %s", q, ans.Error)
			continue
		}
		n, err := kqlq.Parse(q)
		require.NoError(t, err, q)
		want := ours(n)
		got, err := kibana(ans.DSL)
		if err != nil {
			t.Errorf("%s: %v in %v", q, err, ans.DSL)
			continue
		}
		if os.Getenv("KQL_CONTRACT_DEBUG") != "" {
			t.Logf("%s\n  %s", q, got)
		}
		if got != want {
			t.Errorf("Kibana reads %s\n  as   %s\n  we read %s", q, got, want)
		}
	}
	require.NoError(t, sc.Err())
	require.Equal(t, len(queries), i, "answers")
	t.Logf("%d KQL queries checked with Kibana 8.9's parser", len(queries))
}

// emittedQueries compiles the pack, the edge cases and the stress rules.
func emittedQueries(t *testing.T) []string {
	t.Helper()
	var out []string
	add := func(b *Backend, rules []*ir.Rule) {
		for _, r := range rules {
			o, err := b.Compile(r)
			var u *backends.Unsupported
			if errors.As(err, &u) {
				continue
			}
			require.NoError(t, err)
			out = append(out, strings.TrimSpace(o.Text))
		}
	}
	set, cfg := backendtest.LoadPack(t)
	b, err := New(cfg)
	require.NoError(t, err)
	add(b, set.Rules)

	files, err := filepath.Glob("testdata/edge/*.txtar")
	require.NoError(t, err)
	for _, f := range files {
		a, err := txtar.ParseFile(f)
		require.NoError(t, err)
		eb, err := New(backendtest.EdgeConfig(t, a, "sigforge.yml"))
		require.NoError(t, err)
		src, _ := ruleSection(a)
		set, diags := sigforge.Parse(filepath.Base(f), src, sigforge.Options{})
		require.False(t, diags.HasErrors(), "%v", diags)
		add(eb, set.Rules)
	}

	exact := &Backend{opts: Options{Case: CaseExact}, schema: kqlq.ECSSchema()}
	add(exact, stressRules())

	// The printer's unquoted escaping (keywords, specials, \t \r \n) is
	// checked too: the backend quotes exact values and refuses whitespace in
	// wildcard values, so it never emits these itself.
	for _, v := range stressValues {
		text, err := kqlq.Format(&kqlq.Is{Field: "user_agent.original", Value: kqlq.Value{Parts: []kqlq.Part{{Text: v}, {Wildcard: true}}}})
		if err == nil {
			out = append(out, text)
		}
	}
	// Elastic's own KQL rules, when the corpus is there: our parser must
	// read them as Kibana does (the cross-check evaluates them).
	if dir, ok := corpus.Path("elastic-detection-rules"); ok {
		var files []string
		for _, pattern := range []string{"rules*/*.toml", "rules*/*/*.toml", "rules*/*/*/*.toml"} {
			m, _ := filepath.Glob(filepath.Join(dir, pattern))
			files = append(files, m...)
		}
		for _, f := range files {
			var doc struct {
				Rule struct{ Language, Query string } `toml:"rule"`
			}
			if _, err := toml.DecodeFile(f, &doc); err == nil && doc.Rule.Language == "kuery" {
				out = append(out, strings.TrimSpace(doc.Rule.Query))
			}
		}
	}

	// SigmaHQ's corpus on its own field names, when it is beside the
	// checkout: real-world values through the escaping rules.
	if _, ok := corpus.Path("sigmahq-rules"); ok {
		qs, _ := sigmaHQQueries(t)
		for _, q := range qs {
			out = append(out, q.text)
		}
	}
	return out
}

func ruleSection(a *txtar.Archive) ([]byte, bool) {
	for _, f := range a.Files {
		if f.Name == "rule.yml" {
			return f.Data, true
		}
	}
	return nil, false
}

// stressRules are rules on ECS names whose values hold every character
// KQL treats specially, the keywords, whitespace and non-ASCII text.
var stressValues = []string{
	`a\b`, `say "hi"`, `x:y`, `(paren)`, `<lt>`, `{brace}`, `star*`, `tab	here`, "new\nline",
	`a or b`, `x and y`, `not this`, `cannot stop`, `OR`, `Not now`, `ünïcødé ✓`, `\u0041`,
	`plus+minus-eq=amp&pipe|bang!`, `[sq]^~?/`, `true`, `null`, `0`, `x AND  y`, `nOt\tz`,
}

func stressRules() []*ir.Rule {
	var rules []*ir.Rule
	for i, v := range stressValues {
		exact := &ir.Match{Field: "user_agent.original", Op: ir.OpEqual, Values: []ir.Value{ir.Str(v)}}
		contains := &ir.Match{Field: "user_agent.original", Op: ir.OpEqual,
			Values: []ir.Value{{Kind: ir.KindString, Parts: []ir.Part{{Kind: ir.AnyString}, {Kind: ir.Literal, Text: v}, {Kind: ir.AnyString}}}}}
		prefix := &ir.Match{Field: "user_agent.original", Op: ir.OpEqual,
			Values: []ir.Value{{Kind: ir.KindString, Parts: []ir.Part{{Kind: ir.Literal, Text: v}, {Kind: ir.AnyString}}}}}
		for j, m := range []ir.Expr{exact, contains, prefix, &ir.Not{Arg: exact}} {
			rules = append(rules, &ir.Rule{Title: fmt.Sprintf("stress %d.%d", i, j), Detection: m})
		}
	}
	rules = append(rules,
		&ir.Rule{Title: "cidr", Detection: &ir.Match{Field: "source.ip", Op: ir.OpCIDR, Values: []ir.Value{ir.Str("10.0.0.0/8"), ir.Str("2001:db8::/32")}}},
		&ir.Rule{Title: "range", Detection: &ir.Match{Field: "source.as.number", Op: ir.OpGTE, Values: []ir.Value{ir.NumValue(64512)}}},
		&ir.Rule{Title: "keywords", Detection: &ir.Match{Op: ir.OpEqual, Values: []ir.Value{ir.Str("DeleteDBInstance"), ir.Str("x:y")}, Cased: true}},
		&ir.Rule{Title: "nested not", Detection: &ir.Not{Arg: &ir.Or{Args: []ir.Expr{
			&ir.Match{Field: "event.action", Op: ir.OpNull},
			&ir.And{Args: []ir.Expr{&ir.Match{Field: "event.outcome", Op: ir.OpExists}, &ir.Not{Arg: &ir.Match{Field: "event.action", Op: ir.OpNull}}}},
		}}}},
	)
	return rules
}

// ours renders our parse in the canonical form kibana() gives the DSL.
func ours(n kqlq.Node) string {
	switch x := n.(type) {
	case *kqlq.MatchAll:
		return "match_all"
	case *kqlq.And:
		return list("and", x.Args)
	case *kqlq.Or:
		return list("or", x.Args)
	case *kqlq.Not:
		return "not(" + ours(x.Arg) + ")"
	case *kqlq.Exists:
		return "exists(" + x.Field + ")"
	case *kqlq.Range:
		return "range(" + x.Field + " " + rangeOps[x.Op] + " " + x.Value.Text() + ")"
	case *kqlq.Is:
		v := x.Value
		switch {
		case v.HasWildcard() && x.Field == "":
			return "query_string(" + queryString(v) + ")"
		case v.HasWildcard():
			return "query_string(" + x.Field + ": " + queryString(v) + ")"
		case x.Field == "" && v.Quoted:
			return "multi_match_phrase(" + v.Text() + ")"
		case x.Field == "":
			return "multi_match(" + v.Text() + ")"
		case v.Quoted:
			return "match_phrase(" + x.Field + ": " + v.Text() + ")"
		}
		return "match(" + x.Field + ": " + v.Text() + ")"
	}
	return fmt.Sprintf("?%T", n)
}

var rangeOps = map[string]string{"<": "lt", "<=": "lte", ">": "gt", ">=": "gte"}

func list(op string, args []kqlq.Node) string {
	parts := make([]string, len(args))
	for i, a := range args {
		parts[i] = ours(a)
	}
	return op + "(" + strings.Join(parts, ", ") + ")"
}

// queryString is the query_string text Kibana makes of a wildcard value:
// every query_string operator character of the literal runs escaped
// (whitespace is not), wildcards as *.
func queryString(v kqlq.Value) string {
	var b strings.Builder
	for _, p := range v.Parts {
		if p.Wildcard {
			b.WriteByte('*')
			continue
		}
		for _, r := range p.Text {
			if strings.ContainsRune(`+-=&|><!(){}[]^"~*?:\/`, r) {
				b.WriteByte('\\')
			}
			b.WriteRune(r)
		}
	}
	return b.String()
}

// kibana renders Kibana's DSL in the canonical form: bool.filter is and,
// bool.should with minimum_should_match 1 is or (one clause: the clause
// itself), bool.must_not is not.
func kibana(q map[string]any) (string, error) {
	if len(q) != 1 {
		return "", fmt.Errorf("query with %d keys", len(q))
	}
	for kind, body := range q {
		m, _ := body.(map[string]any)
		switch kind {
		case "match_all":
			return "match_all", nil
		case "bool":
			return kibanaBool(m)
		case "exists":
			return "exists(" + fmt.Sprint(m["field"]) + ")", nil
		case "range":
			for f, b := range m {
				bm, _ := b.(map[string]any)
				for op, v := range bm {
					return "range(" + f + " " + op + " " + scalar(v) + ")", nil
				}
			}
		case "match", "match_phrase":
			for f, v := range m {
				return kind + "(" + f + ": " + scalar(v) + ")", nil
			}
		case "multi_match":
			if m["type"] == "phrase" {
				return "multi_match_phrase(" + scalar(m["query"]) + ")", nil
			}
			return "multi_match(" + scalar(m["query"]) + ")", nil
		case "query_string":
			fields, _ := m["fields"].([]any)
			if len(fields) == 0 {
				return "query_string(" + scalar(m["query"]) + ")", nil
			}
			return "query_string(" + scalar(fields[0]) + ": " + scalar(m["query"]) + ")", nil
		}
		return "", fmt.Errorf("unexpected query %q", kind)
	}
	return "", nil
}

func kibanaBool(m map[string]any) (string, error) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var clauses []string
	for _, k := range keys {
		var items []any
		switch v := m[k].(type) {
		case []any:
			items = v
		case map[string]any:
			items = []any{v}
		}
		var parts []string
		for _, it := range items {
			im, _ := it.(map[string]any)
			s, err := kibana(im)
			if err != nil {
				return "", err
			}
			parts = append(parts, s)
		}
		switch k {
		case "filter", "must":
			clauses = append(clauses, wrap("and", parts))
		case "should":
			clauses = append(clauses, wrap("or", parts))
		case "must_not":
			for _, p := range parts {
				clauses = append(clauses, "not("+p+")")
			}
		case "minimum_should_match":
		default:
			return "", fmt.Errorf("unexpected bool clause %q", k)
		}
	}
	return wrap("and", clauses), nil
}

func wrap(op string, parts []string) string {
	if len(parts) == 1 {
		return parts[0]
	}
	return op + "(" + strings.Join(slices.Clone(parts), ", ") + ")"
}

func scalar(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return fmt.Sprint(v)
}
