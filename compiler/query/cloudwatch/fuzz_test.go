package cloudwatch

import (
	"errors"
	"testing"
)

// FuzzParsePattern checks more than "no panic": every error is an *Error
// with a position inside the input; an accepted pattern prints to a canonical
// form that parses back to the same canonical form and matches the same
// sample events; matching never panics.
func FuzzParsePattern(f *testing.F) {
	for _, s := range []string{
		``, `""`, `ERROR`, `?ERROR ?WARN`, `ERROR -WARN`, `"ERROR" - "Exiting"`, `%AUTHORIZED%`,
		`{ $.eventType = "UpdateTrail" }`,
		`{ $.sourceIPAddress != 123.123.* }`,
		`{ $.objectList[1].id = 2 }`,
		`{ $.SomeObject IS NULL }`,
		`{ $.SomeOtherObject NOT EXISTS }`,
		`{ $.ThisFlag IS TRUE }`,
		`{ ($.user.id = 2 && $.users[0].email = "nonmatch") || $.actions[2] = "GET" }`,
		`{ $.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = nonmatch && $.actions[2] = nomatch }`,
		`{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }`,
		`{ $.numbers[0] < 10e-3 }`,
		`{ $.eventName = %^Delete% }`,
		`[ip, user, username, timestamp, request = *html*, status_code = 4*, bytes]`,
		`[..., request=*.html*, status_code=4*,]`,
		`[w1=ERROR || w1=WARN, w2]`,
		`{ $.a = "q\"x\\" }`,
	} {
		f.Add(s)
	}
	events := []string{
		`{"eventType":"UpdateTrail","a":[1,{"b":"x"}],"n":5,"s":"ERROR WARN","f":true,"z":null}`,
		`127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" 404 1534`,
		`ERROR WARN message`,
	}
	f.Fuzz(func(t *testing.T, src string) {
		if len(src) > 2048 {
			t.Skip()
		}
		p, err := Parse(src)
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("error is %T, not *Error: %v", err, err)
			}
			if pe.Line < 1 || pe.Col < 1 {
				t.Fatalf("error without a position: %v", err)
			}
			return
		}
		canon := p.String()
		q, err := Parse(canon)
		if err != nil {
			if len(canon) > MaxPatternLength {
				return // canonical spacing can lengthen a pattern near the limit
			}
			t.Fatalf("canonical form %q of %q does not parse: %v", canon, src, err)
		}
		if q.String() != canon {
			t.Fatalf("canonical form is not stable: %q -> %q", canon, q.String())
		}
		for _, ev := range events {
			if p.MatchMessage(ev) != q.MatchMessage(ev) {
				t.Fatalf("%q and its canonical form %q disagree on %s", src, canon, ev)
			}
		}
	})
}
