package falco

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseCanonical(t *testing.T) {
	tests := []struct{ in, want string }{
		{`ct.name="ConsoleLogin"`, `ct.name = "ConsoleLogin"`},
		{`ct.name=ConsoleLogin and not ct.error exists`, `ct.name = "ConsoleLogin" and not ct.error exists`},
		// not > and > or.
		{`a or b and not c`, `a or (b and not c)`},
		{`not a and b`, `not a and b`},
		{`not not a`, `a`},
		{`not(a or b)`, `not (a or b)`},
		{`a and(b or c)`, `a and (b or c)`},
		{`(a)`, `a`},
		{"ct.name in (a, 'b c', \"d\")", `ct.name in ("a", "b c", "d")`},
		{`ct.name in ()`, `ct.name in ()`},
		{`ct.name in(a,b)`, `ct.name in ("a", "b")`},
		{`ct.name in my_list`, `ct.name in my_list`},
		{`json.value[/requestParameters/valuesToAdd/0] = all`, `json.value[/requestParameters/valuesToAdd/0] = "all"`},
		{`json.value["/a b/c"] exists`, `json.value["/a b/c"] exists`},
		{`ec2.imageids[1] = ami-1`, `ec2.imageids[1] = "ami-1"`},
		{`tolower(ct.name) = modifydbinstance`, `tolower(ct.name) = "modifydbinstance"`},
		{`tolower( ct.name ) in (a)`, `tolower(ct.name) in ("a")`},
		{`ct.user.accountid != val(ct.recipientaccountid)`, `ct.user.accountid != val(ct.recipientaccountid)`},
		{`ct.name = tolower(ct.src)`, `ct.name = tolower(ct.src)`},
		{`evt.num > 0`, `evt.num > 0`},
		{`evt.num >= 0x10`, `evt.num >= 0x10`},
		{`ct.name startswith anyof (Create, Delete)`, `ct.name startswith anyof ("Create", "Delete")`},
		// A modifier word followed by a boolean keyword is a plain value.
		{`ct.name = oneof and a`, `ct.name = "oneof" and a`},
		{`ct.name icontains "\x41b\\c\/"`, `ct.name icontains "Ab\\c/"`},
		{`ct.name = 'it\'s'`, `ct.name = "it's"`},
		{"ct.name\n=\tx\nand\ny", `ct.name = "x" and y`},
		{`ct.name regex "Modify.*"`, `ct.name regex "Modify.*"`},
		{`ct.name glob 'Mod*'`, `ct.name glob "Mod*"`},
		// The bare word "and" is a value after an operator.
		{`ct.name = and`, `ct.name = "and"`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			e, err := Parse("", tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.want, e.String())
			// The canonical form parses back to itself.
			again, err := Parse("", e.String())
			require.NoError(t, err)
			assert.Equal(t, tt.want, again.String())
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{``, `1:1: filter input string is empty`},
		{`ct.name = "a\qb"`, `1:11: unsupported string escape sequence: \q`},
		{`ct.name = 'a\"b'`, `1:11: invalid \" escape in '-quoted string`},
		{`ct.name = "a\'b"`, `1:11: invalid \' escape in "-quoted string`},
		{`ct.name = "\x4"`, `1:11: truncated hex char escape sequence`},
		{`ct.name = "\xzz"`, `1:11: invalid hex char escape sequence: zz`},
		// A quoted string cannot end in an escaped backslash: the lexer ends
		// strings at the first quote not preceded by a backslash.
		{`ct.name = "a\\"`, `1:11: expected a string value or a field with a valid transformer`},
		{`ct.name ~ x`, `1:9: expected a valid check operator`},
		{`ct.name containsx`, `1:9: expected a valid check operator`},
		// Word operators need a blank after them, so this is no operator.
		{`ct.name contains`, `1:9: expected a valid check operator`},
		{`ct.name contains `, `1:18: expected a string value or a field with a valid transformer`},
		{`evt.num > abc`, `1:11: expected a number value or a field with a valid transformer`},
		{`ct.name = a or`, `1:15: unexpected token "<EOF>"`},
		{`(ct.name = a`, `1:13: unexpected token "<EOF>"`},
		{`ct.name = a b`, `1:13: unexpected token "b"`},
		{`"x" = y`, `1:1: expected a '(' token, a field check, or an identifier`},
		{`json.value[/a`, `1:14: expected a ']' token`},
		{`ct.name in (a b)`, `1:15: expected a ')' token`},
		// val() is only a right-hand side.
		{`val(ct.name) = x`, `1:12: expected a valid check operator`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := Parse("", tt.in)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestQuoteRoundTrip(t *testing.T) {
	for _, s := range []string{"", "a", `a"b`, `a\b`, `ends\`, `\`, `\\`, "tab\tnl\n", "\x01\x7f", "it's", "日本"} {
		e, err := Parse("", "ct.name = "+Quote(s))
		require.NoError(t, err, s)
		assert.Equal(t, []string{s}, e.(*Check).Values, s)
	}
}

func TestIsBare(t *testing.T) {
	assert.True(t, IsBare("ModifyDBInstance"))
	assert.True(t, IsBare("us-east-1"))
	for _, s := range []string{"", "a b", "a,b", "a=b", "(a", `a"`, "a'b"} {
		assert.False(t, IsBare(s), s)
	}
}
