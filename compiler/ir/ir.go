// Package ir defines sigforge's intermediate form: the one input of every
// backend and every evaluator.
//
// A Rule is a Sigma rule after parsing, validation and lowering. Its
// Detection is a normalized boolean expression built from four sealed node
// kinds: And, Or, Not and Match. Every value modifier has been resolved:
//
//   - contains / startswith / endswith became wildcards in the pattern;
//   - base64, base64offset, utf16le/utf16be/utf16/wide and windash became the
//     transformed values (an OR list of them, or an AND under |all);
//   - |all became Match.All; |cased became Match.Cased;
//   - |re, |cidr, |exists, |lt/lte/gt/gte, |fieldref became the Match.Op;
//   - |neq became a Not around the Match (as pySigma does);
//   - |expand placeholders were replaced by their configured values;
//   - filter rules were ANDed into the rules they apply to;
//   - a list of conditions became one Or;
//   - "1 of x*" / "all of x*" became an Or / And of the selections.
//
// Semantics of a Match (what every backend must preserve, or refuse):
//
//   - Field is the rule's field name as written (a dotted path into the event,
//     e.g. "requestParameters.publiclyAccessible"). Field == "" is a keyword
//     search: the values are looked for in any string of the event (for text
//     logs, in the "message" line). A keyword value matches as a substring
//     (it behaves as if wrapped in "*" on both sides).
//   - When the path crosses an array, the Match holds if any element matches.
//   - Values is a list; the Match holds if any value matches (All == false) or
//     if every value matches (All == true). An empty Values list never occurs.
//   - OpEqual: string patterns match case-insensitively unless Cased; "*" is any
//     run of characters and "?" exactly one. A Number matches a JSON number of
//     equal value or a string that parses to it; a Bool matches a JSON boolean
//     or the strings "true"/"false" in any case. A string pattern matches a
//     JSON number or boolean through its JSON text ("true", "3306").
//   - OpRegex: Values are RE2-compatible regular expressions (Sigma's PCRE
//     subset), searched (not anchored) in the value; case-sensitive unless
//     Regex.IgnoreCase.
//   - OpCIDR: Values are CIDR strings; the field value must be an IP inside one.
//   - OpExists: the field is present (any value, null included). Values is
//     empty. "|exists: false" lowers to Not(exists).
//   - OpNull: the field is absent or JSON null. Values is empty.
//   - OpLT/OpLTE/OpGT/OpGTE: numeric comparison with Number values; a string
//     field value is compared when it parses as a number.
//   - OpFieldRef: Values are field names; the Match holds when the field's
//     value equals the referenced field's value (case-insensitively unless
//     Cased).
//   - TimePart, when set (minute, hour, day, week, month, year), means the
//     field is a timestamp and the comparison applies to that part of it.
//
// A correlation rule has Detection == nil and a Correlation that references
// other rules of the same set.
package ir

import (
	"time"

	"github.com/sigforge/sigforge/compiler/source"
)

// Rule is one lowered Sigma rule (detection or correlation).
type Rule struct {
	Pos  source.Pos // the start of the rule's YAML document
	File string     // path of the file, as given to the loader

	ID             string
	Name           string
	Title          string
	Description    string
	Status         string
	Level          string
	Author         string
	License        string
	Date           string // YYYY-MM-DD
	Modified       string // YYYY-MM-DD
	Taxonomy       string
	References     []string
	Tags           []string
	FalsePositives []string
	Fields         []string
	Scope          []string
	Related        []Related
	Logsource      Logsource

	// Meta is sigforge's pack metadata (custom attributes), with defaults
	// applied.
	Meta Meta

	// Custom holds every other top-level key, decoded from YAML.
	Custom map[string]any

	// Detection is the rule's condition; nil for correlation rules.
	Detection Expr

	// Correlation is set for correlation rules only.
	Correlation *Correlation
}

// IsCorrelation reports whether the rule is a correlation rule.
func (r *Rule) IsCorrelation() bool { return r.Correlation != nil }

// Related is an entry of the rule's "related" list.
type Related struct {
	ID   string
	Type string
}

// Logsource says which logs a rule reads.
type Logsource struct {
	Category   string
	Product    string
	Service    string
	Definition string
	Extra      map[string]string
}

// Meta is the pack's metadata that Sigma leaves to custom attributes.
type Meta struct {
	// RiskScore is 0-100. When the rule has none it defaults from Severity
	// (low 21, medium 47, high 73, critical 99).
	RiskScore int
	// Severity is low, medium, high or critical; it defaults from Level
	// (informational maps to low).
	Severity string
	// Guide is the investigation guide, Markdown.
	Guide string
	// AlertFields are the event fields an alert must show (e.g. the acting
	// user and the DB instance identifier), as rule field names.
	AlertFields []string
	// Threat is the MITRE ATT&CK mapping resolved from the attack.* tags.
	Threat []Tactic
}

// Tactic is an ATT&CK tactic with the rule's techniques under it.
type Tactic struct {
	ID         string // TA0005
	Name       string // Defense Evasion
	ShortName  string // defense-evasion
	Reference  string
	Techniques []Technique
}

// Technique is an ATT&CK technique with the rule's sub-techniques of it.
type Technique struct {
	ID            string // T1578
	Name          string
	Reference     string
	Subtechniques []Technique
}

// Expr is a node of a detection expression. The interface is sealed: the
// only implementations are And, Or, Not and Match.
type Expr interface {
	Position() source.Pos
	exprNode()
}

// And holds when every Arg holds.
type And struct {
	Pos  source.Pos
	Args []Expr
}

// Or holds when at least one Arg holds.
type Or struct {
	Pos  source.Pos
	Args []Expr
}

// Not holds when Arg does not.
type Not struct {
	Pos source.Pos
	Arg Expr
}

// Op is the comparison a Match performs.
type Op int

const (
	OpEqual Op = iota
	OpRegex
	OpCIDR
	OpExists
	OpNull
	OpLT
	OpLTE
	OpGT
	OpGTE
	OpFieldRef
)

var opNames = [...]string{"=", "re", "cidr", "exists", "null", "<", "<=", ">", ">=", "fieldref"}

func (o Op) String() string {
	if int(o) < len(opNames) {
		return opNames[o]
	}
	return "op?"
}

// RegexFlags are the |re sub-modifiers.
type RegexFlags struct {
	IgnoreCase bool // |i
	Multiline  bool // |m
	DotAll     bool // |s
}

// Match is a condition on one field (or a keyword search when Field is "").
// See the package documentation for its exact semantics.
type Match struct {
	Pos      source.Pos
	Field    string
	Op       Op
	Values   []Value
	All      bool
	Cased    bool
	Regex    RegexFlags
	TimePart string
	// Modifiers are the modifiers as written, for messages.
	Modifiers []string
}

// IsKeyword reports whether the Match is a keyword (unbound) search.
func (m *Match) IsKeyword() bool { return m.Field == "" }

func (*And) exprNode()   {}
func (*Or) exprNode()    {}
func (*Not) exprNode()   {}
func (*Match) exprNode() {}

// Position returns where the node came from in the rule file.
func (e *And) Position() source.Pos   { return e.Pos }
func (e *Or) Position() source.Pos    { return e.Pos }
func (e *Not) Position() source.Pos   { return e.Pos }
func (e *Match) Position() source.Pos { return e.Pos }

// Kind is the type of a Value.
type Kind int

const (
	KindString Kind = iota
	KindNumber
	KindBool
)

// Value is one value of a Match.
type Value struct {
	Kind Kind
	// Parts is the string pattern (Kind String): literal runs and wildcards,
	// with Sigma escapes already removed. For OpRegex and OpCIDR it is a
	// single literal Part holding the expression; for OpFieldRef the field
	// name.
	Parts []Part
	// Num is the number (Kind Number), and NumText its text as written.
	Num     float64
	NumText string
	// Bool is the boolean (Kind Bool).
	Bool bool
}

// PartKind says what a pattern part is.
type PartKind int

const (
	Literal   PartKind = iota
	AnyString          // "*"
	AnyChar            // "?"
)

// Part is a piece of a string pattern.
type Part struct {
	Kind PartKind
	Text string // for Literal
}

// Correlation is the meta-rule part of a correlation rule.
type Correlation struct {
	Type CorrelationType
	// Rules are the referenced rules, resolved, in the order written.
	Rules []*Rule
	// GroupBy are the group-by fields (or alias names).
	GroupBy []string
	// Aliases maps an alias to, per referenced rule (by ID), the field of that
	// rule it stands for.
	Aliases map[string]map[string]string
	// Timespan is the window.
	Timespan time.Duration
	// Condition is the threshold; its Field is set for value_* types.
	Condition Threshold
	// Generate says whether the referenced rules also alert on their own.
	Generate bool
}

// CorrelationType is the kind of a correlation.
type CorrelationType string

const (
	EventCount      CorrelationType = "event_count"
	ValueCount      CorrelationType = "value_count"
	Temporal        CorrelationType = "temporal"
	TemporalOrdered CorrelationType = "temporal_ordered"
	ValueSum        CorrelationType = "value_sum"
	ValueAvg        CorrelationType = "value_avg"
	ValuePercentile CorrelationType = "value_percentile"
)

// Threshold is a correlation condition: every comparison must hold.
type Threshold struct {
	Compare []Comparison
	Field   string // value_count / value_sum / value_avg / value_percentile
	// Percentile is set for value_percentile.
	Percentile int
}

// Comparison is one entry of a correlation condition (gt: 10).
type Comparison struct {
	Op    string // gt, gte, lt, lte, eq, neq
	Value int64
}

// FieldFor returns the field of rule r that a group-by entry stands for:
// the alias target when the entry is an alias, else the entry itself.
func (c *Correlation) FieldFor(groupBy string, r *Rule) string {
	if m, ok := c.Aliases[groupBy]; ok {
		if f, ok := m[r.ID]; ok {
			return f
		}
		if f, ok := m[r.Name]; ok {
			return f
		}
	}
	return groupBy
}
