package esql

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pelletier/go-toml/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sigforge/sigforge/compiler/corpus"
	"github.com/sigforge/sigforge/compiler/event"
)

// TestElasticESQLRule parses Elastic's ES|QL AWS rule from the corpus
// ("AWS Discovery API Calls via CLI from a Single Resource": more than 5
// distinct Describe/Get/List/Generate actions in 10 s by one ARN via
// aws-cli) and runs it on documents built for it.
func TestElasticESQLRule(t *testing.T) {
	dir := corpus.Dir(t, "elastic-detection-rules")
	data, err := os.ReadFile(filepath.Join(dir, "related", "discovery_multiple_discovery_api_calls_via_cli.toml"))
	require.NoError(t, err)
	var f struct {
		Rule struct {
			Language string `toml:"language"`
			Query    string `toml:"query"`
		} `toml:"rule"`
	}
	require.NoError(t, toml.Unmarshal(data, &f))
	require.Equal(t, "esql", f.Rule.Language)
	q, err := Parse("discovery_multiple_discovery_api_calls_via_cli.toml", f.Rule.Query)
	require.NoError(t, err)

	start := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	mk := func(actions []string, spacing time.Duration, agent string) []Doc {
		var out []Doc
		for i, a := range actions {
			at := start.Add(time.Duration(i) * spacing)
			js := fmt.Sprintf(`{"@timestamp":%q,"data_stream":{"dataset":"aws.cloudtrail"},"source":{"ip":"1.2.3.4"},
				"event":{"provider":"ec2.amazonaws.com","action":%q},"user_agent":{"name":%q},"user":{"name":"dev"},
				"aws":{"cloudtrail":{"user_identity":{"arn":"arn:aws:iam::1:user/dev","type":"IAMUser"}}}}`, at.Format(time.RFC3339), a, agent)
			m, err := event.Decode([]byte(js))
			require.NoError(t, err)
			out = append(out, Doc{Fields: m, Time: at})
		}
		return out
	}
	six := []string{"DescribeInstances", "DescribeVpcs", "ListBuckets", "GetCallerIdentity", "DescribeDBInstances", "GenerateCredentialReport"}
	assert.NotEmpty(t, q.Run(mk(six, time.Second, "aws-cli")), "six distinct discovery calls in 6 s")
	assert.Empty(t, q.Run(mk(six[:5], time.Second, "aws-cli")), "five are not more than five")
	assert.Empty(t, q.Run(mk(six, time.Second, "Boto3")), "not aws-cli")
	assert.Empty(t, q.Run(mk(six, 3*time.Second, "aws-cli")), "spread over several 10 s buckets")
	assert.Empty(t, q.Run(mk(append(six[:5], "CreateUser"), time.Second, "aws-cli")), "CreateUser is not discovery")
}
