// Package eql is the Elasticsearch EQL target. A detection rule compiles to
// an event query, `any where <condition>`; a temporal_ordered correlation to
// a sequence, `sequence by <keys> with maxspan=<t> [any where …] …`. The
// rule's raw CloudTrail field names are first rewritten to the ECS fields
// Elastic's AWS integration indexes (compiler/ecs).
//
// Sigma's case-insensitive default maps to EQL's case-insensitive forms
// (`:`, `in~`, `like~`-free `:` patterns, `stringContains~`, `regex~`); the
// |cased modifier maps to `==`, `in`, `like`, `stringContains` and `regex`.
// A pattern whose literal text holds `*`, `?` or `\` is written as a Lucene
// regex instead, since EQL wildcard patterns have no documented escape.
// Sigma regexes (RE2, searched) are translated to Lucene regexes (whole
// value). What EQL cannot express is refused with *backends.Unsupported:
// field-to-field comparison, time parts, unordered temporal correlations,
// count/value correlations (they become Kibana threshold rules), keyword
// searches unless a keyword field is configured.
//
// The package is also an Executor: Prepare parses the compiled text with
// compiler/query/eql and Fires maps each raw CloudTrail event to ECS and
// runs the query with Elasticsearch's semantics.
package eql

import (
	"strings"
	"sync"

	"github.com/sigforge/sigforge/backends"
	"github.com/sigforge/sigforge/compiler/config"
	"github.com/sigforge/sigforge/compiler/ecs"
	"github.com/sigforge/sigforge/compiler/event"
	"github.com/sigforge/sigforge/compiler/ir"
	eqlq "github.com/sigforge/sigforge/compiler/query/eql"
)

// Name is the target name.
const Name = "eql"

// Options is the target's configuration section (targets.eql).
type Options struct {
	// Category is the event category of emitted queries; "any" (the
	// default) matches CloudTrail documents, which carry no event.category
	// for RDS actions.
	Category string `yaml:"category"`
	// KeywordField is the field keyword (unbound) searches look in, e.g.
	// "message" for database engine logs. Empty: keyword searches are
	// refused.
	KeywordField string `yaml:"keyword_field"`
}

// Backend compiles rules to EQL.
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

// New returns the EQL backend configured from cfg (nil for defaults).
func New(cfg *config.Config) (*Backend, error) {
	opts := Options{Category: "any"}
	if err := cfg.Target(Name, &opts); err != nil {
		return nil, err
	}
	if opts.Category == "" {
		opts.Category = "any"
	}
	eo, err := ecs.OptionsFromConfig(cfg)
	if err != nil {
		return nil, err
	}
	return &Backend{opts: opts, ecs: eo}, nil
}

// Name returns "eql".
func (b *Backend) Name() string { return Name }

// Compile returns the rule's EQL query.
func (b *Backend) Compile(r *ir.Rule) (backends.Output, error) {
	text, err := b.query(r, "\n")
	if err != nil {
		return backends.Output{}, err
	}
	return backends.Output{Rule: r, Text: text, Ext: ".eql"}, nil
}

// Query returns the rule's EQL query text without a trailing newline.
func (b *Backend) Query(r *ir.Rule) (string, error) { return b.query(r, "") }

// query returns the rule's EQL query text followed by end.
func (b *Backend) query(r *ir.Rule, end string) (string, error) {
	r, err := b.ecs.RewriteFor(Name, r)
	if err != nil {
		return "", err
	}
	p := printers.Get().(*printer)
	defer p.release()
	p.b = b
	if r.IsCorrelation() {
		err = p.sequence(r)
	} else {
		err = p.event(r)
	}
	if err != nil {
		return "", err
	}
	p.buf = append(p.buf, end...)
	return string(p.buf), nil
}

// printers are reused across rules: the text is printed into a buffer that
// has grown to fit the rules before, and copied out at its exact length.
var printers = sync.Pool{New: func() any { return new(printer) }}

// release returns p to printers. (Its items may still refer to a rule's
// values until they are reused, as the pool keeps it at most until the
// next garbage collection but one.)
func (p *printer) release() {
	if cap(p.buf) > 1<<16 {
		p.buf = nil // a rare huge rule: let it go
	}
	*p = printer{buf: p.buf[:0], items: p.items[:0], preds: p.preds[:0]}
	printers.Put(p)
}

// event writes the rule's detection as an event query.
func (p *printer) event(r *ir.Rule) error {
	if r.Detection == nil {
		return unsupported(r, nil, "a rule without detection", "")
	}
	p.rule = r
	p.buf = eqlq.AppendCategory(p.buf, p.b.opts.Category)
	p.buf = append(p.buf, " where "...)
	_, err := p.expr(r.Detection)
	return err
}

// sequence writes a temporal_ordered correlation as a sequence.
func (p *printer) sequence(r *ir.Rule) error {
	c := r.Correlation
	switch c.Type {
	case ir.TemporalOrdered:
	case ir.Temporal:
		return unsupported(r, nil, "correlation temporal",
			"EQL sequences are ordered and one query cannot hold every ordering; use temporal_ordered, or the esql target")
	default:
		return unsupported(r, nil, "correlation "+string(c.Type),
			"EQL has no counting; event_count and value_count compile to Kibana threshold rules (target kibana) and to ES|QL STATS (target esql)")
	}
	if len(c.Rules) < 2 {
		return unsupported(r, nil, "correlation temporal_ordered with fewer than two rules", "an EQL sequence needs at least two queries")
	}
	shared := true
	for _, g := range c.GroupBy {
		for _, sub := range c.Rules {
			if c.FieldFor(g, sub) != g {
				shared = false
			}
		}
	}
	p.buf = append(p.buf, "sequence"...)
	if shared && len(c.GroupBy) > 0 {
		p.buf = append(p.buf, " by "...)
		for i, g := range c.GroupBy {
			if i > 0 {
				p.buf = append(p.buf, ", "...)
			}
			p.field(g)
		}
	}
	if c.Timespan > 0 {
		p.buf = append(p.buf, " with maxspan="...)
		p.buf = append(p.buf, eqlq.FormatSpan(c.Timespan)...)
	}
	for _, sub := range c.Rules {
		if sub.IsCorrelation() {
			return unsupported(r, nil, "a correlation of correlations", "an EQL sequence step must be an event query")
		}
		p.buf = append(p.buf, "\n  ["...)
		if err := p.event(sub); err != nil {
			return err
		}
		p.buf = append(p.buf, ']')
		if !shared && len(c.GroupBy) > 0 {
			p.buf = append(p.buf, " by "...)
			for i, g := range c.GroupBy {
				if i > 0 {
					p.buf = append(p.buf, ", "...)
				}
				p.field(c.FieldFor(g, sub))
			}
		}
	}
	return nil
}

func unsupported(r *ir.Rule, m *ir.Match, construct, reason string) error {
	u := &backends.Unsupported{Pos: r.Pos, Target: Name, Rule: ruleName(r), Construct: construct, Reason: reason}
	if m != nil && m.Pos.IsValid() {
		u.Pos = m.Pos
	}
	return u
}

func ruleName(r *ir.Rule) string {
	if r.Title != "" {
		return r.Title
	}
	return r.ID
}

// Prepare parses compiled EQL text into a runnable query.
func (b *Backend) Prepare(out backends.Output) (backends.Query, error) {
	name := "eql"
	if out.Rule != nil && out.Rule.File != "" {
		name = out.Rule.File + " (compiled " + Name + ")"
	}
	q, err := eqlq.Parse(name, strings.TrimSpace(out.Text))
	if err != nil {
		return nil, err
	}
	return &query{q: q, ecs: b.ecs}, nil
}

type query struct {
	q   *eqlq.Query
	ecs ecs.Options
}

// Fires maps every raw CloudTrail event to the ECS document Elastic's
// integration indexes and runs the query on the stream.
func (q *query) Fires(events []event.Event) (bool, error) {
	docs := make([]eqlq.Doc, len(events))
	for i, ev := range events {
		docs[i] = eqlq.Doc{Fields: q.ecs.Document(ev.Fields), Time: ev.Time}
	}
	return q.q.Run(docs), nil
}
