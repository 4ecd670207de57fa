// Package kibana is the Kibana detection-engine target: one rule document
// per Sigma rule (the body of POST /api/detection_engine/rules, pretty
// JSON) and, as a Bundler, an NDJSON file for POST
// /api/detection_engine/rules/_import.
//
// The rule type follows what the rule needs:
//
//   - a detection rule becomes a custom query rule (type query, language
//     kuery) when KQL can express it, else an EQL rule (type eql), else an
//     ES|QL rule; targets.kibana.language forces eql or esql;
//   - an event_count or value_count correlation becomes a threshold rule
//     (threshold.field = the group-by fields, cardinality for value_count)
//     when its condition is a lower bound and KQL can express its rules,
//     else an ES|QL rule with STATS … BY;
//   - a temporal_ordered correlation becomes an EQL sequence rule, a
//     temporal one an ES|QL rule.
//
// Every document carries rule_id (the Sigma id), name, description,
// risk_score, severity (never "informational"), threat (tactics with their
// techniques and sub-techniques, grouped as the IR holds them), note (the
// investigation guide), false_positives, references, author, license,
// tags, version, interval, from, max_signals, index (per logsource, from
// the configuration), timestamp_override event.ingested,
// investigation_fields (the alert fields, mapped to ECS), required_fields
// and related_integrations. Keys come out in a fixed order.
//
// The package is also an Executor: Prepare reads a document and runs its
// query with the KQL, EQL or ES|QL executor; threshold rules count per
// group over their look-back window.
package kibana

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/sigforge/sigforge/backends"
	"github.com/sigforge/sigforge/backends/eql"
	"github.com/sigforge/sigforge/backends/esql"
	"github.com/sigforge/sigforge/backends/kql"
	"github.com/sigforge/sigforge/compiler/config"
	"github.com/sigforge/sigforge/compiler/ecs"
	"github.com/sigforge/sigforge/compiler/ir"
)

// Name is the target name.
const Name = "kibana"

// Options is the target's configuration section (targets.kibana).
type Options struct {
	// Language of detection rules: kuery (default; falls back to eql when
	// KQL cannot express a rule), eql or esql.
	Language string `yaml:"language"`
	// Index is the default index pattern list.
	Index []string `yaml:"index"`
	// Indices overrides Index per logsource, keyed "product/service" or
	// "product/category" (e.g. aws/cloudtrail).
	Indices map[string][]string `yaml:"indices"`
	// Interval and From are the schedule of detection rules.
	Interval string `yaml:"interval"`
	From     string `yaml:"from"`
	// MaxSignals is the maximum number of alerts per run.
	MaxSignals int `yaml:"max_signals"`
	// License is used when a rule has none.
	License string `yaml:"license"`
	// Version is the rule version sent to Kibana (push may bump it).
	Version int `yaml:"version"`
	// IntegrationVersion is the related_integrations version constraint of
	// the aws package.
	IntegrationVersion string `yaml:"integration_version"`
}

// DefaultOptions are the defaults, matching Elastic's own AWS rules.
func DefaultOptions() Options {
	return Options{
		Language:           "kuery",
		Index:              []string{"filebeat-*", "logs-aws.cloudtrail-*"},
		Interval:           "5m",
		From:               "now-6m",
		MaxSignals:         100,
		License:            "DRL-1.1",
		Version:            1,
		IntegrationVersion: "^2.0.0",
	}
}

// QueryFunc compiles a rule's condition to query text.
type QueryFunc func(*ir.Rule) (string, error)

// Backend compiles rules to Kibana rule documents.
type Backend struct {
	opts    Options
	ecsOpts ecs.Options
	// kql compiles detection rules to KQL (backends/kql); when nil or when
	// KQL refuses a rule, detection rules use EQL.
	kql  QueryFunc
	eql  *eql.Backend
	esql *esql.Backend
	// kqlExec runs query and threshold rules' KQL.
	kqlExec *kql.Backend
}

var (
	_ backends.Backend = (*Backend)(nil)
	_ backends.Bundler = (*Backend)(nil)
)

// New returns the Kibana backend configured from cfg (nil for defaults).
func New(cfg *config.Config) (*Backend, error) {
	opts := DefaultOptions()
	if err := cfg.Target(Name, &opts); err != nil {
		return nil, err
	}
	switch opts.Language {
	case "kuery", "eql", "esql":
	default:
		return nil, fmt.Errorf("targets.kibana.language: %q is not one of kuery, eql, esql", opts.Language)
	}
	if opts.MaxSignals < 1 {
		return nil, fmt.Errorf("targets.kibana.max_signals must be at least 1")
	}
	if opts.Version < 1 {
		return nil, fmt.Errorf("targets.kibana.version must be at least 1")
	}
	eo, err := ecs.OptionsFromConfig(cfg)
	if err != nil {
		return nil, err
	}
	e, err := eql.New(cfg)
	if err != nil {
		return nil, err
	}
	s, err := esql.New(cfg)
	if err != nil {
		return nil, err
	}
	k, err := kql.New(cfg)
	if err != nil {
		return nil, err
	}
	return &Backend{opts: opts, ecsOpts: eo, kql: k.Query, eql: e, esql: s, kqlExec: k}, nil
}

// WithKQL returns a copy of the backend that compiles detection rules and
// threshold queries with fn (nil: EQL and ES|QL only).
func (b *Backend) WithKQL(fn QueryFunc) *Backend {
	c := *b
	c.kql = fn
	return &c
}

// Name returns "kibana".
func (b *Backend) Name() string { return Name }

// Compile returns the rule's Kibana document as indented JSON.
func (b *Backend) Compile(r *ir.Rule) (backends.Output, error) {
	doc, err := b.Document(r)
	if err != nil {
		return backends.Output{}, err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return backends.Output{}, err
	}
	return backends.Output{Rule: r, Text: buf.String(), Ext: ".json"}, nil
}

// Bundle joins compiled documents into one NDJSON import file, one rule per
// line in the order given. A rule that a correlation of the bundle uses
// without "generate: true" becomes a building block (building_block_type
// "default"): Kibana still writes its alerts, for the correlation to be
// read next to, but hides them from the default alert views, which is the
// closest Kibana has to Sigma's "the base rule does not alert on its own".
func (b *Backend) Bundle(outs []backends.Output) (backends.Output, error) {
	quiet := map[string]bool{}
	for _, o := range outs {
		if o.Rule == nil || o.Rule.Correlation == nil || o.Rule.Correlation.Generate {
			continue
		}
		for _, ref := range o.Rule.Correlation.Rules {
			if ref != nil && !ref.IsCorrelation() {
				quiet[ref.ID] = true
			}
		}
	}
	var buf bytes.Buffer
	seen := map[string]string{}
	for _, o := range outs {
		var doc Rule
		dec := json.NewDecoder(strings.NewReader(o.Text))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&doc); err != nil {
			return backends.Output{}, fmt.Errorf("kibana: bundle: %v", err)
		}
		if prev, dup := seen[doc.RuleID]; dup {
			return backends.Output{}, fmt.Errorf("kibana: bundle: rule_id %s is used by %q and %q", doc.RuleID, prev, doc.Name)
		}
		seen[doc.RuleID] = doc.Name
		if quiet[doc.RuleID] {
			doc.BuildingBlockType = "default"
		}
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(&doc); err != nil {
			return backends.Output{}, err
		}
	}
	return backends.Output{Text: buf.String(), Ext: ".ndjson"}, nil
}

// Document builds the rule's create-rule document.
func (b *Backend) Document(r *ir.Rule) (*Rule, error) {
	if r.ID == "" {
		return nil, &backends.Unsupported{Pos: r.Pos, Target: Name, Rule: r.Title, Construct: "a rule without id", Reason: "Kibana's rule_id comes from the Sigma id"}
	}
	doc := b.common(r)
	if err := b.query(r, doc); err != nil {
		return nil, err
	}
	rw, err := b.ecsOpts.RewriteFor(Name, r)
	if err != nil {
		return nil, err
	}
	doc.RequiredFields = requiredFields(rw, doc.Threshold)
	doc.InvestigationFields = b.investigationFields(r)
	return doc, nil
}

// query fills type, language, query, threshold and index.
func (b *Backend) query(r *ir.Rule, doc *Rule) error {
	index := b.index(r)
	useESQL := func() error {
		q, err := b.esql.Query(r)
		if err != nil {
			return retarget(err)
		}
		doc.Type, doc.Language, doc.Query = "esql", "esql", q
		doc.TimestampOverride = ""
		return nil
	}
	useEQL := func() error {
		q, err := b.eql.Query(r)
		if err != nil {
			return retarget(err)
		}
		doc.Type, doc.Language, doc.Query, doc.Index = "eql", "eql", q, index
		return nil
	}
	if !r.IsCorrelation() {
		switch b.opts.Language {
		case "esql":
			return useESQL()
		case "eql":
			return useEQL()
		}
		if b.kql != nil {
			q, err := b.kql(r)
			var u *backends.Unsupported
			if err == nil {
				doc.Type, doc.Language, doc.Query, doc.Index = "query", "kuery", q, index
				return nil
			}
			if !errors.As(err, &u) {
				return err
			}
		}
		eqlErr := useEQL()
		var u *backends.Unsupported
		if eqlErr == nil || !errors.As(eqlErr, &u) {
			return eqlErr
		}
		if useESQL() == nil {
			return nil
		}
		return eqlErr
	}
	c := r.Correlation
	switch c.Type {
	case ir.TemporalOrdered:
		if err := useEQL(); err == nil {
			// Each run must look back over a whole sequence: maxspan plus
			// the interval (Elastic's test_eql_lookback asks the same).
			if every, err := time.ParseDuration(doc.Interval); err == nil {
				doc.From = "now-" + durationText(c.Timespan+every)
			}
			return nil
		}
	case ir.EventCount, ir.ValueCount:
		if th, ok := b.threshold(r); ok {
			doc.Type, doc.Language, doc.Index, doc.Threshold = "threshold", "kuery", index, th.threshold
			doc.Query = th.query
			doc.Interval = th.interval
			doc.From = th.from
			return nil
		}
	}
	if err := useESQL(); err != nil {
		return err
	}
	// The ES|QL query buckets time in fixed windows of the timespan; running
	// every timespan over two of them sees every whole window at least once
	// (a window can then alert twice).
	doc.Interval = durationText(c.Timespan)
	doc.From = "now-" + durationText(2*c.Timespan)
	return nil
}

// retarget reports another target's refusal as this target's.
func retarget(err error) error {
	var u *backends.Unsupported
	if errors.As(err, &u) {
		c := *u
		c.Target = Name
		return &c
	}
	return err
}

type thresholdPlan struct {
	threshold      *Threshold
	query          string
	interval, from string
}

// threshold plans a Kibana threshold rule for an event_count or value_count
// correlation: it needs KQL for the referenced rules' query and a lower
// bound (gte/gt) as condition. Kibana counts per rule run over the
// look-back window, so interval and from are set to the timespan: fixed
// windows, an approximation of Sigma's sliding window.
func (b *Backend) threshold(r *ir.Rule) (thresholdPlan, bool) {
	c := r.Correlation
	if b.kql == nil || len(c.GroupBy) > 3 {
		return thresholdPlan{}, false
	}
	var min int64 = -1
	for _, cmp := range c.Condition.Compare {
		switch cmp.Op {
		case "gte":
			min = max(min, cmp.Value)
		case "gt":
			min = max(min, cmp.Value+1)
		default:
			return thresholdPlan{}, false
		}
	}
	if min < 1 && c.Type == ir.EventCount {
		return thresholdPlan{}, false
	}
	var parts []string
	for _, sub := range c.Rules {
		if sub.IsCorrelation() {
			return thresholdPlan{}, false
		}
		q, err := b.kql(sub)
		if err != nil {
			return thresholdPlan{}, false
		}
		parts = append(parts, "("+q+")")
	}
	rw, err := b.ecsOpts.RewriteFor(Name, r)
	if err != nil {
		return thresholdPlan{}, false
	}
	th := &Threshold{Field: []string{}, Value: 1}
	for _, g := range rw.Correlation.GroupBy {
		if _, alias := rw.Correlation.Aliases[g]; alias {
			return thresholdPlan{}, false
		}
		th.Field = append(th.Field, g)
	}
	if c.Type == ir.EventCount {
		th.Value = min
	} else {
		th.Cardinality = []Cardinality{{Field: rw.Correlation.Condition.Field, Value: max(min, 0)}}
	}
	span := durationText(c.Timespan)
	return thresholdPlan{threshold: th, query: strings.Join(parts, " or "), interval: span, from: "now-" + span}, true
}

// durationText renders a duration in Kibana's date-math units.
func durationText(d time.Duration) string {
	switch {
	case d%(24*time.Hour) == 0:
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return fmt.Sprintf("%ds", (d+time.Second-1)/time.Second)
}

func (b *Backend) index(r *ir.Rule) []string {
	ls := r.Logsource
	for _, key := range []string{ls.Product + "/" + ls.Service, ls.Product + "/" + ls.Category, ls.Product} {
		if idx, ok := b.opts.Indices[key]; ok {
			return idx
		}
	}
	return b.opts.Index
}
