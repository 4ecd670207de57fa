package cloudwatch

import (
	"fmt"
	"strings"

	"github.com/sigforge/sigforge/backends"
	"github.com/sigforge/sigforge/compiler/ir"
)

// Quotas of a log group (CloudWatch Logs quotas; they cannot be raised).
const (
	MaxFiltersPerLogGroup      = 100
	MaxRegexFiltersPerLogGroup = 5
)

// Compile writes a rule's metric filters and alarm in the configured form.
func (b *Backend) Compile(r *ir.Rule) (backends.Output, error) {
	p, err := b.plan(r)
	if err != nil {
		return backends.Output{}, err
	}
	if err := checkQuotas([]*Plan{p}); err != nil {
		return backends.Output{}, err
	}
	text, ext, err := b.render([]*Plan{p})
	if err != nil {
		return backends.Output{}, err
	}
	return backends.Output{Rule: r, Text: text, Ext: ext}, nil
}

// Bundle writes every rule of outs into one file (one template, one
// Terraform file, one script, one JSON document), and checks the quotas
// that hold per log group across rules: at most 100 metric filters and at
// most 5 filters with a regex.
//
// A rule that a correlation of the bundle references without "generate:
// true" gets no filter or alarm of its own: Sigma says its matches are not
// alerts, and the correlation carries its own filters.
func (b *Backend) Bundle(outs []backends.Output) (backends.Output, error) {
	quiet := map[*ir.Rule]bool{}
	for _, o := range outs {
		if c := o.Rule.Correlation; c != nil && !c.Generate {
			for _, r := range c.Rules {
				quiet[r] = true
			}
		}
	}
	var plans []*Plan
	for _, o := range outs {
		if quiet[o.Rule] {
			continue
		}
		p, err := b.plan(o.Rule)
		if err != nil {
			return backends.Output{}, err
		}
		plans = append(plans, p)
	}
	if err := checkQuotas(plans); err != nil {
		return backends.Output{}, err
	}
	text, ext, err := b.render(plans)
	if err != nil {
		return backends.Output{}, err
	}
	return backends.Output{Text: text, Ext: ext}, nil
}

func (b *Backend) render(plans []*Plan) (string, string, error) {
	switch b.opts.Format {
	case FormatCloudFormation:
		s, err := b.renderCloudFormation(plans)
		return s, ".yaml", err
	case FormatTerraform:
		s, err := b.renderTerraform(plans)
		return s, ".tf", err
	case FormatCLI:
		s, err := b.renderCLI(plans)
		return s, ".sh", err
	}
	s, err := b.renderJSON(plans)
	return s, ".json", err
}

// QuotaError says that the rules put more filters on a log group than
// CloudWatch allows.
type QuotaError struct {
	LogGroup string
	What     string
	Count    int
	Limit    int
	Rules    []string
}

func (e *QuotaError) Error() string {
	return fmt.Sprintf("cloudwatch: log group %q would get %d %s (limit %d), from rules: %s",
		e.LogGroup, e.Count, e.What, e.Limit, strings.Join(e.Rules, ", "))
}

func checkQuotas(plans []*Plan) error {
	type count struct {
		filters, regex    int
		rules, regexRules []string
	}
	counts := map[string]*count{}
	var order []string
	for _, p := range plans {
		c, ok := counts[p.LogGroup.Key]
		if !ok {
			c = &count{}
			counts[p.LogGroup.Key] = c
			order = append(order, p.LogGroup.Key)
		}
		name := ruleName(p.Rule)
		c.filters += len(p.Filters)
		c.rules = append(c.rules, name)
		for _, f := range p.Filters {
			if f.Regexes > 0 {
				c.regex++
				c.regexRules = append(c.regexRules, name)
			}
		}
	}
	for _, k := range order {
		c := counts[k]
		if c.filters > MaxFiltersPerLogGroup {
			return &QuotaError{LogGroup: k, What: "metric filters", Count: c.filters, Limit: MaxFiltersPerLogGroup, Rules: c.rules}
		}
		if c.regex > MaxRegexFiltersPerLogGroup {
			return &QuotaError{LogGroup: k, What: "metric filters with a regex", Count: c.regex, Limit: MaxRegexFiltersPerLogGroup, Rules: c.regexRules}
		}
	}
	return nil
}

func ruleName(r *ir.Rule) string {
	if r.Title != "" {
		return r.Title
	}
	return r.ID
}
