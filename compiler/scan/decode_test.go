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
