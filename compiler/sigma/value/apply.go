package value

import (
	"fmt"
	"slices"

	"github.com/sigforge/sigforge/compiler/ir"
)

// Transform checks the chain with CheckChain, then applies its
// transformation modifiers to v left to right and returns the resulting
// values, to be ORed (or ANDed under |all). Type modifiers (re and its
// flags, cidr, exists, comparisons, time parts, fieldref, cased, neq) and
// all do not change values and are left to the caller, which turns them
// into the Match's Op and flags.
//
// v is the value as the caller built it: Parse(raw) for a string, or
// ir.Str(raw) when the chain has re, cidr or fieldref (those read the value
// as written). placeholders are the configured |expand values.
//
// contains/startswith/endswith leave a regular expression unchanged: in the
// intermediate form a regex is searched anywhere, so they add nothing.
// Under re, |expand substitutes the configured values as written (they are
// regex text too). Any problem (a bad chain, an unknown placeholder, a
// wildcard under base64, contains with fieldref, which the intermediate
// form cannot express) is returned as an error.
func Transform(v ir.Value, mods []string, placeholders map[string][]string) ([]ir.Value, error) {
	if err := CheckChain(mods); err != nil {
		return nil, err
	}
	regex := slices.Contains(mods, "re")
	if slices.Contains(mods, "fieldref") {
		for _, m := range mods {
			if m == "contains" || m == "startswith" || m == "endswith" {
				return nil, fmt.Errorf("modifier %q with \"fieldref\" is not supported: a field reference compares whole values", m)
			}
		}
	}
	vals := []ir.Value{v}
	for _, m := range mods {
		var step func(ir.Value) ([]ir.Value, error)
		switch canonical(m) {
		case "contains":
			step = one(Contains)
		case "startswith":
			step = one(StartsWith)
		case "endswith":
			step = one(EndsWith)
		case "utf16le":
			step = one(UTF16LE)
		case "utf16be":
			step = one(UTF16BE)
		case "utf16":
			step = one(UTF16)
		case "windash":
			step = func(v ir.Value) ([]ir.Value, error) { return Windash(v), nil }
		case "base64":
			step = func(v ir.Value) ([]ir.Value, error) {
				b, err := Base64(v)
				return []ir.Value{b}, err
			}
		case "base64offset":
			step = Base64Offset
		case "expand":
			if regex {
				step = func(v ir.Value) ([]ir.Value, error) { return expandRaw(v, placeholders) }
			} else {
				step = func(v ir.Value) ([]ir.Value, error) { return Expand(v, placeholders) }
			}
		default:
			continue
		}
		if regex && step != nil && canonical(m) != "expand" {
			continue
		}
		var next []ir.Value
		for _, v := range vals {
			out, err := step(v)
			if err != nil {
				return nil, fmt.Errorf("modifier %q: %w", m, err)
			}
			next = append(next, out...)
		}
		vals = next
	}
	return vals, nil
}

func one(f func(ir.Value) ir.Value) func(ir.Value) ([]ir.Value, error) {
	return func(v ir.Value) ([]ir.Value, error) { return []ir.Value{f(v)}, nil }
}

// expandRaw is Expand for a regular expression: placeholder values are
// inserted as written, not read as Sigma strings.
func expandRaw(v ir.Value, placeholders map[string][]string) ([]ir.Value, error) {
	raw := make(map[string][]string, len(placeholders))
	for k, vs := range placeholders {
		esc := make([]string, len(vs))
		for i, s := range vs {
			esc[i] = Escape(ir.Str(s))
		}
		raw[k] = esc
	}
	return Expand(v, raw)
}
