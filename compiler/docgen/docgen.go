// Package docgen generates the reference pages under docs/ that must never
// drift from the code: the target support matrix (every target compiles a
// feature probe per Sigma construct), the field mapping tables (what each
// target makes of a CloudTrail field) and the problem codes (from the code
// tables of packages validate and harness). A test keeps the committed
// pages current: regenerate them with SIGFORGE_UPDATE=1 go test
// ./compiler/docgen.
package docgen

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/sigforge/sigforge/backends"
	"github.com/sigforge/sigforge/compiler"
	"github.com/sigforge/sigforge/compiler/config"
	"github.com/sigforge/sigforge/compiler/ecs"
	"github.com/sigforge/sigforge/compiler/harness"
	"github.com/sigforge/sigforge/compiler/ir"
	"github.com/sigforge/sigforge/compiler/validate"
)

// Probe is one Sigma construct and the smallest rule file that uses it.
type Probe struct {
	Feature string
	Rule    string // a whole rule file (YAML)
}

const probeID = "0f0e0d0c-0b0a-4909-8807-060504030201"

func detection(logsource, body string) string {
	return "title: Probe\nid: " + probeID + "\ndescription: A feature probe.\nauthor: sigforge\ndate: 2026-01-01\n" +
		"logsource:\n" + logsource + "detection:\n" + body + "level: medium\n"
}

const cloudtrail = "    product: aws\n    service: cloudtrail\n"

func ct(body string) string { return detection(cloudtrail, body) }

func correlation(kind, extra string) string {
	return `title: Probe correlation
id: 1f0e0d0c-0b0a-4909-8807-060504030201
description: A feature probe.
author: sigforge
date: 2026-01-01
correlation:
    type: ` + kind + `
    rules:
        - probe_stop
        - probe_start
    group-by:
        - userIdentity.arn
    timespan: 10m
` + extra + `level: medium
---
title: Probe stop
name: probe_stop
logsource:
` + cloudtrail + `detection:
    selection:
        eventName: StopDBInstance
    condition: selection
---
title: Probe start
name: probe_start
logsource:
` + cloudtrail + `detection:
    selection:
        eventName: StartDBInstance
    condition: selection
`
}

// Probes are the constructs of the support matrix, in the order of the
// Sigma specification's sections.
var Probes = []Probe{
	{"field equals a value", ct("    selection:\n        eventName: DeleteDBInstance\n    condition: selection\n")},
	{"list of values (or)", ct("    selection:\n        eventName:\n            - DeleteDBInstance\n            - DeleteDBCluster\n    condition: selection\n")},
	{"wildcards `*` `?`", ct("    selection:\n        eventName: Delete*Insta?ce\n    condition: selection\n")},
	{"`|contains`", ct("    selection:\n        eventName|contains: Snapshot\n    condition: selection\n")},
	{"`|startswith`", ct("    selection:\n        eventName|startswith: Delete\n    condition: selection\n")},
	{"`|endswith`", ct("    selection:\n        eventName|endswith: Snapshot\n    condition: selection\n")},
	{"`|contains|all`", ct("    selection:\n        eventName|contains|all:\n            - Delete\n            - Snapshot\n    condition: selection\n")},
	{"`|re` regular expression", ct("    selection:\n        eventName|re: '^Delete.*Snapshot$'\n    condition: selection\n")},
	{"`|cased` case-sensitive", ct("    selection:\n        userAgent|cased|contains: aws-cli\n    condition: selection\n")},
	{"case-insensitive match on free text", ct("    selection:\n        userAgent|contains: terraform\n    condition: selection\n")},
	{"`|cidr`", ct("    selection:\n        sourceIPAddress|cidr: 10.0.0.0/8\n    condition: selection\n")},
	{"numeric `|gt`", ct("    selection:\n        requestParameters.allocatedStorage|gt: 100\n    condition: selection\n")},
	{"boolean value", ct("    selection:\n        requestParameters.publiclyAccessible: true\n    condition: selection\n")},
	{"null (field absent or null)", ct("    selection:\n        eventName: DeleteDBInstance\n        errorCode: null\n    condition: selection\n")},
	{"`|exists`", ct("    selection:\n        requestParameters.dBSnapshotIdentifier|exists: true\n    condition: selection\n")},
	{"`|fieldref`", ct("    selection:\n        userIdentity.accountId|fieldref: recipientAccountId\n    condition: selection\n")},
	{"`|base64offset|contains`", ct("    selection:\n        requestParameters.userData|base64offset|contains: curl\n    condition: selection\n")},
	{"`not` and filters", ct("    selection:\n        eventName: DeleteDBInstance\n    filter:\n        userIdentity.type: AWSService\n    condition: selection and not filter\n")},
	{"`1 of selection_*`", ct("    selection_instance:\n        eventName: DeleteDBInstance\n    selection_cluster:\n        eventName: DeleteDBCluster\n    condition: 1 of selection_*\n")},
	{"`all of them`", ct("    selection_name:\n        eventName: DeleteDBInstance\n    selection_source:\n        eventSource: rds.amazonaws.com\n    condition: all of them\n")},
	{"keywords on a CloudTrail rule", ct("    keywords:\n        - DeleteDBInstance\n    condition: keywords\n")},
	{"engine log rule (keywords, logsource aws/rds)", detection("    product: aws\n    service: rds\n", "    keywords:\n        - 'password authentication failed'\n    condition: keywords\n")},
	{"correlation `event_count`", correlation("event_count", "    condition:\n        gte: 5\n")},
	{"correlation `value_count`", correlation("value_count", "    condition:\n        gte: 3\n        field: requestParameters.dBInstanceIdentifier\n")},
	{"correlation `temporal`", correlation("temporal", "")},
	{"correlation `temporal_ordered`", correlation("temporal_ordered", "")},
}

// Cell is one target's verdict on one probe.
type Cell struct {
	OK     bool
	Reason string // why not
}

// Matrix compiles every probe for every target.
func Matrix(targets []backends.Backend, cfg *config.Config) ([][]Cell, error) {
	out := make([][]Cell, len(Probes))
	for i, p := range Probes {
		rules, err := load(p.Rule, cfg)
		if err != nil {
			return nil, fmt.Errorf("probe %q: %w", p.Feature, err)
		}
		row := make([]Cell, len(targets))
		for j, t := range targets {
			row[j] = Cell{OK: true}
			for _, r := range rules {
				if _, err := t.Compile(r); err != nil {
					row[j] = Cell{Reason: oneLine(err)}
					var u *backends.Unsupported
					if errors.As(err, &u) {
						row[j].Reason = u.Construct
						if u.Reason != "" {
							row[j].Reason += ": " + u.Reason
						}
					}
					break
				}
			}
		}
		out[i] = row
	}
	return out, nil
}

// load parses a probe and returns the rules a target compiles: the
// correlation alone when the file has one (its parts come with it).
func load(text string, cfg *config.Config) ([]*ir.Rule, error) {
	set, ds := compiler.Parse("probe.yml", []byte(text), compiler.Options{Config: cfg})
	if ds.HasErrors() {
		return nil, ds.Err()
	}
	var corr []*ir.Rule
	for _, r := range set.Rules {
		if r.IsCorrelation() {
			corr = append(corr, r)
		}
	}
	if len(corr) > 0 {
		return corr, nil
	}
	return set.Rules, nil
}

// TargetsPage renders docs/targets.md.
func TargetsPage(targets []backends.Backend, cfg *config.Config) (string, error) {
	m, err := Matrix(targets, cfg)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString(generated)
	b.WriteString("# Target support matrix\n\n" +
		"Which Sigma constructs each target can express. Every cell is the verdict of compiling a\n" +
		"probe rule (below) with the target's default options: ✓ compiles, ✗ the target refuses it\n" +
		"(`SF300`, see the notes). A refused rule is reported as skipped by `sigforge test` and does\n" +
		"not count for the target in `sigforge coverage`. Some refusals depend on options (e.g. the\n" +
		"Elastic targets' field mappings or `targets.kql.case`); each target's page in docs/ says which.\n\n")
	b.WriteString("| Construct |")
	for _, t := range targets {
		b.WriteString(" " + t.Name() + " |")
	}
	b.WriteString("\n|---|" + strings.Repeat(":---:|", len(targets)) + "\n")
	type note struct{ probe, target, reason string }
	var notes []note
	for i, p := range Probes {
		b.WriteString("| " + mdEscape(p.Feature) + " |")
		for j, c := range m[i] {
			if c.OK {
				b.WriteString(" ✓ |")
				continue
			}
			notes = append(notes, note{p.Feature, targets[j].Name(), c.Reason})
			fmt.Fprintf(&b, " ✗ [%d](#n%d) |", len(notes), len(notes))
		}
		b.WriteByte('\n')
	}
	if len(notes) > 0 {
		b.WriteString("\n## Notes\n\n")
		for i, n := range notes {
			fmt.Fprintf(&b, "%d. <a id=\"n%d\"></a>**%s** on %s: %s\n", i+1, i+1, n.target, stripTicks(n.probe), mdEscape(n.reason))
		}
	}
	b.WriteString("\n## Probes\n\n")
	for _, p := range Probes {
		fmt.Fprintf(&b, "<details><summary>%s</summary>\n\n```yaml\n%s```\n\n</details>\n\n", stripTicks(p.Feature), p.Rule)
	}
	return b.String(), nil
}

// Field-mapping page: what each target makes of `field: "12345"`.

// MappedFields are the CloudTrail fields of the mapping page: the ECS
// table's, then request and response parameters.
func MappedFields() []string {
	var out []string
	for _, f := range ecs.Fields {
		out = append(out, f.Raw)
	}
	return append(out, "requestParameters.dBInstanceIdentifier", "responseElements.publiclyAccessible", "additionalEventData.x")
}

var (
	falcoCondition = regexp.MustCompile(`(?m)^\s*condition: (.*)$`)
	cwPattern      = regexp.MustCompile(`"filterPattern": "((?:[^"\\]|\\.)*)"`)
)

// condition extracts the part of a target's output that tests the field.
func condition(target, text string) string {
	switch target {
	case "falco":
		if m := falcoCondition.FindStringSubmatch(text); m != nil {
			return m[1]
		}
	case "cloudwatch":
		if m := cwPattern.FindStringSubmatch(text); m != nil {
			return strings.ReplaceAll(m[1], `\"`, `"`)
		}
	case "eql":
		return strings.TrimPrefix(strings.TrimSpace(text), "any where ")
	}
	return strings.TrimSpace(text)
}

// FieldsPage renders docs/field-mapping.md: the CloudTrail → ECS table of
// package ecs, and for each field the condition the given targets compile
// `field: "12345"` to.
func FieldsPage(targets []backends.Backend, cfg *config.Config) (string, error) {
	ecsByRaw := map[string]ecs.Field{}
	for _, f := range ecs.Fields {
		ecsByRaw[f.Raw] = f
	}
	var b strings.Builder
	b.WriteString(generated)
	b.WriteString("# Field mapping\n\n" +
		"Rules name raw CloudTrail fields (`eventName`, `requestParameters.dBInstanceIdentifier`).\n" +
		"The Elastic targets (KQL, EQL, ES|QL, Lucene, Kibana, detection-rules) rewrite them to the\n" +
		"Elastic Common Schema fields of Elastic's AWS CloudTrail integration (package `compiler/ecs`,\n" +
		"ECS " + ecs.ECSVersion + "; extend or override with `targets.elastic.field_mappings`); Falco reads\n" +
		"them through the cloudtrail plugin's `ct.*` fields or `json.value[...]`; CloudWatch metric\n" +
		"filters address the raw JSON (`$.field`). The table shows what each target compiles the\n" +
		"selection `field: \"12345\"` to (✗: the target refuses the field, with why).\n\n")
	b.WriteString("| CloudTrail field | ECS field | Notes |")
	for _, t := range targets {
		b.WriteString(" " + t.Name() + " |")
	}
	b.WriteString("\n|---|---|---|" + strings.Repeat("---|", len(targets)) + "\n")
	for _, field := range MappedFields() {
		f, ok := ecsByRaw[field]
		ecsName, notes := "(parameters, see below)", ""
		if ok {
			ecsName = "`" + f.ECS + "`"
			var ns []string
			if f.IP != "" {
				ns = append(ns, "`|cidr` uses `"+f.IP+"`")
			}
			if f.Time {
				ns = append(ns, "re-formatted timestamp")
			}
			if f.Lossy != "" {
				ns = append(ns, "lossy: "+f.Lossy)
			}
			notes = strings.Join(ns, "; ")
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s |", field, ecsName, mdEscape(notes))
		rules, err := load(ct("    selection:\n        "+field+": '12345'\n    condition: selection\n"), cfg)
		if err != nil {
			return "", fmt.Errorf("field %s: %w", field, err)
		}
		for _, t := range targets {
			out, err := t.Compile(rules[0])
			if err != nil {
				reason := oneLine(err)
				var u *backends.Unsupported
				if errors.As(err, &u) {
					reason = u.Construct
				}
				b.WriteString(" ✗ " + mdEscape(reason) + " |")
				continue
			}
			b.WriteString(" " + code(condition(t.Name(), out.Text)) + " |")
		}
		b.WriteByte('\n')
	}
	b.WriteString("\nRequest and response parameters: the Elastic integration indexes `requestParameters`,\n" +
		"`responseElements` and `additionalEventData` as flat strings (Java `Map.toString()`), which the\n" +
		"Elastic targets match with wildcards by default (`targets.elastic.parameters: flat`), or as the\n" +
		"`aws.cloudtrail.flattened.*` objects with `parameters: flattened`. See docs/elastic.md.\n")
	return b.String(), nil
}

// CodesPage renders docs/problem-codes.md from the code tables.
func CodesPage() string {
	var b strings.Builder
	b.WriteString(generated)
	b.WriteString("# Problem codes\n\n" +
		"Every problem sigforge reports carries a stable code: tests, CI annotations (`--format\n" +
		"github`), SARIF rule ids (`--format sarif`) and JUnit failure types key on it, never on the\n" +
		"message. Codes are never reused. In strict mode (`validate --strict`) every warning is an error.\n\n" +
		"## Rule files (`sigforge validate`, package validate)\n\n")
	table(&b, validate.Codes)
	b.WriteString("\n## Targets\n\n| Code | Name | Severity | Meaning |\n|---|---|---|---|\n" +
		"| SF300 | unsupported | error | a target cannot express a rule (`sigforge compile` reports it; `sigforge test` skips the target for the rule) |\n")
	b.WriteString("\n## Fixture tests (`sigforge test`, package harness)\n\n")
	table(&b, harness.FailureCodes)
	return b.String()
}

func table(b *strings.Builder, codes []validate.Code) {
	b.WriteString("| Code | Name | Severity | Meaning |\n|---|---|---|---|\n")
	for _, c := range codes {
		fmt.Fprintf(b, "| %s | %s | %s | %s |\n", c.ID, c.Name, c.Severity, mdEscape(c.Doc))
	}
}

const generated = "<!-- Generated by `SIGFORGE_UPDATE=1 go test ./compiler/docgen` from the code and the pack; do not edit. -->\n\n"

var mdEscaper = strings.NewReplacer("|", `\|`, "\n", " ", "<", "&lt;", ">", "&gt;")

func mdEscape(s string) string { return mdEscaper.Replace(s) }

func stripTicks(s string) string { return strings.ReplaceAll(s, "`", "") }

// code renders s as inline code, with table pipes escaped.
func code(s string) string {
	if len(s) > 160 {
		s = s[:157] + "..."
	}
	fence := "`"
	if strings.Contains(s, "`") {
		fence = "`` "
		return fence + strings.ReplaceAll(s, "|", `\|`) + " ``"
	}
	return fence + strings.ReplaceAll(s, "|", `\|`) + fence
}

func oneLine(err error) string { return strings.ReplaceAll(err.Error(), "\n", "; ") }
