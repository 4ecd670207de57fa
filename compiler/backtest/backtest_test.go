package backtest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sigforge/sigforge/backends"
	"github.com/sigforge/sigforge/backends/eql"
	"github.com/sigforge/sigforge/backends/esql"
	kqlbackend "github.com/sigforge/sigforge/backends/kql"
	"github.com/sigforge/sigforge/compiler"
	"github.com/sigforge/sigforge/compiler/config"
	"github.com/sigforge/sigforge/compiler/corpus"
	"github.com/sigforge/sigforge/compiler/event"
)

func TestScopeESQL(t *testing.T) {
	cases := []struct{ in, want string }{
		{
			"FROM logs-aws.cloudtrail-* METADATA _id, _index, _version\n| WHERE event.action == \"StopDBInstance\"",
			"FROM ds METADATA _id, _index, _version\n| WHERE `sigforge.case` == \"fixtures/x/positive/a \\\"b\\\".json\"\n| WHERE event.action == \"StopDBInstance\"",
		},
		{
			"FROM logs-aws.cloudtrail-*\n| WHERE a == \"b\"\n| EVAL bucket = DATE_TRUNC(10 minutes, @timestamp)\n| STATS n = COUNT(*) BY bucket\n| WHERE n >= 10",
			"FROM ds\n| WHERE `sigforge.case` == \"fixtures/x/positive/a \\\"b\\\".json\"\n| WHERE a == \"b\"\n| EVAL bucket = DATE_TRUNC(10 minutes, @timestamp)\n| STATS n = COUNT(*) BY bucket\n| WHERE n >= 10",
		},
	}
	for _, c := range cases {
		got, err := ScopeESQL(c.in, "ds", `fixtures/x/positive/a "b".json`)
		require.NoError(t, err)
		assert.Equal(t, c.want, got)
	}
	_, err := ScopeESQL("ROW a = 1", "ds", "c")
	assert.ErrorContains(t, err, "does not start with FROM")
	_, err = ScopeESQL("FROM a, b | WHERE x", "ds", "c")
	assert.ErrorContains(t, err, "several sources")
}

func TestDocument(t *testing.T) {
	fields, err := event.Decode([]byte(`{"eventVersion":"1.08","eventTime":"2026-03-01T10:00:00Z","eventSource":"rds.amazonaws.com","eventName":"StopDBInstance","awsRegion":"eu-west-1","sourceIPAddress":"203.0.113.7","requestParameters":{"dBInstanceIdentifier":"prod-db"}}`))
	require.NoError(t, err)
	doc, err := Document(event.New(fields, "x.json"), "fixtures/x/positive/x.json")
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(doc, &m))
	got, _ := event.Lookup(m, "event.action")
	assert.Equal(t, []any{"StopDBInstance"}, got)
	got, _ = event.Lookup(m, "event.ingested")
	assert.Equal(t, []any{"2026-03-01T10:00:00Z"}, got)
	got, _ = event.Lookup(m, CaseField)
	assert.Equal(t, []any{"fixtures/x/positive/x.json"}, got)
	got, _ = event.Lookup(m, "source.ip")
	assert.Equal(t, []any{"203.0.113.7"}, got)
}

// fakeES answers the calls a backtest makes. Queries "fire" on the
// positive fixtures, except for the case named in lie, where they stay
// quiet, so that a disagreement is reported.
type fakeES struct {
	mu       sync.Mutex
	docs     map[string][]map[string]any // by case
	paths    []string
	lie      string
	esqlSeen []string
}

func (f *fakeES) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Elastic-Product", "Elasticsearch")
	w.Header().Set("Content-Type", "application/json")
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.paths = append(f.paths, r.Method+" "+r.URL.Path)
	caseOf := func(b []byte) string {
		var q struct {
			Query  any `json:"query"`
			Filter struct {
				Term map[string]string `json:"term"`
			} `json:"filter"`
		}
		_ = json.Unmarshal(b, &q)
		if c := q.Filter.Term[CaseField]; c != "" {
			return c
		}
		s, _ := json.Marshal(q.Query)
		i := strings.Index(string(s), `"`+CaseField+`":"`)
		if i < 0 {
			return ""
		}
		rest := string(s)[i+len(CaseField)+4:]
		return rest[:strings.IndexByte(rest, '"')]
	}
	fires := func(c string) bool { return strings.Contains(c, "/positive/") && c != f.lie }
	switch {
	case strings.HasSuffix(r.URL.Path, "/_bulk"):
		sc := bufio.NewScanner(bytes.NewReader(body))
		sc.Buffer(make([]byte, 1<<20), 1<<24)
		var items []any
		for sc.Scan() {
			var action map[string]any
			_ = json.Unmarshal(sc.Bytes(), &action)
			if _, ok := action["create"]; !ok {
				http.Error(w, `{"error":"data streams take create actions only"}`, 400)
				return
			}
			sc.Scan()
			var doc map[string]any
			_ = json.Unmarshal(sc.Bytes(), &doc)
			c := doc["sigforge"].(map[string]any)["case"].(string)
			f.docs[c] = append(f.docs[c], doc)
			items = append(items, map[string]any{"create": map[string]any{"status": 201}})
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"errors": false, "items": items})
	case strings.HasSuffix(r.URL.Path, "/_eql/search"):
		var events []any
		if c := caseOf(body); fires(c) {
			events = append(events, map[string]any{"_source": f.docs[c][0]})
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"hits": map[string]any{"events": events}})
	case r.URL.Path == "/_query":
		var q struct{ Query string }
		_ = json.Unmarshal(body, &q)
		f.esqlSeen = append(f.esqlSeen, q.Query)
		line := strings.Split(q.Query, "\n")[1]
		c := line[strings.Index(line, `"`)+1 : strings.LastIndex(line, `"`)]
		var values []any
		if fires(c) {
			values = append(values, []any{1})
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"columns": []any{}, "values": values})
	case strings.HasSuffix(r.URL.Path, "/_search"):
		n := 0
		if fires(caseOf(body)) {
			n = 1
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"hits": map[string]any{"total": map[string]any{"value": n}}})
	default:
		_, _ = w.Write([]byte(`{"acknowledged":true}`))
	}
}

func TestRunnerAgainstFakeElasticsearch(t *testing.T) {
	root := corpus.Root()
	rulesDir := filepath.Join(root, "rules")
	cfg, err := config.Find(rulesDir)
	require.NoError(t, err)
	set, ds := compiler.Load([]string{filepath.Join(rulesDir, "aws_rds_db_instance_stopped.yml")}, compiler.Options{Config: cfg})
	require.False(t, ds.HasErrors(), "%v", ds)

	fake := &fakeES{docs: map[string][]map[string]any{}}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	es, err := NewClient(Config{URL: srv.URL})
	require.NoError(t, err)

	e, _ := eql.New(cfg)
	q, _ := esql.New(cfg)
	k, _ := kqlbackend.New(cfg)
	runner := &Runner{ES: es, Targets: []backends.Backend{e, q, k}, FixturesDir: filepath.Join(root, "fixtures"), Name: "logs-sigforge.backtest-test"}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rep, err := runner.Run(ctx, set.Rules)
	require.NoError(t, err)
	var out bytes.Buffer
	rep.Print(&out)
	assert.Zero(t, rep.Failed(), out.String())
	assert.Greater(t, rep.Indexed, 3)
	assert.Contains(t, out.String(), "PASS  aws_rds_db_instance_stopped  eql  ")
	assert.Contains(t, out.String(), "sigforge fired=true")
	assert.Contains(t, fake.paths, "PUT /_index_template/logs-sigforge.backtest-test")
	assert.Contains(t, fake.paths, "PUT /_data_stream/logs-sigforge.backtest-test")
	assert.Contains(t, fake.paths, "DELETE /_data_stream/logs-sigforge.backtest-test")
	require.NotEmpty(t, fake.esqlSeen)
	assert.True(t, strings.HasPrefix(fake.esqlSeen[0], "FROM logs-sigforge.backtest-test"), fake.esqlSeen[0])

	// A verdict Elasticsearch disagrees on is a failure naming the fixture.
	var positive string
	for c := range fake.docs {
		if strings.Contains(c, "/positive/") {
			positive = c
			break
		}
	}
	fake.lie = positive
	runner.Name = "logs-sigforge.backtest-test2"
	rep, err = runner.Run(ctx, set.Rules)
	require.NoError(t, err)
	out.Reset()
	rep.Print(&out)
	assert.Equal(t, 3, rep.Failed(), out.String())
	assert.Contains(t, out.String(), "FAIL  aws_rds_db_instance_stopped  kql  "+positive+": elasticsearch fired=false, sigforge fired=true, fixture is positive")
	assert.Contains(t, out.String(), "FAIL  aws_rds_db_instance_stopped  esql  "+positive+": elasticsearch fired=false, sigforge fired=true, fixture is positive")
}

// TestLiveElasticsearch runs the whole pack's EQL, ES|QL and KQL on a real
// Elasticsearch (SIGFORGE_ES_URL, with SIGFORGE_ES_API_KEY or
// SIGFORGE_ES_USERNAME/SIGFORGE_ES_PASSWORD) and requires the same verdicts
// as sigforge's evaluators.
func TestLiveElasticsearch(t *testing.T) {
	cfgES := ConfigFromEnv()
	if cfgES.URL == "" {
		t.Skip("SIGFORGE_ES_URL not set: skipping the backtest against a real Elasticsearch")
	}
	root := corpus.Root()
	cfg, err := config.Find(filepath.Join(root, "rules"))
	require.NoError(t, err)
	set, ds := compiler.Load([]string{filepath.Join(root, "rules")}, compiler.Options{Config: cfg})
	require.False(t, ds.HasErrors(), "%v", ds)
	es, err := NewClient(cfgES)
	require.NoError(t, err)
	e, _ := eql.New(cfg)
	q, _ := esql.New(cfg)
	k, _ := kqlbackend.New(cfg)
	runner := &Runner{ES: es, Targets: []backends.Backend{e, q, k}, FixturesDir: filepath.Join(root, "fixtures")}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	rep, err := runner.Run(ctx, set.Rules)
	require.NoError(t, err)
	var out bytes.Buffer
	rep.Print(&out)
	t.Log(out.String())
	assert.Zero(t, rep.Failed())
}
