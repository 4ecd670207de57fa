package eql

import (
	"testing"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/sigforge/sigforge/backends/backendtest"
)

// TestPackFixturesFlattened runs the pack's fixtures with request
// parameters compiled to the flattened fields (targets.elastic.parameters:
// flattened) instead of the flat string.
func TestPackFixturesFlattened(t *testing.T) {
	set, cfg := backendtest.LoadPack(t)
	var node yaml.Node
	require.NoError(t, yaml.Unmarshal([]byte("parameters: flattened\n"), &node))
	if cfg.Targets == nil {
		cfg.Targets = map[string]yaml.Node{}
	}
	cfg.Targets["elastic"] = *node.Content[0]
	b, err := New(cfg)
	require.NoError(t, err)
	backendtest.RunPackFixtures(t, b, set.Rules)
}
