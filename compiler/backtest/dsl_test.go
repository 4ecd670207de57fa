package backtest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/tools/txtar"

	kqlbackend "github.com/sigforge/sigforge/backends/kql"
	"github.com/sigforge/sigforge/compiler"
	"github.com/sigforge/sigforge/compiler/config"
	"github.com/sigforge/sigforge/compiler/corpus"
	"github.com/sigforge/sigforge/compiler/query/kql"
)

// handQueries exercise every KQL form, including some the backend does not
// emit.
var handQueries = []string{
	`event.provider:rds.amazonaws.com and event.action:(A or B) and not aws.cloudtrail.error_code:*`,
	`aws.cloudtrail.request_parameters:*publiclyAccessible=true*`,
	`a:"x y" or b > 5 or c:x*y`,
	`a < 5`, `a >= 2026-01-01`, `a <= x and b > y`,
	`foo`, `"foo bar"`, `fo*o`, `*:*`, ``,
	`a:{b:c and d:e*}`,
	`c:ab.1\-2,x;y\<z \\ w/v*`,
	`a:(b and not c)`,
	`not (a:b or c:d)`,
	`a:"quoted*" and b:"with \"escapes\""`,
	`user_agent.original:aws-cli/2.* and source.ip:10.0.0.0/8`,
}

// TestKQLToDSLMatchesKibana sends the KQL of the pack, of the KQL target's
// edge cases and of handQueries through Kibana's own conversion
// (kbn-es-query 1.0.7, driven by backends/kql/testdata/kbn/kql.js) and
// requires our DSL to be identical.
func TestKQLToDSLMatchesKibana(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed: skipping the comparison with Kibana's KQL conversion")
	}
	kbn := filepath.Join(corpus.Root(), "backends", "kql", "testdata", "kbn")
	if _, err := os.Stat(filepath.Join(kbn, "node_modules", "kbn-es-query")); err != nil {
		t.Skip("kbn-es-query is not installed (make deps): skipping the comparison with Kibana's KQL conversion")
	}
	queries := append(emitted(t), handQueries...)
	var in bytes.Buffer
	for _, q := range queries {
		line, _ := json.Marshal(map[string]string{"query": q})
		in.Write(append(line, '\n'))
	}
	cmd := exec.Command(node, "kql.js")
	cmd.Dir = kbn
	cmd.Stdin = &in
	out, err := cmd.Output()
	require.NoError(t, err)
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	i := 0
	for sc.Scan() {
		q := queries[i]
		i++
		var ans struct {
			OK    bool `json:"ok"`
			DSL   any  `json:"dsl"`
			Error string
		}
		require.NoError(t, json.Unmarshal(sc.Bytes(), &ans))
		n, perr := kql.Parse(q)
		if !ans.OK {
			require.Error(t, perr, "Kibana rejects %q (%s) but our parser accepts it", q, ans.Error)
			continue
		}
		require.NoError(t, perr, q)
		got, err := KQLToDSL(n)
		require.NoError(t, err, q)
		if !reflect.DeepEqual(normalize(got), ans.DSL) {
			gj, _ := json.Marshal(got)
			wj, _ := json.Marshal(ans.DSL)
			t.Errorf("%s\n got  %s\n want %s", q, gj, wj)
		}
	}
	require.Equal(t, len(queries), i)
	t.Logf("%d queries converted exactly as Kibana does", i)
}

func emitted(t *testing.T) []string {
	t.Helper()
	root := corpus.Root()
	cfg, err := config.Find(filepath.Join(root, "rules"))
	require.NoError(t, err)
	b, err := kqlbackend.New(cfg)
	require.NoError(t, err)
	var out []string
	add := func(set *compiler.Set) {
		for _, r := range set.Rules {
			o, err := b.Compile(r)
			if err == nil {
				out = append(out, strings.TrimSpace(o.Text))
			}
		}
	}
	set, ds := compiler.Load([]string{filepath.Join(root, "rules")}, compiler.Options{Config: cfg})
	require.False(t, ds.HasErrors(), "%v", ds)
	add(set)
	cases, _ := filepath.Glob(filepath.Join(root, "backends", "kql", "testdata", "edge", "*.txtar"))
	for _, c := range cases {
		a, err := txtar.ParseFile(c)
		require.NoError(t, err)
		for _, f := range a.Files {
			if f.Name == "rule.yml" {
				s, _ := compiler.Parse(c, f.Data, compiler.Options{})
				add(s)
			}
		}
	}
	require.NotEmpty(t, out)
	return out
}

func normalize(v any) any {
	b, _ := json.Marshal(v)
	var out any
	_ = json.Unmarshal(b, &out)
	return out
}
