// Package lower turns Sigma documents read by package sigma into
// sigforge's intermediate form (package ir): it resolves every value
// modifier, parses and resolves the condition, expands placeholders, and
// fills in the pack metadata with its defaults and the ATT&CK mapping.
//
// Modifier chains are applied left to right, as the specification says:
//
//   - string transformations (contains, startswith, endswith, base64,
//     base64offset, utf16le, utf16be, utf16, wide, windash) rewrite the
//     values; several of them turn one value into an OR of variants;
//   - all turns the OR of a value list into an AND (an AND of ORs when a
//     transformation made variants), cased makes the match case-sensitive;
//   - re (with the sub-modifiers i, m, s — or ignorecase, multiline,
//     dotall), cidr, exists, fieldref, lt, lte, gt, gte choose the match
//     operator; at most one of them per item;
//   - minute, hour, day, week, month, year compare a part of a timestamp;
//   - neq negates the item (pySigma's reading: "not field = value");
//   - expand replaces %name% placeholders by their configured values.
//
// Problems are reported with the position of the key (or of the offending
// modifier or value) and codes from package validate.
package lower
