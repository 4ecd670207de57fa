package scan

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sigforge/sigforge/compiler/event"
)

func TestDecodeMatchesEventDecode(t *testing.T) {
	for _, in := range []string{
		`{"a":"b","n":-1.5e+3,"z":0,"t":true,"f":false,"x":null,"arr":[],"o":{},"nested":[{"k":[1,"2",{"d":null}]}]}`,
		` { "a" : "b" , "a" : "c" } `,
		`{"s":"caf\u00e9","e":"a\"b"}`, `{"u":"café"}`, `{"n":01}`, `{"n":1.}`, `{"n":-}`, `{"a":1}x`, `{"a":tru}`,
		`{"c":"tab	inside"}`, `[1]`, `{"a":[1,]}`, `{"a":1,}`, `{"a" 1}`, `{}`, `{"big":123456789012345678901234567890}`,
	} {
		checkDecode(t, []byte(in))
	}
}

func checkDecode(t *testing.T, raw []byte) {
	t.Helper()
	want, wantErr := event.Decode(raw)
	got, err := decode(raw)
	if wantErr != nil {
		require.Error(t, err, "%s", raw)
		return
	}
	require.NoError(t, err, "%s", raw)
	assert.Equal(t, want, got, "%s", raw)
}

// FuzzDecode checks that the fast path decodes exactly as event.Decode.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{`{"a":"b","n":[1,2.5e3,-0],"o":{"x":null,"t":true}}`, `{"a":"\u00e9"}`, `{"a":1e}`, `{"a":[{}]}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) { checkDecode(t, raw) })
}

// TestPruneKeepsLookups: every kept path looks up the same values in the
// pruned event as in the full one.
func TestPruneKeepsLookups(t *testing.T) {
	raw := `{"userIdentity":{"arn":"a1","sessionContext":{"x":1}},"a.b":{"c":"dotted"},"a":{"b.c":"inner","b":{"c":"deep"}},` +
		`"list":[{"k":"v1","o":2},{"k":["v2","v3"]},"s"],"eventName":"E","requestParameters":{"big":"x","id":"db"},"n":null}`
	fields, err := event.Decode([]byte(raw))
	require.NoError(t, err)
	paths := []string{"userIdentity.arn", "a.b.c", "list.k", "eventName", "requestParameters.id", "n", "missing.x"}
	pruned := pruneObject(fields, paths)
	for _, p := range paths {
		want, wantOK := event.Lookup(fields, p)
		got, gotOK := event.Lookup(pruned, p)
		assert.Equal(t, wantOK, gotOK, p)
		assert.ElementsMatch(t, want, got, p)
	}
	_, ok := pruned["requestParameters"].(map[string]any)["big"]
	assert.False(t, ok, "unread keys are dropped")
	_, ok = pruned["userIdentity"].(map[string]any)["sessionContext"]
	assert.False(t, ok)
}
