package main

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPackIsFormatted is the CI gate `sigforge fmt --check rules` on the
// bundled pack.
func TestPackIsFormatted(t *testing.T) {
	var out, errs bytes.Buffer
	code := run([]string{"fmt", "--check", "../../rules"}, nil, &out, &errs)
	assert.Equal(t, 0, code, "stdout:\n%s\nstderr:\n%s", out.String(), errs.String())
}

// TestPackCoverage runs `sigforge coverage` on the bundled pack (the layer
// schema itself is checked in compiler/coverage).
func TestPackCoverage(t *testing.T) {
	var out, errs bytes.Buffer
	code := run([]string{"coverage", "../../rules"}, nil, &out, &errs)
	require.Equal(t, 0, code, errs.String())
	var layer struct {
		Versions   struct{ Layer string }
		Techniques []struct {
			TechniqueID string
			Score       *int
		}
	}
	require.NoError(t, json.Unmarshal(out.Bytes(), &layer))
	assert.Equal(t, "4.5", layer.Versions.Layer)
	scored := 0
	for _, te := range layer.Techniques {
		if te.Score != nil {
			scored++
		}
	}
	assert.Positive(t, scored)
}
