package backtest

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/sigforge/sigforge/compiler/query/kql"
)

// KQLToDSL converts a KQL query into the Elasticsearch query DSL exactly as
// Kibana's detection engine does for a custom query rule: @kbn/es-query's
// toElasticsearchQuery without a data view, so field:value becomes match (or
// match_phrase when quoted), a wildcard value query_string, field:*
// exists, each wrapped in a one-clause bool should; and becomes
// bool.filter, or bool.should with minimum_should_match 1, not
// bool.must_not. A test compares the result with Kibana's own conversion
// (kbn-es-query 1.0.7) for every query the KQL target emits.
func KQLToDSL(n kql.Node) (map[string]any, error) {
	switch x := n.(type) {
	case *kql.MatchAll:
		return obj("match_all", map[string]any{}), nil
	case *kql.And:
		args, err := convertAll(x.Args)
		if err != nil {
			return nil, err
		}
		return obj("bool", map[string]any{"filter": args}), nil
	case *kql.Or:
		args, err := convertAll(x.Args)
		if err != nil {
			return nil, err
		}
		return obj("bool", map[string]any{"should": args, "minimum_should_match": 1}), nil
	case *kql.Not:
		arg, err := KQLToDSL(x.Arg)
		if err != nil {
			return nil, err
		}
		return obj("bool", map[string]any{"must_not": arg}), nil
	case *kql.Exists:
		return should(obj("exists", map[string]any{"field": x.Field})), nil
	case *kql.Range:
		op, ok := rangeOps[x.Op]
		if !ok {
			return nil, fmt.Errorf("kql: unknown range operator %q", x.Op)
		}
		return should(obj("range", map[string]any{x.Field: map[string]any{op: x.Value.Text()}})), nil
	case *kql.Nested:
		q, err := KQLToDSL(x.Query)
		if err != nil {
			return nil, err
		}
		return obj("nested", map[string]any{"path": x.Path, "query": q, "score_mode": "none"}), nil
	case *kql.Is:
		return isQuery(x), nil
	}
	return nil, fmt.Errorf("kql: cannot convert %T to the query DSL", n)
}

var rangeOps = map[string]string{"<": "lt", "<=": "lte", ">": "gt", ">=": "gte"}

func isQuery(x *kql.Is) map[string]any {
	wild := !x.Value.Quoted && x.Value.HasWildcard()
	if x.Field == "" {
		if wild {
			return obj("query_string", map[string]any{"query": queryString(x.Value)})
		}
		typ := "best_fields"
		if x.Value.Quoted {
			typ = "phrase"
		}
		return obj("multi_match", map[string]any{"type": typ, "query": x.Value.Text(), "lenient": true})
	}
	switch {
	case wild:
		return should(obj("query_string", map[string]any{"fields": []any{x.Field}, "query": queryString(x.Value)}))
	case x.Value.Quoted:
		return should(obj("match_phrase", map[string]any{x.Field: x.Value.Text()}))
	default:
		return should(obj("match", map[string]any{x.Field: x.Value.Text()}))
	}
}

// queryStringReserved are the characters @kbn/es-query escapes in the
// literal parts of a wildcard value (Elasticsearch's query_string reserved
// characters, without whitespace).
var queryStringReserved = regexp.MustCompile(`[+\-=&|><!(){}\[\]^"~*?:\\/]`)

func queryString(v kql.Value) string {
	var b strings.Builder
	for _, p := range v.Parts {
		if p.Wildcard {
			b.WriteByte('*')
			continue
		}
		b.WriteString(queryStringReserved.ReplaceAllString(p.Text, `\$0`))
	}
	return b.String()
}

func convertAll(nodes []kql.Node) ([]any, error) {
	out := make([]any, len(nodes))
	for i, n := range nodes {
		q, err := KQLToDSL(n)
		if err != nil {
			return nil, err
		}
		out[i] = q
	}
	return out, nil
}

func should(q map[string]any) map[string]any {
	return obj("bool", map[string]any{"should": []any{q}, "minimum_should_match": 1})
}

func obj(k string, v any) map[string]any { return map[string]any{k: v} }
