package compiler

import (
	"github.com/sigforge/sigforge/compiler/fieldcat"
	"github.com/sigforge/sigforge/compiler/ir"
	"github.com/sigforge/sigforge/compiler/source"
	v "github.com/sigforge/sigforge/compiler/validate"
)

var fieldCodes = map[string]string{
	fieldcat.UnknownField: v.UnknownCloudTrailField,
	fieldcat.FieldCasing:  v.FieldCasing,
	fieldcat.FieldType:    v.FieldTypeMismatch,
	fieldcat.Redacted:     v.RedactedField,
	fieldcat.RetiredAPI:   v.RetiredAPI,
}

// fieldChecks runs the field-shape lint (compiler/fieldcat) on a lowered
// rule: warnings at each condition's position. A retired API is a notice of
// plain mode; strict mode, the CI gate, leaves it out.
func fieldChecks(r *ir.Rule, opts Options) source.Diagnostics {
	cat, err := fieldcat.Default()
	if err != nil || r == nil {
		return nil
	}
	var ds source.Diagnostics
	for _, f := range cat.Check(r) {
		if f.Kind == fieldcat.RetiredAPI && opts.Strict {
			continue
		}
		ds.Warn(f.Match.Pos, fieldCodes[f.Kind], "%s", f.Message)
	}
	return ds
}
