package falco

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/sigforge/sigforge/compiler/ir"
)

// compiledRule is one Sigma rule as Falco entries.
type compiledRule struct {
	rule       *ir.Rule
	name       string
	desc       string
	condition  string
	output     string
	priority   string
	tags       []string
	lists      []listDef
	macros     []macroDef
	needsCT012 bool
}

// priorities maps Sigma levels to Falco priorities.
var priorities = map[string]string{
	"critical":      "CRITICAL",
	"high":          "ERROR",
	"medium":        "WARNING",
	"low":           "NOTICE",
	"informational": "INFORMATIONAL",
}

func (b *Backend) compile(r *ir.Rule) (*compiledRule, error) { return b.compileAs(r, "") }

// ruleSlug is the prefix of a rule's list and macro names: its file name.
func ruleSlug(r *ir.Rule) string {
	base := slug(strings.TrimSuffix(filepath.Base(r.File), filepath.Ext(r.File)))
	if base == "" {
		base = slug(r.Title)
	}
	return base
}

// compileAs compiles r; prefix, when set, replaces the rule's list and
// macro name prefix (Bundle uses it for rules sharing a file).
func (b *Backend) compileAs(r *ir.Rule, prefix string) (*compiledRule, error) {
	if r.IsCorrelation() {
		return nil, unsupported(r, nil, "correlation "+string(r.Correlation.Type),
			"a Falco rule matches one event at a time; it cannot count events or order them in a time window")
	}
	ls := r.Logsource
	if ls.Product != "" && !strings.EqualFold(ls.Product, "aws") || !strings.EqualFold(ls.Service, "cloudtrail") {
		return nil, unsupported(r, nil, "logsource "+logsourceText(ls),
			"Falco's cloudtrail plugin reads CloudTrail records only (source aws_cloudtrail); this log (e.g. a database engine log in CloudWatch Logs) has no Falco event source")
	}
	if r.Detection == nil {
		return nil, unsupported(r, nil, "rule without detection", "nothing to compile")
	}
	if prefix == "" {
		prefix = ruleSlug(r)
	}
	g := &gen{b: b, r: r, slug: prefix, names: map[string]bool{}}
	c, err := g.expr(r.Detection)
	if err != nil {
		return nil, err
	}
	out := &compiledRule{
		rule:      r,
		name:      r.Title,
		condition: render(c),
		lists:     g.lists,
		macros:    g.macros,
	}
	out.priority = priorities[strings.ToLower(r.Level)]
	if out.priority == "" {
		out.priority = priorities[strings.ToLower(r.Meta.Severity)]
	}
	if out.priority == "" {
		out.priority = "WARNING"
	}
	out.desc = description(r)
	outputFields, err := g.output()
	if err != nil {
		return nil, err
	}
	out.output = outputFields
	out.tags = tags(r, g.rds)
	out.needsCT012 = g.ct012
	return out, nil
}

func logsourceText(ls ir.Logsource) string {
	var parts []string
	for _, kv := range [][2]string{{"category", ls.Category}, {"product", ls.Product}, {"service", ls.Service}} {
		if kv[1] != "" {
			parts = append(parts, kv[0]+"="+kv[1])
		}
	}
	if len(parts) == 0 {
		return "(none)"
	}
	return strings.Join(parts, " ")
}

func description(r *ir.Rule) string {
	d := strings.TrimSpace(r.Description)
	if d == "" {
		d = r.Title
	}
	meta := fmt.Sprintf("Sigma rule %s, level %s", r.ID, r.Level)
	if r.Meta.Severity != "" {
		meta += fmt.Sprintf(", severity %s, risk score %d", r.Meta.Severity, r.Meta.RiskScore)
	}
	return d + "\n\n" + meta + "."
}

// tags carries the ATT&CK mapping the way Falco's own rules do
// (mitre_<tactic>, technique ids), with the tactic ids, after
// cloud/aws/aws_rds.
func tags(r *ir.Rule, rds bool) []string {
	out := []string{"cloud", "aws"}
	if rds {
		out = append(out, "aws_rds")
	}
	seen := map[string]bool{}
	add := func(t string) {
		if t != "" && !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	for _, ta := range r.Meta.Threat {
		add("mitre_" + strings.ReplaceAll(ta.ShortName, "-", "_"))
	}
	for _, ta := range r.Meta.Threat {
		add(ta.ID)
	}
	for _, ta := range r.Meta.Threat {
		for _, te := range ta.Techniques {
			add(te.ID)
			for _, st := range te.Subtechniques {
				add(st.ID)
			}
		}
	}
	if len(r.Meta.Threat) == 0 {
		// Fall back on the attack.* tags as written.
		for _, t := range r.Tags {
			rest, ok := strings.CutPrefix(strings.ToLower(t), "attack.")
			if !ok {
				continue
			}
			if len(rest) > 1 && rest[0] == 't' && rest[1] >= '0' && rest[1] <= '9' {
				add(strings.ToUpper(rest))
			} else {
				add("mitre_" + strings.ReplaceAll(rest, "-", "_"))
			}
		}
	}
	return out
}

// output names who did what to which database: the acting user and ARN,
// source IP, region, account, the API call and its error, then the rule's
// alert fields (by default the DB instance, cluster and snapshot
// identifiers).
func (g *gen) output() (string, error) {
	type field struct{ label, expr string }
	fields := []field{
		{"user", "%ct.user"},
		{"arn", "%ct.user.arn"},
		{"src_ip", "%ct.srcip"},
		{"region", "%ct.region"},
		{"account", "%ct.user.accountid"},
		{"event", "%ct.name"},
		{"error", "%ct.error"},
	}
	covered := map[string]bool{"userIdentity.arn": true, "sourceIPAddress": true, "awsRegion": true,
		"userIdentity.accountId": true, "eventName": true, "errorCode": true, "userIdentity.userName": true}
	alert := g.r.Meta.AlertFields
	hasID := false
	for _, f := range alert {
		if strings.Contains(f, "Identifier") {
			hasID = true
		}
	}
	if !hasID {
		alert = append(append([]string{}, alert...), "requestParameters.dBInstanceIdentifier",
			"requestParameters.dBClusterIdentifier", "requestParameters.dBSnapshotIdentifier")
	}
	for _, f := range alert {
		if covered[f] {
			continue
		}
		covered[f] = true
		label := f[strings.LastIndexByte(f, '.')+1:]
		if ct, ok := ctFields[f]; ok {
			fields = append(fields, field{label, "%" + ct.name})
			continue
		}
		ptr := pointer(strings.Split(f, "."))
		if fieldArg(ptr) != ptr {
			continue // Falco's output formatter takes bare arguments only
		}
		fields = append(fields, field{label, "%json.value[" + ptr + "]"})
	}
	parts := make([]string, len(fields))
	for i, f := range fields {
		parts[i] = f.label + "=" + f.expr
	}
	// A "%" in the title would start a field reference in Falco's output.
	title := strings.ReplaceAll(g.r.Title, "%", "")
	return title + " (" + strings.Join(parts, " ") + ")", nil
}

// nodes renders the rule's entries; name overrides the rule name.
func (c *compiledRule) nodes(name string) []*node {
	if name == "" {
		name = c.name
	}
	var out []*node
	for _, l := range c.lists {
		items := make([]string, len(l.items))
		for i, it := range l.items {
			items[i] = listItem(it)
		}
		out = append(out, mapping("list", scalar(l.name), "items", flowSeq(items...)))
	}
	for _, m := range c.macros {
		n := mapping("macro", scalar(m.name), "condition", scalar(render(m.cond)))
		n.HeadComment = m.comment
		out = append(out, n)
	}
	r := mapping(
		"rule", scalar(name),
		"desc", scalar(c.desc),
		"condition", scalar(c.condition),
		"output", scalar(c.output),
		"priority", scalar(c.priority),
		"source", scalar("aws_cloudtrail"),
		"tags", flowSeq(c.tags...),
		"enabled", boolean(true),
	)
	out = append(out, r)
	origin := "Sigma rule " + c.rule.ID
	if c.rule.File != "" {
		origin += " (" + filepath.Base(c.rule.File) + ")"
	}
	if out[0].HeadComment != "" {
		origin += "\n" + out[0].HeadComment
	}
	out[0].HeadComment = origin
	return out
}

// listItem writes a list item so that Falco's textual substitution puts a
// valid value in the condition: bare when it is a bare string, else as a
// quoted filter string.
func listItem(s string) string {
	if fqIsBare(s) {
		return s
	}
	return fqQuote(s)
}

func sortStrings(s []string) { sort.Strings(s) }
