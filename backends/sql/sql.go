// Package sql compiles rules to SQL for CloudTrail data lakes: Amazon Athena
// (Trino) over the CloudTrail table AWS documents for Athena, CloudTrail
// Lake over an event data store, and DuckDB over the same table built from
// raw CloudTrail files (DuckDBView). One compiler decides what every ir
// construct means; a Dialect only spells functions and the table, so what
// the duckdb dialect proves on embedded DuckDB (package backends/sql/duckdb)
// holds for the athena text too.
//
// A detection rule compiles to
//
//	SELECT *
//	FROM cloudtrail_logs
//	WHERE <condition>
//
// Fields map to the table's columns: top-level keys to STRING columns,
// userIdentity.* and tlsDetails.* to STRUCT fields, resources.* to an
// ARRAY<STRUCT> tested with any_match, and requestParameters.*,
// responseElements.*, additionalEventData.* and serviceEventDetails.* to
// JSON paths in those JSON-text columns (a leaf holding an array is tested
// element by element). Every leaf is two-valued (COALESCE(..., FALSE)) so
// that NOT keeps Sigma's meaning on absent fields. Case-insensitive
// matching is lower(field) = / LIKE 'lowercased' (LIKE with ESCAPE '\');
// numbers compare through TRY_CAST(... AS DOUBLE); |cidr is an exact IPv4
// range test on the dotted quad; |re is regexp_like (Trino, with the RE2
// constructs Java's syntax reads differently refused) or regexp_matches
// (DuckDB, RE2). Keyword searches, time parts, IPv6 ranges and chained
// correlations are refused with *backends.Unsupported.
//
// A correlation rule compiles to a WITH hits AS (...) over its referenced
// rules and a self-join that evaluates, for every hit, the window of hits
// of the same group no older than the timespan (the sliding window of
// compiler/eval); GROUP BY ... HAVING keeps the windows whose aggregate
// meets the condition. temporal_ordered is a chain of joins. See
// docs/sql.md for the approximations.
package sql

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/sigforge/sigforge/backends"
	"github.com/sigforge/sigforge/compiler/config"
	"github.com/sigforge/sigforge/compiler/ir"
)

// Target names: the duckdb dialect is "sql" (it executes its text, so
// `sigforge test --target sql` runs the pack on embedded DuckDB); the
// others are compile-only targets.
const (
	NameDuckDB         = "sql"
	NameAthena         = "sql-athena"
	NameCloudTrailLake = "sql-cloudtrail-lake"
)

// Options is a SQL target's configuration section (targets.sql,
// targets.sql-athena, targets.sql-cloudtrail-lake).
type Options struct {
	// Table is the table (athena: default cloudtrail_logs; duckdb: default
	// cloudtrail) or, for cloudtrail-lake, the event data store ID.
	Table string `yaml:"table"`
	// Location and ProjectionStart are used by the Athena DDL
	// (compile --ddl): the trail's S3 prefix up to the region and the
	// first day of partition projection (yyyy/MM/dd).
	Location        string `yaml:"location"`
	ProjectionStart string `yaml:"projection_start"`
}

// Backend compiles rules to one SQL dialect.
type Backend struct {
	name    string
	dialect Dialect
}

var _ backends.Backend = (*Backend)(nil)

// NewAthena returns the sql-athena target configured from cfg.
func NewAthena(cfg *config.Config) (*Backend, error) {
	var o Options
	if err := cfg.Target(NameAthena, &o); err != nil {
		return nil, err
	}
	return &Backend{name: NameAthena, dialect: Athena{Table: o.Table}}, nil
}

// NewCloudTrailLake returns the sql-cloudtrail-lake target configured from cfg.
func NewCloudTrailLake(cfg *config.Config) (*Backend, error) {
	var o Options
	if err := cfg.Target(NameCloudTrailLake, &o); err != nil {
		return nil, err
	}
	return &Backend{name: NameCloudTrailLake, dialect: CloudTrailLake{EventDataStore: o.Table}}, nil
}

// NewDuckDB returns the duckdb dialect's compiler under the target name
// "sql" (compile only; backends/sql/duckdb adds execution).
func NewDuckDB(cfg *config.Config) (*Backend, error) {
	var o Options
	if err := cfg.Target(NameDuckDB, &o); err != nil {
		return nil, err
	}
	return &Backend{name: NameDuckDB, dialect: DuckDB{Table: o.Table}}, nil
}

// New returns a backend for a dialect under a target name.
func New(name string, d Dialect) *Backend { return &Backend{name: name, dialect: d} }

// Name returns the target name.
func (b *Backend) Name() string { return b.name }

// Dialect returns the backend's dialect.
func (b *Backend) Dialect() Dialect { return b.dialect }

// Compile returns the rule's SQL.
func (b *Backend) Compile(r *ir.Rule) (backends.Output, error) {
	text, err := b.Query(r, Range{})
	if err != nil {
		return backends.Output{}, err
	}
	return backends.Output{Rule: r, Text: text + "\n", Ext: ".sql"}, nil
}

// Range bounds the events a query reads (zero times are open ends).
type Range struct{ Since, Until time.Time }

// Query returns the rule's SQL (no trailing newline) restricted to rng.
func (b *Backend) Query(r *ir.Rule, rng Range) (string, error) {
	var text string
	var err error
	if r.IsCorrelation() {
		text, err = b.correlation(r, rng)
	} else {
		var cond string
		cond, err = b.whereClause(r)
		if err == nil {
			where := append([]string{cond}, timeFilter(b.dialect, rng.Since, rng.Until)...)
			if len(where) > 1 && !strings.Contains(cond, "\n  AND ") {
				where[0] = paren(cond)
			}
			text = "SELECT *\nFROM " + b.dialect.table() + "\nWHERE " + strings.Join(where, "\n  AND ")
		}
	}
	if err != nil {
		return "", b.unsupported(r, err)
	}
	return text, nil
}

// whereClause renders a detection condition with one top-level AND term
// per line, so that compiled rules diff cleanly.
func (b *Backend) whereClause(r *ir.Rule) (string, error) {
	and, ok := r.Detection.(*ir.And)
	if !ok {
		return b.condition(r)
	}
	if _, err := b.condition(r); err != nil {
		return "", err
	}
	c := &compiler{d: b.dialect, rule: r}
	var terms []string
	for _, a := range and.Args {
		s, err := c.expr(a)
		if err != nil {
			return "", err
		}
		terms = append(terms, paren(s))
	}
	return strings.Join(terms, "\n  AND "), nil
}

func (b *Backend) condition(r *ir.Rule) (string, error) {
	if r.Detection == nil {
		return "", &refusal{construct: "rule without detection", reason: "nothing to compile"}
	}
	if ls := r.Logsource; !strings.EqualFold(ls.Product, "aws") && ls.Product != "" ||
		!strings.EqualFold(ls.Service, "cloudtrail") && ls.Service != "" || ls.Category != "" {
		return "", &refusal{construct: "logsource " + logsource(ls),
			reason: "the SQL targets query the CloudTrail table; this rule reads other logs"}
	}
	c := &compiler{d: b.dialect, rule: r}
	return c.expr(r.Detection)
}

// unsupported turns a refusal into *backends.Unsupported (other errors
// pass through).
func (b *Backend) unsupported(r *ir.Rule, err error) error {
	var rf *refusal
	if !errors.As(err, &rf) {
		return err
	}
	u := &backends.Unsupported{Pos: r.Pos, Target: b.name, Rule: r.Title, Construct: rf.construct, Reason: rf.reason}
	if u.Rule == "" {
		u.Rule = r.ID
	}
	if rf.m != nil && rf.m.Pos.IsValid() {
		u.Pos = rf.m.Pos
	}
	return u
}

// refused is a refusal without a Match.
func refused(construct, format string, args ...any) error {
	return &refusal{construct: construct, reason: fmt.Sprintf(format, args...)}
}

func logsource(ls ir.Logsource) string {
	var parts []string
	for _, p := range []string{ls.Category, ls.Product, ls.Service} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, "/")
}
