// Command genschema derives the compact request schemas that the fake
// Kibana uses when Kibana's OpenAPI bundle is not available: it reads the
// Security Detections API bundle (elastic/kibana,
// security_solution_detections_api_2023_10_31.bundled.schema.yaml), keeps the
// request bodies and query parameters of the operations sigforge calls, and
// writes them as one JSON Schema (draft 2020-12) document, without
// descriptions or examples.
//
//	go run ./backends/kibana/kibanatest/internal/genschema SPEC.yaml > backends/kibana/kibanatest/schema.json
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// operations are the calls sigforge's client makes.
var operations = []string{"CreateRule", "ReadRule", "UpdateRule", "PatchRule", "DeleteRule", "FindRules", "PerformRulesBulkAction", "ImportRules", "ExportRules"}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: genschema SPEC.yaml > schema.json")
		os.Exit(2)
	}
	out, err := generate(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "genschema:", err)
		os.Exit(1)
	}
	os.Stdout.Write(out)
}

func generate(path string) ([]byte, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var spec map[string]any
	if err := yaml.Unmarshal(raw, &spec); err != nil {
		return nil, err
	}
	components := spec["components"].(map[string]any)["schemas"].(map[string]any)
	ops := map[string]any{}
	need := map[string]bool{}
	paths := spec["paths"].(map[string]any)
	for _, p := range sortedKeys(paths) {
		for _, method := range sortedKeys(paths[p].(map[string]any)) {
			op, ok := paths[p].(map[string]any)[method].(map[string]any)
			if !ok || !slices.Contains(operations, fmt.Sprint(op["operationId"])) {
				continue
			}
			entry := map[string]any{"method": strings.ToUpper(method), "path": p}
			if params, ok := op["parameters"].([]any); ok {
				props := map[string]any{}
				var required []any
				for _, prm := range params {
					pm := prm.(map[string]any)
					if pm["in"] != "query" {
						continue
					}
					name := pm["name"].(string)
					props[name] = convert(pm["schema"], need)
					if pm["required"] == true {
						required = append(required, name)
					}
				}
				q := map[string]any{"type": "object", "properties": props}
				if len(required) > 0 {
					q["required"] = required
				}
				entry["query"] = q
			}
			if rb, ok := op["requestBody"].(map[string]any); ok {
				entry["bodyRequired"] = rb["required"] == true
				for ctype, c := range rb["content"].(map[string]any) {
					entry["contentType"] = ctype
					entry["body"] = convert(c.(map[string]any)["schema"], need)
				}
			}
			ops[fmt.Sprint(op["operationId"])] = entry
		}
	}
	defs := map[string]any{}
	for len(need) > 0 {
		for name := range need {
			delete(need, name)
			if _, done := defs[name]; done {
				continue
			}
			defs[name] = convert(components[name], need)
		}
	}
	doc := map[string]any{
		"$schema":    "https://json-schema.org/draft/2020-12/schema",
		"$comment":   "Derived by genschema from Kibana's Security Detections API OpenAPI bundle (elastic/kibana, security_solution_detections_api_2023_10_31.bundled.schema.yaml, Elastic License 2.0): request bodies and query parameters only, descriptions and examples dropped. Regenerate, do not edit.",
		"operations": ops,
		"$defs":      defs,
	}
	out, err := json.MarshalIndent(doc, "", " ")
	if err != nil {
		return nil, err
	}
	return append(out, '\n'), nil
}

// convert turns an OpenAPI 3.0 schema into JSON Schema 2020-12 and records
// the components it references.
func convert(v any, need map[string]bool) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, val := range x {
			switch {
			case k == "description" || k == "example" || k == "examples" || k == "discriminator" || k == "deprecated" || strings.HasPrefix(k, "x-") || k == "readOnly" || k == "writeOnly" || k == "nullable":
			case k == "$ref":
				name := strings.TrimPrefix(val.(string), "#/components/schemas/")
				need[name] = true
				out["$ref"] = "#/$defs/" + name
			case k == "properties":
				props := map[string]any{}
				for pk, pv := range val.(map[string]any) {
					props[pk] = convert(pv, need)
				}
				out[k] = props
			default:
				out[k] = convert(val, need)
			}
		}
		if x["nullable"] == true {
			if t, ok := out["type"].(string); ok {
				out["type"] = []any{t, "null"}
			} else {
				out = map[string]any{"anyOf": []any{out, map[string]any{"type": "null"}}}
			}
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = convert(e, need)
		}
		return out
	}
	return v
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
