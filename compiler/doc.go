// Package compiler is sigforge's Sigma front end behind one small facade:
// Load reads rule files and folders, Parse reads one file's bytes, and both
// return the rules in the intermediate form (package ir) with every problem
// found, as sorted "path:line:col: SFnnn message" diagnostics.
//
// The pipeline, one package per phase:
//
//	sigma     YAML → documents (rules, correlations, filters) with positions;
//	          field types and formats, ATT&CK tags (package attack)
//	lower     documents → ir: modifiers, condition (sigma/condition),
//	          placeholders, pack metadata defaults
//	compiler  across the loaded set: duplicate ids and names, correlation
//	          references, filters, strict-mode pack checks
//
// Every code is listed, with its meaning, in package validate.
//
// The rules returned are read-only: a search identifier used twice in a
// condition, and a filter applied to several rules, share their ir nodes.
//
// Plain mode accepts any valid Sigma rule. Strict mode (the project's own
// pack) also requires the pack metadata — id, status, description,
// references, author, date, level, falsepositives, risk_score,
// investigation_guide, alert_fields, an attack tactic tag and an attack
// technique tag — and turns every warning into an error.
//
// Filters (meta filters) are applied as pySigma does: a filter applies to
// the rules it names (by id or name; every rule for "rules: any" or "all"
// or an empty list) whose logsource is contained in the filter's (every
// category, product and service the filter gives is equal in the rule),
// never to correlation rules, and the rule's detection becomes
// "(rule) and (filter)". Filters are not listed in Set.Rules.
package compiler
