package kibana

import (
	"bytes"
	"encoding/json"
	"os"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/require"

	"github.com/sigforge/sigforge/backends/kibana/kibanatest"
	"github.com/sigforge/sigforge/compiler/corpus"
)

// ownSchema is sigforge's own JSON Schema of the create-rule request
// (testdata/create_rule.schema.json), stricter than Kibana's bundle: it
// refuses unknown keys and checks ATT&CK ids and references.
var ownSchema = sync.OnceValues(func() (*jsonschema.Schema, error) {
	f, err := os.Open("testdata/create_rule.schema.json")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("create_rule.schema.json", doc); err != nil {
		return nil, err
	}
	return c.Compile("create_rule.schema.json")
})

// kibanaSchema is RuleCreateProps from Kibana's bundled OpenAPI spec, or nil
// when the reference corpus is absent.
var kibanaSchema = sync.OnceValues(func() (*openapi3.Schema, error) {
	path, ok := corpus.Path("kibana-openapi/security_solution_detections_api_2023_10_31.bundled.schema.yaml")
	if !ok {
		return nil, nil
	}
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromFile(path)
	if err != nil {
		return nil, err
	}
	ref := doc.Components.Schemas["RuleCreateProps"]
	if ref == nil || ref.Value == nil {
		return nil, os.ErrNotExist
	}
	return ref.Value, nil
})

// validate checks one emitted document against our schema and, when the
// reference corpus is present, against Kibana's own create-rule schema with
// kin-openapi.
func validate(t testing.TB, name string, doc []byte) {
	t.Helper()
	own, err := ownSchema()
	require.NoError(t, err)
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	require.NoError(t, err)
	require.NoError(t, own.Validate(inst), "%s: sigforge's create-rule schema", name)

	require.NoError(t, kibanatest.ValidateRuleDocument(doc), "%s: kibanatest's compact schema", name)

	ks, err := kibanaSchema()
	require.NoError(t, err)
	if ks == nil {
		return
	}
	var v any
	require.NoError(t, json.Unmarshal(doc, &v))
	require.NoError(t, ks.VisitJSON(v, openapi3.MultiErrors()), "%s: Kibana RuleCreateProps", name)
}

// TestSchemasRejectBadDocuments proves that both schemas can fail.
func TestSchemasRejectBadDocuments(t *testing.T) {
	own, err := ownSchema()
	require.NoError(t, err)
	ks, err := kibanaSchema()
	require.NoError(t, err)
	for name, doc := range map[string]string{
		"informational severity": `{"type":"query","name":"n","description":"d","risk_score":10,"severity":"informational","query":"a:b","language":"kuery"}`,
		"risk over 100":          `{"type":"query","name":"n","description":"d","risk_score":101,"severity":"low"}`,
		"eql without query":      `{"type":"eql","name":"n","description":"d","risk_score":1,"severity":"low","language":"eql"}`,
		"threshold value 0":      `{"type":"threshold","name":"n","description":"d","risk_score":1,"severity":"low","query":"a:b","threshold":{"field":[],"value":0}}`,
		"tactic without name":    `{"type":"query","name":"n","description":"d","risk_score":1,"severity":"low","threat":[{"framework":"MITRE ATT&CK","tactic":{"id":"TA0001","reference":"https://attack.mitre.org/tactics/TA0001/"}}]}`,
		"empty investigation":    `{"type":"query","name":"n","description":"d","risk_score":1,"severity":"low","investigation_fields":{"field_names":[]}}`,
	} {
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader([]byte(doc)))
		require.NoError(t, err)
		require.Error(t, own.Validate(inst), "own schema accepted %s", name)
		if ks != nil {
			var v any
			require.NoError(t, json.Unmarshal([]byte(doc), &v))
			require.Error(t, ks.VisitJSON(v), "Kibana schema accepted %s", name)
		}
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader([]byte(`{"type":"query","name":"n","description":"d","risk_score":1,"severity":"low","surprise":1}`)))
	require.NoError(t, err)
	require.Error(t, own.Validate(inst), "own schema must refuse unknown keys")
}
