package push_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sigforge/sigforge/backends/kibana/client"
	"github.com/sigforge/sigforge/backends/kibana/push"
)

// TestLiveKibana pushes rules to a real Kibana, pushes again (a no-op), reads
// them back and deletes them. It runs only with SIGFORGE_KIBANA_URL set (and
// SIGFORGE_KIBANA_API_KEY or SIGFORGE_KIBANA_USERNAME/PASSWORD).
func TestLiveKibana(t *testing.T) {
	cfg := client.ConfigFromEnv()
	if cfg.URL == "" {
		t.Skip("SIGFORGE_KIBANA_URL not set: skipping the test against a real Kibana")
	}
	c, err := client.New(cfg)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	opts := push.Options{OwnerTag: "Managed by: sigforge-live-test"}
	docs, err := push.Stamp(pack(), opts)
	require.NoError(t, err)
	t.Cleanup(func() {
		for _, d := range docs {
			_ = c.DeleteRule(context.Background(), d.RuleID())
		}
	})

	plan, err := push.MakePlan(ctx, c, docs, opts)
	require.NoError(t, err)
	require.NoError(t, push.Apply(ctx, c, plan, opts))
	assert.Equal(t, "3 created, 0 updated, 0 unchanged, 0 deleted", plan.Summary(true))

	plan, err = push.MakePlan(ctx, c, docs, opts)
	require.NoError(t, err)
	require.NoError(t, push.Apply(ctx, c, plan, opts))
	assert.Equal(t, "0 created, 0 updated, 3 unchanged, 0 deleted", plan.Summary(true))

	for _, d := range docs {
		got, err := c.ReadRule(ctx, d.RuleID())
		require.NoError(t, err)
		assert.Equal(t, d["name"], got["name"])
		assert.Empty(t, push.Diff(got, d), "Kibana changed fields of %s", d.RuleID())
	}

	plan, err = push.MakePlan(ctx, c, nil, push.Options{OwnerTag: opts.OwnerTag, Prune: true})
	require.NoError(t, err)
	require.NoError(t, push.Apply(ctx, c, plan, opts))
	assert.Equal(t, "0 created, 0 updated, 0 unchanged, 3 deleted", plan.Summary(true))
}
