// Package detectionrules is the target "detection-rules": a rule in the
// TOML format of Elastic's detection-rules repository, ready to be
// contributed there. It has a [metadata] table (creation_date,
// updated_date, integration, maturity) and a [rule] table with the fields
// of Kibana's rule (built by backends/kibana, so the query, the rule type
// and the ATT&CK mapping are the same) minus the ones that repository
// computes at build time (version, related_integrations, required_fields).
//
// House rules of that repository are followed where they are mechanical:
// dates as YYYY/MM/DD, `timestamp_override = "event.ingested"`, tags with
// the fixed prefixes only (Domain:, Data Source:, Use Case:, Tactic:,
// Resources:), a note that starts with "## Triage and analysis" and names
// the rule, and the license "Elastic License v2" unless configured.
//
// The package is also an Executor: Prepare reads the TOML back and runs the
// rule with the kibana target's executor.
package detectionrules

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/pelletier/go-toml/v2"

	"github.com/sigforge/sigforge/backends"
	"github.com/sigforge/sigforge/backends/kibana"
	"github.com/sigforge/sigforge/compiler/config"
	"github.com/sigforge/sigforge/compiler/ir"
)

// Name is the target name.
const Name = "detection-rules"

// Options is the target's configuration section (targets.detection-rules).
type Options struct {
	// License replaces the rule's license (Elastic's repository requires
	// "Elastic License v2").
	License string `yaml:"license"`
	// Maturity overrides the maturity derived from the Sigma status.
	Maturity string `yaml:"maturity"`
}

// Backend compiles rules to detection-rules TOML.
type Backend struct {
	opts   Options
	kibana *kibana.Backend
}

var _ backends.Backend = (*Backend)(nil)

// New returns the backend configured from cfg (nil for defaults). The rule
// body comes from the kibana target, configured from the same cfg.
func New(cfg *config.Config) (*Backend, error) {
	opts := Options{License: "Elastic License v2"}
	if err := cfg.Target(Name, &opts); err != nil {
		return nil, err
	}
	switch opts.Maturity {
	case "", "development", "experimental", "beta", "production", "deprecated":
	default:
		return nil, fmt.Errorf("targets.%s.maturity: %q is not one of development, experimental, beta, production, deprecated", Name, opts.Maturity)
	}
	k, err := kibana.New(cfg)
	if err != nil {
		return nil, err
	}
	return &Backend{opts: opts, kibana: k}, nil
}

// WithKQL returns a copy whose rules use KQL where it can express them.
func (b *Backend) WithKQL(fn kibana.QueryFunc) *Backend {
	c := *b
	c.kibana = b.kibana.WithKQL(fn)
	return &c
}

// Name returns "detection-rules".
func (b *Backend) Name() string { return Name }

// File is one detection-rules TOML file.
type File struct {
	Metadata Metadata `toml:"metadata"`
	Rule     Rule     `toml:"rule"`
}

// Metadata is the [metadata] table.
type Metadata struct {
	CreationDate string   `toml:"creation_date"`
	Integration  []string `toml:"integration,omitempty"`
	Maturity     string   `toml:"maturity"`
	UpdatedDate  string   `toml:"updated_date"`
}

// Rule is the [rule] table; keys are in the repository's (alphabetical)
// order, the query last.
type Rule struct {
	Author              []string             `toml:"author"`
	Description         string               `toml:"description,multiline"`
	FalsePositives      []string             `toml:"false_positives,omitempty"`
	From                string               `toml:"from"`
	Index               []string             `toml:"index,omitempty"`
	Interval            string               `toml:"interval,omitempty"`
	Language            string               `toml:"language"`
	License             string               `toml:"license"`
	MaxSignals          int                  `toml:"max_signals,omitempty"`
	Name                string               `toml:"name"`
	Note                string               `toml:"note,multiline,omitempty"`
	References          []string             `toml:"references,omitempty"`
	RiskScore           int                  `toml:"risk_score"`
	RuleID              string               `toml:"rule_id"`
	Severity            string               `toml:"severity"`
	Tags                []string             `toml:"tags"`
	TimestampOverride   string               `toml:"timestamp_override,omitempty"`
	Type                string               `toml:"type"`
	Query               string               `toml:"query,multiline"`
	InvestigationFields *InvestigationFields `toml:"investigation_fields,omitempty"`
	Threshold           *Threshold           `toml:"threshold,omitempty"`
	Threat              []Threat             `toml:"threat,omitempty"`
}

// InvestigationFields is [rule.investigation_fields].
type InvestigationFields struct {
	FieldNames []string `toml:"field_names"`
}

// Threshold is [rule.threshold].
type Threshold struct {
	Field       []string      `toml:"field"`
	Value       int64         `toml:"value"`
	Cardinality []Cardinality `toml:"cardinality,omitempty"`
}

// Cardinality is [[rule.threshold.cardinality]].
type Cardinality struct {
	Field string `toml:"field"`
	Value int64  `toml:"value"`
}

// Threat is [[rule.threat]].
type Threat struct {
	Framework string      `toml:"framework"`
	Technique []Technique `toml:"technique,omitempty"`
	Tactic    Ref         `toml:"tactic"`
}

// Technique is [[rule.threat.technique]].
type Technique struct {
	ID           string `toml:"id"`
	Name         string `toml:"name"`
	Reference    string `toml:"reference"`
	Subtechnique []Ref  `toml:"subtechnique,omitempty"`
}

// Ref is an ATT&CK reference.
type Ref struct {
	ID        string `toml:"id"`
	Name      string `toml:"name"`
	Reference string `toml:"reference"`
}

var maturities = map[string]string{
	"stable": "production", "test": "beta", "experimental": "experimental",
	"deprecated": "deprecated", "unsupported": "development",
}

// nameRule is the repository's rule-name pattern.
var nameRule = regexp.MustCompile(`^[a-zA-Z0-9].+?[a-zA-Z0-9\[\]()]$`)

// Compile returns the rule's TOML file.
func (b *Backend) Compile(r *ir.Rule) (backends.Output, error) {
	f, err := b.File(r)
	if err != nil {
		return backends.Output{}, err
	}
	var buf bytes.Buffer
	enc := toml.NewEncoder(&buf)
	enc.SetIndentTables(false)
	if err := enc.Encode(f); err != nil {
		return backends.Output{}, err
	}
	return backends.Output{Rule: r, Text: buf.String(), Ext: ".toml"}, nil
}

// File builds the TOML document of a rule.
func (b *Backend) File(r *ir.Rule) (*File, error) {
	doc, err := b.kibana.Document(r)
	if err != nil {
		var u *backends.Unsupported
		if ok := asUnsupported(err, &u); ok {
			c := *u
			c.Target = Name
			return nil, &c
		}
		return nil, err
	}
	if !nameRule.MatchString(doc.Name) {
		return nil, &backends.Unsupported{Pos: r.Pos, Target: Name, Rule: r.Title, Construct: "the title " + fmt.Sprintf("%q", doc.Name),
			Reason: "detection-rules names must start with a letter or digit and end with one or with ] or )"}
	}
	if r.Date == "" {
		return nil, &backends.Unsupported{Pos: r.Pos, Target: Name, Rule: r.Title, Construct: "a rule without date", Reason: "[metadata] creation_date is required"}
	}
	maturity := b.opts.Maturity
	if maturity == "" {
		maturity = maturities[r.Status]
	}
	if maturity == "" {
		maturity = "development"
	}
	updated := r.Modified
	if updated == "" {
		updated = r.Date
	}
	f := &File{
		Metadata: Metadata{
			CreationDate: slashDate(r.Date),
			Maturity:     maturity,
			UpdatedDate:  slashDate(updated),
		},
		Rule: Rule{
			Author:            doc.Author,
			Description:       ensureNewline(doc.Description),
			FalsePositives:    doc.FalsePositives,
			From:              doc.From,
			Index:             doc.Index,
			Language:          doc.Language,
			License:           b.license(r),
			Name:              doc.Name,
			Note:              note(doc.Name, doc.Note),
			References:        doc.References,
			RiskScore:         doc.RiskScore,
			RuleID:            doc.RuleID,
			Severity:          doc.Severity,
			Tags:              tags(doc.Tags),
			TimestampOverride: doc.TimestampOverride,
			Type:              doc.Type,
			Query:             ensureNewline(doc.Query),
		},
	}
	if r.Logsource.Product == "aws" {
		f.Metadata.Integration = []string{"aws"}
	}
	if doc.Interval != "5m" {
		f.Rule.Interval = doc.Interval
	}
	if doc.MaxSignals != 100 {
		f.Rule.MaxSignals = doc.MaxSignals
	}
	if doc.InvestigationFields != nil {
		f.Rule.InvestigationFields = &InvestigationFields{FieldNames: doc.InvestigationFields.FieldNames}
	}
	if th := doc.Threshold; th != nil {
		t := &Threshold{Field: th.Field, Value: th.Value}
		for _, c := range th.Cardinality {
			t.Cardinality = append(t.Cardinality, Cardinality{Field: c.Field, Value: c.Value})
		}
		f.Rule.Threshold = t
	}
	for _, th := range doc.Threat {
		t := Threat{Framework: th.Framework, Tactic: Ref{ID: th.Tactic.ID, Name: th.Tactic.Name, Reference: th.Tactic.Reference}}
		for _, te := range th.Technique {
			tech := Technique{ID: te.ID, Name: te.Name, Reference: te.Reference}
			for _, s := range te.Subtechnique {
				tech.Subtechnique = append(tech.Subtechnique, Ref{ID: s.ID, Name: s.Name, Reference: s.Reference})
			}
			t.Technique = append(t.Technique, tech)
		}
		f.Rule.Threat = append(f.Rule.Threat, t)
	}
	return f, nil
}

func (b *Backend) license(r *ir.Rule) string {
	if b.opts.License != "" {
		return b.opts.License
	}
	return r.License
}

// slashDate turns Sigma's YYYY-MM-DD into the repository's YYYY/MM/DD.
func slashDate(d string) string { return strings.ReplaceAll(d, "-", "/") }

func ensureNewline(s string) string {
	if s == "" || strings.HasSuffix(s, "\n") {
		return s
	}
	return s + "\n"
}

// note prefixes the investigation guide with the heading the repository's
// tests look for.
func note(name, guide string) string {
	if strings.TrimSpace(guide) == "" {
		return ""
	}
	if strings.Contains(guide, "Triage and analysis") {
		return ensureNewline(guide)
	}
	return ensureNewline("## Triage and analysis\n\n### Investigating " + name + "\n\n" + strings.TrimSpace(guide))
}

// tags keeps the tags with the repository's prefixes and adds the use case.
func tags(in []string) []string {
	prefixes := []string{"Domain: ", "Data Source: ", "Use Case: ", "Tactic: ", "Resources: ", "OS: ", "Rule Type: "}
	out := []string{}
	for _, t := range in {
		for _, p := range prefixes {
			if strings.HasPrefix(t, p) {
				out = append(out, t)
				break
			}
		}
	}
	uc := "Use Case: Threat Detection"
	for i, t := range out {
		if strings.HasPrefix(t, "Data Source: ") || strings.HasPrefix(t, "Domain: ") {
			continue
		}
		return append(out[:i], append([]string{uc}, out[i:]...)...)
	}
	return append(out, uc)
}

func asUnsupported(err error, u **backends.Unsupported) bool { return errors.As(err, u) }
