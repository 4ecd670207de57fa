package schematest

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestValidateXMLJUnit(t *testing.T) {
	tests := []struct {
		name, doc string
		ok        bool
	}{
		{"minimal", `<testsuites><testsuite name="a" tests="0" failures="0" errors="0"/></testsuites>`, true},
		{"cases", `<testsuites name="x" tests="2" failures="1" errors="0" time="0.5">
  <testsuite name="a" tests="2" failures="1" errors="0" skipped="0" time="1,234.5">
    <properties><property name="k" value="v"/></properties>
    <testcase name="one" classname="c"><failure message="m" type="SF904">body</failure><system-out>out</system-out></testcase>
    <testcase name="two"><skipped message="why"/></testcase>
  </testsuite></testsuites>`, true},
		{"bare testsuite root", `<testsuite name="a" tests="0" failures="0" errors="0"></testsuite>`, true},
		{"missing required attribute", `<testsuites><testsuite name="a" tests="0" failures="0"/></testsuites>`, false},
		{"undeclared attribute", `<testsuites><testsuite name="a" tests="0" failures="0" errors="0"><testcase name="x" file="f"/></testsuite></testsuites>`, false},
		{"bad time pattern", `<testsuites time="1.5s"/>`, false},
		{"text where none is allowed", `<testsuites>hello</testsuites>`, false},
		{"testcase directly under testsuites", `<testsuites><testcase name="x"/></testsuites>`, false},
		{"unknown child", `<testsuites><testsuite name="a" tests="0" failures="0" errors="0"><bogus/></testsuite></testsuites>`, false},
		{"property without value", `<testsuite name="a" tests="0" failures="0" errors="0"><properties><property name="k"/></properties></testsuite>`, false},
		{"unknown root", `<results/>`, false},
		{"not XML", `<testsuites>`, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := ValidateXML(JUnit, []byte(tc.doc))
			if tc.ok {
				require.NoError(t, err)
			} else {
				require.Error(t, err)
			}
		})
	}
}

func TestValidateJSON(t *testing.T) {
	tests := []struct {
		schema, name, doc string
		ok                bool
	}{
		{SARIF, "minimal", `{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"x"}},"results":[]}]}`, true},
		{SARIF, "wrong version", `{"version":"2.0.0","runs":[]}`, false},
		{SARIF, "result without message", `{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"x"}},"results":[{"ruleId":"SF1"}]}]}`, false},
		{SARIF, "line zero", `{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"x"}},"results":[{"message":{"text":"m"},"locations":[{"physicalLocation":{"artifactLocation":{"uri":"a.yml"},"region":{"startLine":0}}}]}]}]}`, false},
		{NavigatorLayer, "minimal", `{"name":"n","domain":"enterprise-attack","versions":{"layer":"4.5","navigator":"5.1.0"}}`, true},
		{NavigatorLayer, "old layer version", `{"name":"n","domain":"enterprise-attack","versions":{"layer":"4.4","navigator":"5.1.0"}}`, false},
		{NavigatorLayer, "old navigator", `{"name":"n","domain":"enterprise-attack","versions":{"layer":"4.5","navigator":"4.8.2"}}`, false},
		{NavigatorLayer, "bad technique id", `{"name":"n","domain":"enterprise-attack","techniques":[{"techniqueID":"1078"}]}`, false},
		{NavigatorLayer, "unknown domain", `{"name":"n","domain":"mitre-enterprise"}`, false},
		{NavigatorLayer, "unknown field", `{"name":"n","domain":"enterprise-attack","version":"4.5"}`, false},
		{NavigatorLayer, "one gradient colour", `{"name":"n","domain":"enterprise-attack","gradient":{"colors":["#ffffff"],"minValue":0,"maxValue":1}}`, false},
	}
	for _, tc := range tests {
		t.Run(tc.schema+"/"+tc.name, func(t *testing.T) {
			err := ValidateJSON(tc.schema, []byte(tc.doc))
			if tc.ok {
				require.NoError(t, err)
			} else {
				require.Error(t, err)
			}
		})
	}
}
