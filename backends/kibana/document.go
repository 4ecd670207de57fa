package kibana

import (
	"sort"
	"strings"

	"github.com/sigforge/sigforge/compiler/ecs"
	"github.com/sigforge/sigforge/compiler/ir"
)

// Rule is a create-rule document. Field order is the JSON key order.
type Rule struct {
	RuleID              string               `json:"rule_id"`
	Name                string               `json:"name"`
	Description         string               `json:"description"`
	Type                string               `json:"type"`
	Language            string               `json:"language"`
	Query               string               `json:"query"`
	Index               []string             `json:"index,omitempty"`
	Threshold           *Threshold           `json:"threshold,omitempty"`
	Interval            string               `json:"interval"`
	From                string               `json:"from"`
	MaxSignals          int                  `json:"max_signals"`
	RiskScore           int                  `json:"risk_score"`
	Severity            string               `json:"severity"`
	Threat              []Threat             `json:"threat"`
	Note                string               `json:"note,omitempty"`
	FalsePositives      []string             `json:"false_positives"`
	References          []string             `json:"references"`
	Author              []string             `json:"author"`
	License             string               `json:"license,omitempty"`
	Tags                []string             `json:"tags"`
	BuildingBlockType   string               `json:"building_block_type,omitempty"`
	Version             int                  `json:"version"`
	TimestampOverride   string               `json:"timestamp_override,omitempty"`
	InvestigationFields *InvestigationFields `json:"investigation_fields,omitempty"`
	RequiredFields      []RequiredField      `json:"required_fields"`
	RelatedIntegrations []RelatedIntegration `json:"related_integrations"`
}

// Threshold is a threshold rule's grouping and count.
type Threshold struct {
	Field       []string      `json:"field"`
	Value       int64         `json:"value"`
	Cardinality []Cardinality `json:"cardinality,omitempty"`
}

// Cardinality is a threshold on distinct values of a field.
type Cardinality struct {
	Field string `json:"field"`
	Value int64  `json:"value"`
}

// Threat is one ATT&CK tactic with its techniques.
type Threat struct {
	Framework string      `json:"framework"`
	Tactic    ThreatRef   `json:"tactic"`
	Technique []Technique `json:"technique,omitempty"`
}

// ThreatRef is an ATT&CK object reference.
type ThreatRef struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Reference string `json:"reference"`
}

// Technique is an ATT&CK technique with its sub-techniques.
type Technique struct {
	ID           string      `json:"id"`
	Name         string      `json:"name"`
	Reference    string      `json:"reference"`
	Subtechnique []ThreatRef `json:"subtechnique,omitempty"`
}

// InvestigationFields are the fields highlighted in the alert flyout.
type InvestigationFields struct {
	FieldNames []string `json:"field_names"`
}

// RequiredField is a field the query needs, with its Elasticsearch type.
type RequiredField struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// RelatedIntegration is the Fleet package the rule reads.
type RelatedIntegration struct {
	Package     string `json:"package"`
	Integration string `json:"integration,omitempty"`
	Version     string `json:"version"`
}

var severities = map[string]string{"informational": "low", "low": "low", "medium": "medium", "high": "high", "critical": "critical"}

var defaultRisk = map[string]int{"low": 21, "medium": 47, "high": 73, "critical": 99}

// common fills the fields every rule type shares.
func (b *Backend) common(r *ir.Rule) *Rule {
	sev := severities[strings.ToLower(r.Meta.Severity)]
	if sev == "" {
		sev = severities[strings.ToLower(r.Level)]
	}
	if sev == "" {
		sev = "low"
	}
	risk := r.Meta.RiskScore
	if risk <= 0 || risk > 100 {
		risk = defaultRisk[sev]
	}
	desc := strings.TrimSpace(r.Description)
	if desc == "" {
		desc = r.Title
	}
	license := r.License
	if license == "" {
		license = b.opts.License
	}
	doc := &Rule{
		RuleID:            r.ID,
		Name:              r.Title,
		Description:       desc,
		Interval:          b.opts.Interval,
		From:              b.opts.From,
		MaxSignals:        b.opts.MaxSignals,
		RiskScore:         risk,
		Severity:          sev,
		Threat:            threat(r.Meta.Threat),
		Note:              r.Meta.Guide,
		FalsePositives:    nonNil(r.FalsePositives),
		References:        nonNil(r.References),
		Author:            authors(r.Author),
		License:           license,
		Tags:              b.tags(r),
		Version:           b.opts.Version,
		TimestampOverride: "event.ingested",
	}
	if r.Logsource.Product == "aws" && r.Logsource.Service == "cloudtrail" {
		doc.RelatedIntegrations = []RelatedIntegration{{Package: "aws", Integration: "cloudtrail", Version: b.opts.IntegrationVersion}}
	} else {
		doc.RelatedIntegrations = []RelatedIntegration{}
	}
	return doc
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// authors splits Sigma's author string ("A, B") into Kibana's list.
func authors(s string) []string {
	out := []string{}
	for _, a := range strings.Split(s, ",") {
		if a = strings.TrimSpace(a); a != "" {
			out = append(out, a)
		}
	}
	return out
}

// threat converts the IR's ATT&CK mapping; it is already grouped by tactic.
func threat(ts []ir.Tactic) []Threat {
	out := []Threat{}
	for _, t := range ts {
		th := Threat{Framework: "MITRE ATT&CK", Tactic: ThreatRef{ID: t.ID, Name: t.Name, Reference: ref(t.Reference, "tactics", t.ID)}}
		for _, tech := range t.Techniques {
			te := Technique{ID: tech.ID, Name: tech.Name, Reference: ref(tech.Reference, "techniques", tech.ID)}
			for _, sub := range tech.Subtechniques {
				te.Subtechnique = append(te.Subtechnique, ThreatRef{ID: sub.ID, Name: sub.Name, Reference: ref(sub.Reference, "techniques", sub.ID)})
			}
			th.Technique = append(th.Technique, te)
		}
		out = append(out, th)
	}
	return out
}

func ref(given, kind, id string) string {
	if given != "" {
		return given
	}
	return "https://attack.mitre.org/" + kind + "/" + strings.ReplaceAll(id, ".", "/") + "/"
}

// tags are the Sigma tags followed by Elastic-style tags for the data
// source, each tactic and the investigation guide.
func (b *Backend) tags(r *ir.Rule) []string {
	out := append([]string{}, r.Tags...)
	add := func(t string) {
		for _, x := range out {
			if x == t {
				return
			}
		}
		out = append(out, t)
	}
	if r.Logsource.Product == "aws" {
		add("Domain: Cloud")
		add("Data Source: AWS")
		add("Data Source: Amazon RDS")
	}
	for _, t := range r.Meta.Threat {
		add("Tactic: " + t.Name)
	}
	if r.Meta.Guide != "" {
		add("Resources: Investigation Guide")
	}
	return out
}

// investigationFields maps the rule's alert fields to ECS: plain fields
// through the field table, request/response parameters to the flat string
// (or the flattened field, following targets.elastic.parameters). Fields
// without an ECS name are left out.
func (b *Backend) investigationFields(r *ir.Rule) *InvestigationFields {
	var names []string
	seen := map[string]bool{}
	for _, f := range r.Meta.AlertFields {
		name := b.ecsName(f)
		if name == "" || seen[name] {
			continue
		}
		seen[name] = true
		names = append(names, name)
	}
	if len(names) == 0 {
		return nil
	}
	return &InvestigationFields{FieldNames: names}
}

func (b *Backend) ecsName(raw string) string {
	head, rest, hasRest := strings.Cut(raw, ".")
	if flat := ecs.FlatField(head); flat != "" && hasRest {
		if b.ecsOpts.Parameters == ecs.ParamsFlattened {
			return strings.Replace(flat, "aws.cloudtrail.", "aws.cloudtrail.flattened.", 1) + "." + rest
		}
		return flat
	}
	if f, ok := ecs.Lookup(raw, b.ecsOpts); ok {
		return f.ECS
	}
	return ""
}

// fieldTypes are the Elasticsearch types of the ECS fields our queries use
// that are not keyword.
var fieldTypes = map[string]string{
	"@timestamp":     "date",
	"event.ingested": "date",
	"source.ip":      "ip",
	"source.port":    "long",
	// elastic/integrations packages/aws/data_stream/cloudtrail/fields/fields.yml
	"aws.cloudtrail.read_only":                                   "boolean",
	"aws.cloudtrail.user_identity.session_context.creation_date": "date",
}

// requiredFields lists the ECS fields the rewritten rule reads, sorted.
func requiredFields(rw *ir.Rule, th *Threshold) []RequiredField {
	set := map[string]bool{}
	var visit func(r *ir.Rule)
	visit = func(r *ir.Rule) {
		if r.Detection != nil {
			for _, m := range ir.Matches(r.Detection) {
				if m.Field != "" {
					set[m.Field] = true
				}
			}
		}
		if c := r.Correlation; c != nil {
			for _, sub := range c.Rules {
				visit(sub)
				for _, g := range c.GroupBy {
					set[c.FieldFor(g, sub)] = true
				}
			}
			if c.Condition.Field != "" {
				set[c.Condition.Field] = true
			}
		}
	}
	visit(rw)
	names := make([]string, 0, len(set))
	for n := range set {
		names = append(names, n)
	}
	sort.Strings(names)
	out := []RequiredField{}
	for _, n := range names {
		typ := fieldTypes[n]
		switch {
		case typ != "":
		case strings.HasPrefix(n, "aws.cloudtrail.flattened."):
			typ = "flattened"
		default:
			typ = "keyword"
		}
		out = append(out, RequiredField{Name: n, Type: typ})
	}
	return out
}
