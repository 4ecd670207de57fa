package attack_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sigforge/sigforge/compiler/attack"
	"github.com/sigforge/sigforge/compiler/ir"
)

func TestCatalog(t *testing.T) {
	tacs := attack.Tactics()
	require.Len(t, tacs, 14)
	assert.Equal(t, "reconnaissance", tacs[0].ShortName)
	assert.Equal(t, "impact", tacs[13].ShortName)

	tac, ok := attack.LookupTactic("defense-evasion")
	require.True(t, ok)
	assert.Equal(t, "TA0005", tac.ID)
	assert.Equal(t, "Defense Evasion", tac.Name)

	tech, ok := attack.LookupTechnique("t1578.002")
	require.True(t, ok)
	assert.Equal(t, "T1578.002", tech.ID)
	assert.Equal(t, "Create Cloud Instance", tech.Name)
	assert.Equal(t, "T1578", tech.Parent)
	assert.Equal(t, []string{"defense-evasion"}, tech.Tactics)
	assert.True(t, tech.Active())

	_, ok = attack.LookupTechnique("T9999")
	assert.False(t, ok)
}

func TestCurrentFollowsRevokedChains(t *testing.T) {
	// T1073 was revoked by T1574.002, itself revoked by T1574.001.
	old, ok := attack.LookupTechnique("T1073")
	require.True(t, ok)
	assert.True(t, old.Revoked)
	assert.Equal(t, "T1574.001", attack.Current(old).ID)
	active, _ := attack.LookupTechnique("T1020")
	assert.Same(t, active, attack.Current(active))
}

func TestClassifyTag(t *testing.T) {
	tests := []struct {
		name string
		want attack.TagKind
	}{
		{"exfiltration", attack.TagTactic},
		{"command-and-control", attack.TagTactic},
		{"t1020", attack.TagTechnique},
		{"t1578.002", attack.TagTechnique},
		{"t1086", attack.TagTechnique}, // revoked, still in the catalog
		{"g0016", attack.TagOther},
		{"s0002", attack.TagOther},
		{"ds0005", attack.TagOther},
		{"m1047", attack.TagOther},
		{"t9999", attack.TagUnknown},
		{"t1578.999", attack.TagUnknown},
		{"evasion", attack.TagUnknown},
		{"stealth", attack.TagNewer},
		{"defense-impairment", attack.TagNewer},
		{"t1685.001", attack.TagNewer},
		{"t12", attack.TagInvalid},
		{"T1020", attack.TagInvalid}, // tags are lowercase
		{"", attack.TagInvalid},
	}
	for _, tt := range tests {
		kind, _ := attack.ClassifyTag(tt.name)
		assert.Equal(t, tt.want, kind, tt.name)
	}
}

func threatString(ts []ir.Tactic) []string {
	var out []string
	for _, tac := range ts {
		s := tac.ID + ":"
		for _, tech := range tac.Techniques {
			s += " " + tech.ID
			for _, sub := range tech.Subtechniques {
				s += "/" + sub.ID
			}
		}
		out = append(out, s)
	}
	return out
}

func TestThreat(t *testing.T) {
	tests := []struct {
		name string
		tags []string
		want []string
	}{
		{"tactic and technique", []string{"attack.exfiltration", "attack.t1020"}, []string{"TA0010: T1020"}},
		{"technique under every rule tactic it has",
			[]string{"attack.persistence", "attack.privilege-escalation", "attack.t1098"},
			[]string{"TA0003: T1098", "TA0004: T1098"}},
		{"technique without a matching tactic goes under its first catalog tactic",
			[]string{"attack.impact", "attack.t1020"},
			[]string{"TA0010: T1020", "TA0040:"}},
		{"sub-techniques nested, sorted, parent listed once",
			[]string{"attack.defense-evasion", "attack.t1578.002", "attack.t1578.001", "attack.t1578"},
			[]string{"TA0005: T1578/T1578.001/T1578.002"}},
		{"matrix order of tactics",
			[]string{"attack.impact", "attack.reconnaissance", "attack.initial-access"},
			[]string{"TA0043:", "TA0001:", "TA0040:"}},
		{"revoked technique is replaced", []string{"attack.execution", "attack.t1086"}, []string{"TA0002: T1059/T1059.001"}},
		{"unknown and other tags ignored", []string{"attack.t9999", "attack.g0016", "car.2016-04-005", "attack.stealth"}, nil},
		{"case of the tag", []string{"attack.Exfiltration", "ATTACK.T1020"}, []string{"TA0010: T1020"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, threatString(attack.Threat(tt.tags)))
		})
	}
	th := attack.Threat([]string{"attack.defense-evasion", "attack.t1578.002"})
	require.Len(t, th, 1)
	assert.Equal(t, "https://attack.mitre.org/tactics/TA0005/", th[0].Reference)
	assert.Equal(t, "Modify Cloud Compute Infrastructure", th[0].Techniques[0].Name)
	assert.Equal(t, "https://attack.mitre.org/techniques/T1578/002/", th[0].Techniques[0].Subtechniques[0].Reference)
}
