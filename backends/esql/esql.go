// Package esql is the Elasticsearch ES|QL target. A detection rule compiles
// to
//
//	FROM logs-aws.cloudtrail-* METADATA _id, _index, _version
//	| WHERE <condition>
//
// and an event_count, value_count, value_sum, value_avg, value_percentile,
// temporal or temporal_ordered correlation to a WHERE over the referenced
// rules, an EVAL of a fixed time bucket (DATE_TRUNC of the timespan), a
// STATS … BY bucket, group-by fields, and a WHERE on the aggregate. Fixed
// buckets approximate Sigma's sliding window: events that straddle a bucket
// boundary are not counted together.
//
// ES|QL comparisons are case-sensitive, so Sigma's case-insensitive default
// becomes TO_LOWER(field) == "lowercased" (LIKE and IN likewise); regexes
// become RLIKE with a Lucene regex (case folded into the pattern). ES|QL
// uses three-valued logic: a comparison on a missing field is null, and
// NOT null drops the row, so every leaf under a NOT is guarded with
// `field IS NOT NULL AND …` to keep Sigma's meaning (a missing field does
// not match, so its negation does).
//
// The package is also an Executor: Prepare parses the compiled text with
// compiler/query/esql and Fires runs it on the ECS-mapped events.
//
// Limits recorded in docs/elastic-eql.md: a field absent from the index
// mapping is a verification error in ES|QL (not "no match"), and a
// comparison on a multi-valued field yields null with a warning.
package esql

import (
	"fmt"
	"strings"
	"time"

	"github.com/sigforge/sigforge/backends"
	"github.com/sigforge/sigforge/compiler/config"
	"github.com/sigforge/sigforge/compiler/ecs"
	"github.com/sigforge/sigforge/compiler/event"
	"github.com/sigforge/sigforge/compiler/ir"
	eqlq "github.com/sigforge/sigforge/compiler/query/eql"
	esqlq "github.com/sigforge/sigforge/compiler/query/esql"
)

// Name is the target name.
const Name = "esql"

// Options is the target's configuration section (targets.esql).
type Options struct {
	// Index is the FROM source (default logs-aws.cloudtrail-*).
	Index string `yaml:"index"`
	// KeywordField is the field keyword searches look in; empty refuses
	// them.
	KeywordField string `yaml:"keyword_field"`
}

// Backend compiles rules to ES|QL.
type Backend struct {
	opts Options
	// ecs maps the rule's raw CloudTrail names to ECS (or, with
	// ecs.MappingNone, keeps the rule's names) and events likewise.
	ecs ecs.Options
}

var (
	_ backends.Backend  = (*Backend)(nil)
	_ backends.Executor = (*Backend)(nil)
)

// New returns the ES|QL backend configured from cfg (nil for defaults).
func New(cfg *config.Config) (*Backend, error) {
	opts := Options{Index: "logs-aws.cloudtrail-*"}
	if err := cfg.Target(Name, &opts); err != nil {
		return nil, err
	}
	if opts.Index == "" {
		opts.Index = "logs-aws.cloudtrail-*"
	}
	eo, err := ecs.OptionsFromConfig(cfg)
	if err != nil {
		return nil, err
	}
	return &Backend{opts: opts, ecs: eo}, nil
}

// Name returns "esql".
func (b *Backend) Name() string { return Name }

// Compile returns the rule's ES|QL query.
func (b *Backend) Compile(r *ir.Rule) (backends.Output, error) {
	text, err := b.Query(r)
	if err != nil {
		return backends.Output{}, err
	}
	return backends.Output{Rule: r, Text: text + "\n", Ext: ".esql"}, nil
}

// Query returns the rule's ES|QL query without a trailing newline.
func (b *Backend) Query(r *ir.Rule) (string, error) {
	r, err := b.ecs.RewriteFor(Name, r)
	if err != nil {
		return "", err
	}
	if r.IsCorrelation() {
		return b.correlation(r)
	}
	cond, err := b.condition(r)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("FROM %s METADATA _id, _index, _version\n| WHERE %s", b.opts.Index, cond), nil
}

func (b *Backend) condition(r *ir.Rule) (string, error) {
	if r.Detection == nil {
		return "", unsupported(r, nil, "a rule without detection", "")
	}
	c := compiler{b: b, rule: r}
	return c.expr(r.Detection, false, false)
}

func unsupported(r *ir.Rule, m *ir.Match, construct, reason string) error {
	u := &backends.Unsupported{Pos: r.Pos, Target: Name, Rule: r.Title, Construct: construct, Reason: reason}
	if u.Rule == "" {
		u.Rule = r.ID
	}
	if m != nil && m.Pos.IsValid() {
		u.Pos = m.Pos
	}
	return u
}

// Span renders a duration as an ES|QL time-span literal in the largest
// unit that divides it ("10 minutes").
func Span(d time.Duration) string {
	units := []struct {
		name string
		d    time.Duration
	}{{"day", 24 * time.Hour}, {"hour", time.Hour}, {"minute", time.Minute}, {"second", time.Second}, {"millisecond", time.Millisecond}}
	for _, u := range units {
		if d >= u.d && d%u.d == 0 {
			n := d / u.d
			if n == 1 {
				return "1 " + u.name
			}
			return fmt.Sprintf("%d %ss", n, u.name)
		}
	}
	return fmt.Sprintf("%d milliseconds", d/time.Millisecond)
}

// Quote renders an ES|QL double-quoted string: \ " CR LF TAB are escaped
// (the escapes ES|QL's lexer accepts); other characters stay as they are.
func Quote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\r", `\r`, "\t", `\t`)
	return `"` + r.Replace(s) + `"`
}

// Field renders a field name, backtick-quoting it unless every dotted
// segment is a plain identifier.
func Field(path string) string {
	for _, seg := range strings.Split(path, ".") {
		if !plainSegment(seg) {
			return "`" + strings.ReplaceAll(path, "`", "``") + "`"
		}
	}
	return path
}

func plainSegment(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		switch {
		case r == '_' || r == '@' && i == 0:
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z':
		case r >= '0' && r <= '9' && i > 0:
		default:
			return false
		}
	}
	return !reserved[strings.ToLower(s)]
}

var reserved = map[string]bool{
	"and": true, "or": true, "not": true, "in": true, "is": true, "null": true, "like": true, "rlike": true,
	"true": true, "false": true, "by": true, "asc": true, "desc": true, "nulls": true, "first": true, "last": true,
	"metadata": true, "from": true, "where": true, "on": true, "with": true, "as": true,
}

// luceneRegex translates a Sigma regex for RLIKE; case-insensitivity is
// folded into the pattern, since RLIKE has no case-insensitive form.
func luceneRegex(v ir.Value, f ir.RegexFlags) (string, error) {
	re := v.Text()
	if f.IgnoreCase {
		re = "(?i)" + re
	}
	return eqlq.ToLucene(re, eqlq.RegexFlags{Multiline: f.Multiline, DotAll: f.DotAll})
}

// Prepare parses compiled ES|QL text into a runnable query.
func (b *Backend) Prepare(out backends.Output) (backends.Query, error) {
	name := "esql"
	if out.Rule != nil && out.Rule.File != "" {
		name = out.Rule.File + " (compiled " + Name + ")"
	}
	q, err := esqlq.Parse(name, strings.TrimSpace(out.Text))
	if err != nil {
		return nil, err
	}
	return &query{q: q, ecs: b.ecs}, nil
}

type query struct {
	q   *esqlq.Query
	ecs ecs.Options
}

// Fires maps every raw CloudTrail event to the ECS document Elastic's
// integration indexes and runs the query; it fires when rows remain.
func (q *query) Fires(events []event.Event) (bool, error) {
	docs := make([]esqlq.Doc, len(events))
	for i, ev := range events {
		docs[i] = esqlq.Doc{Fields: q.ecs.Document(ev.Fields), Time: ev.Time}
	}
	return len(q.q.Run(docs)) > 0, nil
}
