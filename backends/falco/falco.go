// Package falco is the Falco target: it compiles each CloudTrail rule to a
// rule of a Falco rules file for the cloudtrail and json plugins
// (source: aws_cloudtrail), and runs the compiled file with
// compiler/query/falco to prove it loads and fires.
//
// Semantics kept from Sigma (see docs/falco.md for the full account):
//
//   - Case: Sigma matches case-insensitively, Falco's "=" does not. Fields
//     whose values CloudTrail always spells one way are compared exactly
//     (eventSource and awsRegion in lower case; eventName, eventType and
//     userIdentity.type when the value is a known name, written with its
//     spelling); every other comparison uses tolower(), iglob or icontains
//     (from engine 0.40.0), or bracket globs ([mM]) on older engines.
//   - Regex: Sigma searches, Falco's regex must match the whole value and
//     uses RE2's POSIX syntax; patterns are rewritten (needs engine 0.43.0).
//   - Missing fields: every Falco comparison on an absent field is false,
//     "!=" included; the backend never writes "!=" and puts Sigma's negations
//     in "not", which Falco evaluates as Sigma does.
//   - Arrays: a Sigma match on an array holds when any element matches;
//     json.value names one element, so known array members are enumerated
//     by index in a macro.
//   - Numbers: json.value is text, so "<" compares strings; numeric ranges
//     are written as "in" lists over a known small domain or refused.
package falco

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/sigforge/sigforge/backends"
	"github.com/sigforge/sigforge/compiler/config"
	"github.com/sigforge/sigforge/compiler/event"
	"github.com/sigforge/sigforge/compiler/harness"
	"github.com/sigforge/sigforge/compiler/ir"
	fq "github.com/sigforge/sigforge/compiler/query/falco"
)

// Name is the target name.
const Name = "falco"

// DefaultEngineVersion is the default minimum Falco engine version: Falco
// 0.39.0, the first release with the regex operator.
const DefaultEngineVersion = "0.43.0"

// Options is the target's configuration section (targets.falco).
type Options struct {
	// MinEngineVersion is the oldest Falco engine the rules must load on; it
	// is written as required_engine_version and decides which operators are
	// used: tolower()/iglob need 0.40.0 (Falco 0.38), regex 0.43.0 (Falco
	// 0.39).
	MinEngineVersion string `yaml:"min_engine_version"`
	// MaxArrayElements is how many elements of an array member are checked
	// (json.value names one index). Default 20, the RDS per-request limit.
	MaxArrayElements int `yaml:"max_array_elements"`
	// ArrayFields adds CloudTrail paths that hold JSON arrays to the
	// built-in list.
	ArrayFields []string `yaml:"array_fields"`
}

// Backend compiles rules to Falco rules.
type Backend struct {
	opts   Options
	engine fq.Version
	arrays []string
}

var (
	_ backends.Backend     = (*Backend)(nil)
	_ backends.Executor    = (*Backend)(nil)
	_ backends.Bundler     = (*Backend)(nil)
	_ harness.EventMatcher = (*query)(nil)
)

// New returns the Falco backend configured from cfg (nil for defaults).
func New(cfg *config.Config) (*Backend, error) {
	opts := Options{MinEngineVersion: DefaultEngineVersion, MaxArrayElements: 20}
	if err := cfg.Target(Name, &opts); err != nil {
		return nil, err
	}
	where := "targets.falco"
	if cfg != nil && cfg.Path != "" {
		where = cfg.Path + ": " + where
	}
	v, err := fq.ParseVersion(opts.MinEngineVersion)
	if err != nil {
		return nil, fmt.Errorf("%s.min_engine_version: %v", where, err)
	}
	if opts.MaxArrayElements < 1 || opts.MaxArrayElements > 100 {
		return nil, fmt.Errorf("%s.max_array_elements: %d is outside 1..100", where, opts.MaxArrayElements)
	}
	b := &Backend{opts: opts, engine: v, arrays: append(append([]string{}, arrayPaths...), opts.ArrayFields...)}
	return b, nil
}

// Name returns "falco".
func (b *Backend) Name() string { return Name }

// Compile returns the rule's entries of a Falco rules file: the lists and
// macros it uses, then the rule.
func (b *Backend) Compile(r *ir.Rule) (backends.Output, error) {
	c, err := b.compile(r)
	if err != nil {
		return backends.Output{}, err
	}
	text, err := encode(c.nodes(""))
	if err != nil {
		return backends.Output{}, err
	}
	return backends.Output{Rule: r, Text: text, Ext: ".yaml"}, nil
}

// Bundle writes the pack as one rules file: required_engine_version,
// required_plugin_versions, then every rule's lists, macros and rule. Rules
// with the same title get their Sigma id appended so that Falco does not
// take the second for a redefinition.
func (b *Backend) Bundle(outs []backends.Output) (backends.Output, error) {
	var compiled []*compiledRule
	names := map[string]int{}
	prefixes := map[string]int{}
	for _, o := range outs {
		if o.Rule == nil {
			return backends.Output{}, fmt.Errorf("falco: bundle: output without its rule")
		}
		// Lists and macros are global in a rules file: rules from one file
		// get distinct name prefixes.
		prefix := ruleSlug(o.Rule)
		prefixes[prefix]++
		if n := prefixes[prefix]; n > 1 {
			prefix = fmt.Sprintf("%s_%d", prefix, n)
		}
		c, err := b.compileAs(o.Rule, prefix)
		if err != nil {
			return backends.Output{}, err
		}
		names[c.name]++
		compiled = append(compiled, c)
	}
	cloudtrail := "0.10.0"
	var items []*node
	for _, c := range compiled {
		name := ""
		if names[c.name] > 1 {
			name = c.name + " (" + c.rule.ID + ")"
		}
		items = append(items, c.nodes(name)...)
		if c.needsCT012 {
			cloudtrail = "0.12.0"
		}
	}
	header := []*node{
		mapping("required_engine_version", engineVersionNode(b.engine)),
		mapping("required_plugin_versions", seq(
			mapping("name", scalar("cloudtrail"), "version", scalar(cloudtrail)),
			mapping("name", scalar("json"), "version", scalar("0.7.0")),
		)),
	}
	text, err := encode(append(header, items...))
	if err != nil {
		return backends.Output{}, err
	}
	head := "# Falco rules for the aws_cloudtrail source, generated by sigforge from Sigma rules.\n" +
		"# Load with the cloudtrail and json plugins; see docs/falco.md. Several rules can match one\n" +
		"# event: set rule_matching: all in falco.yaml so that each of them alerts.\n"
	return backends.Output{Text: head + text, Ext: ".yaml"}, nil
}

// engineVersionNode writes the engine version as Falco expects it: a
// semantic version from engine 0.31.0 (Falco 0.37) on, the legacy integer
// before.
func engineVersionNode(v fq.Version) *node {
	if v.Less(fq.MustVersion("0.31.0")) && v.Major == 0 && v.Patch == 0 {
		return &node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.Itoa(v.Minor)}
	}
	return scalar(v.String())
}

// Prepare loads the compiled text as Falco would, on the configured
// minimum engine version.
func (b *Backend) Prepare(out backends.Output) (backends.Query, error) {
	name := "falco.yaml"
	if out.Rule != nil && out.Rule.File != "" {
		name = out.Rule.File + " (falco)"
	}
	rs, err := fq.Load(name, []byte(out.Text), fq.LoadOptions{Engine: b.engine})
	if err != nil {
		return nil, err
	}
	return &query{rs: rs}, nil
}

type query struct{ rs *fq.Ruleset }

// Fires reports whether any enabled rule matches any record the cloudtrail
// plugin would emit. Records the plugin drops (no eventType, an eventTime
// that is not RFC 3339, Insight events) never reach a rule; when every
// event is dropped, that is an error, since no fixture can prove anything
// then.
func (q *query) Fires(events []event.Event) (bool, error) {
	var dropped error
	seen := 0
	for i, ev := range events {
		rec, err := fq.NewRecord(ev.Fields, uint64(i+1))
		if err != nil {
			if dropped == nil {
				dropped = fmt.Errorf("%s: %w", ev.Origin, err)
			}
			continue
		}
		seen++
		if len(q.rs.Match(rec)) > 0 {
			return true, nil
		}
	}
	if seen == 0 && dropped != nil {
		return false, dropped
	}
	return false, nil
}

// MatchingEvents returns the indexes of the events that make a rule fire,
// so that the harness can name the event of a negative fixture that fired.
func (q *query) MatchingEvents(events []event.Event) []int {
	var out []int
	for i, ev := range events {
		rec, err := fq.NewRecord(ev.Fields, uint64(i+1))
		if err == nil && len(q.rs.Match(rec)) > 0 {
			out = append(out, i)
		}
	}
	return out
}

// unsupported builds the error for a construct Falco cannot express.
func unsupported(r *ir.Rule, m ir.Expr, construct, reason string, args ...any) error {
	u := &backends.Unsupported{Target: Name, Rule: r.Title, Construct: construct, Reason: fmt.Sprintf(reason, args...)}
	if m != nil {
		u.Pos = m.Position()
	} else {
		u.Pos = r.Pos
	}
	if !u.Pos.IsValid() {
		u.Pos.File = r.File
	}
	return u
}

// IsUnsupported reports whether err says that Falco cannot express a rule.
func IsUnsupported(err error) bool {
	var u *backends.Unsupported
	return errors.As(err, &u)
}

func slug(s string) string {
	var b strings.Builder
	under := false
	for _, c := range strings.ToLower(s) {
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' {
			b.WriteRune(c)
			under = false
		} else if !under && b.Len() > 0 {
			b.WriteByte('_')
			under = true
		}
	}
	return strings.TrimSuffix(b.String(), "_")
}
