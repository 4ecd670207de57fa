// Package kql is the Kibana Query Language target: the query of a Kibana
// detection rule with "language": "kuery". A rule's raw CloudTrail field
// names are first rewritten to the ECS fields of Elastic's AWS integration
// (compiler/ecs); the text follows Kibana's grammar (compiler/query/kql,
// checked against Kibana's own parser in the contract test).
//
// KQL matches keyword fields exactly and case-sensitively and has no
// regular expressions, no "?" wildcard, no field-to-field comparison and no
// counting, so the backend refuses (with *backends.Unsupported) what would
// change a rule's meaning:
//
//   - Sigma's case-insensitive matching on a field whose values are not
//     canonical (see docs/elastic.md): add |cased when the case of the data
//     is fixed, use the eql target, or set targets.kql.case: exact;
//   - |re (use eql or lucene), ? wildcards, |fieldref, time parts, ranges on
//     keyword fields (Elasticsearch compares them as strings), |cidr on a
//     field that is not an ip field, empty-string values (the ingest
//     pipeline drops them), wildcard values holding whitespace (the
//     detection engine turns them into a query_string query that splits on
//     whitespace);
//   - correlation rules: event_count and value_count become Kibana
//     threshold rules (target kibana), temporal ones EQL sequences.
//
// The package is also an Executor: Prepare parses the compiled text and
// Fires maps each raw CloudTrail event to ECS (ecs.Map) and evaluates the
// query with Kibana's semantics.
package kql

import (
	"fmt"
	"strings"

	"github.com/sigforge/sigforge/backends"
	"github.com/sigforge/sigforge/compiler/config"
	"github.com/sigforge/sigforge/compiler/ecs"
	"github.com/sigforge/sigforge/compiler/event"
	"github.com/sigforge/sigforge/compiler/ir"
	kqlq "github.com/sigforge/sigforge/compiler/query/kql"
	"github.com/sigforge/sigforge/compiler/source"
)

// Name is the target name.
const Name = "kql"

// Case policies for Sigma's case-insensitive matches on fields whose values
// have no canonical case.
const (
	CaseRefuse = "refuse" // the default: refuse the rule
	CaseExact  = "exact"  // emit a case-sensitive match (documented caveat)
)

// Options is the target's configuration section (targets.kql).
type Options struct {
	// Case is CaseRefuse (default) or CaseExact.
	Case string `yaml:"case"`
}

// Backend compiles rules to KQL.
type Backend struct {
	opts   Options
	ecs    ecs.Options
	schema kqlq.Schema
}

var (
	_ backends.Backend  = (*Backend)(nil)
	_ backends.Executor = (*Backend)(nil)
)

// New returns the KQL backend configured from cfg (nil for defaults): its
// own section targets.kql and the shared targets.elastic (field mappings,
// parameter form).
func New(cfg *config.Config) (*Backend, error) {
	opts := Options{Case: CaseRefuse}
	if err := cfg.Target(Name, &opts); err != nil {
		return nil, err
	}
	switch opts.Case {
	case "":
		opts.Case = CaseRefuse
	case CaseRefuse, CaseExact:
	default:
		return nil, fmt.Errorf("targets.kql.case: %q is not one of refuse, exact", opts.Case)
	}
	eo, err := ecs.OptionsFromConfig(cfg)
	if err != nil {
		return nil, err
	}
	return &Backend{opts: opts, ecs: eo, schema: kqlq.ECSSchema()}, nil
}

// Name returns "kql".
func (b *Backend) Name() string { return Name }

// Compile returns the rule's KQL query, one line.
func (b *Backend) Compile(r *ir.Rule) (backends.Output, error) {
	text, err := b.Query(r)
	if err != nil {
		return backends.Output{}, err
	}
	return backends.Output{Rule: r, Text: text + "\n", Ext: ".kql"}, nil
}

// Query returns the rule's KQL query text (no trailing newline).
func (b *Backend) Query(r *ir.Rule) (string, error) {
	if r.IsCorrelation() {
		return "", unsupported(r, r.Pos, "correlation "+string(r.Correlation.Type),
			"KQL has no counting or sequences; event_count and value_count compile to Kibana threshold rules (target kibana), temporal ones to EQL sequences (target eql) and ES|QL")
	}
	if r.Detection == nil {
		return "", unsupported(r, r.Pos, "a rule without detection", "")
	}
	rw, err := b.ecs.RewriteFor(Name, r)
	if err != nil {
		return "", err
	}
	return compile(b, r, rw.Detection)
}

func unsupported(r *ir.Rule, pos source.Pos, construct, reason string) error {
	name := r.Title
	if name == "" {
		name = r.ID
	}
	return &backends.Unsupported{Pos: pos, Target: Name, Rule: name, Construct: construct, Reason: reason}
}

// Prepare parses the compiled text with the KQL parser; it fails where
// Kibana would reject the query.
func (b *Backend) Prepare(out backends.Output) (backends.Query, error) {
	n, err := kqlq.Parse(strings.TrimSpace(out.Text))
	if err != nil {
		name := "kql"
		if out.Rule != nil && out.Rule.File != "" {
			name = out.Rule.File + " (compiled kql)"
		}
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return &query{n: n, schema: b.schema, ecs: b.ecs}, nil
}

type query struct {
	n      kqlq.Node
	schema kqlq.Schema
	ecs    ecs.Options
}

// Fires maps every raw CloudTrail event to the ECS document Elastic's
// integration indexes and reports whether the query matches any of them.
func (q *query) Fires(events []event.Event) (bool, error) {
	for _, ev := range events {
		ok, err := kqlq.Eval(q.n, q.ecs.Document(ev.Fields), q.schema)
		if err != nil || ok {
			return ok, err
		}
	}
	return false, nil
}

// caseSafe reports whether a case-sensitive KQL match of v on field means
// what Sigma's case-insensitive match means.
func (b *Backend) caseSafe(field string, v ir.Value) bool {
	return b.opts.Case == CaseExact || ecs.CaseFixed(field, v)
}
