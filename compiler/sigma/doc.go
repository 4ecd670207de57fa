// Package sigma reads Sigma rule files into documents that keep the
// position of every field and value: detection rules, correlation rules
// (meta-rules) and filter rules, several per file as YAML documents
// separated by "---".
//
// The reader is strict about form and lenient about nothing it cannot
// represent: every key of the Sigma v2 specification is read and checked
// for its type and format (status, level, dates, UUIDs, tags — ATT&CK tags
// against the built-in catalog), unknown top-level keys are kept as custom
// attributes, and every problem is reported with its file:line:col and a
// stable code from package validate. Reading goes on after a problem, so
// one pass reports all of a file's problems.
//
// What the detection means — modifiers, the condition — is left to the
// lowering step (package lower); the reader only splits each search
// identifier into its alternatives and field items, and keeps the
// condition text with what is needed to map a position in it back into the
// file (see Text.Pos).
package sigma
