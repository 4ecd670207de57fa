// Package validate holds sigforge's problem codes — the one table of every
// SFnnn code the Sigma front end reports, with its short name and meaning —
// and the checks of single values (UUIDs, dates, status, level, tags,
// pack metadata) that the reader and the loader apply at each field's
// position.
//
// Codes are stable: tests, CI annotations and users key on them, never on
// the message text. A retired code is never reused.
package validate

import "github.com/sigforge/sigforge/compiler/source"

// Code is one entry of the problem table.
type Code struct {
	ID   string // SF101
	Name string // missing-field
	// Severity is the default severity in plain mode. Strict mode turns
	// every warning into an error.
	Severity source.Severity
	Doc      string
}

// The problem codes of the Sigma front end.
const (
	YAMLSyntax        = "SF100"
	MissingField      = "SF101"
	BadField          = "SF102"
	BadID             = "SF103"
	DuplicateID       = "SF104"
	BadStatus         = "SF105"
	BadLevel          = "SF106"
	BadDate           = "SF107"
	BadTag            = "SF108"
	DuplicateKey      = "SF109"
	ConditionSyntax   = "SF110"
	UndefinedSearch   = "SF111"
	UnusedSearch      = "SF112"
	BadSearch         = "SF113"
	UnknownModifier   = "SF120"
	BadModifier       = "SF121"
	UnknownAttack     = "SF130"
	OutdatedAttack    = "SF131"
	UnknownRuleRef    = "SF140"
	BadCorrelation    = "SF141"
	FilterNoMatch     = "SF142"
	MissingPackField  = "SF150"
	BadRiskScore      = "SF151"
	BadSeverity       = "SF152"
	BadAlertField     = "SF153"
	MissingAttackTags = "SF154"
	Unresolved        = "SF160"
)

// Codes is the table, in code order.
var Codes = []Code{
	{YAMLSyntax, "yaml-syntax", source.Error, "the file cannot be read or is not valid YAML"},
	{MissingField, "missing-field", source.Error, "a required field (title, logsource, detection, condition, correlation, filter…) is missing or empty; a warning for a rule file that holds no rule"},
	{BadField, "bad-field", source.Error, "a field has the wrong type or format (e.g. a map where a string list is expected)"},
	{BadID, "bad-id", source.Error, "id (or related id) is not a UUID"},
	{DuplicateID, "duplicate-id", source.Error, "two loaded rules share an id, or two share a name"},
	{BadStatus, "bad-status", source.Error, "status is not stable, test, experimental, deprecated or unsupported"},
	{BadLevel, "bad-level", source.Error, "level is not informational, low, medium, high or critical"},
	{BadDate, "bad-date", source.Error, "date or modified is not a valid YYYY-MM-DD date"},
	{BadTag, "bad-tag", source.Error, "a tag is not namespace.name in lowercase, or is listed twice"},
	{DuplicateKey, "duplicate-key", source.Error, "a YAML map repeats a key"},
	{ConditionSyntax, "condition-syntax", source.Error, "the condition does not parse"},
	{UndefinedSearch, "undefined-search", source.Error, "the condition names a search identifier (or a pattern matching none) that detection does not define"},
	{UnusedSearch, "unused-search", source.Warning, "a search identifier is never used by the condition (error in strict mode)"},
	{BadSearch, "bad-search", source.Error, "a search identifier's value is not a map, a list of maps or a list of values, or holds null in a value list"},
	{UnknownModifier, "unknown-modifier", source.Error, "a value modifier is not one of the Sigma specification"},
	{BadModifier, "bad-modifier", source.Error, "modifiers that cannot be combined, or a value the modifier cannot take (bad regex, CIDR, number, boolean)"},
	{UnknownAttack, "unknown-attack", source.Error, "an attack.* tag names a tactic or technique that the ATT&CK catalog does not define"},
	{OutdatedAttack, "outdated-attack", source.Warning, "an attack.* tag names a revoked or deprecated technique, or one newer than the built-in catalog (error in strict mode)"},
	{UnknownRuleRef, "unknown-rule", source.Error, "a correlation names a rule (by id or name) that is not loaded"},
	{BadCorrelation, "bad-correlation", source.Error, "a correlation's type, timespan, group-by, condition or aliases are malformed"},
	{FilterNoMatch, "filter-unused", source.Warning, "a filter names a rule that is not loaded"},
	{MissingPackField, "missing-pack-field", source.Error, "strict mode: a pack field is missing (id, status, description, references, author, date, level, falsepositives, risk_score, investigation_guide, alert_fields)"},
	{BadRiskScore, "bad-risk-score", source.Error, "risk_score is not an integer from 0 to 100"},
	{BadSeverity, "bad-severity", source.Error, "severity is not low, medium, high or critical"},
	{BadAlertField, "bad-alert-field", source.Error, "alert_fields is not a list of unique field paths"},
	{MissingAttackTags, "missing-attack-tags", source.Error, "strict mode: the rule has no attack tactic tag or no attack technique tag"},
	{Unresolved, "unresolved-placeholder", source.Error, "an |expand placeholder has no value in the configuration"},
}

// Lookup returns the table entry of a code.
func Lookup(id string) (Code, bool) {
	for _, c := range Codes {
		if c.ID == id {
			return c, true
		}
	}
	return Code{}, false
}
