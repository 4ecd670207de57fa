// Package indexed models what Elasticsearch indexes of a document of the
// aws.cloudtrail data stream, for the evaluators that run compiled Elastic
// queries (KQL, Lucene, EQL): a keyword value longer than its field's
// ignore_above stays in _source but is neither indexed nor kept in doc
// values, so no query, not even exists, finds it.
package indexed

import (
	"unicode/utf8"

	"github.com/sigforge/sigforge/compiler/event"
)

// IgnoreAbove are the keyword fields of the aws.cloudtrail mapping with an
// ignore_above limit (fields.yml of the integration), in characters.
var IgnoreAbove = map[string]int{
	"aws.cloudtrail.request_parameters": 8191,
	"aws.cloudtrail.response_elements":  8191,
}

// Values returns the indexed values of a field: the scalars (and objects)
// at the path, without nulls and without strings longer than the field's
// ignore_above (counted in characters, as Elasticsearch does).
func Values(doc map[string]any, field string) []any {
	vs, _ := event.Lookup(doc, field)
	limit, limited := IgnoreAbove[field]
	out := vs[:0:0]
	for _, v := range vs {
		if v == nil {
			continue
		}
		if s, ok := v.(string); ok && limited && utf8.RuneCountInString(s) > limit {
			continue
		}
		out = append(out, v)
	}
	return out
}
