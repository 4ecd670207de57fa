// Package value implements Sigma string values and the value-transforming
// modifiers as pure functions on ir.Value (Sigma specification v2.1.0;
// summary in ../shared/docs/sigma-spec.md §5.2–5.3), matching pySigma where
// the specification leaves room:
//
//   - Parse reads a Sigma string: '*' and '?' are wildcards, '\' escapes
//     them and itself, and any other backslash is literal. Escape writes a
//     value back in canonical escaped form.
//   - Contains, StartsWith and EndsWith add '*' on the sides that lack one.
//   - Base64 and Base64Offset encode a value without wildcards.
//   - UTF16LE, UTF16BE, UTF16 and Wide encode literal text as UTF-16.
//   - Windash expands command-line flag dashes into their five forms.
//   - Expand replaces %name% placeholders (the |expand modifier).
//   - Transform applies a whole modifier chain; CheckChain says whether a
//     chain is legal at all, Modifiers lists every known modifier.
//
// Encoded values (UTF-16, base64 input) are byte strings: a Go string
// holding the bytes, not necessarily valid UTF-8. "cmd" under Wide is
// "c\x00m\x00d\x00", and base64 encodes exactly those bytes, so
// wide|base64offset|contains yields the strings pySigma yields (checked
// against the UTF-16 forms SigmaHQ's authors wrote out by hand).
//
// Deliberate differences from pySigma 1.x, each covered by a test:
//
//   - base64 encodes a value's literal text; pySigma encodes its re-escaped
//     form, so a literal '\*' would be encoded with the backslash.
//   - UTF-16 modifiers encode any text; pySigma refuses text whose UTF-16
//     bytes are not valid UTF-8 (non-ASCII, mostly). For ASCII both agree.
//   - base64offset drops empty forms (pySigma's offset-1 form of a one-byte
//     value is "", which under contains matches everything).
//   - CheckChain rejects a UTF-16 encoding not followed by base64 (the
//     specification: "only used in combination with base64 modifiers"),
//     and a repeated modifier; pySigma accepts both.
//   - contains/startswith/endswith leave |re values as they are: in the
//     intermediate form a regular expression is searched, not anchored.
package value
