// Package falco parses and runs Falco rule conditions on CloudTrail records,
// so that sigforge can prove that the rules its Falco backend writes fire on
// the events they are meant for, and load the way Falco loads them.
//
// The condition grammar, string escapes, operator semantics and type checks
// follow falcosecurity/libs (userspace/libsinsp/filter/parser.cpp,
// escaping.cpp, filter_compare.cpp, sinsp_filtercheck.cpp); field extraction
// follows the cloudtrail plugin (plugins/cloudtrail/pkg/cloudtrail/extract.go)
// and the json plugin (plugins/json/pkg/json/json.go) of falcosecurity/plugins;
// list substitution and macro expansion follow Falco's rule loader
// (userspace/engine/rule_loader_compiler.cpp). A field that the plugin does
// not extract makes every comparison on it false, "!=" included; only "not"
// turns that into true.
//
// What is not modelled, or not confirmed against a running Falco, is listed
// in docs/falco.md.
package falco
