package cloudwatch

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseKinds(t *testing.T) {
	for _, c := range []struct {
		src  string
		kind Kind
	}{
		{`{ $.a = 1 }`, KindJSON},
		{`  {$.a=1}`, KindJSON},
		{`[a, b]`, KindDelimited},
		{`ERROR`, KindText},
		{``, KindText},
		{`%^x%`, KindText},
	} {
		p, err := Parse(c.src)
		require.NoError(t, err, c.src)
		assert.Equal(t, c.kind, p.Kind, c.src)
	}
}

// The canonical form is what the backend writes; it must read back the same.
func TestCanonicalForm(t *testing.T) {
	for _, c := range []struct{ src, want string }{
		{`{$.eventSource="rds.amazonaws.com"&&$.eventName="ModifyDBInstance"&&$.requestParameters.publiclyAccessible IS TRUE}`,
			`{ ($.eventSource = "rds.amazonaws.com") && ($.eventName = "ModifyDBInstance") && ($.requestParameters.publiclyAccessible IS TRUE) }`},
		{`{ $.a = 1 }`, `{ $.a = 1 }`},
		{`{ ($.a = 1 || $.b = x) && $.c NOT EXISTS }`, `{ ($.a = 1 || $.b = x) && ($.c NOT EXISTS) }`},
		{`{ $.a = "q\"uo\\te" }`, `{ $.a = "q\"uo\\te" }`},
		{`{ $.a[0].b[12] != %^x[0-9]+$% }`, `{ $.a[0].b[12] != %^x[0-9]+$% }`},
		{`?ERROR ?"two words" -%^x%`, `?ERROR ?"two words" -%^x%`},
		{`[ip,user , ..., status_code=4*&&bytes>1000,]`, `[ip, user, ..., status_code = 4* && bytes > 1000, ]`},
	} {
		p, err := Parse(c.src)
		require.NoError(t, err, c.src)
		assert.Equal(t, c.want, p.String())
		again, err := Parse(p.String())
		require.NoError(t, err)
		assert.Equal(t, p.String(), again.String())
	}
}

func TestQuotedValueEscapes(t *testing.T) {
	p := MustParse(`{ $.a = "say \"hi\" \\ \n" }`)
	c := p.JSON.(*Cond)
	assert.Equal(t, `say "hi" \ \n`, c.Value.Text)
	assert.True(t, p.MatchMessage(`{"a": "say \"hi\" \\ \\n"}`))
}

func TestParseErrors(t *testing.T) {
	for _, c := range []struct{ src, want string }{
		{`{ $.a = 1`, `1:10: unexpected token "<EOF>"`},
		{`{ $.a > abc }`, `1:9: operator > needs a number, not "abc"`},
		{`{ a = 1 }`, `1:3:`},
		{`{ $.a IS MAYBE }`, `1:10:`},
		{`{ $.a = %(x)% }`, `character '(' is not supported by CloudWatch`},
		{`{ $.a = %x y% }`, `character ' ' is not supported by CloudWatch`},
		{`{ $.a = %é% }`, `is not supported by CloudWatch`},
		{`%a% %b% %c%`, `3 regular expressions; the limit is 2`},
		{`{ $.a = %a% || $.b = %b% || $.c = %c% }`, `3 regular expressions; the limit is 2`},
		{`[a, ..., b, ...]`, `"..." may appear only once`},
		{`[a, a]`, `column "a" is named twice`},
		{`"unterminated`, `1:1:`},
		{strings.Repeat("a", 1025), `1025 characters; the limit is 1024`},
	} {
		_, err := Parse(c.src)
		require.Error(t, err, c.src)
		var pe *Error
		require.True(t, errors.As(err, &pe), "%T", err)
		assert.GreaterOrEqual(t, pe.Line, 1)
		assert.GreaterOrEqual(t, pe.Col, 1)
		assert.Contains(t, err.Error(), c.want, c.src)
	}
}

func TestPatternOfExactly1024CharactersIsAccepted(t *testing.T) {
	_, err := Parse(strings.Repeat("a", 1024))
	require.NoError(t, err)
}

func TestRegexCount(t *testing.T) {
	assert.Equal(t, 2, MustParse(`{ $.a = %x% && $.b != %y% }`).RegexCount())
	assert.Equal(t, 1, MustParse(`ERROR %x%`).RegexCount())
	assert.Equal(t, 0, MustParse(`{ $.a = "%x%" }`).RegexCount())
}
