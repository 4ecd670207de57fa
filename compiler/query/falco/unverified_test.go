package falco

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The tests below pin behaviour that was inferred, not observed on a real
// Falco (see docs/falco.md, "Not confirmed").

func matches(t *testing.T, cond, raw string) bool {
	t.Helper()
	e, err := Parse("", cond)
	require.NoError(t, err)
	f, err := Compile(e, Version{})
	require.NoError(t, err)
	return f.Match(record(t, raw))
}

const objRecord = `{"eventTime": "2026-01-01T00:00:00Z", "eventType": "AwsApiCall",
  "requestParameters": {"z": 1, "a": "x<y", "name": "Ünïcode", "path": "/a/b/c", "enc": "aGVsbG8=", "bad": "%%%"}}`

// fastjson keeps the record's key order; the evaluator sorts keys.
func TestUnverifiedObjectKeyOrder(t *testing.T) {
	assert.True(t, matches(t, `ct.request = '{"a":"x<y","bad":"%%%","enc":"aGVsbG8=","name":"Ünïcode","path":"/a/b/c","z":1}'`, objRecord))
}

// Falco is assumed to run in the C locale: case folding is ASCII only.
func TestUnverifiedASCIICaseFolding(t *testing.T) {
	assert.True(t, matches(t, `json.value[/requestParameters/name] icontains "ÜNï"`, objRecord))
	assert.False(t, matches(t, `json.value[/requestParameters/name] icontains "ünï"`, objRecord))
	assert.False(t, matches(t, `tolower(json.value[/requestParameters/name]) = "ünïcode"`, objRecord))
	assert.True(t, matches(t, `tolower(json.value[/requestParameters/name]) = "Ünïcode"`, objRecord))
}

// b64() on invalid input is taken as "not extracted".
func TestUnverifiedB64Invalid(t *testing.T) {
	assert.True(t, matches(t, `b64(json.value[/requestParameters/enc]) = hello`, objRecord))
	assert.False(t, matches(t, `b64(json.value[/requestParameters/bad]) exists`, objRecord))
}

// pmatch is taken as "equal to or under one of the paths".
func TestUnverifiedPmatch(t *testing.T) {
	assert.True(t, matches(t, `json.value[/requestParameters/path] pmatch (/a/b)`, objRecord))
	assert.True(t, matches(t, `json.value[/requestParameters/path] pmatch (/a/b/c)`, objRecord))
	assert.False(t, matches(t, `json.value[/requestParameters/path] pmatch (/a/bc)`, objRecord))
}

// A right-hand transformer (used by the backend for fieldref) compares the
// transformed values.
func TestUnverifiedRightHandTransformer(t *testing.T) {
	raw := `{"eventTime": "2026-01-01T00:00:00Z", "eventType": "AwsApiCall", "userIdentity": {"accountId": "ABC"}, "recipientAccountId": "abc"}`
	assert.True(t, matches(t, `tolower(json.value[/userIdentity/accountId]) = tolower(ct.recipientaccountid)`, raw))
	assert.False(t, matches(t, `json.value[/userIdentity/accountId] = val(ct.recipientaccountid)`, raw))
}

// Quoted field arguments are unescaped before the plugin sees them.
func TestUnverifiedQuotedFieldArgument(t *testing.T) {
	raw := `{"eventTime": "2026-01-01T00:00:00Z", "eventType": "AwsApiCall", "requestParameters": {"a b": "x", "c\"d": "y"}}`
	assert.True(t, matches(t, `json.value["/requestParameters/a b"] = x`, raw))
	assert.True(t, matches(t, `json.value["/requestParameters/c\"d"] = y`, raw))
}

// Go's regexp/syntax with ClassNL is taken to accept what RE2::POSIX
// accepts.
func TestUnverifiedPOSIXRegexDialect(t *testing.T) {
	for _, ok := range []string{`a{2,3}`, `[[:alpha:]]+`, `(a|b)*`, `\x41`, `[^\n]`, `(.|\n)*`} {
		_, err := CompileRegex(ok)
		assert.NoError(t, err, ok)
	}
	for _, bad := range []string{`\d`, `\w`, `\bx`, `(?i)x`, `(?:x)`, `\pL`, `\Qx\E`, `\z`} {
		_, err := CompileRegex(bad)
		assert.Error(t, err, bad)
	}
	re, err := CompileRegex(`^b$`)
	require.NoError(t, err)
	assert.True(t, re.MatchString("b"))
	assert.False(t, re.MatchString("a\nb"), "the match is anchored at both ends of the value")
}
