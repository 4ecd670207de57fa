package indexed_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/sigforge/sigforge/compiler/ecs/indexed"
)

func TestValues(t *testing.T) {
	atLimit := strings.Repeat("é", 8191) // 8,191 characters, 16,382 bytes
	doc := map[string]any{"aws": map[string]any{"cloudtrail": map[string]any{
		"request_parameters": atLimit + "x",
		"response_elements":  atLimit,
		"event_version":      strings.Repeat("y", 9000),
	}}, "tags": []any{"a", nil, "b"}}
	for _, tc := range []struct {
		field string
		want  []any
	}{
		{"aws.cloudtrail.request_parameters", nil},                         // over the limit: not indexed
		{"aws.cloudtrail.response_elements", []any{atLimit}},               // at the limit, counted in characters
		{"aws.cloudtrail.event_version", []any{strings.Repeat("y", 9000)}}, // no limit
		{"tags", []any{"a", "b"}},                                          // nulls are not indexed
		{"missing", nil},
	} {
		got := indexed.Values(doc, tc.field)
		if tc.want == nil {
			assert.Empty(t, got, tc.field)
		} else {
			assert.Equal(t, tc.want, got, tc.field)
		}
	}
}
