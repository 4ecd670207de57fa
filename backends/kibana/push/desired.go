package push

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/sigforge/sigforge/backends"
	"github.com/sigforge/sigforge/backends/kibana/client"
	"github.com/sigforge/sigforge/compiler/ir"
)

// Desired compiles rules with the Kibana target into rule documents. Rules
// the target cannot express are returned apart (they are not pushed); any
// other compile error fails the whole call, so that a broken rule never
// leads to a push (or a prune) of a partial pack.
func Desired(target backends.Backend, rules []*ir.Rule) ([]client.Rule, []*backends.Unsupported, error) {
	var docs []client.Rule
	var skipped []*backends.Unsupported
	for _, r := range rules {
		out, err := target.Compile(r)
		var un *backends.Unsupported
		switch {
		case errors.As(err, &un):
			skipped = append(skipped, un)
			continue
		case err != nil:
			return nil, nil, fmt.Errorf("%s: %w", r.Pos, err)
		}
		var doc client.Rule
		if err := json.Unmarshal([]byte(out.Text), &doc); err != nil {
			return nil, nil, fmt.Errorf("%s: %s output is not a JSON rule document: %w", r.Pos, target.Name(), err)
		}
		docs = append(docs, doc)
	}
	return docs, skipped, nil
}
