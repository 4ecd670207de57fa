package falco

import (
	"errors"
	"strings"
	"testing"
)

var fuzzSeeds = []string{
	`ct.name="ConsoleLogin" and not ct.error exists`,
	`ct.src = "rds.amazonaws.com" and ct.name in (ModifyDBInstance, 'CreateDBSnapshot') and not ct.error exists`,
	`tolower(json.value[/requestParameters/dBInstanceIdentifier]) startswith "prod"`,
	`ct.name iglob "*snapshot*" or ct.name regex "Modify.*Attribute"`,
	`evt.num > 0x10 or not (a and b)`,
	`ct.user.accountid != val(ct.recipientaccountid)`,
	`ct.name startswith anyof (Create, Delete)`,
	`ct.name = "a\"b\\c\x41\/"`,
	`json.value["/a b/c"] = 'x'`,
	"not\tct.error exists\nand ct.region in ()",
}

// FuzzParseCondition checks that the parser never panics, that every error
// has a position inside the input, and that an accepted condition prints to
// a canonical form that parses back to the same form.
func FuzzParseCondition(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, cond string) {
		if len(cond) > 2048 {
			return
		}
		e, err := Parse("c", cond)
		if err != nil {
			var perr *Error
			if !errors.As(err, &perr) {
				t.Fatalf("error of type %T: %v", err, err)
			}
			if perr.Pos.Line < 1 || perr.Pos.Line > strings.Count(cond, "\n")+1 {
				t.Fatalf("error line %d outside the input: %v", perr.Pos.Line, err)
			}
			return
		}
		text := e.String()
		again, err := Parse("c", text)
		if err != nil {
			t.Fatalf("canonical form %q of %q does not parse: %v", text, cond, err)
		}
		if again.String() != text {
			t.Fatalf("canonical form is not stable:\n%q\n%q", text, again.String())
		}
		// Compiling must not panic either.
		_, _ = Compile(e, Version{})
	})
}
