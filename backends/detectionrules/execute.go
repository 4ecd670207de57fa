package detectionrules

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/pelletier/go-toml/v2"

	"github.com/sigforge/sigforge/backends"
	"github.com/sigforge/sigforge/backends/kibana"
)

var _ backends.Executor = (*Backend)(nil)

// Prepare reads a TOML file and runs its rule the way the kibana target
// runs the same rule (the repository exports [rule] to Kibana as it is).
func (b *Backend) Prepare(out backends.Output) (backends.Query, error) {
	var f File
	dec := toml.NewDecoder(strings.NewReader(out.Text))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("detection-rules: %v", err)
	}
	r := f.Rule
	doc := kibana.Rule{
		RuleID: r.RuleID, Name: r.Name, Description: r.Description, Type: r.Type, Language: r.Language,
		Query: r.Query, Index: r.Index, From: r.From, Interval: r.Interval, RiskScore: r.RiskScore, Severity: r.Severity,
	}
	if th := r.Threshold; th != nil {
		doc.Threshold = &kibana.Threshold{Field: th.Field, Value: th.Value}
		for _, c := range th.Cardinality {
			doc.Threshold.Cardinality = append(doc.Threshold.Cardinality, kibana.Cardinality{Field: c.Field, Value: c.Value})
		}
	}
	text, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	return b.kibana.Prepare(backends.Output{Rule: out.Rule, Text: string(text), Ext: ".json"})
}
