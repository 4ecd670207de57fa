package main

import (
	"bytes"
	"os"
	"testing"

	"github.com/sigforge/sigforge/compiler/corpus"
)

// TestSchemaIsCurrent regenerates the compact schema from Kibana's bundle and
// requires the committed schema.json to be identical.
func TestSchemaIsCurrent(t *testing.T) {
	spec := corpus.Dir(t, "kibana-openapi/security_solution_detections_api_2023_10_31.bundled.schema.yaml")
	got, err := generate(spec)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("../../schema.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("backends/kibana/kibanatest/schema.json is stale: go run ./backends/kibana/kibanatest/internal/genschema SPEC > backends/kibana/kibanatest/schema.json")
	}
}
