package duckdb

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sigforge/sigforge/compiler/harness"
)

// TestViewsAgree: the per-column view (few records) and the parsed view
// (materialized for many) give the same rows for the same records.
func TestViewsAgree(t *testing.T) {
	e, err := Open()
	require.NoError(t, err)
	events, err := harness.Parse("e.ndjson", []byte(`{"eventTime":"2026-01-01T00:00:00Z","eventName":"X","readOnly":true,"requestParameters":{"a":[1,"b",null],"n":1.50},"responseElements":null,"userIdentity":{"type":"IAMUser","arn":"a","sessionContext":{"attributes":{"mfaAuthenticated":"false"}}},"resources":[{"ARN":"r","accountId":"1"}]}
{"eventTime":"2026-01-01T00:00:01Z","requestParameters":"text","additionalEventData":{"x":{"y":2}},"userIdentity":{"arn":{"odd":1}},"eventVersion":1.08}
{"eventName":null}`))
	require.NoError(t, err)
	require.NoError(t, e.Load(events))
	a, err := e.Rows("SELECT * EXCLUDE (_raw, _origin) FROM cloudtrail_view ORDER BY _ord")
	require.NoError(t, err)
	b, err := e.Rows("SELECT * EXCLUDE (_raw, _origin) FROM cloudtrail_parsed ORDER BY _ord")
	require.NoError(t, err)
	require.Len(t, a, len(events))
	require.Equal(t, fmt.Sprint(a), fmt.Sprint(b))
}
