package kibanatest

import (
	"bytes"
	"mime/multipart"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sigforge/sigforge/compiler/corpus"
)

const validRule = `{"rule_id":"11111111-1111-4111-8111-111111111111","name":"n","description":"d","risk_score":47,"severity":"medium","type":"eql","language":"eql","query":"any where true"}`

func multipartBody(t *testing.T) (string, []byte) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, err := mw.CreateFormFile("file", "rules.ndjson")
	require.NoError(t, err)
	_, _ = fw.Write([]byte(validRule + "\n"))
	require.NoError(t, mw.Close())
	return mw.FormDataContentType(), buf.Bytes()
}

func TestValidators(t *testing.T) {
	ctype, mp := multipartBody(t)
	cases := []struct {
		name, method, target, ctype, body string
		valid                             bool
	}{
		{"create eql", "POST", "/api/detection_engine/rules", "application/json", validRule, true},
		{"create threshold", "POST", "/api/detection_engine/rules", "application/json", `{"name":"n","description":"d","risk_score":21,"severity":"low","type":"threshold","language":"kuery","query":"event.outcome:failure","threshold":{"field":["user.name"],"value":10}}`, true},
		{"create risk over 100", "POST", "/api/detection_engine/rules", "application/json", `{"name":"n","description":"d","risk_score":101,"severity":"low","type":"query","query":"x"}`, false},
		{"create informational severity", "POST", "/api/detection_engine/rules", "application/json", `{"name":"n","description":"d","risk_score":1,"severity":"informational","type":"query","query":"x"}`, false},
		{"create eql without query", "POST", "/api/detection_engine/rules", "application/json", `{"name":"n","description":"d","risk_score":1,"severity":"low","type":"eql","language":"eql"}`, false},
		{"create without name", "POST", "/api/detection_engine/rules", "application/json", `{"description":"d","risk_score":1,"severity":"low","type":"query","query":"x"}`, false},
		{"read by rule_id", "GET", "/api/detection_engine/rules?rule_id=abc", "", "", true},
		{"find paged", "GET", "/api/detection_engine/rules/_find?page=2&per_page=100&sort_field=name&filter=alert.attributes.tags:x", "", "", true},
		{"find bad per_page", "GET", "/api/detection_engine/rules/_find?per_page=many", "", "", false},
		{"bulk enable", "POST", "/api/detection_engine/rules/_bulk_action", "application/json", `{"action":"enable","ids":["a"]}`, true},
		{"bulk unknown action", "POST", "/api/detection_engine/rules/_bulk_action", "application/json", `{"action":"explode"}`, false},
		{"export some", "POST", "/api/detection_engine/rules/_export?exclude_export_details=true", "application/json", `{"objects":[{"rule_id":"a"}]}`, true},
		{"import", "POST", "/api/detection_engine/rules/_import?overwrite=true", ctype, string(mp), true},
		{"unknown path", "POST", "/api/detection_engine/rulez", "application/json", `{}`, false},
	}
	validators := map[string]Validator{}
	cv, err := NewCompactValidator()
	require.NoError(t, err)
	validators["compact"] = cv
	if path, ok := corpus.Path(SpecFile); ok {
		ov, err := NewOpenAPIValidator(path)
		require.NoError(t, err)
		validators["openapi"] = ov
	}
	for vname, v := range validators {
		for _, c := range cases {
			t.Run(vname+"/"+c.name, func(t *testing.T) {
				r := httptest.NewRequest(c.method, c.target, bytes.NewReader([]byte(c.body)))
				if c.ctype != "" {
					r.Header.Set("Content-Type", c.ctype)
				}
				err := v.ValidateRequest(r, r.URL.Path, []byte(c.body))
				if c.valid {
					assert.NoError(t, err)
				} else {
					assert.Error(t, err)
				}
			})
		}
	}
}

func TestValidateRuleDocument(t *testing.T) {
	require.NoError(t, ValidateRuleDocument([]byte(validRule)))
	err := ValidateRuleDocument([]byte(`{"name":"n","description":"d","risk_score":47,"severity":"urgent","type":"query"}`))
	require.Error(t, err)
}
