package coverage

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/sigforge/sigforge/backends"
	"github.com/sigforge/sigforge/compiler/ir"
)

// rdsAPI is the list of posture-changing API calls (rds_api.yml).
//
//go:embed rds_api.yml
var rdsAPI []byte

// APICall is one posture-changing API call of the list in rds_api.yml.
type APICall struct {
	Name   string `yaml:"name" json:"name"`     // CloudTrail eventName
	Source string `yaml:"source" json:"source"` // eventSource
	Risk   string `yaml:"risk" json:"risk"`     // what a change through it can do
	// Uncovered says why the pack does not cover the call ("" when it
	// should be covered).
	Uncovered string `yaml:"uncovered" json:"uncovered,omitempty"`
}

// DefaultSource is the eventSource of calls listed without one.
const DefaultSource = "rds.amazonaws.com"

// APICalls returns the posture-changing RDS API calls kept in the project
// (from the RDS API reference, plus the EC2 calls that open a VPC
// database's security group), in the file's order.
func APICalls() []APICall {
	var f struct {
		Calls []APICall `yaml:"calls"`
	}
	dec := yaml.NewDecoder(strings.NewReader(string(rdsAPI)))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		panic("coverage: rds_api.yml: " + err.Error()) // embedded data; TestAPICalls keeps it valid
	}
	for i := range f.Calls {
		if f.Calls[i].Source == "" {
			f.Calls[i].Source = DefaultSource
		}
	}
	return f.Calls
}

// APICoverage is one call and the rules that cover it.
type APICoverage struct {
	APICall
	Rules []Rule `json:"rules"`
	// Targets lists, per target, the covering rules it can express.
	Targets map[string]int `json:"targets"`
}

// Covered reports whether some rule covers the call.
func (c APICoverage) Covered() bool { return len(c.Rules) > 0 }

// APIReport is the pack's coverage of the posture-changing API calls.
type APIReport struct {
	Targets []string      `json:"targets"`
	Calls   []APICoverage `json:"calls"`
	Covered int           `json:"covered"` // calls with at least one rule
	// Stale lists calls marked uncovered that a rule now covers: the
	// reason in rds_api.yml is out of date.
	Stale []string `json:"stale"`
	// Missing lists calls neither covered nor given a reason.
	Missing []string `json:"missing"`
}

// ComputeAPI measures which of calls the rules cover, and on which targets.
// A detection rule covers a call when its detection has an eventName
// condition matching the call's name (wildcards included) and, if it names
// eventSource, the call's source. Correlation rules cover nothing
// themselves: their base rules do.
func ComputeAPI(calls []APICall, rules []*ir.Rule, targets []backends.Backend) *APIReport {
	rep := &APIReport{Calls: []APICoverage{}, Stale: []string{}, Missing: []string{}}
	for _, t := range targets {
		rep.Targets = append(rep.Targets, t.Name())
	}
	type ruleInfo struct {
		ref         Rule
		names       []*regexp.Regexp
		sources     []*regexp.Regexp
		expressible []string
	}
	var infos []ruleInfo
	for _, r := range rules {
		if r.Detection == nil {
			continue
		}
		ri := ruleInfo{ref: Rule{Title: r.Title, ID: r.ID, File: r.File}}
		for _, m := range ir.Matches(r.Detection) {
			if m.Op != ir.OpEqual {
				continue
			}
			switch m.Field {
			case "eventName":
				ri.names = append(ri.names, patterns(m)...)
			case "eventSource":
				ri.sources = append(ri.sources, patterns(m)...)
			}
		}
		if len(ri.names) == 0 {
			continue
		}
		for _, t := range targets {
			if _, err := t.Compile(r); err == nil {
				ri.expressible = append(ri.expressible, t.Name())
			}
		}
		infos = append(infos, ri)
	}
	for _, call := range calls {
		c := APICoverage{APICall: call, Rules: []Rule{}, Targets: map[string]int{}}
		for _, t := range rep.Targets {
			c.Targets[t] = 0
		}
		for _, ri := range infos {
			if !anyMatch(ri.names, call.Name) || (len(ri.sources) > 0 && !anyMatch(ri.sources, call.Source)) {
				continue
			}
			c.Rules = append(c.Rules, ri.ref)
			for _, t := range ri.expressible {
				c.Targets[t]++
			}
		}
		slices.SortFunc(c.Rules, func(a, b Rule) int { return strings.Compare(a.File, b.File) })
		switch {
		case c.Covered():
			rep.Covered++
			if call.Uncovered != "" {
				rep.Stale = append(rep.Stale, call.Name)
			}
		case call.Uncovered == "":
			rep.Missing = append(rep.Missing, call.Name)
		}
		rep.Calls = append(rep.Calls, c)
	}
	return rep
}

// patterns turns a Match's values into anchored, case-insensitive (unless
// Cased) regular expressions.
func patterns(m *ir.Match) []*regexp.Regexp {
	var out []*regexp.Regexp
	for _, v := range m.Values {
		if v.Kind != ir.KindString {
			continue
		}
		var b strings.Builder
		if !m.Cased {
			b.WriteString("(?i)")
		}
		b.WriteString("^")
		for _, p := range v.Parts {
			switch p.Kind {
			case ir.AnyString:
				b.WriteString(".*")
			case ir.AnyChar:
				b.WriteString(".")
			default:
				b.WriteString(regexp.QuoteMeta(p.Text))
			}
		}
		b.WriteString("$")
		out = append(out, regexp.MustCompile(b.String()))
	}
	return out
}

func anyMatch(res []*regexp.Regexp, s string) bool {
	return slices.ContainsFunc(res, func(re *regexp.Regexp) bool { return re.MatchString(s) })
}

// WriteMarkdown writes the API coverage: a summary, a table of every call
// with its covering rules and per-target counts, then the uncovered calls
// with their reasons.
func (r *APIReport) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# API coverage\n\n%d of %d posture-changing API calls are covered by at least one rule. A target column counts the covering rules that target can express.\n\n", r.Covered, len(r.Calls))
	b.WriteString("| Call | Source | Rules | " + strings.Join(r.Targets, " | ") + " |\n|---|---|---|" + strings.Repeat("---:|", len(r.Targets)) + "\n")
	for _, c := range r.Calls {
		if !c.Covered() {
			continue
		}
		names := make([]string, len(c.Rules))
		for i, rule := range c.Rules {
			names[i] = strings.TrimSuffix(rule.File[strings.LastIndex(rule.File, "/")+1:], ".yml")
		}
		fmt.Fprintf(&b, "| %s | %s | %s |", c.Name, c.Source, strings.Join(names, ", "))
		for _, t := range r.Targets {
			fmt.Fprintf(&b, " %d |", c.Targets[t])
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "\n## Not covered (%d)\n\n| Call | Source | Risk | Why not covered |\n|---|---|---|---|\n", len(r.Calls)-r.Covered)
	for _, c := range r.Calls {
		if c.Covered() {
			continue
		}
		reason := c.Uncovered
		if reason == "" {
			reason = "NO REASON GIVEN in rds_api.yml"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", c.Name, c.Source, c.Risk, reason)
	}
	if len(r.Stale) > 0 {
		fmt.Fprintf(&b, "\nCovered although rds_api.yml gives a reason not to be (update the file): %s\n", strings.Join(r.Stale, ", "))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteJSON writes the API coverage as indented JSON.
func (r *APIReport) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(r)
}
