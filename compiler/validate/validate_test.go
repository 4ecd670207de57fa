package validate_test

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sigforge/sigforge/compiler/source"
	"github.com/sigforge/sigforge/compiler/validate"
)

func TestCodesTable(t *testing.T) {
	seen := map[string]bool{}
	names := map[string]bool{}
	for _, c := range validate.Codes {
		assert.Regexp(t, `^SF1\d\d$`, c.ID)
		assert.False(t, seen[c.ID], "duplicate code %s", c.ID)
		assert.False(t, names[c.Name], "duplicate name %s", c.Name)
		seen[c.ID], names[c.Name] = true, true
		got, ok := validate.Lookup(c.ID)
		assert.True(t, ok)
		assert.Equal(t, c, got)
	}
	_, ok := validate.Lookup("SF999")
	assert.False(t, ok)
	unused, _ := validate.Lookup(validate.UnusedSearch)
	assert.Equal(t, source.Warning, unused.Severity)
}

func TestValues(t *testing.T) {
	assert.True(t, validate.IsUUID("5f3b6b52-4f4e-4b8e-9a55-6a1c7d2e8f01"))
	assert.True(t, validate.IsUUID("5F3B6B52-4F4E-4B8E-9A55-6A1C7D2E8F01"))
	for _, bad := range []string{"", "5f3b6b524f4e4b8e9a556a1c7d2e8f01", "5f3b6b52-4f4e-4b8e-9a55-6a1c7d2e8f0", "{5f3b6b52-4f4e-4b8e-9a55-6a1c7d2e8f01}", "zf3b6b52-4f4e-4b8e-9a55-6a1c7d2e8f01"} {
		assert.False(t, validate.IsUUID(bad), bad)
	}
	assert.True(t, validate.IsDate("2024-02-29"))
	for _, bad := range []string{"2023-02-29", "2024-1-02", "2024/01/02", "24-01-02", "2024-01-02T00:00:00Z", ""} {
		assert.False(t, validate.IsDate(bad), bad)
	}
	assert.True(t, validate.IsTag("attack.t1059.001"))
	assert.True(t, validate.IsTag("detection.threat-hunting"))
	assert.True(t, validate.IsTag("cve.2021-44228"))
	for _, bad := range []string{"attack", "Attack.t1059", "attack.T1059", ".t1059", "attack t1059"} {
		assert.False(t, validate.IsTag(bad), bad)
	}
	assert.True(t, validate.IsFieldPath("userIdentity.arn"))
	assert.True(t, validate.IsFieldPath("requestParameters.dBInstanceIdentifier"))
	assert.True(t, validate.IsFieldPath("@timestamp"))
	for _, bad := range []string{"", "a..b", "a b", ".a", "a.", "a|contains"} {
		assert.False(t, validate.IsFieldPath(bad), bad)
	}
}

func TestDefaults(t *testing.T) {
	for level, sev := range map[string]string{"": "low", "informational": "low", "low": "low", "medium": "medium", "high": "high", "critical": "critical"} {
		assert.Equal(t, sev, validate.SeverityFromLevel(level), level)
	}
	for sev, risk := range map[string]int{"low": 21, "medium": 47, "high": 73, "critical": 99} {
		assert.Equal(t, risk, validate.RiskFromSeverity(sev), sev)
	}
}

func TestTag(t *testing.T) {
	tests := []struct{ tag, code string }{
		{"attack.exfiltration", ""},
		{"attack.t1020", ""},
		{"attack.g0016", ""},
		{"car.2016-04-005", ""},
		{"tlp.amber-strict", ""},
		{"attack.t9999", validate.UnknownAttack},
		{"attack.exfil", validate.UnknownAttack},
		{"attack.t1086", validate.OutdatedAttack},
		{"attack.stealth", validate.OutdatedAttack},
		{"Attack.T1020", validate.BadTag},
	}
	for _, tt := range tests {
		var ds source.Diagnostics
		validate.Tag(tt.tag, source.Pos{File: "r.yml", Line: 3, Col: 5}, &ds)
		if tt.code == "" {
			assert.Empty(t, ds, tt.tag)
			continue
		}
		if assert.Len(t, ds, 1, tt.tag) {
			assert.Equal(t, tt.code, ds[0].Code, tt.tag)
			assert.Equal(t, "r.yml:3:5", ds[0].Pos.String())
		}
	}
}

// TestCodesDocumented keeps docs/sigma-front-end.md's table in step with
// the code table.
func TestCodesDocumented(t *testing.T) {
	data, err := os.ReadFile("../../docs/sigma-front-end.md")
	require.NoError(t, err)
	doc := string(data)
	for _, c := range validate.Codes {
		row := fmt.Sprintf("| %s | %s | %s | %s |", c.ID, c.Name, c.Severity, strings.ReplaceAll(c.Doc, "|", `\|`))
		assert.Contains(t, doc, row)
	}
}

// IsDate agrees with time.Parse on every month and day of years around
// the leap-year rules, and on what is not all digits.
func TestIsDateAgreesWithTimeParse(t *testing.T) {
	var cases []string
	for _, y := range []int{0, 4, 100, 400, 1900, 1999, 2000, 2023, 2024, 2100, 9999} {
		for m := 0; m <= 13; m++ {
			for d := 0; d <= 32; d++ {
				cases = append(cases, fmt.Sprintf("%04d-%02d-%02d", y, m, d))
			}
		}
	}
	cases = append(cases, "-999-01-01", "+024-02-29", "2024/02/29", "2024-2-029", "20x4-01-01", "2024-01-3 ", " 024-01-01")
	for _, s := range cases {
		_, err := time.Parse("2006-01-02", s)
		assert.Equal(t, err == nil, validate.IsDate(s), s)
	}
}
