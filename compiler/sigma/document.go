package sigma

import (
	"time"

	"github.com/sigforge/sigforge/compiler/ir"
	"github.com/sigforge/sigforge/compiler/source"
)

// Kind says what a YAML document of a rule file is.
type Kind int

const (
	KindRule        Kind = iota // a detection rule
	KindCorrelation             // a correlation (meta) rule
	KindFilter                  // a filter (meta filter)
)

func (k Kind) String() string {
	switch k {
	case KindCorrelation:
		return "correlation"
	case KindFilter:
		return "filter"
	}
	return "rule"
}

// Document is one rule, correlation or filter as read from its YAML
// document.
type Document struct {
	Kind  Kind
	File  string
	Pos   source.Pos // the document's first key
	Index int        // 0-based index of the document in its file

	Title          string
	ID             string
	Name           string
	Status         string
	Description    string
	License        string
	Author         string
	Date           string
	Modified       string
	Taxonomy       string
	Level          string
	References     []string
	Tags           []string
	FalsePositives []string
	Fields         []string
	Scope          []string
	Related        []ir.Related
	Logsource      ir.Logsource
	Generate       bool

	// Pack metadata (custom attributes of sigforge's pack).
	RiskScore   *int
	Severity    string
	Guide       string
	AlertFields []string

	// Custom holds every top-level key that is neither Sigma's nor the
	// pack's, decoded from YAML.
	Custom map[string]any

	Detection   *Detection   // KindRule
	Correlation *Correlation // KindCorrelation
	Filter      *Filter      // KindFilter

	// KeyPos is the position of each top-level key present; ValuePos that
	// of its value.
	KeyPos   Positions
	ValuePos Positions
	// TagPos is the position of each entry of Tags.
	TagPos []source.Pos

	// Problems are the diagnostics found while reading this document (they
	// are also in the list Read returns).
	Problems source.Diagnostics
}

// Positions are positions by top-level key: of the keys (Document.KeyPos)
// or of their values (Document.ValuePos), which share one list of the
// keys in the order written (a document has a dozen keys: a slice serves
// better than a map).
type Positions struct {
	file  string
	keys  []keyPositions
	value bool // the value's position, not the key's
}

// keyPositions is where a top-level key and its value are.
type keyPositions struct {
	key                    string
	line, col, vline, vcol int32
}

// Lookup returns the position for key and whether the key is present.
func (p Positions) Lookup(key string) (source.Pos, bool) {
	for i := range p.keys {
		if k := &p.keys[i]; k.key == key {
			if p.value {
				return source.Pos{File: p.file, Line: int(k.vline), Col: int(k.vcol)}, true
			}
			return source.Pos{File: p.file, Line: int(k.line), Col: int(k.col)}, true
		}
	}
	return source.Pos{}, false
}

// At returns the position for key, or the zero Pos when it is absent.
func (p Positions) At(key string) source.Pos {
	pos, _ := p.Lookup(key)
	return pos
}

// Detection is a rule's (or filter's) detection section.
type Detection struct {
	Pos        source.Pos
	Searches   []*Search // in the order written
	Conditions []*Text   // one or more conditions (a list is ORed)
}

// Search looks up a search identifier.
func (d *Detection) Search(name string) *Search {
	for _, s := range d.Searches {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// Search is one search identifier: an OR of alternatives, each an AND of
// items. A map gives one alternative; a list of maps one per map; a list
// of plain values one keyword item. A search whose value had problems
// (reported) has no alternatives; it is still defined for the condition.
type Search struct {
	Name         string
	Pos          source.Pos // the identifier key
	Alternatives []*Alternative
}

// Alternative is one map of a search (or one keyword item).
type Alternative struct {
	Pos   source.Pos
	Items []*Item
}

// Item is one "field|mod|mod: value(s)" entry, or a keyword list
// (Field == "").
type Item struct {
	Pos       source.Pos // the key (or the first keyword)
	Key       string     // as written, "" for a keyword list
	Field     string
	Modifiers []Modifier
	Values    []Value
	// List says whether the values were written as a YAML list (|all
	// needs one).
	List bool
}

// Modifier is one modifier of an item key.
type Modifier struct {
	Name string
	Pos  source.Pos
}

// ValueKind is the YAML type of a detection value.
type ValueKind int

const (
	String ValueKind = iota
	Int
	Float
	Bool
	Null
)

// Value is one detection value as written.
type Value struct {
	Pos  source.Pos
	Kind ValueKind
	Text string // the scalar as written (escapes resolved by YAML only)
}

// Correlation is the correlation section of a meta-rule.
type Correlation struct {
	Pos      source.Pos
	Type     ir.CorrelationType
	Rules    []string
	RulesPos []source.Pos
	GroupBy  []string
	Timespan time.Duration
	// Condition is the threshold; for temporal types without a condition it
	// defaults to "gte: number of rules" (as pySigma).
	Condition ir.Threshold
	// Aliases maps alias → rule id or name → field.
	Aliases map[string]map[string]string
}

// Filter is the filter section of a meta filter.
type Filter struct {
	Pos source.Pos
	// Rules are the ids or names the filter applies to; empty means every
	// rule whose logsource matches ("rules: any" or an empty list).
	Rules     []string
	RulesPos  []source.Pos
	Detection *Detection
}
