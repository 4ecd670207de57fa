package kql

import (
	"errors"
	"math/big"
	"net/netip"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/sigforge/sigforge/compiler/ecs/indexed"
	"github.com/sigforge/sigforge/compiler/event"
)

// Type is an Elasticsearch field type, as far as KQL evaluation cares.
type Type int

const (
	Keyword Type = iota // keyword, constant_keyword, flattened leaves
	IP
	Date
	Number // long, integer, float...
	Boolean
	Text // analyzed text (match_only_text): matched token by token
)

// Schema gives the type of fields; fields it does not list are keywords.
type Schema map[string]Type

// ECSSchema is the mapping of the aws.cloudtrail data stream for the
// fields whose type is not keyword.
func ECSSchema() Schema {
	return Schema{
		"@timestamp":     Date,
		"event.created":  Date,
		"event.ingested": Date,
		"aws.cloudtrail.user_identity.session_context.creation_date": Date,
		"source.ip":                IP,
		"source.as.number":         Number,
		"aws.cloudtrail.read_only": Boolean,
		"message":                  Text,
	}
}

// ErrNested is returned for nested queries: they need a nested mapping,
// which the CloudTrail data stream does not have, so Elasticsearch rejects
// them.
var ErrNested = errors.New("kql: nested queries need a nested field mapping; the aws.cloudtrail data stream has none")

// Eval reports whether the query matches the document (nested objects or
// dotted keys, as event.Lookup reads them).
func Eval(n Node, doc map[string]any, s Schema) (bool, error) {
	switch x := n.(type) {
	case *MatchAll:
		return true, nil
	case *And:
		for _, a := range x.Args {
			ok, err := Eval(a, doc, s)
			if err != nil || !ok {
				return false, err
			}
		}
		return true, nil
	case *Or:
		for _, a := range x.Args {
			ok, err := Eval(a, doc, s)
			if err != nil || ok {
				return ok, err
			}
		}
		return false, nil
	case *Not:
		ok, err := Eval(x.Arg, doc, s)
		return !ok && err == nil, err
	case *Exists:
		return exists(doc, x.Field), nil
	case *Is:
		if x.Field == "" || x.Field == "*" {
			return freeText(doc, x.Value), nil
		}
		for _, v := range indexed.Values(doc, x.Field) {
			if isMatch(v, x.Value, s[x.Field]) {
				return true, nil
			}
		}
		return false, nil
	case *Range:
		for _, v := range indexed.Values(doc, x.Field) {
			if inRange(v, x.Op, x.Value.Text(), s[x.Field]) {
				return true, nil
			}
		}
		return false, nil
	case *Nested:
		return false, ErrNested
	}
	return false, errors.New("kql: unknown node")
}

// exists is Elasticsearch's exists query: some non-null value (an object
// counts when it has any leaf).
func exists(doc map[string]any, field string) bool {
	for _, v := range indexed.Values(doc, field) {
		switch x := v.(type) {
		case nil:
		case map[string]any:
			if len(x) > 0 {
				return true
			}
		default:
			return true
		}
	}
	return false
}

// freeText matches a fieldless value against every leaf: exactly (or as a
// glob) and case-sensitively, as on keyword fields. Analyzed text fields
// are not modelled.
func freeText(doc map[string]any, v Value) bool {
	found := false
	var walk func(any)
	walk = func(x any) {
		if found {
			return
		}
		switch y := x.(type) {
		case map[string]any:
			for _, e := range y {
				walk(e)
			}
		case []any:
			for _, e := range y {
				walk(e)
			}
		default:
			if isMatch(y, v, Keyword) {
				found = true
			}
		}
	}
	walk(doc)
	return found
}

func isMatch(field any, v Value, t Type) bool {
	if field == nil {
		return false
	}
	if _, isObj := field.(map[string]any); isObj {
		return false
	}
	s, ok := event.Scalar(field)
	if !ok {
		return false
	}
	want := v.Text()
	switch t {
	case Text:
		return textMatch(s, v)
	case IP:
		if v.HasWildcard() {
			return false // query_string on an ip field: no wildcard support
		}
		addr, err := netip.ParseAddr(s)
		if err != nil {
			return false
		}
		if p, err := netip.ParsePrefix(want); err == nil {
			return p.Contains(addr)
		}
		w, err := netip.ParseAddr(want)
		return err == nil && w == addr
	case Date:
		ft, ok1 := parseDate(s)
		wt, ok2 := parseDate(want)
		return ok1 && ok2 && ft.Equal(wt)
	case Number:
		a, ok1 := new(big.Float).SetString(s)
		b, ok2 := new(big.Float).SetString(want)
		return ok1 && ok2 && a.Cmp(b) == 0
	case Boolean:
		return !v.HasWildcard() && s == want
	}
	if !v.HasWildcard() {
		return s == want
	}
	return glob(v.Parts, s)
}

// glob matches the parts (literal runs and "*") against the whole of s:
// the first run must be a prefix, the last a suffix, and the runs between
// are found left to right (linear, whatever the number of stars).
func glob(parts []Part, s string) bool {
	if len(parts) == 0 {
		return s == ""
	}
	if !parts[0].Wildcard {
		rest, ok := strings.CutPrefix(s, parts[0].Text)
		if !ok {
			return false
		}
		return glob(parts[1:], rest)
	}
	// parts[0] is a star: the last literal run, if the pattern ends in one,
	// must be a suffix.
	last := len(parts) - 1
	if !parts[last].Wildcard {
		rest, ok := strings.CutSuffix(s, parts[last].Text)
		if !ok {
			return false
		}
		s, parts = rest, parts[:last]
	}
	for _, p := range parts {
		if p.Wildcard {
			continue
		}
		i := strings.Index(s, p.Text)
		if i < 0 {
			return false
		}
		s = s[i+len(p.Text):]
	}
	return true
}

func inRange(field any, op, bound string, t Type) bool {
	s, ok := event.Scalar(field)
	if !ok || field == nil {
		return false
	}
	var c int
	switch t {
	case Number:
		a, ok1 := new(big.Float).SetString(s)
		b, ok2 := new(big.Float).SetString(bound)
		if !ok1 || !ok2 {
			return false
		}
		c = a.Cmp(b)
	case Date:
		a, ok1 := parseDate(s)
		b, ok2 := parseDate(bound)
		if !ok1 || !ok2 {
			return false
		}
		c = a.Compare(b)
	case IP:
		a, err1 := netip.ParseAddr(s)
		b, err2 := netip.ParseAddr(bound)
		if err1 != nil || err2 != nil {
			return false
		}
		c = a.Compare(b)
	default:
		c = strings.Compare(s, bound) // keyword ranges are lexicographic
	}
	switch op {
	case "<":
		return c < 0
	case "<=":
		return c <= 0
	case ">":
		return c > 0
	case ">=":
		return c >= 0
	}
	return false
}

var dateLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02"}

func parseDate(s string) (time.Time, bool) {
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// tokens approximates the standard analyzer: lower-cased runs of letters
// and digits.
func tokens(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// textMatch is a match (any query token), match_phrase (the token
// sequence) or wildcard (one token, lower-cased) query on an analyzed text
// field.
func textMatch(field string, v Value) bool {
	have := tokens(field)
	if v.HasWildcard() {
		parts := make([]Part, len(v.Parts))
		for i, p := range v.Parts {
			parts[i] = Part{Wildcard: p.Wildcard, Text: strings.ToLower(p.Text)}
		}
		for _, tok := range have {
			if glob(parts, tok) {
				return true
			}
		}
		return false
	}
	want := tokens(v.Text())
	if len(want) == 0 {
		return false
	}
	if !v.Quoted {
		for _, w := range want {
			if slices.Contains(have, w) {
				return true
			}
		}
		return false
	}
	for i := 0; i+len(want) <= len(have); i++ {
		if slices.Equal(have[i:i+len(want)], want) {
			return true
		}
	}
	return false
}
