package esql

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sigforge/sigforge/compiler/event"
)

func docs(t *testing.T, js ...string) []Doc {
	var out []Doc
	for i, j := range js {
		m, err := event.Decode([]byte(j))
		require.NoError(t, err)
		out = append(out, Doc{Fields: m, Time: time.Date(2024, 1, 1, 0, i, 0, 0, time.UTC)})
	}
	return out
}

func TestWhereSemantics(t *testing.T) {
	d := docs(t, `{"event":{"action":"ModifyDBInstance","outcome":"success"},"source":{"ip":"10.1.2.3","port":5432},"user":{"name":"Admin"},"tags":["a","b"],"msg":"a*b\\c"}`)
	cases := []struct {
		name, cond string
		want       bool
	}{
		{"== is case-sensitive", `event.action == "modifydbinstance"`, false},
		{"TO_LOWER for case-insensitivity", `TO_LOWER(event.action) == "modifydbinstance"`, true},
		{"IN", `event.action IN ("A", "ModifyDBInstance")`, true},
		{"NOT IN", `event.action NOT IN ("A", "ModifyDBInstance")`, false},
		{"LIKE wildcards", `event.action LIKE "Modify*Inst?nce"`, true},
		{"LIKE is case-sensitive", `event.action LIKE "modify*"`, false},
		{"LIKE list", `event.action LIKE ("x*", "*Instance")`, true},
		{"LIKE escapes", `msg LIKE "a\\*b\\\\c"`, true},
		{"LIKE escaped star is literal", `msg LIKE "a\\*bc*"`, false},
		{"RLIKE whole value", `event.action RLIKE "Modify"`, false},
		{"RLIKE", `event.action RLIKE "Modify.*"`, true},
		{"NOT RLIKE", `event.action NOT RLIKE "Modify.*"`, false},
		{"missing field comparison is null: WHERE drops", `missing == "x"`, false},
		{"NOT of null is null: WHERE drops (three-valued)", `NOT missing == "x"`, false},
		{"guarded negation keeps the row", `NOT (missing IS NOT NULL AND missing == "x")`, true},
		{"IS NULL", `missing IS NULL`, true},
		{"IS NOT NULL", `event.action IS NOT NULL`, true},
		{"multi-valued field reads as null", `tags == "a"`, false},
		{"OR with null and true", `missing == "x" OR event.outcome == "success"`, true},
		{"AND with null and false", `NOT (missing == "x" AND event.outcome == "failure")`, true},
		{"numbers", `source.port > 5000 AND source.port <= 5432`, true},
		{"CIDR_MATCH", `CIDR_MATCH(source.ip, "192.168.0.0/16", "10.0.0.0/8")`, true},
		{"DATE_EXTRACT", `DATE_EXTRACT("hour_of_day", @timestamp) == 0`, true},
		{"CASE", `CASE(event.outcome == "failure", 1, 2) == 2`, true},
		{"backticks", "`event`.`action` == \"ModifyDBInstance\"", true},
		{"keywords in any case", `event.action is not null and TO_LOWER(user.name) in ("admin")`, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			q, err := Parse(tc.name, "FROM logs-* METADATA _id\n| WHERE "+tc.cond)
			require.NoError(t, err)
			assert.Equal(t, tc.want, len(q.Run(d)) > 0, tc.cond)
		})
	}
}

func TestStats(t *testing.T) {
	var js []string
	for i := range 6 {
		js = append(js, fmt.Sprintf(`{"user":{"name":"u%d"},"src":"10.0.0.%d","n":%d}`, i%2, i%3, i))
	}
	d := docs(t, js...)
	run := func(q string) []*Row {
		p, err := Parse("q", q)
		require.NoError(t, err, q)
		return p.Run(d)
	}
	rows := run("FROM x\n| EVAL window = DATE_TRUNC(1 hour, @timestamp)\n| STATS c = COUNT(*), v = COUNT_DISTINCT(src), s = SUM(n), a = AVG(n), lo = MIN(n), hi = MAX(n), p = PERCENTILE(n, 50) BY window, user.name")
	require.Len(t, rows, 2)
	r0 := rows[0].Cols
	assert.Equal(t, "u0", r0["user.name"].Str)
	assert.Equal(t, 3.0, r0["c"].Num)
	assert.Equal(t, 3.0, r0["v"].Num)
	assert.Equal(t, 6.0, r0["s"].Num) // 0+2+4
	assert.Equal(t, 2.0, r0["a"].Num)
	assert.Equal(t, 0.0, r0["lo"].Num)
	assert.Equal(t, 4.0, r0["hi"].Num)
	assert.Equal(t, 2.0, r0["p"].Num)
	assert.Len(t, run("FROM x\n| STATS c = COUNT(*) BY user.name\n| WHERE c >= 3"), 2)
	assert.Empty(t, run("FROM x\n| STATS c = COUNT(*) BY user.name\n| WHERE c > 3"))
	// Fixed buckets: two minutes apart but on both sides of a boundary.
	assert.Len(t, run("FROM x\n| EVAL w = DATE_TRUNC(2 minutes, @timestamp)\n| STATS c = COUNT(*) BY w"), 3)
	// Ordered pair: first A before last B.
	rows = run("FROM x\n| EVAL t1 = CASE(user.name == \"u0\", @timestamp, null), t2 = CASE(user.name == \"u1\", @timestamp, null)\n| STATS t1 = MIN(t1), t2 = MAX(t2)\n| WHERE t1 < t2")
	assert.Len(t, rows, 1)
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ q, want string }{
		{`WHERE a == 1`, `q:1:1: a query starts with FROM <index pattern>`},
		{"FROM x\n| WHERE a ==", `q:2:13: unexpected token "<EOF>"`},
		{"FROM x\n| DISSECT a \"%{b}\"", `q:2:3: command DISSECT is not supported by sigforge's ES|QL evaluator`},
		{"FROM x\n| WHERE FOO(a)", `q:2:9: unknown function FOO`},
		{"FROM x\n| WHERE a == \"\\q\"", `q:2:14: invalid escape sequence \q in string`},
		{"FROM x\n| STATS a = TO_LOWER(b)", `q:2:9: STATS needs an aggregate function, got a`},
		{"FROM x\n| STATS a = COUNT(COUNT(b))", `q:2:19: aggregate COUNT outside STATS`},
		{"FROM x\n| WHERE COUNT(*) > 1", `q:2:9: aggregate COUNT outside STATS`},
		{"FROM x\n| WHERE CIDR_MATCH(ip, \"10.0.0.0/99\")", `q:2:9: CIDR_MATCH: invalid CIDR "10.0.0.0/99"`},
		{"FROM x\n| WHERE a RLIKE \"(x\"", `q:2:11: invalid regex "(x": at offset 2: missing )`},
	} {
		_, err := Parse("q", tc.q)
		require.Error(t, err, tc.q)
		assert.True(t, strings.HasPrefix(err.Error(), tc.want), "got %q, want %q", err, tc.want)
	}
}

// FuzzParse checks that the parser never panics and that errors carry a
// position.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"FROM logs-aws.cloudtrail-* METADATA _id, _index, _version\n| WHERE TO_LOWER(event.action) == \"x\" AND NOT (a IS NOT NULL AND a LIKE \"b*\")",
		"FROM x\n| EVAL window = DATE_TRUNC(10 minutes, @timestamp)\n| STATS c = COUNT(*) BY window, user.name\n| WHERE c >= 10",
		"FROM x | WHERE CIDR_MATCH(source.ip, \"10.0.0.0/8\") OR b RLIKE \".*x[0-9]\"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > 2000 {
			return
		}
		q, err := Parse("f", s)
		if err != nil {
			e, ok := err.(*Error)
			if !ok || e.Pos.File != "f" {
				t.Fatalf("error without position: %v", err)
			}
			return
		}
		q.Run(nil)
	})
}
