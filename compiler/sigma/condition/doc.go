// Package condition parses the condition of a Sigma detection (Sigma
// specification v2.1.0, "Condition"; summary in ../shared/docs/sigma-spec.md
// §5.4) into a small, sealed AST: Ident, Of, And, Or and Not.
//
// The grammar, from least to most binding:
//
//	condition = or
//	or        = and { "or" and }
//	and       = not { "and" not }
//	not       = "not" not | operand
//	operand   = quantifier "of" (pattern | "them") | "(" or ")" | identifier
//	quantifier = "1" | "any" | "all"
//
// Identifiers and patterns are runs of [A-Za-z0-9_.-] (patterns also '*').
// Tokens end at word boundaries, so "sel and notable" references the
// identifier "notable" (pySigma would split it into "not" "able"). Keywords
// are lowercase only, as the specification writes them and pySigma parses
// them: "AND" is rejected, with a hint that keywords are lowercase.
//
// The grammar is parsed with github.com/alecthomas/participle/v2 into
// private structs and converted into the public AST, so participle never
// leaks into the API. Errors are *source.Diagnostic with code SF110 and a
// position inside the YAML file; see Parse and Style for how positions in
// the condition text map back to the file.
package condition
