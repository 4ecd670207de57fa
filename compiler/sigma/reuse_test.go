package sigma_test

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sigforge/sigforge/compiler/sigma"
)

// ruleText is a rule with every kind of node the reader walks: scalars of
// each style, lists, nested maps, a correlation and custom fields.
func ruleText(n int) string {
	return fmt.Sprintf(`title: Rule %[1]d
id: 0d3f6a52-7c1e-4b8e-9f1a-2b3c4d5e6f%02[1]d
name: rule_%[1]d
status: test
description: |
    Line one of rule %[1]d.
    Line two.
references:
    - https://example.com/%[1]d
tags:
    - attack.t1078
    - attack.defense-evasion
logsource:
    product: aws
    service: cloudtrail
detection:
    selection:
        eventSource: 'rds.amazonaws.com'
        eventName|startswith:
            - Delete%[1]d
            - "Stop%[1]d"
        requestParameters.count|gte: %[1]d
    filter:
        - userIdentity.type: AWSService
        - errorCode|exists: true
    keywords:
        - 'word %[1]d'
    condition: selection and not 1 of filter* or keywords
falsepositives: [Admin %[1]d, 'Maintenance']
level: medium
custom_map:
    key%[1]d: [a, b, %[1]d]
    nested: {}
---
title: Burst %[1]d
id: 3a5e1c7d-2b4f-4d6a-8c9e-0f1a2b3c4d%02[1]d
correlation:
    type: event_count
    rules:
        - rule_%[1]d
    group-by:
        - userIdentity.arn
    timespan: %[1]dm
    condition:
        gte: %[1]d
level: high
`, n)
}

// TestReadKeepsNoYAMLNodes: the YAML reader reuses its node memory from
// one file to the next (yamlfast.Borrow), so documents must not keep any
// *yaml.Node. Reading other files after a file must leave its documents
// exactly as a fresh read of the same file gives them.
func TestReadKeepsNoYAMLNodes(t *testing.T) {
	first, ds := sigma.Read("a.yml", []byte(ruleText(1)))
	require.False(t, ds.HasErrors(), "%s", ds)
	require.Len(t, first, 2)
	for n := 2; n < 40; n++ {
		docs, _ := sigma.Read("b.yml", []byte(ruleText(n)))
		require.Len(t, docs, 2)
	}
	again, _ := sigma.Read("a.yml", []byte(ruleText(1)))
	require.True(t, reflect.DeepEqual(again, first), "documents of a.yml changed after other files were read")
}
