// Package esql parses and runs the subset of Elasticsearch ES|QL that
// sigforge's esql target emits and Elastic's ES|QL AWS rules use: a FROM
// source command (its index patterns are not checked: the rows are the
// documents given), then WHERE, EVAL, STATS … BY, KEEP, SORT and LIMIT with
// the functions TO_LOWER, TO_UPPER, CIDR_MATCH, DATE_TRUNC, DATE_EXTRACT,
// CASE, COALESCE, STARTS_WITH, ENDS_WITH, LENGTH and the aggregates COUNT,
// COUNT_DISTINCT, SUM, AVG, MIN, MAX, PERCENTILE, VALUES.
//
// Semantics follow ES|QL: three-valued logic (a comparison with null is
// null, WHERE keeps rows whose condition is true, NOT null is null);
// ==, IN, LIKE and RLIKE are case-sensitive; LIKE takes * and ? with \ as
// escape; RLIKE is a Lucene regex on the whole value; a multi-valued field
// reads as null in comparisons and functions (ES|QL returns null with a
// warning). A query "fires" when rows remain at the end.
package esql

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/alecthomas/participle/v2"

	"github.com/sigforge/sigforge/compiler/source"
)

// Error is a syntax or semantic error with its position in the query.
type Error struct {
	Pos source.Pos
	Msg string
}

func (e *Error) Error() string { return fmt.Sprintf("%s: %s", e.Pos, e.Msg) }

// Query is a parsed ES|QL query.
type Query struct {
	Indices  []string
	Metadata []string
	Commands []Command
}

// Command is one processing command.
type Command interface{ command() }

// Where keeps the rows whose condition is true.
type Where struct{ Cond Expr }

// Eval adds computed columns.
type Eval struct{ Columns []Column }

// Stats aggregates rows per group.
type Stats struct {
	Aggs []Column
	By   []Column
}

// Column is a named expression.
type Column struct {
	Name string
	Expr Expr
}

// Keep keeps the named columns only.
type Keep struct{ Names []string }

// Limit keeps the first N rows.
type Limit struct{ N int }

// Sort orders rows; it does not change whether a query fires, so the
// evaluator keeps the order it has.
type Sort struct{ Keys []Expr }

func (*Keep) command()  {}
func (*Limit) command() {}
func (*Sort) command()  {}
func (*Where) command() {}
func (*Eval) command()  {}
func (*Stats) command() {}

var sourceCommand = regexp.MustCompile(`(?is)^\s*from\s+([^\s|,]+(?:\s*,\s*[^\s|,]+)*)(?:\s+metadata\s+([A-Za-z_][A-Za-z0-9_]*(?:\s*,\s*[A-Za-z_][A-Za-z0-9_]*)*))?\s*`)

// Parse parses an ES|QL query; errors carry name:line:col.
func Parse(name, text string) (q *Query, err error) {
	// A grammar bug in the parser library must not take the caller down.
	defer func() {
		if r := recover(); r != nil {
			q, err = nil, &Error{Pos: source.Pos{File: name}, Msg: fmt.Sprintf("internal parser error: %v", r)}
		}
	}()
	return parse(name, text)
}

func parse(name, text string) (*Query, error) {
	m := sourceCommand.FindStringSubmatchIndex(text)
	if m == nil {
		return nil, &Error{Pos: source.Pos{File: name, Line: 1, Col: 1}, Msg: "a query starts with FROM <index pattern>"}
	}
	q := &Query{}
	for _, idx := range strings.Split(text[m[2]:m[3]], ",") {
		q.Indices = append(q.Indices, strings.TrimSpace(idx))
	}
	if m[4] >= 0 {
		for _, f := range strings.Split(text[m[4]:m[5]], ",") {
			q.Metadata = append(q.Metadata, strings.TrimSpace(f))
		}
	}
	// Blank the source command out, keeping line breaks, so that positions
	// in the rest stay those of the text.
	blank := []byte(text[:m[1]])
	for i, c := range blank {
		if c != '\n' {
			blank[i] = ' '
		}
	}
	g, err := parser.ParseString(name, string(blank)+text[m[1]:])
	if err != nil {
		var pe participle.Error
		if errors.As(err, &pe) {
			p := pe.Position()
			return nil, &Error{Pos: source.Pos{File: p.Filename, Line: p.Line, Col: p.Column}, Msg: shortMessage(pe.Message())}
		}
		return nil, &Error{Pos: source.Pos{File: name}, Msg: err.Error()}
	}
	c := converter{}
	for _, cmd := range g.Commands {
		q.Commands = append(q.Commands, c.command(cmd))
	}
	if c.err != nil {
		return nil, c.err
	}
	return q, nil
}

// shortMessage drops participle's "(expected …)" when it spells out a
// grammar production rather than a token.
func shortMessage(msg string) string {
	if i := strings.Index(msg, " (expected "); i >= 0 && len(msg)-i > 40 {
		return msg[:i]
	}
	return msg
}
