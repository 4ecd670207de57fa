package sql

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sigforge/sigforge/backends"
	"github.com/sigforge/sigforge/compiler/ir"
	"github.com/sigforge/sigforge/compiler/source"
)

func TestLikePattern(t *testing.T) {
	for _, tc := range []struct {
		pattern string
		cased   bool
		want    string
	}{
		{"abc", false, "abc"},
		{"*Abc*", false, "%abc%"},
		{"*Abc*", true, "%Abc%"},
		{"a?c", false, "a_c"},
		{"100%_x", false, `100\%\_x`},
		{`back\slash*`, false, `back\\slash%`},
		{"o'brien", false, "o'brien"}, // quoting is quote()'s job
	} {
		t.Run(tc.pattern, func(t *testing.T) {
			assert.Equal(t, tc.want, likePattern(ir.Pattern(tc.pattern), tc.cased))
		})
	}
	assert.Equal(t, "'o''brien'", quote("o'brien"))
}

func TestIPv4Range(t *testing.T) {
	for _, tc := range []struct {
		cidr   string
		lo, hi uint32
		err    string
	}{
		{"10.0.0.0/8", 10 << 24, 10<<24 | 1<<24 - 1, ""},
		{"192.168.1.128/25", 192<<24 | 168<<16 | 1<<8 | 128, 192<<24 | 168<<16 | 1<<8 | 255, ""},
		{"10.1.2.3/32", 10<<24 | 1<<16 | 2<<8 | 3, 10<<24 | 1<<16 | 2<<8 | 3, ""},
		{"0.0.0.0/0", 0, 1<<32 - 1, ""},
		{"10.1.2.3/8", 10 << 24, 10<<24 | 1<<24 - 1, ""}, // host bits are masked
		{"2001:db8::/32", 0, 0, "IPv6"},
		{"10.0.0.0/33", 0, 0, "not a CIDR"},
	} {
		t.Run(tc.cidr, func(t *testing.T) {
			lo, hi, err := ipv4Range(tc.cidr)
			if tc.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, [2]uint32{tc.lo, tc.hi}, [2]uint32{lo, hi})
		})
	}
}

func TestJavaRegex(t *testing.T) {
	for _, tc := range []struct{ in, want, err string }{
		{`aws-cli/[0-9]+`, `aws-cli/[0-9]+`, ""},
		{`(?P<env>prod)-`, `(?<env>prod)-`, ""},
		{`(?i)^x\z`, `(?i)^x\z`, ""},
		{`[]a]`, `[]a]`, ""},
		{`[^]a]`, `[^]a]`, ""},
		{`\(?P<x>`, `\(?P<x>`, ""}, // escaped: not a group
		{`[[:digit:]]`, "", "POSIX"},
		{`(?U)a+`, "", "ungreedy"},
		{`\Qa.b\E`, "", `\Q`},
		{`\C`, "", `\C`},
		{`(`, "", "invalid"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := javaRegex(tc.in)
			if tc.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

// TestUnsupportedPosition: a refusal names the Match's position, the
// target and the construct.
func TestUnsupportedPosition(t *testing.T) {
	pos := source.Pos{File: "r.yml", Line: 7, Col: 9}
	r := &ir.Rule{Title: "T", Logsource: ir.Logsource{Product: "aws", Service: "cloudtrail"},
		Detection: &ir.Match{Pos: pos, Field: "sourceIPAddress", Op: ir.OpCIDR, Values: []ir.Value{ir.Str("2001:db8::/32")}}}
	for _, b := range []*Backend{New(NameAthena, Athena{}), New(NameDuckDB, DuckDB{}), New(NameCloudTrailLake, CloudTrailLake{})} {
		_, err := b.Compile(r)
		var u *backends.Unsupported
		require.True(t, errors.As(err, &u), "%v", err)
		assert.Equal(t, pos, u.Pos)
		assert.Equal(t, b.Name(), u.Target)
		assert.Contains(t, u.Error(), "r.yml:7:9")
		assert.Contains(t, u.Reason, "IPv6")
	}
}

// TestNULIsRefused: a NUL character would end the SQL string literal
// (found by FuzzMatchAgreesWithEvaluator on DuckDB).
func TestNULIsRefused(t *testing.T) {
	for _, m := range []*ir.Match{
		{Field: "eventName", Values: []ir.Value{ir.Str("a\x00b")}},
		{Field: "eventName", Values: []ir.Value{ir.Pattern("a\x00*")}},
		{Field: "eventName", Op: ir.OpRegex, Values: []ir.Value{ir.Str("^a\x00")}},
	} {
		r := &ir.Rule{Title: "T", Logsource: ir.Logsource{Product: "aws", Service: "cloudtrail"}, Detection: m}
		for _, b := range []*Backend{New(NameAthena, Athena{}), New(NameDuckDB, DuckDB{}), New(NameCloudTrailLake, CloudTrailLake{})} {
			_, err := b.Compile(r)
			var u *backends.Unsupported
			require.True(t, errors.As(err, &u), "%s: %v", b.Name(), err)
			assert.Equal(t, "NUL character in a value", u.Construct)
		}
	}
}

// TestTimeFilter: --since/--until become partition and eventtime bounds.
func TestTimeFilter(t *testing.T) {
	r := &ir.Rule{Title: "T", Detection: &ir.Match{Field: "eventName", Values: []ir.Value{ir.Str("StopDBInstance")}}}
	rng := Range{Since: mustTime(t, "2026-10-01T10:00:00Z"), Until: mustTime(t, "2026-10-03T00:00:00Z")}
	q, err := New(NameAthena, Athena{}).Query(r, rng)
	require.NoError(t, err)
	assert.Contains(t, q, `"timestamp" >= '2026/10/01'`)
	assert.Contains(t, q, `"timestamp" <= '2026/10/03'`)
	assert.Contains(t, q, "from_iso8601_timestamp(eventtime) < from_iso8601_timestamp('2026-10-03T00:00:00Z')")
	q, err = New(NameDuckDB, DuckDB{}).Query(r, Range{Since: rng.Since})
	require.NoError(t, err)
	assert.Contains(t, q, "TRY_CAST(eventtime AS TIMESTAMPTZ) >= CAST('2026-10-01T10:00:00Z' AS TIMESTAMPTZ)")
	assert.NotContains(t, q, "<")
}

func ExampleBackend_Compile() {
	r := &ir.Rule{Title: "RDS instance stopped", Logsource: ir.Logsource{Product: "aws", Service: "cloudtrail"},
		Detection: &ir.And{Args: []ir.Expr{
			&ir.Match{Field: "eventName", Values: []ir.Value{ir.Str("StopDBInstance")}},
			&ir.Match{Field: "requestParameters.dBInstanceIdentifier", Values: []ir.Value{ir.Pattern("prod-*")}},
		}}}
	out, _ := New(NameAthena, Athena{}).Compile(r)
	fmt.Print(out.Text)
	// Output:
	// SELECT *
	// FROM cloudtrail_logs
	// WHERE COALESCE(lower(eventname) = 'stopdbinstance', FALSE)
	//   AND COALESCE(any_match(IF(json_array_length(json_extract(requestparameters, '$.dBInstanceIdentifier')) IS NULL, ARRAY[json_extract(requestparameters, '$.dBInstanceIdentifier')], CAST(json_extract(requestparameters, '$.dBInstanceIdentifier') AS ARRAY(JSON))), x1 -> lower(json_extract_scalar(x1, '$')) LIKE 'prod-%' ESCAPE '\'), FALSE)
}

func mustTime(t *testing.T, s string) (tm time.Time) {
	t.Helper()
	tm, err := time.Parse(time.RFC3339, s)
	require.NoError(t, err)
	return tm
}
